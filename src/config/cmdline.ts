/**
 * What the kernel command line (/proc/cmdline) says to cloud-init: whether it
 * is disabled, which datasource to use, NoCloud seed parameters, extra
 * cloud-config (`cc: ... end_cc`) and a network config (`network-config=`).
 * Pure functions over the text; the caller reads the file.
 */
import { zlib } from '../host/builtin.ts';
import type { Diagnostic } from '../text/diagnostics.ts';
import { hasOwn, setOwn } from './object.ts';

interface Token {
  text: string;
  /** Offset of the token's first character in the command line. */
  offset: number;
}

const SPACE = /[ \t\n\v\f\r]/;

/**
 * Split like the kernel does: on whitespace, where double quotes group
 * (`foo="a b"` is one token). As in the kernel, a quote opening the token or
 * the value (right after the first `=`) is dropped with the quote that ends
 * the token; other quotes are kept.
 */
function scanTokens(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && SPACE.test(text[i] as string)) i++;
    if (i >= text.length) break;
    const start = i;
    let quoted = false;
    while (i < text.length && (quoted || !SPACE.test(text[i] as string))) {
      if (text[i] === '"') quoted = !quoted;
      i++;
    }
    tokens.push({ text: unquote(text.slice(start, i)), offset: start });
  }
  return tokens;
}

function unquote(raw: string): string {
  const dropClosing = (s: string): string => (s.endsWith('"') ? s.slice(0, -1) : s);
  if (raw.startsWith('"')) return dropClosing(raw.slice(1));
  const eq = raw.indexOf('=');
  if (eq >= 0 && raw[eq + 1] === '"') return raw.slice(0, eq + 1) + dropClosing(raw.slice(eq + 2));
  return raw;
}

export function tokenizeCmdline(text: string): string[] {
  return scanTokens(text).map((t) => t.text);
}

/** The value of the last `key=value` token (the kernel and cloud-init let the last one win). */
export function cmdlineValue(tokens: readonly string[], key: string): string | undefined {
  let value: string | undefined;
  for (const tok of tokens) if (tok.startsWith(`${key}=`)) value = tok.slice(key.length + 1);
  return value;
}

export function hasToken(tokens: readonly string[], token: string): boolean {
  return tokens.includes(token);
}

export function cloudInitDisabled(tokens: readonly string[]): boolean {
  return hasToken(tokens, 'cloud-init=disabled');
}

const DATASOURCE_KEYS = new Set(['ds', 'ci.ds', 'ci.datasource']);

/**
 * The datasource named with `ds=`, `ci.ds=` or `ci.datasource=` (the last
 * such token wins), cut at the first `;` (`ds=nocloud;s=...` names NoCloud).
 * The case is kept; datasource names are matched without case later.
 */
export function datasourceFromCmdline(tokens: readonly string[]): string | undefined {
  let name: string | undefined;
  for (const tok of tokens) {
    const eq = tok.indexOf('=');
    if (eq < 0 || !DATASOURCE_KEYS.has(tok.slice(0, eq))) continue;
    const value = tok.slice(eq + 1).split(';')[0] ?? '';
    if (value !== '') name = value;
  }
  return name;
}

export interface NoCloudCmdline {
  /** `nocloud-net` is the deprecated spelling that defaults to the network stage. */
  variant: 'nocloud' | 'nocloud-net';
  /** Meta-data given inline, short keys expanded (`h`, `i`, `s`). */
  values: Record<string, string>;
  /** Unset when `dsmode` was given with another value, or seedfrom has an unknown scheme. */
  dsmode?: 'local' | 'net';
}

const SHORT_KEYS: Record<string, string> = { h: 'local-hostname', i: 'instance-id', s: 'seedfrom' };

/**
 * `ds=nocloud[-net][;key=value...]` from a kernel command line or from the
 * DMI system serial number, which NoCloud reads the same way.
 */
export function nocloudFromCmdline(text: string): NoCloudCmdline | null {
  let found: { variant: NoCloudCmdline['variant']; items: string[] } | null = null;
  for (const tok of tokenizeCmdline(text)) {
    const [id = '', ...items] = tok.split(';');
    const lower = id.toLowerCase();
    if (lower === 'ds=nocloud' || lower === 'ds=nocloud-net') found = { variant: lower === 'ds=nocloud' ? 'nocloud' : 'nocloud-net', items };
  }
  if (!found) return null;
  const values: Record<string, string> = {};
  for (const item of found.items) {
    const eq = item.indexOf('=');
    // A key without a value carries nothing NoCloud can use.
    if (eq <= 0) continue;
    const key = item.slice(0, eq);
    setOwn(values, hasOwn(SHORT_KEYS, key) ? (SHORT_KEYS[key] as string) : key, item.slice(eq + 1));
  }
  const result: NoCloudCmdline = { variant: found.variant, values };
  const dsmode = nocloudDsmode(found.variant, values);
  if (dsmode) result.dsmode = dsmode;
  return result;
}

