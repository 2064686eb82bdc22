/**
 * OpenStack's metadata service. In the local stage (cloud-init's
 * OpenStackLocal) it is reached through an ephemeral DHCP lease on the
 * fallback NIC, torn down after the crawl; in the network stage through the
 * OS network. The candidate URLs (`datasource.OpenStack.metadata_urls`, by
 * default the IPv6 link-local fe80::a9fe:a9fe on the NIC and
 * 169.254.169.254) are asked for /openstack at once; the first that answers
 * is crawled: the same tree as a config drive, plus the EC2-style tree
 * from the same base URL.
 *
 * Budgets (datasource.OpenStack): `timeout` per request (10 s), `retries`
 * per request (5), `max_wait` for the whole crawl, discovery included (60 s;
 * cloud-init has no total bound).
 */
import { datasourceConfig, positiveNumber } from '../config.ts';
import { nowMs } from '../../host/clock.ts';
import { isTransientStatus } from '../../host/http-status.ts';
import type { Mapping } from '../../text/reader.ts';
import { crawlMetadataTree } from '../ec2/tree.ts';
import { DatasourceError, type CrawlContext, type Crawled, type Source } from '../types.ts';
import { recrawlHotplug } from '../hotplug-recrawl.ts';
import { checkNovaInstanceId, treeToCrawled } from './crawled.ts';
import { serviceGetter, serviceReader } from './service.ts';
import { readOpenStackTree } from './tree.ts';

export const DEFAULT_TIMEOUT_S = 10;
export const DEFAULT_RETRIES = 5;
export const DEFAULT_MAX_WAIT_S = 60;
const IPV4_URL = 'http://169.254.169.254';
const LINK_LOCAL = 'fe80::a9fe:a9fe';

/** The URLs to try: configured, or link-local IPv6 on the NIC in use (when known) and 169.254.169.254. */
export function metadataUrls(ds: Mapping, iface: string | null): string[] {
  const given = ds['metadata_urls'];
  if (Array.isArray(given)) {
    const urls = given.filter((u): u is string => typeof u === 'string' && /^https?:\/\//.test(u));
    if (urls.length > 0) return urls.map((u) => u.replace(/\/+$/, ''));
  }
  return iface === null ? [IPV4_URL] : [`http://[${LINK_LOCAL}%25${iface}]`, IPV4_URL];
}

/**
 * The first base URL whose /openstack answers 200 with a version list, all
 * asked at once (each retried as any request, within `budgetMs`: a 503
 * while nova-api restarts is not a missing service); else why none did.
 */
async function firstAnswering(ctx: CrawlContext, bases: readonly string[], opts: { timeoutMs: number; retries: number; budgetMs: number }): Promise<{ base: string } | { reasons: string[] }> {
  // The losers are abandoned: a request to an address nobody holds would otherwise hang on until its timeout.
  const race = new AbortController();
  const tries = bases.map(async (base) => {
    const r = await ctx.httpGet(`${base}/openstack`, { timeoutMs: opts.timeoutMs, retries: opts.retries, retryOn: isTransientStatus, budgetMs: opts.budgetMs, signal: race.signal });
    if (r.status !== 200 || r.body.toString('utf8').trim() === '') throw new Error(`${base}/openstack: HTTP ${r.status}`);
    return base;
  });
  try {
    const winner = await Promise.any(tries);
    race.abort();
    return { base: winner };
  } catch (e) {
    const reasons = e instanceof AggregateError ? e.errors.map((x: unknown) => (x as Error).message) : [(e as Error).message];
    ctx.log.debug(`OpenStack metadata service not reached: ${reasons.join('; ')}`);
    return { reasons };
  }
}

async function crawl(ctx: CrawlContext): Promise<Crawled | null> {
  const ds = datasourceConfig(ctx.cfg, 'OpenStack');
  const timeoutMs = positiveNumber(ds['timeout'], DEFAULT_TIMEOUT_S) * 1000;
  const retries = Math.floor(positiveNumber(ds['retries'], DEFAULT_RETRIES));
  const maxWaitMs = positiveNumber(ds['max_wait'], DEFAULT_MAX_WAIT_S) * 1000;
  // Before any lease: is a service reachable already (the OS network is up)?
  const probe = metadataUrls(ds, null).map((u) => `${u}/openstack`);
  const linkLocal = metadataUrls(ds, 'x').some((u) => u.includes(`[${LINK_LOCAL}%`));
  return ctx.withNetwork(probe, async (net) => {
    const bases = metadataUrls(ds, net.iface);
    const started = nowMs();
    const first = await firstAnswering(ctx, bases, { timeoutMs, retries, budgetMs: maxWaitMs });
    // The reasons say which fault it was (refused, no answer, an HTTP status) — what an operator needs from the status.
    if (!('base' in first)) throw new DatasourceError(`no OpenStack metadata service answered at ${bases.map((b) => `${b}/openstack`).join(' or ')} (${first.reasons.join('; ')})`);
    const base = first.base;
    const get = serviceGetter(ctx, base, { timeoutMs, retries, deadline: started + maxWaitMs });
    const tree = await readOpenStackTree(serviceReader(base, get), ctx.log);
    if (tree === null) throw new DatasourceError(`${base}/openstack: no version list`);
    try {
      const ec2 = await crawlMetadataTree('latest/meta-data/', { get });
      if (Object.keys(ec2).length > 0) tree.ec2MetaData = ec2;
    } catch (e) {
      ctx.log.warn(`${base}/latest/meta-data/: the EC2-style metadata is not used: ${(e as Error).message}`);
    }
    if (ds['apply_network_config'] === false && tree.networkConfig !== null) {
      ctx.log.info('datasource.OpenStack.apply_network_config is false: the network config of the metadata service is not used');
      tree.networkConfig = null;
    }
    const mode = tree.dsmode === 'local' || tree.dsmode === 'net' ? tree.dsmode : tree.dsmode === 'disabled' ? 'disabled' : 'net';
    if (mode === 'disabled') {
      ctx.log.info(`${base}: dsmode is disabled`);
      return null;
    }
    ctx.log.debug(`OpenStack metadata ${tree.version} from ${base} in ${(nowMs() - started).toFixed(0)} ms`);
    return treeToCrawled(tree, { dsname: 'OpenStack', subplatform: `metadata (${base})`, dsmode: mode });
  }, { ipv6LinkLocal: linkLocal });
}

/** Hotplug (off unless enabled): the metadata service is read again until network_data.json lists the new port's MAC. */
export const openStack: Source = { dsname: 'OpenStack', stages: ['local', 'network'], crawl, checkInstanceId: checkNovaInstanceId, hotplug: recrawlHotplug(crawl) };
