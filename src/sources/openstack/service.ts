/**
 * The OpenStack metadata service as a tree reader: `<base>/openstack` lists
 * the versions, `<base>/openstack/<version>/<file>` serves the files. Only
 * connection errors, 408, 429 and 5xx are retried (429 and 503 after their
 * Retry-After); any other status fails at once. Every request comes out of
 * one budget, so a slow or flapping service ends the crawl in stated time.
 */
import { isTransientStatus } from '../../host/http.ts';
import { nowMs } from '../../host/clock.ts';
import { DatasourceError, type CrawlContext, type HttpResponse } from '../types.ts';
import type { TreeReader } from './tree.ts';


export interface ServiceOptions {
  /** Per request, in milliseconds. */
  timeoutMs: number;
  /** Attempts after the first, per request. */
  retries: number;
  /** The whole crawl ends by this time (nowMs() based). */
  deadline: number;
}

/** GET base/path within what is left of the budget; DatasourceError when no answer came. */
export function serviceGetter(ctx: CrawlContext, base: string, opts: ServiceOptions): (path: string) => Promise<HttpResponse> {
  return async (path) => {
    const url = `${base.replace(/\/+$/, '')}/${path}`;
    const left = opts.deadline - nowMs();
    if (left <= 0) throw new DatasourceError(`${url}: not requested, the metadata service's time budget is spent`);
    try {
      return await ctx.httpGet(url, { timeoutMs: opts.timeoutMs, retries: opts.retries, retryOn: isTransientStatus, budgetMs: left });
    } catch (e) {
      throw new DatasourceError((e as Error).message);
    }
  };
}

export function serviceReader(base: string, get: (path: string) => Promise<HttpResponse>): TreeReader {
  const body = async (path: string): Promise<Buffer | null> => {
    const r = await get(path);
    if (r.status === 404) return null;
    if (r.status !== 200) throw new DatasourceError(`${base}/${path}: HTTP ${r.status}`);
    return r.body;
  };
  return {
    where: base,
    async list(dir) {
      const text = await body(dir);
      return text === null ? null : text.toString('utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '');
    },
    read: body,
  };
}
