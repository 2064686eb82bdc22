/**
 * JSON text exactly as Python's json.dumps(..., indent=N, sort_keys=True,
 * separators=(",", ": ")) writes it, which is what cloud-init prints and
 * stores (status.json, `status --format json`, `query`, `cloud-id --json`):
 * sorted keys, non-ASCII escaped as \uXXXX (ensure_ascii), floats as
 * Python's repr. Scripts compare this output byte for byte, so
 * JSON.stringify (no escaping, other float forms) is not enough.
 *
 * A number that is a whole number prints as an integer: after JSON.parse an
 * uptime of 5.0 cannot be told from 5 (cloud-init would print 5.0).
 */
import { BinaryValue, sortedKeys, type DataValue } from './values.ts';

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** A JSON string literal with everything outside printable ASCII escaped. */
export function pyJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const code = s.charCodeAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else out += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

/** Python's repr() of a float, or str() of an int, for a JS number. */
export function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(n)) return BigInt(n).toString();
  return pyFloatRepr(n);
}

/** repr(float): the shortest round-tripping digits, positional when 1e-4 <= |n| < 1e16, else d.ddde±XX. */
export function pyFloatRepr(n: number): string {
  const [mantissa = '0', expText = '0'] = n.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const sign = exp < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const text = String(n);
  return text.includes('.') || text.includes('e') ? text : `${text}.0`;
}

export function pyJsonDumps(value: DataValue, indent: number): string {
  const pad = (level: number) => `\n${' '.repeat(indent * level)}`;
  const write = (v: DataValue, level: number): string => {
    if (v === null) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') return pyNumber(v);
    if (typeof v === 'string') return pyJsonString(v);
    if (v instanceof BinaryValue) return pyJsonString(v.toCiB64());
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[${v.map((item) => pad(level + 1) + write(item, level + 1)).join(',')}${pad(level)}]`;
    }
    const keys = sortedKeys(v);
    if (keys.length === 0) return '{}';
    return `{${keys.map((k) => `${pad(level + 1)}${pyJsonString(k)}: ${write(v[k] as DataValue, level + 1)}`).join(',')}${pad(level)}}`;
  };
  return write(value, 0);
}
