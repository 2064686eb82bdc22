/**
 * ISC dhclient lease files (dhclient.leases(5)): a sequence of
 * `lease { ... }` blocks of `;`-terminated statements, oldest first (dhclient
 * appends each new lease and rewrites the file now and then). Written by
 * dhclient itself and by NetworkManager's dhclient backend.
 */
import type { Diagnostic } from '../../../text/diagnostics.ts';
import { isIPv4 } from '../../ip.ts';
import { emptyLease, ipv4List, isInterfaceName, routesFromByteText, searchList, seconds, setMask, tidy, type Lease, type LeaseParse } from './lease.ts';

interface Token {
  kind: 'word' | 'string' | 'punct';
  text: string;
  line: number;
}

/**
 * dhclient writes a non-printable byte of a string as a backslash and three
 * octal digits, and escapes `"` and `\` with a backslash; the C-style
 * letters are accepted too, as its config lexer does.
 */
const LETTER_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' };

function tokenize(text: string, source: string, diags: Diagnostic[]): Token[] {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '{' || c === '}' || c === ';' || c === ',') {
      out.push({ kind: 'punct', text: c, line });
      i++;
    } else if (c === '"') {
      const start = line;
      let s = '';
      i++;
      let closed = false;
      while (i < text.length) {
        const d = text[i] ?? '';
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === '\n') line++;
        if (d === '\\' && i + 1 < text.length) {
          const e = text[i + 1] ?? '';
          const oct = /^[0-7]{3}/.exec(text.slice(i + 1, i + 4));
          if (oct) {
            s += String.fromCharCode(parseInt(oct[0], 8));
            i += 4;
          } else {
            s += LETTER_ESCAPES[e] ?? e;
            if (e === '\n') line++;
            i += 2;
          }
          continue;
        }
        s += d;
        i++;
      }
      if (!closed) diags.push({ severity: 'warning', source, path: [], line: start, message: 'unterminated string' });
      out.push({ kind: 'string', text: s, line: start });
    } else {
      let j = i;
      while (j < text.length && !/[\s{};,"#]/.test(text[j] ?? '')) j++;
      out.push({ kind: 'word', text: text.slice(i, j), line });
      i = j;
    }
  }
  return out;
}

/** A statement's value as dhclient wrote it: strings unquoted, list commas kept. */
function valueText(tokens: readonly Token[]): string {
  // Pieces joined once, and the last character kept aside: asking a growing string for its end
  // flattened it every time, quadratic in a corrupt file's endless statement.
  const pieces: string[] = [];
  let last: string | undefined;
  for (const t of tokens) {
    const piece = t.kind === 'punct' ? t.text : (last === undefined || last === ',' ? '' : ' ') + t.text;
    pieces.push(piece);
    if (piece !== '') last = piece[piece.length - 1];
  }
  return pieces.join('');
}

/** "3 2026/12/02 17:58:17" (weekday, UTC date and time), "epoch 1796236332", or "never". */
function leaseTime(tokens: readonly Token[]): number | undefined | 'never' {
  const words = tokens.map((t) => t.text);
  if (words[0] === 'never') return 'never';
  if (words[0] === 'epoch') return seconds(words[1]);
  const m = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(words[1] ?? '');
  const t = /^(\d{1,2}):(\d{2}):(\d{2})$/.exec(words[2] ?? '');
  if (!m || !t) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(t[1]), Number(t[2]), Number(t[3]));
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

/** The value of `unknown-245 a:b:c:d` style options as a dotted address, as Azure's wireserver option is read. */
function hexToDotted(text: string): string | undefined {
  const bytes = text.split(':');
  if (bytes.length !== 4 || !bytes.every((b) => /^[0-9a-fA-F]{1,2}$/.test(b))) return undefined;
  return bytes.map((b) => parseInt(b, 16)).join('.');
}

/** Apply one statement to the lease; a message when its value is unusable. */
function statement(lease: Lease, words: readonly Token[]): string | undefined {
  const [head, ...rest] = words;
  if (!head) return undefined;
  const key = head.text;
  if (key === 'option') {
    const [name, ...value] = rest;
    if (!name || name.kind !== 'word') return '"option" without a name';
    const text = valueText(value);
    lease.options[name.text] = text;
    return option(lease, name.text, text, value);
  }
  const text = valueText(rest);
  switch (key) {
    case 'interface':
      if (!isInterfaceName(text)) return `interface ${JSON.stringify(text)} is not an interface name`;
      lease.interface = text;
      return undefined;
    case 'fixed-address':
      if (!isIPv4(text)) return `fixed-address ${JSON.stringify(text)} is not an IPv4 address`;
      lease.address = text;
      return undefined;
    case 'renew':
    case 'rebind':
    case 'expire': {
      const when = leaseTime(rest);
      if (when === undefined) return `${key} ${JSON.stringify(text)} is not a lease time`;
      if (when !== 'never') lease[key === 'renew' ? 'renewAt' : key === 'rebind' ? 'rebindAt' : 'expireAt'] = when;
      return undefined;
    }
    default:
      // bootp, filename, server-name, medium, script... carry nothing a lease reader needs.
      return undefined;
  }
}

