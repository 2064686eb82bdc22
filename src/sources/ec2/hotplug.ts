/**
 * EC2 and NIC hotplug. IMDS publishes a new NIC's data asynchronously: at
 * the udev `add` event its `ipv6s` (and sometimes `device-number` or
 * `local-ipv4s`) may be missing. A session keeps one token; `refresh` lists
 * `network/interfaces/macs/` and reads the subtrees of the NICs asked about
 * and of NICs the cache does not know (the others are taken from the cache:
 * an instance with many NICs costs a new NIC's keys, not all of them), and
 * says what is still missing per NIC; `poll` asks only for the missing
 * keys, one request each, so waiting for propagation costs little.
 */
import { nowMs } from '../../host/clock.ts';
import { isMapping, type Mapping } from '../../text/reader.ts';
import { datasourceConfig, positiveNumber } from '../config.ts';
import { DatasourceError, NOT_LISTED, type CrawlContext, type Crawled, type HotplugRefresh, type HotplugSession } from '../types.ts';
import { pendingMacs } from './crawl.ts';
import { ImdsClient } from './imds.ts';
import { crawlMetadataTree, listingEntries } from './tree.ts';

/** The whole session (token, refreshes, polls) has this long. */
export const HOTPLUG_SESSION_BUDGET_MS = 120_000;

function macEntry(metaData: Mapping, mac: string): Mapping | null {
  const network = metaData['network'];
  const interfaces = isMapping(network) ? network['interfaces'] : undefined;
  const macs = isMapping(interfaces) ? interfaces['macs'] : undefined;
  if (!isMapping(macs)) return null;
  const key = Object.keys(macs).find((k) => k.toLowerCase() === mac.toLowerCase());
  const v = key === undefined ? undefined : macs[key];
  return isMapping(v) ? v : null;
}

const present = (v: unknown): boolean => (typeof v === 'string' ? v.trim() !== '' : Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null);

/**
 * What the metadata still lacks for `mac` to be configured completely: the
 * NIC itself, a real device-number (0 on a NIC that is not the primary means
 * not yet propagated), its IPv4 addresses, and its IPv6 addresses whenever
 * its subnet has an IPv6 block.
 */
export function nicMissing(metaData: Mapping, mac: string): string[] {
  const e = macEntry(metaData, mac);
  if (e === null) return [NOT_LISTED];
  const missing: string[] = [];
  if (pendingMacs(metaData).some((m) => m.toLowerCase() === mac.toLowerCase())) missing.push('device-number');
  if (!present(e['local-ipv4s'])) missing.push('local-ipv4s');
  if (present(e['subnet-ipv6-cidr-blocks']) && !present(e['ipv6s'])) missing.push('ipv6s');
  return missing;
}

/** The per-MAC entries of the cached metadata, by lower-case MAC. */
function cachedMacs(metaData: Mapping): Map<string, Mapping> {
  const network = metaData['network'];
  const interfaces = isMapping(network) ? network['interfaces'] : undefined;
  const macs = isMapping(interfaces) ? interfaces['macs'] : undefined;
  const out = new Map<string, Mapping>();
  if (isMapping(macs)) for (const [k, v] of Object.entries(macs)) if (isMapping(v)) out.set(k.toLowerCase(), v);
  return out;
}

/** The network input as the crawl hands it on (converted when the local NICs are known). */
export function ec2NetworkText(metaData: Mapping, full: boolean, fallbackInterface: string | null): string {
  return JSON.stringify({ mac: metaData['mac'] ?? null, network: metaData['network'] ?? null, full, fallbackInterface });
}

export async function openEc2Hotplug(ctx: CrawlContext, cached: Crawled, opts: { urls: string[]; requireToken: boolean }): Promise<HotplugSession> {
  const ds = datasourceConfig(ctx.cfg, 'Ec2');
  const deadline = nowMs() + HOTPLUG_SESSION_BUDGET_MS;
  const client = await ImdsClient.connect(ctx, opts.urls, {
    timeoutMs: positiveNumber(ds['timeout'], 5) * 1000,
    retries: Math.floor(positiveNumber(ds['retries'], 5)),
    deadline,
    requireToken: opts.requireToken,
  });
  const api = typeof cached.dsData?.['_metadata_api_version'] === 'string' ? cached.dsData['_metadata_api_version'] : 'latest';
  const full = ds['apply_full_imds_network_config'] !== false;
  return {
    async refresh(macs): Promise<HotplugRefresh> {
      const dir = `${api}/meta-data/network/interfaces/macs/`;
      const listing = await client.get(dir);
      if (listing.status !== 200) throw new DatasourceError(`${client.base}/${dir}: HTTP ${listing.status}`);
      const wanted = new Set(macs.map((m) => m.toLowerCase()));
      const known = cachedMacs(cached.metaData);
      const entries = listingEntries(listing.body.toString('utf8'), dir).filter((e) => e.isDir && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(e.name));
      const read = await Promise.all(
        entries.map(async (e) => {
          const old = known.get(e.name.toLowerCase());
          if (old && !wanted.has(e.name.toLowerCase())) return [e.name, old] as const;
          return [e.name, await crawlMetadataTree(`${dir}${e.name}/`, { get: (p) => client.get(p), maxDepth: 1 })] as const;
        }),
      );
      const network: Mapping = { interfaces: { macs: Object.fromEntries(read) } };
      const metaData: Mapping = { ...cached.metaData, network };
      const missing: Record<string, string[]> = {};
      for (const mac of macs) missing[mac.toLowerCase()] = nicMissing(metaData, mac);
      return {
        network: { source: `${client.base}/${api}/meta-data/network/`, kind: 'ec2', text: ec2NetworkText(metaData, full, null) },
        missing,
        metaData,
      };
    },
    async poll(mac, missing): Promise<boolean> {
      const base = `${api}/meta-data/network/interfaces/macs/`;
      for (const key of missing) {
        if (key === NOT_LISTED) {
          const r = await client.get(base);
          if (r.status !== 200 || !r.body.toString('utf8').toLowerCase().split('\n').some((l) => l.replace(/\/$/, '') === mac.toLowerCase())) return false;
          continue;
        }
        const r = await client.get(`${base}${mac}/${key}`);
        const value = r.body.toString('utf8').trim();
        if (r.status !== 200 || value === '' || (key === 'device-number' && value === '0')) return false;
      }
      return true;
    },
  };
}