/** cloud-init's rules: an explicit dsmode wins, then the seedfrom scheme, then the spelling. */
function nocloudDsmode(variant: NoCloudCmdline['variant'], values: Record<string, string>): 'local' | 'net' | undefined {
  if (hasOwn(values, 'dsmode')) {
    const v = values['dsmode'];
    return v === 'local' || v === 'net' ? v : undefined;
  }
  const seedfrom = values['seedfrom'];
  if (seedfrom) {
    if (/^(https?|ftps?):\/\//.test(seedfrom)) return 'net';
    if (seedfrom.startsWith('file://') || seedfrom.startsWith('/')) return 'local';
    return undefined;
  }
  return variant === 'nocloud' ? 'local' : 'net';
}

/**
 * The YAML text of all `cc: ... end_cc` blocks, joined with newlines, or
 * null when there is none. A block runs to `end_cc` or to the end of the
 * command line; it is URL-decoded (`%5B` → `[`), then literal `\n` become newlines.
 */
export function ccFromCmdline(text: string): string | null {
  const blocks: string[] = [];
  let from = 0;
  for (;;) {
    const begin = findBlockStart(text, from);
    if (begin < 0) break;
    let end = text.indexOf('end_cc', begin + 3);
    if (end < 0) end = text.length;
    blocks.push(percentDecode(text.slice(begin + 3, end).trimStart()).split('\\n').join('\n'));
    from = end + 'end_cc'.length;
  }
  return blocks.length === 0 ? null : blocks.join('\n');
}

/** `cc:` where a token starts (cloud-init also finds it inside other words, e.g. `acc:`). */
function findBlockStart(text: string, from: number): number {
  for (let i = text.indexOf('cc:', from); i >= 0; i = text.indexOf('cc:', i + 1)) {
    if (i === 0 || SPACE.test(text[i - 1] as string)) return i;
  }
  return -1;
}

/** Python's urllib.parse.unquote: %XX escapes become bytes, read as UTF-8 (bad bytes → U+FFFD). */
function percentDecode(s: string): string {
  if (!s.includes('%')) return s;
  const parts: Buffer[] = [];
  let plain = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '%' || !/^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) continue;
    parts.push(Buffer.from(s.slice(plain, i), 'utf8'), Buffer.from([parseInt(s.slice(i + 1, i + 3), 16)]));
    i += 2;
    plain = i + 1;
  }
  parts.push(Buffer.from(s.slice(plain), 'utf8'));
  return Buffer.concat(parts).toString('utf8');
}

export type CmdlineNetworkConfig =
  | { kind: 'absent' }
  | { kind: 'disabled'; config: { config: 'disabled' } }
  | { kind: 'text'; text: string }
  | { kind: 'error'; diagnostic: Diagnostic };

export const CMDLINE_SOURCE = 'kernel command line';

/**
 * `network-config=<base64>` (the last one wins), its bytes gunzipped when
 * they are gzip data; `network-config=disabled` turns networking config off.
 */
export function networkConfigFromCmdline(text: string): CmdlineNetworkConfig {
  let last: Token | undefined;
  for (const tok of scanTokens(text)) if (tok.text.startsWith('network-config=')) last = tok;
  const value = last?.text.slice('network-config='.length) ?? '';
  if (!last || value === '') return { kind: 'absent' };
  if (value === 'disabled') return { kind: 'disabled', config: { config: 'disabled' } };
  const fail = (message: string): CmdlineNetworkConfig => ({
    kind: 'error',
    diagnostic: { severity: 'error', source: CMDLINE_SOURCE, path: ['network-config'], line: 1, column: last.offset + 1, message },
  });
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.replace(/=+$/, '').length % 4 === 1) {
    return fail('is not base64 text (give the network config as base64, optionally gzipped first, or "disabled")');
  }
  let bytes: Buffer = Buffer.from(value, 'base64');
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = zlib().gunzipSync(bytes);
    } catch (e) {
      return fail(`is gzip data that cannot be uncompressed: ${(e as Error).message}`);
    }
  }
  try {
    return { kind: 'text', text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return fail('does not decode to UTF-8 text');
  }
}
