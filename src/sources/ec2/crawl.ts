/**
 * One crawl of an EC2 instance metadata service: the API version, the
 * meta-data tree (concurrently, bounded), user-data and, on AWS, the
 * instance identity document. A part that fails fails the crawl, with the
 * URL and the reason: never an empty tree taken for a real one.
 */
import { parseJson } from '../../text/json.ts';
import { isMapping, type Mapping } from '../../text/reader.ts';
import { DatasourceError } from '../types.ts';
import type { ImdsClient } from './imds.ts';
import { crawlMetadataTree } from './tree.ts';

/** Newest first; the first that serves meta-data/instance-id is used, else the oldest, which every EC2-compatible service has. */
export const API_VERSIONS = ['2021-03-23', '2018-09-24', '2016-09-02'] as const;
export const FALLBACK_API_VERSION = '2009-04-04';

export interface Ec2Crawl {
  apiVersion: string;
  metaData: Mapping;
  userData: Buffer | null;
  /** dynamic/instance-identity/document (AWS). */
  identity: Mapping | null;
}

/** The newest API version the service has, asked for all at once. */
export async function negotiateVersion(client: ImdsClient): Promise<string> {
  const answers = await Promise.all(
    API_VERSIONS.map(async (v) => {
      try {
        return (await client.get(`${v}/meta-data/instance-id`)).status === 200;
      } catch (e) {
        // A 403 means the service is off: no other version will do better.
        if ((e as Error).name === 'ImdsDisabledError') throw e;
        return false;
      }
    }),
  );
  return API_VERSIONS.find((_, i) => answers[i]) ?? FALLBACK_API_VERSION;
}

/**
 * User-data as the service gives it; when the whole of it is valid base64
 * (what the API accepts), the decoded bytes, as cloud-init does.
 */
export function decodeUserData(body: Buffer): Buffer {
  const text = body.toString('latin1').trim();
  if (text.length > 0 && text.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    const decoded = Buffer.from(text, 'base64');
    if (decoded.toString('base64') === text) return decoded;
  }
  return body;
}

export async function crawlEc2(client: ImdsClient, opts: { identity: boolean; concurrency?: number }): Promise<Ec2Crawl> {
  const apiVersion = await negotiateVersion(client);
  // allSettled: no request is left running when a part fails (the caller tears down the network next).
  const settled = await Promise.allSettled([
    crawlMetadataTree(`${apiVersion}/meta-data/`, { get: (p) => client.get(p), concurrency: opts.concurrency ?? 8 }),
    (async () => {
      const r = await client.get(`${apiVersion}/user-data`);
      if (r.status === 404) return null;
      if (r.status !== 200) throw new DatasourceError(`${client.base}/${apiVersion}/user-data: HTTP ${r.status}`);
      return r.body.length === 0 ? null : decodeUserData(r.body);
    })(),
    opts.identity
      ? (async () => {
          const path = `${apiVersion}/dynamic/instance-identity/document`;
          const r = await client.get(path);
          if (r.status !== 200) throw new DatasourceError(`${client.base}/${path}: HTTP ${r.status}`);
          const parsed = parseJson(r.body.toString('utf8'), `${client.base}/${path}`);
          if (!parsed.ok) throw new DatasourceError(parsed.message);
          if (!isMapping(parsed.value)) throw new DatasourceError(`${client.base}/${path}: not a JSON object`);
          return parsed.value;
        })()
      : Promise.resolve(null),
  ] as const);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const [metaData, userData, identity] = settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [Mapping, Buffer | null, Mapping | null];
  if (typeof metaData['instance-id'] !== 'string' || metaData['instance-id'] === '') {
    throw new DatasourceError(`${client.base}/${apiVersion}/meta-data/: no instance-id`);
  }
  return { apiVersion, metaData, userData, identity };
}

/**
 * MACs whose data has not propagated yet: a NIC other than the primary (the
 * top-level `mac`) with no device-number, or device-number 0 on network card
 * 0, which belongs to the primary. AWS's own tooling waits for these.
 */
export function pendingMacs(metaData: Mapping): string[] {
  const network = metaData['network'];
  const interfaces = isMapping(network) ? network['interfaces'] : undefined;
  const macs = isMapping(interfaces) ? interfaces['macs'] : undefined;
  if (!isMapping(macs)) return [];
  const primary = typeof metaData['mac'] === 'string' ? metaData['mac'].toLowerCase() : null;
  return Object.entries(macs)
    .filter(([mac, v]) => {
      if (primary === null || mac.toLowerCase() === primary || !isMapping(v)) return false;
      const dev = v['device-number'];
      const card = v['network-card'];
      return dev === undefined || ((dev === '0' || dev === 0) && (card === undefined || card === '0' || card === 0));
    })
    .map(([mac]) => mac);
}

/** How long the boot waits for a NIC's metadata to propagate, at most. */
export const PROPAGATION_WAIT_MS = 10_000;

/**
 * Fetch the network subtree again, with growing pauses, until no NIC is
 * pending or the wait (and the budget) is over; the tree as it is then is
 * kept, and the converter leaves the still-pending NICs out with a warning.
 */
export async function awaitPropagation(client: ImdsClient, c: Ec2Crawl, log: { info(m: string): void; warn(m: string): void }, waitMs = PROPAGATION_WAIT_MS): Promise<void> {
  let pending = pendingMacs(c.metaData);
  if (pending.length === 0) return;
  const end = Date.now() + waitMs;
  let pause = 250;
  log.info(`Ec2: the metadata of ${pending.join(', ')} has not propagated yet (no device-number); waiting up to ${waitMs / 1000} s`);
  while (pending.length > 0 && Date.now() + pause < end) {
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(pause * 2, 2_000);
    const network = await crawlMetadataTree(`${c.apiVersion}/meta-data/network/`, { get: (p) => client.get(p) });
    c.metaData['network'] = network;
    pending = pendingMacs(c.metaData);
  }
  if (pending.length > 0) log.warn(`Ec2: the metadata of ${pending.join(', ')} did not propagate within ${waitMs / 1000} s; those NICs are left out`);
  else log.info('Ec2: the NICs\' metadata is complete');
}
