/** Template values as Python sees them: str(), truthiness, equality, and the undefined value. */
import { isMapping } from '../../text/reader.ts';

/** A name that is not in the data; renders as cloud-init renders it. */
export class Undefined {
  constructor(readonly name: string) {}
}

export function pyRepr(v: unknown): string {
  if (typeof v === 'string') {
    const body = v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
    // Python quotes with " when the text has a ' and no ".
    return v.includes("'") && !v.includes('"') ? `"${body}"` : `'${body.replace(/'/g, "\\'")}'`;
  }
  return pyStr(v);
}

export function pyStr(v: unknown): string {
  if (v instanceof Undefined) return `CI_MISSING_JINJA_VAR/${v.name}`;
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (isMapping(v)) return `{${Object.keys(v).map((k) => `${pyRepr(k)}: ${pyRepr(v[k])}`).join(', ')}}`;
  return String(v);
}

export function truthy(v: unknown): boolean {
  if (v instanceof Undefined || v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMapping(v)) return Object.keys(v).length > 0;
  return true;
}

export function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isMapping(a) && isMapping(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && equal(a[k], b[k]));
  }
  return false;
}

/** Own keys only: a template must not reach Object.prototype through "constructor" and the like. */
export function member(obj: unknown, key: unknown): { found: boolean; value: unknown } {
  if (isMapping(obj) && typeof key === 'string' && Object.prototype.hasOwnProperty.call(obj, key)) return { found: true, value: obj[key] };
  if ((Array.isArray(obj) || typeof obj === 'string') && typeof key === 'number' && Number.isInteger(key)) {
    const i = key < 0 ? obj.length + key : key;
    if (i >= 0 && i < obj.length) return { found: true, value: obj[i] };
  }
  return { found: false, value: undefined };
}
