/**
 * Numbers in plain scalars, as PyYAML recognises and converts them, minus
 * sexagesimal ("1:30"), plus JSON's forms ("1e3"). The patterns, written as
 * regular expressions (test/text/yaml.test.ts checks this code against them):
 *
 *   int    [-+]?(0b[01_]+ | 0x[0-9a-fA-F_]+ | 0[0-7_]+ | 0 | [1-9][0-9_]*)
 *   float  [-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?
 *          | \.[0-9][0-9_]*([eE][-+][0-9]+)?  | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)
 *   JSON   -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?
 *
 * They are recognised by hand rather than with regular expressions: stratus
 * runs as a short-lived process, and V8 spends far longer compiling a
 * regular expression (twice: once for its interpreter, again when it gets
 * hot) than this code takes to run on a whole network config.
 */
import { YamlError } from './error.ts';

export const enum NumberKind {
  None,
  Int,
  Float,
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Offset of the first character at or after i that is not a digit (or "_" if `underscore`). */
function skipDigits(t: string, i: number, underscore: boolean): number {
  for (let c = t.charCodeAt(i); isDigit(c) || (underscore && c === 95); c = t.charCodeAt(++i));
  return i;
}

/** Whether t[i..] is entirely [eE] then a sign (optional unless `signRequired`) then digits. */
function isExponent(t: string, i: number, signRequired: boolean): boolean {
  const e = t.charCodeAt(i);
  if (e !== 101 && e !== 69) return false;
  const s = t.charCodeAt(i + 1);
  if (s === 43 || s === 45) i++;
  else if (signRequired) return false;
  if (!isDigit(t.charCodeAt(i + 1))) return false;
  return skipDigits(t, i + 1, false) === t.length;
}

/** Whether t[i..] is non-empty and made only of characters `ok` accepts. */
function isRun(t: string, i: number, ok: (c: number) => boolean): boolean {
  if (i >= t.length) return false;
  for (; i < t.length; i++) if (!ok(t.charCodeAt(i))) return false;
  return true;
}

const isBinary = (c: number) => c === 48 || c === 49 || c === 95;
const isHex = (c: number) => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 95;
const isOctal = (c: number) => (c >= 48 && c <= 55) || c === 95;

/** Which kind of number the text of a plain scalar is, if any. */
export function numberKind(t: string): NumberKind {
  const n = t.length;
  let i = 0;
  let c = t.charCodeAt(0);
  const signed = c === 43 || c === 45;
  if (signed) c = t.charCodeAt(++i);
  if (i >= n) return NumberKind.None;
  if (c === 46) {
    // ".5", ".inf", "-.inf", ".nan"
    const rest = t.slice(i + 1);
    if (rest === 'inf' || rest === 'Inf' || rest === 'INF') return NumberKind.Float;
    if (signed) return NumberKind.None;
    if (rest === 'nan' || rest === 'NaN' || rest === 'NAN') return NumberKind.Float;
    if (!isDigit(t.charCodeAt(i + 1))) return NumberKind.None;
    const j = skipDigits(t, i + 1, true);
    return j === n || isExponent(t, j, true) ? NumberKind.Float : NumberKind.None;
  }
  if (!isDigit(c)) return NumberKind.None;
  if (c === 48) {
    if (i + 1 === n) return NumberKind.Int;
    const d = t.charCodeAt(i + 1);
    if (d === 98) return isRun(t, i + 2, isBinary) ? NumberKind.Int : NumberKind.None; // 0b
    if (d === 120) return isRun(t, i + 2, isHex) ? NumberKind.Int : NumberKind.None; // 0x
    if (isRun(t, i + 1, isOctal)) return NumberKind.Int;
  } else if (skipDigits(t, i + 1, true) === n) {
    return NumberKind.Int;
  }
  let j = skipDigits(t, i, true);
  if (t.charCodeAt(j) === 46) {
    j = skipDigits(t, j + 1, true);
    if (j === n || isExponent(t, j, true)) return NumberKind.Float;
  }
  return isJsonNumber(t) ? NumberKind.Float : NumberKind.None;
}

function isJsonNumber(t: string): boolean {
  let i = t.charCodeAt(0) === 45 ? 1 : 0;
  const c = t.charCodeAt(i);
  if (c === 48) i++;
  else if (c >= 49 && c <= 57) i = skipDigits(t, i + 1, false);
  else return false;
  if (t.charCodeAt(i) === 46) {
    if (!isDigit(t.charCodeAt(i + 1))) return false;
    i = skipDigits(t, i + 1, false);
  }
  return i === t.length || isExponent(t, i, false);
}

/**
 * An integer the way PyYAML's int constructor reads one, step by step, so
 * that explicitly tagged odd text (" 12", "0b_", "0o17") fares as in PyYAML.
 * Sexagesimal "1:30" only reaches here with an explicit !!int.
 */
export function toInt(text: string, at: number): number {
  let v = text.includes('_') ? text.split('_').join('') : text;
  let sign = 1;
  if (v.charCodeAt(0) === 45) sign = -1;
  if (v.charCodeAt(0) === 45 || v.charCodeAt(0) === 43) v = v.slice(1);
  let n: number;
  if (v === '0') return 0;
  if (v.startsWith('0b')) n = pyInt(v.slice(2), 2, text, at);
  else if (v.startsWith('0x')) n = pyInt(v.slice(2), 16, text, at);
  else if (v.startsWith('0')) n = pyInt(v, 8, text, at);
  else if (v.includes(':')) n = v.split(':').reduce((acc, part) => acc * 60 + pyInt(part, 10, text, at), 0);
  else n = pyInt(v, 10, text, at);
  // Integers have no negative zero.
  return n === 0 ? 0 : sign * n;
}

const DIGITS: Record<number, (c: number) => boolean> = {
  2: (c) => c === 48 || c === 49,
  8: (c) => c >= 48 && c <= 55,
  10: isDigit,
  16: (c) => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70),
};
const PREFIX: Record<number, string> = { 2: 'b', 8: 'o', 10: '', 16: 'x' };

