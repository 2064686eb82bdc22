/**
 * The cached instance: what the datasource returned, as versioned JSON in
 * the instance directory (cloud-init pickles a Python object there; a
 * pickle breaks on every upgrade and cannot be inspected). A cache that is
 * missing, truncated or of another version is reported and treated as
 * absent: the datasource is crawled again.
 */
import type { RootFs } from '../host/root-fs.ts';
import type { Crawled, DsMode, NetworkConfigInput } from '../sources/types.ts';
import { isMapping } from '../text/reader.ts';
import { VERSION } from '../version.ts';
import { instanceDir, paths } from './paths.ts';

export const CACHE_VERSION = 1;
export const CACHE_FILE = 'stratus-instance.json';

export interface InstanceCache {
  version: typeof CACHE_VERSION;
  /** stratus version that wrote it (informational). */
  writtenBy: string;
  /** ISO time of the crawl. */
  crawledAt: string;
  /** How long the crawl took, in milliseconds. */
  crawlMs: number;
  crawled: Crawled;
}

interface Encoded {
  userData: string | null;
  vendorData: string | null;
  vendorData2: string | null;
}

function b64(b: Buffer | null): string | null {
  return b === null ? null : b.toString('base64');
}

export function cacheText(c: InstanceCache): string {
  // Injected files are written by the crawl that found them and never again: not cached.
  const { userData, vendorData, vendorData2, injectedFiles: _written, ...rest } = c.crawled;
  const encoded: Encoded = { userData: b64(userData), vendorData: b64(vendorData), vendorData2: b64(vendorData2) };
  return `${JSON.stringify({ ...c, crawled: { ...rest, ...encoded } }, null, 1)}\n`;
}

export function cachePath(instanceId: string): string {
  return `${instanceDir(instanceId)}/${CACHE_FILE}`;
}

function str(v: unknown): v is string {
  return typeof v === 'string';
}

function buf(v: unknown): Buffer | null | undefined {
  if (v === null) return null;
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) return undefined;
  return Buffer.from(v, 'base64');
}

function networkInput(v: unknown): NetworkConfigInput | null | undefined {
  if (v === null) return null;
  if (!isMapping(v) || !str(v['source']) || !str(v['text'])) return undefined;
  const kind = v['kind'];
  if (kind !== 'yaml' && kind !== 'network_data.json' && kind !== 'eni' && kind !== 'ec2') return undefined;
  return { source: v['source'], kind, text: v['text'] };
}

/** Parse a cache file; a problem string says why it cannot be used. */
export function parseCache(text: string): { cache: InstanceCache } | { problem: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { problem: `not valid JSON (${(e as Error).message}); the file is truncated or corrupt` };
  }
  if (!isMapping(v)) return { problem: 'not a JSON object' };
  if (v['version'] !== CACHE_VERSION) return { problem: `cache version ${JSON.stringify(v['version'])} is not ${CACHE_VERSION}` };
  const c = v['crawled'];
  if (!isMapping(c)) return { problem: 'no crawled data' };
  const userData = buf(c['userData']);
  const vendorData = buf(c['vendorData']);
  const vendorData2 = buf(c['vendorData2']);
  const networkConfig = networkInput(c['networkConfig']);
  const dsmode = c['dsmode'];
  if (
    !str(c['dsname']) || !str(c['instanceId']) || c['instanceId'] === '' || !str(c['platform']) || !str(c['subplatform']) ||
    !str(c['cloudName']) || !isMapping(c['metaData']) || !isMapping(c['config']) ||
    (dsmode !== 'local' && dsmode !== 'net' && dsmode !== 'disabled') ||
    userData === undefined || vendorData === undefined || vendorData2 === undefined || networkConfig === undefined ||
    !str(v['crawledAt']) || typeof v['crawlMs'] !== 'number'
  ) {
    return { problem: 'a field is missing or has the wrong type' };
  }
  const dsData = c['dsData'];
  const b64Keys = c['base64MetaKeys'];
  if ((dsData !== undefined && !isMapping(dsData)) || (b64Keys !== undefined && !(Array.isArray(b64Keys) && b64Keys.every(str)))) {
    return { problem: 'dsData or base64MetaKeys has the wrong type' };
  }
  return {
    cache: {
      version: CACHE_VERSION,
      writtenBy: str(v['writtenBy']) ? v['writtenBy'] : 'unknown',
      crawledAt: v['crawledAt'],
      crawlMs: v['crawlMs'],
      crawled: {
        dsname: c['dsname'],
        instanceId: c['instanceId'],
        platform: c['platform'],
        subplatform: c['subplatform'],
        cloudName: c['cloudName'],
        dsmode: dsmode as DsMode,
        metaData: c['metaData'],
        userData,
        vendorData,
        vendorData2,
        networkConfig,
        config: c['config'],
        ...(dsData === undefined ? {} : { dsData }),
        ...(b64Keys === undefined ? {} : { base64MetaKeys: b64Keys as string[] }),
      },
    },
  };
}

/** The cache of the current instance (via the `instance` link), or why there is none. */
export function readCurrentCache(fs: RootFs): { cache: InstanceCache } | { problem: string | null } {
  const text = fs.readText(`${paths.instanceLink}/${CACHE_FILE}`);
  if (text === null) return { problem: null };
  const r = parseCache(text);
  if ('problem' in r) return { problem: `${paths.instanceLink}/${CACHE_FILE}: ${r.problem}` };
  return r;
}

export function newCache(crawled: Crawled, crawlMs: number, now: Date): InstanceCache {
  return { version: CACHE_VERSION, writtenBy: VERSION, crawledAt: now.toISOString(), crawlMs, crawled };
}
