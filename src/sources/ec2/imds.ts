/**
 * The EC2 instance metadata service (IMDS) client: IMDSv2 session tokens
 * (`PUT /latest/api/token`, the token on every request, a new one on 401),
 * 403 meaning the service is turned off (stop at once), and IMDSv1 only
 * where the platform has no v2 (non-AWS EC2-compatible clouds). The
 * candidate endpoints are raced; the first that answers is used. Every
 * request comes out of one budget.
 */
import { isTransientStatus } from '../../host/http.ts';
import { nowMs } from '../../host/clock.ts';
import { DatasourceError, type CrawlContext, type HttpResponse } from '../types.ts';

export const TOKEN_PATH = 'latest/api/token';
export const TOKEN_TTL_HEADER = 'X-aws-ec2-metadata-token-ttl-seconds';
export const TOKEN_HEADER = 'X-aws-ec2-metadata-token';
/** Six hours, AWS's maximum: one token serves the whole crawl and a hotplug later in the boot. */
export const TOKEN_TTL_S = 21600;

export interface ImdsOptions {
  timeoutMs: number;
  retries: number;
  /** nowMs() by which everything must be done. */
  deadline: number;
  /** AWS: a token is required (no IMDSv1 fallback). */
  requireToken: boolean;
}

export class ImdsDisabledError extends DatasourceError {
  constructor(url: string) {
    super(`${url}: HTTP 403: the instance metadata service is turned off for this instance (aws ec2 modify-instance-metadata-options --http-endpoint enabled)`);
    this.name = 'ImdsDisabledError';
  }
}

export class ImdsClient {
  private constructor(
    private readonly ctx: CrawlContext,
    readonly base: string,
    private readonly opts: ImdsOptions,
    private token: string | null,
  ) {}

  /** Time left in the budget; a DatasourceError when it is spent. */
  private left(what: string): number {
    const left = this.opts.deadline - nowMs();
    if (left <= 0) throw new DatasourceError(`${what}: not requested, the metadata service's time budget is spent`);
    return left;
  }

  /**
   * The first endpoint that gives a token (or, without requireToken, answers
   * the token request at all). A 403 from any of them ends the race: the
   * service is off, and asking the other address will not change that.
   */
  static async connect(ctx: CrawlContext, bases: readonly string[], opts: ImdsOptions): Promise<ImdsClient> {
    const race = new AbortController();
    const problems: string[] = [];
    const attempt = async (base: string): Promise<ImdsClient> => {
      const url = `${base}/${TOKEN_PATH}`;
      const left = opts.deadline - nowMs();
      let r: HttpResponse;
      try {
        r = await ctx.httpPut(url, {
          timeoutMs: Math.min(opts.timeoutMs, Math.max(1, left)),
          retries: opts.retries,
          retryOn: isTransientStatus,
          budgetMs: Math.max(1, left),
          headers: { [TOKEN_TTL_HEADER]: String(TOKEN_TTL_S) },
          signal: race.signal,
        });
      } catch (e) {
        throw new DatasourceError((e as Error).message);
      }
      if (r.status === 403) throw new ImdsDisabledError(url);
      const token = r.body.toString('utf8').trim();
      if (r.status === 200 && token !== '' && !/[\r\n]/.test(token)) return new ImdsClient(ctx, base, opts, token);
      if (opts.requireToken) throw new DatasourceError(`${url}: HTTP ${r.status}: no IMDSv2 token (required here)`);
      // An EC2-compatible cloud without IMDSv2 (404/405/400): requests go without a token.
      return new ImdsClient(ctx, base, opts, null);
    };
    return new Promise<ImdsClient>((resolve, reject) => {
      let pending = bases.length;
      if (pending === 0) reject(new DatasourceError('no metadata URL to try'));
      for (const base of bases) {
        attempt(base).then(
          (client) => {
            race.abort();
            resolve(client);
          },
          (e: Error) => {
            if (e instanceof ImdsDisabledError) {
              race.abort();
              reject(e);
              return;
            }
            problems.push(e.message);
            if (--pending === 0) reject(new DatasourceError(`no instance metadata service answered: ${problems.join('; ')}`));
          },
        );
      }
    });
  }

  get usesToken(): boolean {
    return this.token !== null;
  }

  private async refreshToken(): Promise<void> {
    const url = `${this.base}/${TOKEN_PATH}`;
    const left = this.left(url);
    const r = await this.ctx.httpPut(url, { timeoutMs: Math.min(this.opts.timeoutMs, left), retries: this.opts.retries, retryOn: isTransientStatus, budgetMs: left, headers: { [TOKEN_TTL_HEADER]: String(TOKEN_TTL_S) } });
    if (r.status === 403) throw new ImdsDisabledError(url);
    const token = r.body.toString('utf8').trim();
    if (r.status !== 200 || token === '') throw new DatasourceError(`${url}: HTTP ${r.status}: no new token`);
    this.token = token;
  }

  /** GET base/path. 401 with a token: one new token, one more try. 403: the service is off. */
  async get(path: string): Promise<HttpResponse> {
    const url = `${this.base}/${path}`;
    const once = async (): Promise<HttpResponse> => {
      const left = this.left(url);
      try {
        return await this.ctx.httpGet(url, {
          timeoutMs: Math.min(this.opts.timeoutMs, left),
          retries: this.opts.retries,
          retryOn: isTransientStatus,
          budgetMs: left,
          ...(this.token === null ? {} : { headers: { [TOKEN_HEADER]: this.token } }),
        });
      } catch (e) {
        throw new DatasourceError((e as Error).message);
      }
    };
    let r = await once();
    if (r.status === 401 && this.token !== null) {
      this.ctx.log.debug(`${url}: HTTP 401, the token expired or was revoked; asking for a new one`);
      await this.refreshToken();
      r = await once();
    }
    if (r.status === 403) throw new ImdsDisabledError(url);
    return r;
  }
}
