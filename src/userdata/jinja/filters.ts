/** The Jinja filters cloud-init templates use in practice, with Jinja's argument order. */
import { isMapping } from '../../text/reader.ts';
import { pyStr, truthy, Undefined } from './values.ts';

type Filter = (value: unknown, args: unknown[]) => unknown;

function toInt(v: unknown, dflt: unknown): unknown {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const s = v.trim().replace(/_/g, '');
    if (/^[-+]?\d+$/.test(s)) return Number.parseInt(s, 10);
    if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return Math.trunc(Number(s));
  }
  return dflt;
}

function toFloat(v: unknown, dflt: unknown): unknown {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v.trim()))) return Number(v.trim());
  return dflt;
}

function items(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (isMapping(v)) return Object.keys(v);
  return [];
}

const defaultFilter: Filter = (v, [dflt = '', boolean = false]) => (v instanceof Undefined || (truthy(boolean) && !truthy(v)) ? dflt : v);

export const FILTERS = new Map<string, Filter>([
  ['default', defaultFilter],
  ['d', defaultFilter],
  ['lower', (v) => pyStr(v).toLowerCase()],
  ['upper', (v) => pyStr(v).toUpperCase()],
  ['capitalize', (v) => {
    const s = pyStr(v);
    return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
  }],
  ['replace', (v, [from, to, count]) => {
    const s = pyStr(v);
    const f = pyStr(from);
    const t = pyStr(to);
    if (typeof count !== 'number') return s.split(f).join(t);
    let out = s;
    let n = 0;
    let at = 0;
    while (n < count) {
      const i = out.indexOf(f, at);
      if (i < 0) break;
      out = out.slice(0, i) + t + out.slice(i + f.length);
      at = i + t.length;
      n++;
    }
    return out;
  }],
  ['trim', (v, [chars]) => {
    const s = pyStr(v);
    if (typeof chars !== 'string') return s.trim();
    let a = 0;
    let b = s.length;
    while (a < b && chars.includes(s[a] ?? '')) a++;
    while (b > a && chars.includes(s[b - 1] ?? '')) b--;
    return s.slice(a, b);
  }],
  ['join', (v, [sep = '']) => items(v).map(pyStr).join(pyStr(sep))],
  ['string', (v) => pyStr(v)],
  ['int', (v, [dflt = 0]) => toInt(v, dflt)],
  ['float', (v, [dflt = 0]) => toFloat(v, dflt)],
  ['length', (v) => items(v).length],
  ['count', (v) => items(v).length],
  ['first', (v) => items(v)[0] ?? new Undefined('first')],
  ['last', (v) => items(v).at(-1) ?? new Undefined('last')],
  ['list', (v) => [...items(v)]],
]);
