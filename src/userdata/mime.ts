/**
 * A MIME reader for user-data (RFC 2045/2046, as far as user-data uses it):
 * headers with folded lines, Content-Type with parameters, nested
 * multipart bodies, base64 and quoted-printable transfer encodings, and the
 * part's file name from Content-Disposition (or Content-Type's name).
 * Bytes are read as latin1 so every byte survives; it runs in linear time.
 * Loaded only when user-data says "MIME-Version:" near its start.
 */
import { decodeBase64, decodeQuotedPrintable } from './decode.ts';

export interface MimeLeaf {
  type: string;
  filename: string | null;
  mergeType: string | null;
  payload: Buffer;
}

export interface MimeResult {
  parts: MimeLeaf[];
  warnings: string[];
}

/** Nesting of multipart inside multipart that is accepted. */
const MAX_DEPTH = 10;

interface Headers {
  get(name: string): string | null;
}

function splitHeaders(text: string): { headers: Headers; body: string } {
  // Headers end at an empty line, or (as Python's email parser reads it) at the first line that is not a header.
  const map = new Map<string, string>();
  let current: string | null = null;
  let pos = 0;
  while (pos < text.length) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = text.length;
    const line = text.slice(pos, eol).replace(/\r$/, '');
    if (line === '') {
      pos = eol + 1;
      break;
    }
    if (/^[ \t]/.test(line) && current !== null) {
      map.set(current, `${map.get(current) ?? ''} ${line.trim()}`);
    } else {
      const m = /^([!-9;-~]+):(.*)$/.exec(line);
      if (!m) break;
      current = (m[1] ?? '').toLowerCase();
      if (!map.has(current)) map.set(current, (m[2] ?? '').trim());
    }
    pos = eol + 1;
  }
  return { headers: { get: (n) => map.get(n.toLowerCase()) ?? null }, body: text.slice(Math.min(pos, text.length)) };
}

/** "text/plain; charset=utf-8; name=\"a b\"" → value and parameters (names lower-cased). */
export function parseHeaderValue(value: string): { value: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  const semi = value.indexOf(';');
  const main = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  const re = /;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  const rest = semi < 0 ? '' : value.slice(semi);
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    const name = (m[1] ?? '').toLowerCase();
    const v = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '').trim();
    if (!params.has(name)) params.set(name, v);
  }
  return { value: main, params };
}

function decodeBody(body: string, encoding: string | null): Buffer {
  const e = (encoding ?? '').trim().toLowerCase();
  if (e === 'base64') return decodeBase64(body);
  if (e === 'quoted-printable') return decodeQuotedPrintable(body);
  return Buffer.from(body, 'latin1');
}

/** The body parts between boundary lines; the preamble and epilogue are dropped. */
function splitMultipart(body: string, boundary: string): { parts: string[]; closed: boolean } {
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  let pos = 0;
  let start = -1;
  let closed = false;
  while (pos <= body.length) {
    const at = body.indexOf(delimiter, pos);
    if (at < 0) break;
    const atLineStart = at === 0 || body[at - 1] === '\n';
    const after = at + delimiter.length;
    if (!atLineStart) {
      pos = after;
      continue;
    }
    const isClose = body.startsWith('--', after);
    if (start >= 0) {
      // The line break before a delimiter belongs to the delimiter.
      let end = at;
      if (body[end - 1] === '\n') end--;
      if (body[end - 1] === '\r') end--;
      parts.push(body.slice(start, Math.max(start, end)));
    }
    const eol = body.indexOf('\n', after);
    if (isClose) {
      closed = true;
      break;
    }
    if (eol < 0) {
      start = -1;
      break;
    }
    start = eol + 1;
    pos = start;
  }
  // An unclosed last part ends at the end of the data, less its final line break (as Python's email reads it).
  if (!closed && start >= 0 && start <= body.length) parts.push(body.slice(start).replace(/\r?\n$/, ''));
  return { parts, closed };
}

function walk(text: string, where: string, depth: number, out: MimeResult): void {
  const { headers, body } = splitHeaders(text);
  const ct = parseHeaderValue(headers.get('content-type') ?? 'text/plain');
  if (ct.value.startsWith('multipart/')) {
    const boundary = ct.params.get('boundary');
    if (!boundary) {
      out.warnings.push(`${where}: ${ct.value} without a boundary parameter; its content is ignored`);
      return;
    }
    if (depth >= MAX_DEPTH) {
      out.warnings.push(`${where}: multipart nested more than ${MAX_DEPTH} levels deep; ignored`);
      return;
    }
    const { parts, closed } = splitMultipart(body, boundary);
    if (parts.length === 0) out.warnings.push(`${where}: ${ct.value} with no part (the boundary never occurs at the start of a line)`);
    else if (!closed) out.warnings.push(`${where}: ${ct.value} without its closing boundary; the parts found are used`);
    parts.forEach((p, i) => walk(p, `${where}.${i + 1}`, depth + 1, out));
    return;
  }
  const disp = headers.get('content-disposition');
  const filename = (disp ? parseHeaderValue(disp).params.get('filename') : undefined) ?? ct.params.get('name') ?? null;
  out.parts.push({
    type: ct.value || 'text/plain',
    filename: filename === null || filename === '' ? null : filename,
    mergeType: headers.get('merge-type') ?? headers.get('x-merge-type'),
    payload: decodeBody(body, headers.get('content-transfer-encoding')),
  });
}

/** The leaf parts of a MIME message, in order; problems are warnings, never exceptions. */
export function parseMime(data: Buffer, where: string): MimeResult {
  const out: MimeResult = { parts: [], warnings: [] };
  walk(data.toString('latin1'), where, 0, out);
  return out;
}
