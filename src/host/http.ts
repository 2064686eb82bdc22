/**
 * The one HTTP client of the agent: GET with a per-request timeout, a number
 * of retries with backoff, a bounded body, and cloud-init's User-Agent.
 * (Tokens, 503 Retry-After and budgets for metadata services come with the
 * datasources that need them.)
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { VERSION } from '../version.ts';

export interface GetOptions {
  timeoutMs?: number;
  retries?: number;
  /** Pause before the n-th retry is backoffMs * 2^(n-1). */
  backoffMs?: number;
  maxBytes?: number;
  headers?: Record<string, string>;
  /** Statuses worth another attempt (default: every 5xx); others are returned at once. */
  retryOn?: (status: number) => boolean;
  /**
   * Total budget in milliseconds for all attempts and pauses: each attempt's
   * timeout is cut to what is left, and no attempt starts after it.
   */
  budgetMs?: number;
  /** Abandon the request (a race another URL won): it fails at once and its socket is closed. */
  signal?: AbortSignal;
}

export interface GetResult {
  status: number;
  body: Buffer;
  /** Retry-After of the answer in milliseconds (seconds or an HTTP date), when given. */
  retryAfterMs?: number;
}

export { isTransientStatus } from './http-status.ts';

/** Longest pause a Retry-After may ask for before the next attempt. */
export const MAX_RETRY_AFTER_MS = 30_000;

