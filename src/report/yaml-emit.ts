/**
 * YAML text as cloud-init prints `status --format yaml`: PyYAML's
 * safe_dump(indent=4, default_flow_style=False, explicit_start=True,
 * explicit_end=True), block style, sorted keys, sequences inside mappings
 * not indented. Scalars take PyYAML's style: plain where the text would read
 * back as the same string, else single-quoted, else double-quoted with
 * escapes (non-ASCII and control characters).
 *
 * Differences, all still reading back as the same value: long lines are
 * never folded (PyYAML folds at 80 columns), a string with a line break is
 * double-quoted with \n (PyYAML single-quotes it over lines), and a string
 * that reads as a number to YAML 1.2 ("1e3") is quoted (PyYAML leaves it
 * plain, which a YAML 1.2 reader turns into a number).
 */
import { pyFloatRepr } from './py-json.ts';
import { BinaryValue, sortedKeys, type DataValue } from './values.ts';

const INDENT = 4;
/** PyYAML writes a key this long (or empty) as "? key" / ": value". */
const MAX_SIMPLE_KEY = 128;

/** Plain text PyYAML's YAML 1.1 resolvers would read as something other than a string. */
const NOT_A_STRING = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:~|null|Null|NULL|)$/,
  /^(?:<<|=)$/,
  // Not in PyYAML's YAML 1.1, but numbers to YAML 1.2 readers and to stratus's own loader: quoted too.
  /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$/,
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/,
];

const WHITESPACE_OR_END = (s: string, i: number) => i >= s.length || ' \t\r\n'.includes(s[i]!);

type Style = 'plain' | 'single' | 'double';

/** The style PyYAML's emitter picks for a string in block context. */
export function scalarStyle(s: string): Style {
  if (s === '') return 'single';
  let indicators = false;
  let breaks = false;
  let special = false;
  if (s.startsWith('---') || s.startsWith('...')) indicators = true;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const code = s.charCodeAt(i);
    const followedBySpace = WHITESPACE_OR_END(s, i + 1);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) indicators = true;
      if ((ch === '?' || ch === ':' || ch === '-') && followedBySpace) indicators = true;
    } else {
      if (ch === ':' && followedBySpace) indicators = true;
      if (ch === '#' && ' \t'.includes(s[i - 1]!)) indicators = true;
    }
    if (ch === '\n') breaks = true;
    else if (code < 0x20 || code > 0x7e) special = true;
  }
  if (special || breaks) return 'double';
  const edgeSpace = s.startsWith(' ') || s.endsWith(' ');
  if (indicators || edgeSpace || NOT_A_STRING.some((re) => re.test(s))) return 'single';
  return 'plain';
}

const DOUBLE_ESCAPES: Record<number, string> = {
  0x00: '0', 0x07: 'a', 0x08: 'b', 0x09: 't', 0x0a: 'n', 0x0b: 'v', 0x0c: 'f', 0x0d: 'r', 0x1b: 'e',
  0x22: '"', 0x5c: '\\', 0x85: 'N', 0xa0: '_', 0x2028: 'L', 0x2029: 'P',
};

function doubleQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    const esc = DOUBLE_ESCAPES[code];
    if (esc !== undefined) out += `\\${esc}`;
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else if (code <= 0xff) out += `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (code <= 0xffff) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += `\\U${code.toString(16).toUpperCase().padStart(8, '0')}`;
  }
  return `${out}"`;
}

export function yamlString(s: string): string {
  switch (scalarStyle(s)) {
    case 'plain':
      return s;
    case 'single':
      return `'${s.replace(/'/g, "''")}'`;
    case 'double':
      return doubleQuoted(s);
  }
}

function yamlNumber(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (!Number.isFinite(n)) return n > 0 ? '.inf' : '-.inf';
  if (Number.isInteger(n)) return BigInt(n).toString();
  // PyYAML: repr(), and a ".0" so that "1e-05" is not read back as a string.
  const r = pyFloatRepr(n);
  return r.includes('.') || !r.includes('e') ? r : r.replace('e', '.0e');
}

/** A value that fits on the line of its key or dash. */
function inline(v: DataValue): string | null {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return yamlNumber(v);
  if (typeof v === 'string') return yamlString(v);
  if (v instanceof BinaryValue) return yamlString(v.toCiB64());
  if (Array.isArray(v)) return v.length === 0 ? '[]' : null;
  return Object.keys(v).length === 0 ? '{}' : null;
}

/** Lines of a non-empty container whose first line continues `lead` (a key line or a dash). */
function block(v: DataValue, column: number, out: string[], lead: string): void {
  if (Array.isArray(v)) {
    v.forEach((item, i) => {
      const prefix = i === 0 ? lead : ' '.repeat(column);
      const one = inline(item);
      if (one !== null) out.push(`${prefix}- ${one}`);
      else block(item, column + INDENT, out, `${prefix}-${' '.repeat(INDENT - 1)}`);
    });
    return;
  }
  const obj = v as Record<string, DataValue>;
  sortedKeys(obj).forEach((key, i) => {
    const prefix = i === 0 ? lead : ' '.repeat(column);
    const value = obj[key] as DataValue;
    const one = inline(value);
    const k = yamlString(key);
    if (key === '' || key.length >= MAX_SIMPLE_KEY) {
      // PyYAML writes these as explicit ("complex") keys.
      out.push(`${prefix}? ${k}`);
      if (one !== null) out.push(`${' '.repeat(column)}: ${one}`);
      else block(value, column + INDENT, out, `${' '.repeat(column)}:${' '.repeat(INDENT - 1)}`);
      return;
    }
    if (one !== null) {
      out.push(`${prefix}${k}: ${one}`);
      return;
    }
    out.push(`${prefix}${k}:`);
    // A sequence under a key starts at the key's column; a mapping one level deeper.
    const childColumn = Array.isArray(value) ? column : column + INDENT;
    block(value, childColumn, out, ' '.repeat(childColumn));
  });
}

/** The whole document, "---" to "...", each line ending in a newline. */
export function yamlDocument(value: DataValue): string {
  const one = inline(value);
  if (one !== null) return `--- ${one}\n...\n`;
  const lines: string[] = ['---'];
  block(value, 0, lines, '');
  lines.push('...');
  return `${lines.join('\n')}\n`;
}
