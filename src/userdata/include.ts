/**
 * `#include` and `#include-once`: one URL per line (blank and "#" lines
 * skipped; "#include-once" switches the following URLs to fetch-once). URLs
 * are fetched only over http(s) and only when the stage may use the network.
 * An include-once body is kept in the instance's URL cache, so it is fetched
 * once per instance even though user-data is processed every boot.
 */
import { sha1 } from '../text/sha1.ts';
import type { IncludeRecord, UserDataEnv } from './types.ts';

export interface IncludeLine {
  url: string;
  once: boolean;
}

export function includeLines(text: string): IncludeLine[] {
  const out: IncludeLine[] = [];
  let once = false;
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    const lower = line.toLowerCase();
    if (lower.startsWith('#include-once')) {
      once = true;
      line = line.slice('#include-once'.length).trim();
    } else if (lower.startsWith('#include')) {
      line = line.slice('#include'.length).trim();
    }
    if (line === '' || line.startsWith('#')) continue;
    out.push({ url: line, once });
  }
  return out;
}

/** A URL fit for a log: its query string may carry a token. */
export function showUrl(url: string): string {
  const q = url.search(/[?#]/);
  return JSON.stringify(q < 0 ? url : `${url.slice(0, q)}?…`);
}

/** The include-once cache file name of a URL (cloud-init names it by the URL's MD5; see docs/differences.md). */
export function cacheKey(url: string): string {
  return Buffer.from(sha1(Buffer.from(url, 'utf8'))).toString('hex');
}

/** The body of one include, or a reason it could not be had (no content in it). */
export async function fetchInclude(line: IncludeLine, env: UserDataEnv): Promise<{ body: Buffer; record: IncludeRecord } | { problem: string; record: IncludeRecord }> {
  const record: IncludeRecord = { url: showUrl(line.url).slice(1, -1), once: line.once, fromCache: false, ok: false };
  if (!/^https?:\/\//i.test(line.url)) {
    // Only the scheme is shown: the line may be anything the user wrote (a password pasted into the wrong part).
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(line.url)?.[1];
    const what = scheme === undefined ? 'a line that is not a URL' : `a URL with the scheme ${scheme.toLowerCase()}:`;
    return { problem: `${what}; only http and https URLs are fetched`, record: { ...record, url: `(${what})` } };
  }
  const key = cacheKey(line.url);
  if (line.once) {
    const cached = env.readCache?.(key) ?? null;
    if (cached !== null) {
      record.fromCache = true;
      record.ok = true;
      return { body: cached, record };
    }
  }
  if (env.stage !== 'network' || !env.fetch) return { problem: `${showUrl(line.url)} is not fetched: includes are fetched in the network stage`, record };
  let status: number;
  let body: Buffer;
  try {
    ({ status, body } = await env.fetch(line.url));
  } catch (e) {
    // The error text may repeat the URL with its query: say only what kind of failure it was.
    const reason = (e as Error).message.split(line.url).join(showUrl(line.url).slice(1, -1));
    return { problem: `${showUrl(line.url)} could not be fetched (${reason})`, record };
  }
  if (status < 200 || status > 299) return { problem: `${showUrl(line.url)} answered HTTP ${status}; not included`, record };
  record.ok = true;
  if (line.once) env.writeCache?.(key, body);
  return { body, record };
}