function retryAfter(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export class HttpError extends Error {
  constructor(url: string, reason: string) {
    super(`${url}: ${reason}`);
    this.name = 'HttpError';
  }
}

interface RequestSpec {
  method: 'GET' | 'PUT' | 'POST';
  body?: Buffer;
  timeoutMs: number;
  maxBytes: number;
  headers: Record<string, string>;
  /** How many redirects may still be followed (0: none, a 3xx is returned as it is). */
  redirects: number;
  signal?: AbortSignal;
}

/**
 * Parse `url`. An IPv6 link-local host names its interface as a zone
 * ("http://[fe80::a9fe:a9fe%eth0]/", or "%25eth0" as RFC 6874 writes it),
 * which WHATWG URL parsing rejects: the URL is parsed without the zone, and
 * the zone is returned apart, for the address to connect to.
 */
function parseUrl(url: string): { u: URL; zone?: string } | undefined {
  const m = /^([a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?\[[0-9a-f:.]+)%(?:25)?([^\]%/]+)(\].*)$/is.exec(url);
  try {
    return m ? { u: new URL(`${m[1]}${m[3]}`), zone: m[2] } : { u: new URL(url) };
  } catch {
    return undefined;
  }
}

/** `u` as a string, with the zone put back when it is still the same link-local host. */
function withZone(u: URL, host: string, zone: string | undefined): string {
  return zone && u.hostname === host ? u.href.replace(host, `${host.slice(0, -1)}%25${zone}]`) : u.href;
}

/** One request: a bounded answer within the time limit, redirects followed as far as allowed. */
function request(url: string, spec: RequestSpec): Promise<GetResult> {
  return new Promise((resolve, reject) => {
    const parsed = parseUrl(url);
    if (!parsed) {
      reject(new HttpError(url, 'not a valid URL'));
      return;
    }
    const { u, zone } = parsed;
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      reject(new HttpError(url, `the scheme ${u.protocol} is not supported (http and https are)`));
      return;
    }
    const headers: Record<string, string> = { 'User-Agent': `Cloud-Init/${VERSION} (stratus)`, ...spec.headers };
    if (spec.body) headers['Content-Length'] = String(spec.body.length);
    // A zone means something on this machine only: the socket gets it, the Host header does not.
    if (zone && !Object.keys(headers).some((k) => k.toLowerCase() === 'host')) headers['Host'] = u.host;
    const target = zone ? { hostname: `${u.hostname.slice(1, -1)}%${zone}` } : {};
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method: spec.method, headers, timeout: spec.timeoutMs, ...target, ...(spec.signal ? { signal: spec.signal } : {}) });
    let settled = false;
    // A process that waited for the CPU (a busy host, a starved guest) can wake with its timer due and the answer already
    // in the socket. Timers run before I/O callbacks, so the expiry waits one turn of the loop (setImmediate runs after
    // them) and gives way to an answer that completed in that turn.
    const expire = (message: string) =>
      setImmediate(() => {
        if (!settled) req.destroy(new HttpError(url, message));
      });
    const timer = setTimeout(() => expire(`no complete answer within ${Math.round(spec.timeoutMs)} ms`), spec.timeoutMs);
    req.on('timeout', () => expire(`no answer within ${Math.round(spec.timeoutMs)} ms`));
    req.on('error', (e) => {
      settled = true;
      clearTimeout(timer);
      reject(e instanceof HttpError ? e : new HttpError(url, e.message));
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (spec.redirects > 0 && status >= 300 && status < 400 && location !== undefined) {
        res.resume();
        settled = true;
        clearTimeout(timer);
        resolve(request(withZone(new URL(location, u), u.hostname, zone), { ...spec, redirects: spec.redirects - 1 }));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > spec.maxBytes) req.destroy(new HttpError(url, `the answer is larger than ${spec.maxBytes} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => {
        settled = true;
        clearTimeout(timer);
        const after = retryAfter(res.headers['retry-after']);
        resolve({ status, body: Buffer.concat(chunks), ...(after === undefined ? {} : { retryAfterMs: after }) });
      });
      res.on('error', (e) => {
        settled = true;
        clearTimeout(timer);
        // node says only "aborted" when the server closes mid-body: say how much of what was announced came.
        const announced = res.headers['content-length'];
        const cut = e.message === 'aborted' ? `the connection closed after ${size}${announced === undefined ? '' : ` of ${announced}`} bytes of the answer` : e.message;
        reject(new HttpError(url, cut));
      });
    });
    req.end(spec.body);
  });
}

/**
 * GET `url`. Network errors and the statuses `retryOn` names (5xx) are
 * retried with backoff, or after the answer's Retry-After; other statuses
 * are returned. Within `budgetMs` when given.
 */
export async function httpGet(url: string, options: GetOptions = {}): Promise<GetResult> {
  return httpFetch('GET', url, options);
}

/** PUT with an empty body (IMDSv2's token request), with httpGet's retries and budget. */
export async function httpPut(url: string, options: GetOptions = {}): Promise<GetResult> {
  return httpFetch('PUT', url, options);
}

async function httpFetch(method: 'GET' | 'PUT', url: string, options: GetOptions): Promise<GetResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const spec: RequestSpec = { method, ...(method === 'PUT' ? { body: Buffer.alloc(0) } : {}), timeoutMs, maxBytes: options.maxBytes ?? 16 * 1024 * 1024, headers: options.headers ?? {}, redirects: 5, ...(options.signal ? { signal: options.signal } : {}) };
  const retries = options.retries ?? 3;
  const backoff = options.backoffMs ?? 250;
  const retryOn = options.retryOn ?? ((s: number) => s >= 500);
  const deadline = options.budgetMs === undefined ? Infinity : Date.now() + options.budgetMs;
  let last: Error | undefined;
  let pause = 0;
  let outOfBudget = false;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (options.signal?.aborted) break;
    if (attempt > 0) {
      if (Date.now() + pause >= deadline) {
        outOfBudget = true;
        break;
      }
      await new Promise((r) => setTimeout(r, pause));
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      outOfBudget = true;
      break;
    }
    try {
      const r = await request(url, { ...spec, timeoutMs: Math.min(timeoutMs, left) });
      if (!retryOn(r.status)) return r;
      last = new HttpError(url, `HTTP ${r.status}`);
      pause = r.retryAfterMs === undefined ? backoff * 2 ** attempt : Math.min(r.retryAfterMs, MAX_RETRY_AFTER_MS);
    } catch (e) {
      last = e as Error;
      pause = backoff * 2 ** attempt;
    }
  }
  if (outOfBudget || (Number.isFinite(deadline) && Date.now() >= deadline)) {
    throw new HttpError(url, `no usable answer within the ${Math.round(options.budgetMs ?? 0)} ms budget${last ? ` (last: ${last.message.replace(`${url}: `, '')})` : ''}`);
  }
  throw last ?? new HttpError(url, 'no attempt made');
}

export interface PostOptions {
  timeoutMs?: number;
  /** Attempts after the first. */
  retries?: number;
  /** Pause between attempts. */
  pauseMs?: number;
  headers?: Record<string, string>;
}

/**
 * POST `body` to `url` (no redirects followed: a report is not resent to
 * another place). Network errors and any non-2xx answer are retried; the
 * last failure is thrown.
 */
export async function httpPost(url: string, body: Buffer | string, options: PostOptions = {}): Promise<GetResult> {
  const data = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const retries = options.retries ?? 0;
  let last: Error | undefined;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, options.pauseMs ?? 1000));
    try {
      // The answer to a report is not used beyond its status: a little of it is enough.
      const r = await request(url, { method: 'POST', body: data, timeoutMs: options.timeoutMs ?? 10_000, maxBytes: 65536, headers: options.headers ?? {}, redirects: 0 });
      if (r.status >= 200 && r.status < 300) return r;
      last = new HttpError(url, `HTTP ${r.status}`);
    } catch (e) {
      last = e as Error;
    }
  }
  throw last ?? new HttpError(url, 'no attempt made');
}