/** Python's int(s, base): surrounding whitespace, one sign and the base's own prefix ("0o17") allowed. */
function pyInt(s: string, base: number, text: string, at: number): number {
  let t = trimPython(s);
  let sign = 1;
  if (t.charCodeAt(0) === 45 || t.charCodeAt(0) === 43) {
    if (t.charCodeAt(0) === 45) sign = -1;
    t = t.slice(1);
  }
  if (base !== 10 && t.length > 2 && t[0] === '0' && t[1]!.toLowerCase() === PREFIX[base]) t = t.slice(2);
  if (!isRun(t, 0, DIGITS[base]!)) throw new YamlError(`${JSON.stringify(text)} is not a valid integer`, at);
  return sign * (base === 10 ? Number(t) : parseInt(t, base));
}

/** A float the way PyYAML's float constructor reads one. */
export function toFloat(text: string, at: number): number {
  let v = (text.includes('_') ? text.split('_').join('') : text).toLowerCase();
  let sign = 1;
  if (v.charCodeAt(0) === 45) sign = -1;
  if (v.charCodeAt(0) === 45 || v.charCodeAt(0) === 43) v = v.slice(1);
  if (v === '.inf') return sign * Infinity;
  if (v === '.nan') return NaN;
  if (v.includes(':')) return sign * v.split(':').reduce((acc, part) => acc * 60 + pyFloat(part, text, at), 0);
  return sign * pyFloat(v, text, at);
}

/** Python's float(s). */
function pyFloat(s: string, text: string, at: number): number {
  let t = trimPython(s);
  let sign = 1;
  if (t.charCodeAt(0) === 45 || t.charCodeAt(0) === 43) {
    if (t.charCodeAt(0) === 45) sign = -1;
    t = t.slice(1);
  }
  if (t === 'inf' || t === 'infinity') return sign * Infinity;
  if (t === 'nan') return NaN;
  // Digits with at most one dot and at least one digit, then an optional exponent.
  let i = skipDigits(t, 0, false);
  let digits = i;
  if (t.charCodeAt(i) === 46) {
    const j = skipDigits(t, i + 1, false);
    digits += j - i - 1;
    i = j;
  }
  if (digits === 0 || !(i === t.length || isExponent(t, i, false))) throw new YamlError(`${JSON.stringify(text)} is not a valid floating-point number`, at);
  return sign * Number(t);
}

/** Python's str.strip() for the ASCII whitespace int() and float() ignore. */
function trimPython(s: string): string {
  const ws = (c: number) => c === 32 || (c >= 9 && c <= 13);
  let a = 0;
  let b = s.length;
  while (a < b && ws(s.charCodeAt(a))) a++;
  while (b > a && ws(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}
