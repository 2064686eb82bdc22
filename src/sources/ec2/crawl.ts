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
