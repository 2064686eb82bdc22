/**
 * Python's str() of a value, which is how a jinja template prints it
 * (`query --format '{{ v1 }}'` shows a dict as {'key': 'value'}).
 */
import { pyFloatRepr } from './py-json.ts';
import { BinaryValue, type DataValue } from './values.ts';

function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || (code >= 0x7f && code <= 0xa0)) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

function reprBytes(b: Uint8Array): string {
  let out = "b'";
  for (const byte of b) {
    const ch = String.fromCharCode(byte);
    if (ch === '\\' || ch === "'") out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (byte >= 0x20 && byte < 0x7f) out += ch;
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `${out}'`;
}

function scalar(v: number | boolean | null): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return Number.isInteger(v) ? BigInt(v).toString() : pyFloatRepr(v);
}

export function pyRepr(v: DataValue): string {
  if (typeof v === 'string') return reprString(v);
  if (v instanceof BinaryValue) return reprBytes(v.bytes);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object' && v !== null) {
    return `{${Object.entries(v).map(([k, x]) => `${reprString(k)}: ${pyRepr(x)}`).join(', ')}}`;
  }
  return scalar(v);
}

/** str(): a string as itself, anything else as repr(). */
export function pyStr(v: DataValue): string {
  return typeof v === 'string' ? v : pyRepr(v);
}
