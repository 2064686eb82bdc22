/**
 * A small YAML emitter for netplan files, in the block style PyYAML writes
 * with cloud-init's settings (indent 4, sorted keys, no flow collections
 * except empty ones, no anchors or aliases), so output stays byte-compatible
 * with cloud-init's. Strings that a YAML 1.1 reader (PyYAML, libyaml users)
 * or a YAML 1.2 reader would take for another type are quoted.
 */

export type YamlValue = string | number | boolean | null | readonly YamlValue[] | { readonly [key: string]: YamlValue | undefined };

const INDENT = 4;

/** Block YAML for a mapping or sequence, one string per line, starting at column `indent`. */
export function emitYaml(value: YamlValue, indent = 0): string {
  if (!isNonEmptyCollection(value)) return `${' '.repeat(indent)}${inline(value)}\n`;
  return blockLines(value, indent).map((l) => `${l}\n`).join('');
}

function isNonEmptyCollection(v: YamlValue | undefined): v is readonly YamlValue[] | { readonly [key: string]: YamlValue | undefined } {
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.length > 0;
  return entries(v as { readonly [key: string]: YamlValue | undefined }).length > 0;
}

function entries(map: { readonly [key: string]: YamlValue | undefined }): [string, YamlValue][] {
  return Object.keys(map)
    .filter((k) => map[k] !== undefined)
    .sort(compareKeys)
    .map((k) => [k, map[k] as YamlValue]);
}

/** Python's default str ordering (by code point), which PyYAML's sort_keys uses. */
export function compareKeys(a: string, b: string): number {
  const ca = [...a];
  const cb = [...b];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = ca[i]!.codePointAt(0)! - cb[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return ca.length - cb.length;
}

function blockLines(value: readonly YamlValue[] | { readonly [key: string]: YamlValue | undefined }, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value as readonly YamlValue[]) {
      if (!isNonEmptyCollection(item)) {
        lines.push(`${pad}- ${inline(item)}`);
        continue;
      }
      // PyYAML puts the item's first line on the dash line, padded to the next indent.
      const sub = blockLines(item, indent + INDENT);
      sub[0] = `${pad}-${' '.repeat(INDENT - 1)}${sub[0]!.slice(indent + INDENT)}`;
      lines.push(...sub);
    }
    return lines;
  }
  for (const [key, v] of entries(value as { readonly [key: string]: YamlValue | undefined })) {
    const k = scalar(key);
    if (!isNonEmptyCollection(v)) {
      lines.push(`${pad}${k}: ${inline(v)}`);
      continue;
    }
    lines.push(`${pad}${k}:`);
    // A sequence under a mapping key is not indented (PyYAML's "indentless" sequence).
    lines.push(...blockLines(v, Array.isArray(v) ? indent : indent + INDENT));
  }
  return lines;
}

function inline(v: YamlValue | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return '[]';
  if (typeof v === 'object') return '{}';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return numberText(v);
  return scalar(v as string);
}

function numberText(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (!Number.isFinite(n)) return n > 0 ? '.inf' : '-.inf';
  if (Number.isInteger(n)) return String(n);
  // YAML 1.1 floats need a dot and a signed exponent.
  const text = String(n);
  if (!/e/.test(text)) return text;
  const [mantissa, exponent] = text.split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}e${exponent.startsWith('-') ? exponent : `+${exponent.replace(/^\+/, '')}`}`;
}

/** A string as a plain, single-quoted or double-quoted scalar. */
export function scalar(s: string): string {
  if (NEEDS_ESCAPES.test(s)) return doubleQuoted(s);
  if (!canBePlain(s) || readsAsNonString(s)) return `'${s.replace(/'/g, "''")}'`;
  return s;
}

/** Characters YAML does not allow raw in a scalar (controls, line separators, BOM, lone surrogates). */
const NEEDS_ESCAPES = /[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function doubleQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (NEEDS_ESCAPES.test(ch)) out += code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`;
    else out += ch;
  }
  return `${out}"`;
}

function hex(n: number, width: number): string {
  return n.toString(16).toUpperCase().padStart(width, '0');
}

/** PyYAML's rules for a plain scalar in block context. */
function canBePlain(s: string): boolean {
  if (s === '') return false;
  if (s.startsWith('---') || s.startsWith('...')) return false;
  if (/^\s|\s$/.test(s)) return false;
  const first = s[0]!;
  if ('#,[]{}&*!|>\'"%@`'.includes(first)) return false;
  // "-", "?" and ":" start a plain scalar only when not followed by a space.
  if ('-?:'.includes(first) && (s.length === 1 || s[1] === ' ')) return false;
  if (/: |:$/.test(s) || / #/.test(s)) return false;
  return true;
}

const YAML11_NON_STRINGS: readonly RegExp[] = [
  // bool (YAML 1.1, including the one-letter forms PyYAML leaves out)
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  // null
  /^(?:~|null|Null|NULL)$/,
  // int: binary, octal, decimal, hex, sexagesimal
  /^[-+]?0b[0-1_]+$/,
  /^[-+]?0[0-7_]+$/,
  /^[-+]?(?:0|[1-9][0-9_]*)$/,
  /^[-+]?0x[0-9a-fA-F_]+$/,
  /^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$/,
  // float
  /^[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?$/,
  /^[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$/,
  /^[-+]?\.(?:inf|Inf|INF)$/,
  /^\.(?:nan|NaN|NAN)$/,
  // timestamp
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$/,
  // merge key and value indicator
  /^<<$/,
  /^=$/,
];

const YAML12_NON_STRINGS: readonly RegExp[] = [
  /^[-+]?0o[0-7]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/,
];

function readsAsNonString(s: string): boolean {
  return YAML11_NON_STRINGS.some((re) => re.test(s)) || YAML12_NON_STRINGS.some((re) => re.test(s));
}