function option(lease: Lease, name: string, text: string, value: readonly Token[]): string | undefined {
  switch (name) {
    case 'subnet-mask':
      setMask(lease, text);
      return lease.netmask === text ? undefined : `subnet-mask ${JSON.stringify(text)} is not a netmask`;
    case 'routers':
      lease.routers = ipv4List(text);
      return undefined;
    case 'domain-name-servers':
      lease.dns = ipv4List(text);
      return undefined;
    case 'dhcp-server-identifier':
      if (!isIPv4(text)) return `dhcp-server-identifier ${JSON.stringify(text)} is not an IPv4 address`;
      lease.serverIdentifier = text;
      return undefined;
    case 'domain-name':
      if (text !== '') lease.domain = text;
      return undefined;
    case 'domain-search':
      lease.domainSearch = searchList(value.filter((t) => t.kind !== 'punct').map((t) => t.text));
      return undefined;
    case 'dhcp-lease-time':
      lease.leaseTime = seconds(text);
      return undefined;
    case 'dhcp-renewal-time':
      lease.renewAfter = seconds(text);
      return undefined;
    case 'dhcp-rebinding-time':
      lease.rebindAfter = seconds(text);
      return undefined;
    case 'unknown-245': {
      const dotted = hexToDotted(text);
      if (dotted !== undefined) lease.options[name] = dotted;
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Static routes from option 121 (named, or `unknown-121` when dhclient.conf does not declare it), else 249. */
function finishRoutes(lease: Lease): string | undefined {
  const o = lease.options;
  const text = o['rfc3442-classless-static-routes'] ?? o['unknown-121'] ?? o['ms-classless-static-routes'] ?? o['unknown-249'];
  if (text === undefined) return undefined;
  const r = routesFromByteText(text);
  lease.staticRoutes = r.routes;
  return r.error === undefined ? undefined : `classless static routes: ${r.error}; the routes before it are kept`;
}

/**
 * Every complete `lease {}` block, in file order (oldest first). A block
 * that is malformed (unterminated, an unusable address) is skipped with a
 * warning naming its line; `lease6` blocks and top-level statements
 * (`default-duid`) are not IPv4 leases and are passed over.
 */
export function parseDhclientLeases(text: string, source = 'dhclient.leases', sourcePath?: string): LeaseParse {
  const diagnostics: Diagnostic[] = [];
  const tokens = tokenize(text, source, diagnostics);
  const leases: Lease[] = [];
  const warn = (line: number, message: string) => diagnostics.push({ severity: 'warning', source, path: [], line, message });
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i];
    if (!t) break;
    const next = tokens[i + 1];
    if (t.kind === 'word' && next?.text === '{') {
      const start = t.line;
      const isLease = t.text === 'lease';
      const lease = emptyLease('dhclient', sourcePath);
      let problem: string | undefined;
      let depth = 1;
      let stmt: Token[] = [];
      i += 2;
      while (i < tokens.length && depth > 0) {
        const u = tokens[i] as Token;
        // A new lease where a statement should start: this block was cut short (a truncated write).
        if (depth === 1 && stmt.length === 0 && u.kind === 'word' && u.text === 'lease' && tokens[i + 1]?.text === '{') break;
        i++;
        if (u.kind === 'punct' && u.text === '{') depth++;
        else if (u.kind === 'punct' && u.text === '}') {
          depth--;
          if (depth === 0 && stmt.length > 0) problem ??= `line ${stmt[0]?.line}: statement without ";" before "}"`;
        } else if (u.kind === 'punct' && u.text === ';') {
          if (isLease && depth === 1) {
            const why = statement(lease, stmt);
            if (why !== undefined) problem ??= `line ${stmt[0]?.line}: ${why}`;
          }
          stmt = [];
        } else stmt.push(u);
      }
      if (depth > 0) {
        if (isLease) warn(start, 'lease block is not closed with "}"; skipped');
        continue;
      }
      if (!isLease) continue;
      const routeProblem = finishRoutes(lease);
      if (problem !== undefined) warn(start, `lease skipped: ${problem}`);
      else {
        if (routeProblem !== undefined) warn(start, routeProblem);
        leases.push(tidy(lease));
      }
      continue;
    }
    // A top-level statement (default-duid "..."; and the like): up to its ";".
    while (i < tokens.length && tokens[i]?.text !== ';' && !(tokens[i]?.kind === 'word' && tokens[i + 1]?.text === '{')) i++;
    if (tokens[i]?.text === ';') i++;
  }
  // The lexer's warnings came first; a user reads a file top to bottom.
  diagnostics.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { leases, diagnostics };
}
