/**
 * Hotplug for datasources whose data is published with the NIC (NoCloud's
 * seed, OpenStack's metadata service and config drive): the crawl is run
 * again, and a new NIC counts as described once its MAC appears in the
 * network config — or at once when that config names no MAC at all
 * (matched by name, or legacy ENI text), where there is nothing to wait for.
 */
import { DatasourceError, type CrawlContext, type Crawled, type HotplugSupport } from './types.ts';

/** What HotplugRefresh.missing says for a NIC the platform does not list (yet). */
export const NOT_LISTED = 'the NIC';

const MAC = /[0-9a-f]{2}(:[0-9a-f]{2}){5}/i;

/** Per MAC: [] when the network config text names it, or names no MAC at all; else [NOT_LISTED]. */
export function listedMacs(networkText: string | null, macs: readonly string[]): Record<string, string[]> {
  const text = (networkText ?? '').toLowerCase();
  const anyMac = MAC.test(text);
  return Object.fromEntries(macs.map((m) => [m.toLowerCase(), !anyMac || text.includes(m.toLowerCase()) ? [] : [NOT_LISTED]]));
}

export function recrawlHotplug(crawl: (ctx: CrawlContext) => Promise<Crawled | null>): HotplugSupport {
  return {
    defaultOn: false,
    open(ctx: CrawlContext, cached: Crawled) {
      return Promise.resolve({
        async refresh(macs: readonly string[]) {
          const fresh = await crawl(ctx);
          if (!fresh) throw new DatasourceError(`${cached.dsname}: the datasource is not there any more`);
          if (fresh.instanceId !== cached.instanceId) {
            throw new DatasourceError(`${cached.dsname} now names instance ${fresh.instanceId}, not ${cached.instanceId}; the next boot takes it up`);
          }
          return { network: fresh.networkConfig, missing: listedMacs(fresh.networkConfig?.text ?? null, macs), metaData: fresh.metaData };
        },
      });
    },
  };
}
