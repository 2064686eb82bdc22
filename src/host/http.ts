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
}

export interface GetResult {
  status: number;
  body: Buffer;
}

export class HttpError extends Error {
  constructor(url: string, reason: string) {
    super(`${url}: ${reason}`);
    this.name = 'HttpError';
  }
}

interface RequestSpec {
  method: 'GET' | 'POST';
  body?: Buffer;
  timeoutMs: number;
  maxBytes: number;
  headers: Record<string, string>;
  /** How many redirects may still be followed (0: none, a 3xx is returned as it is). */
  redirects: number;
}

/** One request: a bounded answer within the time limit, redirects followed as far as allowed. */
function request(url: string, spec: RequestSpec): Promise<GetResult> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      reject(new HttpError(url, 'not a valid URL'));
      return;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      reject(new HttpError(url, `the scheme ${u.protocol} is not supported (http and https are)`));
      return;
    }
    const headers: Record<string, string> = { 'User-Agent': `Cloud-Init/${VERSION} (stratus)`, ...spec.headers };
    if (spec.body) headers['Content-Length'] = String(spec.body.length);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method: spec.method, headers, timeout: spec.timeoutMs });
    const timer = setTimeout(() => req.destroy(new HttpError(url, `no complete answer within ${spec.timeoutMs} ms`)), spec.timeoutMs);
    req.on('timeout', () => req.destroy(new HttpError(url, `no answer within ${spec.timeoutMs} ms`)));
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e instanceof HttpError ? e : new HttpError(url, e.message));
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (spec.redirects > 0 && status >= 300 && status < 400 && location !== undefined) {
        res.resume();
        clearTimeout(timer);
        resolve(request(new URL(location, u).toString(), { ...spec, redirects: spec.redirects - 1 }));
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
        clearTimeout(timer);
        resolve({ status, body: Buffer.concat(chunks) });
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        reject(new HttpError(url, e.message));
      });
    });
    req.end(spec.body);
  });
}

/** GET `url`. Network errors and 5xx answers are retried; other statuses are returned. */
export async function httpGet(url: string, options: GetOptions = {}): Promise<GetResult> {
  const spec: RequestSpec = { method: 'GET', timeoutMs: options.timeoutMs ?? 10_000, maxBytes: options.maxBytes ?? 16 * 1024 * 1024, headers: options.headers ?? {}, redirects: 5 };
  const retries = options.retries ?? 3;
  const backoff = options.backoffMs ?? 250;
  let last: Error | undefined;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, backoff * 2 ** (attempt - 1)));
    try {
      const r = await request(url, spec);
      if (r.status < 500) return r;
      last = new HttpError(url, `HTTP ${r.status}`);
    } catch (e) {
      last = e as Error;
    }
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
