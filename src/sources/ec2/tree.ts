/**
 * The EC2-style metadata tree (`latest/meta-data/`), crawled concurrently
 * with a bound on requests in flight: a directory lists its entries one per
 * line, a name ending in "/" is a subdirectory, and `public-keys/` lists
 * "0=name" lines whose key is at "0/openssh-key" (kept under "name", as
 * cloud-init keeps it). Leaves are decoded as cloud-init does (leafValue).
 * Served by EC2 itself and, as a
 * compatibility tree, by OpenStack and CloudStack.
 *
 * A missing leaf (404) is left out; any other failure fails the crawl: a
 * subtree that could not be read is an error, never an empty mapping.
 */
import type { Mapping } from '../../text/reader.ts';
import { DatasourceError, type HttpResponse } from '../types.ts';

export interface TreeCrawlOptions {
  /** GET one path under the base ("latest/meta-data/", "latest/meta-data/ami-id"). */
  get(path: string): Promise<HttpResponse>;
  /** Requests in flight at once (default 8). */
  concurrency?: number;
  /** Entries (directories and leaves) at most (default 2000): a hostile service cannot keep the boot busy. */
  maxEntries?: number;
  /** Names not crawled at all (default: security-credentials, which holds live IAM keys). */
  skip?: readonly string[];
  /** Directory depth at most (default 12). */
  maxDepth?: number;
}

/** A limiter: at most `n` of the functions given run at once. */
function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

export interface ListingEntry {
  /** The path segment to fetch. */
  name: string;
  isDir: boolean;
  /** public-keys/ lists "0=my-key": the key named my-key is at 0/openssh-key. */
  keyName?: string;
}

/** Directory listing lines → entries. */
export function listingEntries(text: string, dir: string): ListingEntry[] {
  const out: ListingEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    // An entry is one path segment of a URL: an empty one would list the directory again, a control character cannot be sent.
    if (line === '' || /[\0-\x1f\x7f]/.test(line)) continue;
    if (dir.endsWith('public-keys/') && line.includes('=')) {
      const name = line.slice(0, line.indexOf('='));
      if (name !== '') out.push({ name, isDir: true, keyName: line.slice(line.indexOf('=') + 1) });
      continue;
    }
    const name = line.replace(/\/+$/, '');
    if (name !== '') out.push({ name, isDir: line.endsWith('/') });
  }
  return out;
}

/**
 * A leaf as cloud-init keeps it: a JSON object when the text is one, a list
 * of lines when there are several (local-ipv4s, ipv6s), else the text.
 */
export function leafValue(text: string): unknown {
  const t = text.trim();
  if (t.startsWith('{') && t.endsWith('}')) {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return text;
    }
  }
  return text.includes('\n') ? text.split('\n').filter((l) => l !== '') : text;
}

export async function crawlMetadataTree(root: string, opts: TreeCrawlOptions): Promise<Mapping> {
  const limit = limiter(opts.concurrency ?? 8);
  const maxEntries = opts.maxEntries ?? 2000;
  const maxDepth = opts.maxDepth ?? 12;
  const skip = new Set(opts.skip ?? ['security-credentials']);
  let entries = 0;

  const fetch = async (path: string): Promise<Buffer | null> => {
    const r = await limit(() => opts.get(path));
    if (r.status === 404) return null;
    if (r.status !== 200) throw new DatasourceError(`${path}: HTTP ${r.status}`);
    return r.body;
  };

  const dir = async (path: string, depth: number): Promise<Mapping> => {
    const listing = await fetch(path);
    if (listing === null) throw new DatasourceError(`${path}: HTTP 404 for a directory the tree lists`);
    const out: Mapping = {};
    const work: Promise<void>[] = [];
    for (const { name, isDir, keyName } of listingEntries(listing.toString('utf8'), path)) {
      if (skip.has(name) || name.includes('/') || name === '.' || name === '..') continue;
      if (++entries > maxEntries) throw new DatasourceError(`${root}: more than ${maxEntries} entries; the tree is not crawled further`);
      if (isDir && depth >= maxDepth) throw new DatasourceError(`${path}${name}/: deeper than ${maxDepth} levels`);
      // Keys in listing order, whatever order the answers come in.
      const key = keyName ?? name;
      out[key] = null;
      const leaf = (p: string) =>
        fetch(p).then((b) => {
          if (b === null) delete out[key];
          else out[key] = leafValue(b.toString('utf8'));
        });
      work.push(keyName !== undefined ? leaf(`${path}${name}/openssh-key`) : isDir ? dir(`${path}${name}/`, depth + 1).then((v) => void (out[key] = v)) : leaf(`${path}${name}`));
    }
    // Every request settles before the crawl answers: none is left running when the caller tears down the network.
    const failed = (await Promise.allSettled(work)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return out;
  };

  return dir(root.endsWith('/') ? root : `${root}/`, 0);
}
