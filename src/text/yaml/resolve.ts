/**
 * Scalar text → value. Untagged plain scalars follow PyYAML's YAML 1.1
 * implicit types, with three deliberate departures:
 *   - no sexagesimal numbers: an unquoted MAC (52:54:00:12:34:56) or a time
 *     (1:30) stays the string written;
 *   - no timestamps: dates stay strings;
 *   - a number as JSON writes it is a number ("1e3", "1.5e3"), where PyYAML
 *     wants a dot and a signed exponent.
 * A plain "<<" or "=" outside a key stays a string (PyYAML fails on them).
 */
import { YamlError } from './error.ts';
import { TAG_PREFIX } from './nodes.ts';
import { numberKind, NumberKind, toFloat, toInt } from './numbers.ts';

export type ScalarValue = string | number | boolean | null;

/** The value of an untagged plain scalar (or one tagged "!"). `at` locates errors. */
export function resolvePlain(text: string, at: number): ScalarValue {
  const n = text.length;
  if (n === 0) return null;
  const c = text.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46) return resolveNumber(text, at);
  // No keyword is longer than five characters.
  if (n > 5) return text;
  switch (text) {
    case '~':
    case 'null':
    case 'Null':
    case 'NULL':
      return null;
    case 'yes':
    case 'Yes':
    case 'YES':
    case 'true':
    case 'True':
    case 'TRUE':
    case 'on':
    case 'On':
    case 'ON':
      return true;
    case 'no':
    case 'No':
    case 'NO':
    case 'false':
    case 'False':
    case 'FALSE':
    case 'off':
    case 'Off':
    case 'OFF':
      return false;
    default:
      return text;
  }
}

/**
 * A quoted or block scalar tagged "!", which asks for the type to be
 * resolved from the text as for a plain scalar. PyYAML's patterns end in
 * "$", which also matches before one final line break: "12\n" (a block
 * scalar) is the integer 12, and "true\n" or ".inf\n" make PyYAML fail.
 * stratus does the same.
 */
export function resolveNonSpecific(text: string, at: number): ScalarValue {
  if (!text.endsWith('\n')) return resolvePlain(text, at);
  const core = text.slice(0, -1);
  if (core === '') return text;
  const v = resolvePlain(core, at);
  if (typeof v === 'string') return text;
  if (typeof v === 'boolean' || (typeof v === 'number' && !Number.isFinite(v) && /\.(?:inf|nan)$/i.test(core))) {
    throw new YamlError(`${JSON.stringify(text)} cannot be read as ${typeof v === 'boolean' ? 'a boolean' : 'a number'} (the tag "!" asks for its type to be resolved from the text)`, at);
  }
  return v;
}

function resolveNumber(text: string, at: number): ScalarValue {
  // The common case first: a plain decimal such as 2, 24 or 1500.
  let digits = true;
  for (let i = 0; i < text.length; i++) {
    const d = text.charCodeAt(i);
    if (d < 48 || d > 57) {
      digits = false;
      break;
    }
  }
  if (digits && (text.length === 1 || text.charCodeAt(0) !== 48)) return Number(text);
  const kind = numberKind(text);
  if (kind === NumberKind.Int) return toInt(text, at);
  if (kind === NumberKind.Float) return toFloat(text, at);
  return text;
}

export const MERGE = `${TAG_PREFIX}merge`;
const BOOL = `${TAG_PREFIX}bool`;
const INT_TAG = `${TAG_PREFIX}int`;
const FLOAT_TAG = `${TAG_PREFIX}float`;
const NULL = `${TAG_PREFIX}null`;
const BINARY = `${TAG_PREFIX}binary`;
/** cloud-init's loader reads this Python 2 tag as a string. */
const PYTHON_UNICODE = `${TAG_PREFIX}python/unicode`;
const STR = `${TAG_PREFIX}str`;

/** Tags that make a scalar; applying one to a collection is an error. */
export function isScalarTag(tag: string): boolean {
  return tag === STR || tag === BOOL || tag === INT_TAG || tag === FLOAT_TAG || tag === NULL || tag === BINARY || tag === PYTHON_UNICODE;
}

/**
 * A scalar with an explicit tag; undefined when stratus does not know the
 * tag (the caller reads the scalar as untagged and warns).
 */
export function resolveTagged(tag: string, text: string, at: number): ScalarValue | undefined {
  switch (tag) {
    case STR:
    case PYTHON_UNICODE:
      return text;
    case NULL:
      // PyYAML ignores the text of a !!null scalar.
      return null;
    case BOOL: {
      const v = text.toLowerCase();
      if (v === 'yes' || v === 'true' || v === 'on') return true;
      if (v === 'no' || v === 'false' || v === 'off') return false;
      throw new YamlError(`${JSON.stringify(text)} is not a boolean (!!bool takes yes/no, true/false or on/off)`, at);
    }
    case INT_TAG:
      return toInt(text, at);
    case FLOAT_TAG:
      return toFloat(text, at);
    case BINARY:
      return base64(text, at);
    default:
      return undefined;
  }
}

/**
 * !!binary: kept as base64 text (stratus's values are JSON), normalised the
 * way decoding and encoding again would: line breaks and spaces removed.
 */
function base64(text: string, at: number): string {
  const compact = text.replace(/[\s]/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(compact)) {
    throw new YamlError('this !!binary value is not valid base64', at);
  }
  return Buffer.from(compact, 'base64').toString('base64');
}
