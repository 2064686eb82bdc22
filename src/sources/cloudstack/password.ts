/**
 * CloudStack's password server, on port 8080 of the virtual router. The
 * instance asks with the header `DomU_Request: send_my_password`; the
 * answer is the password for its default user, or `saved_password` (or
 * nothing) when there is no new one, or `bad_request`. Once the password is
 * set, the instance acknowledges with `DomU_Request: saved_password`, and
 * the server stops offering it until the operator resets it again.
 *
 * The password is never logged, cached or written anywhere but (hashed)
 * /etc/shadow; messages name it `<password>`.
 */
import type { CrawlContext } from '../types.ts';

export const PASSWORD_PORT = 8080;
const HEADER = 'DomU_Request';
/** Longer than any password CloudStack generates or an operator types. */
const MAX_PASSWORD = 512;

export type PasswordAnswer = { kind: 'none' } | { kind: 'new'; password: string };

export class PasswordServerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PasswordServerError';
  }
}

/** The answer to send_my_password. Throws on `bad_request` and on a body that cannot be a password. */
export function parsePasswordAnswer(body: Buffer, url: string): PasswordAnswer {
  // The server ends the line with a newline (or CRLF); nothing else is trimmed, spaces can be part of a password.
  const decoded = body.toString('utf8');
  const text = decoded.replace(/\r?\n$/, '');
  if (text === '' || text === 'saved_password') return { kind: 'none' };
  if (text === 'bad_request') throw new PasswordServerError(`${url}: the password server answered bad_request`);
  if (!Buffer.from(decoded, 'utf8').equals(body)) throw new PasswordServerError(`${url}: the password is not valid UTF-8; not used`);
  if (text.length > MAX_PASSWORD) throw new PasswordServerError(`${url}: the answer is ${text.length} characters long, more than a password (${MAX_PASSWORD}); not used`);
  if (/[\0-\x1f\x7f]/.test(text)) throw new PasswordServerError(`${url}: the password holds control characters; not used`);
  return { kind: 'new', password: text };
}

export interface PasswordServerOptions {
  timeoutMs: number;
  retries: number;
  budgetMs: number;
}

function serverUrl(vr: string): string {
  return `http://${vr}:${PASSWORD_PORT}/`;
}

/** The client's message names the URL already; say it once. */
function located(url: string, e: unknown, what = ''): string {
  const m = (e as Error).message;
  return m.startsWith(url) ? `${url}: ${what}${m.slice(url.length).replace(/^:\s*/, '')}` : `${url}: ${what}${m}`;
}

/** One request to the password server; its body. Throws PasswordServerError when the server cannot be asked. */
async function exchange(ctx: CrawlContext, vr: string, request: 'send_my_password' | 'saved_password', o: PasswordServerOptions): Promise<Buffer> {
  const url = serverUrl(vr);
  const what = request === 'saved_password' ? 'acknowledging: ' : '';
  let r;
  try {
    r = await ctx.httpGet(url, { headers: { [HEADER]: request }, timeoutMs: o.timeoutMs, retries: o.retries, budgetMs: o.budgetMs });
  } catch (e) {
    throw new PasswordServerError(located(url, e, what));
  }
  if (r.status !== 200) throw new PasswordServerError(`${url}: ${what}HTTP ${r.status}`);
  return r.body;
}

/** Ask for the password (one exchange within the budget). */
export async function askPassword(ctx: CrawlContext, vr: string, o: PasswordServerOptions): Promise<PasswordAnswer> {
  return parsePasswordAnswer(await exchange(ctx, vr, 'send_my_password', o), serverUrl(vr));
}

/** Tell the server the password was set, so it stops offering it. */
export async function acknowledgePassword(ctx: CrawlContext, vr: string, o: PasswordServerOptions): Promise<void> {
  await exchange(ctx, vr, 'saved_password', o);
}
