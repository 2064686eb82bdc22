/**
 * Hotplug for datasources whose data is read again whole (NoCloud's seed,
 * OpenStack's metadata service, a config drive): the crawl is run again,
 * and a new NIC counts as described once its MAC appears in the network
 * config — or at once when that config names no MAC at all (matched by
 * name, legacy ENI text, or none: the fallback), where there is nothing to
 * wait for. A config drive is written once, when the instance is created
 * (Nova does not rewrite it when a port is attached): it is read again once
 * and a NIC it does not name is not waited for.
 */
import { DatasourceError, NOT_LISTED, type CrawlContext, type Crawled, type HotplugSupport } from './types.ts';

const MAC = /[0-9a-f]{2}(:[0-9a-f]{2}){5}/i;

/** Per MAC: [] when the network config text names it, or names no MAC at all; else [NOT_LISTED]. */
export function listedMacs(networkText: string | null, macs: readonly string[]): Record<string, string[]> {
  const text = (networkText ?? '').toLowerCase();
  const anyMac = MAC.test(text);
  return Object.fromEntries(macs.map((m) => [m.toLowerCase(), !anyMac || text.includes(m.toLowerCase()) ? [] : [NOT_LISTED]]));
}

/** `final`: the source's data is written once per instance (a config drive), so re-reading it cannot bring a new NIC. */
export function recrawlHotplug(crawl: (ctx: CrawlContext) => Promise<Crawled | null>, opts: { final?: boolean } = {}): HotplugSupport {
  return {
    defaultOn: false,
    open(ctx: CrawlContext, cached: Crawled) {
      return Promise.resolve({
        ...(opts.final ? { final: true } : {}),
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
