/**
 * Merging of cloud-config parts as cloud-init does it (`merge_how`,
 * `merge_type`, the `Merge-Type` header). A merge spec names mergers for
 * dicts, lists and strings with options, e.g. "dict(no_replace,recurse_list)
 * +list(append)+str()". Values are dispatched on the type of the *earlier*
 * value; a type that no named merger handles (numbers, booleans, null, or a
 * type the spec leaves out) keeps the earlier value.
 *
 * Pure: inputs are never modified; the result shares no containers with them.
 */
import { isMapping, type Mapping } from '../text/reader.ts';

export interface MergerSpec {
  name: string;
  options: string[];
}

/** What cloud-init's cloud-config handler uses when a part names no mergers: later parts replace top-level keys. */
export const DEFAULT_PART_MERGERS = 'dict(replace)+list()+str()';

const SPEC = /^([a-zA-Z_][A-Za-z0-9_]*)\((.*?)\)$/;

/** "dict(replace)+list(append)" → specs; throws on a malformed item (the caller reports it). */
export function parseMergeString(text: string): MergerSpec[] {
  const out: MergerSpec[] = [];
  for (const raw of text.split('+')) {
    const item = raw.toLowerCase().trim().replace(/-/g, '_');
    if (item === '') continue;
    const m = SPEC.exec(item);
    if (!m) throw new Error(`merger "${item}" is not of the form name(option,...)`);
    const options = (m[2] ?? '').split(',').map((o) => o.trim().toLowerCase()).filter((o) => o !== '');
    out.push({ name: m[1] ?? '', options });
  }
  return out;
}

/**
 * `merge_how`/`merge_type` in a document: a string as above, or a list of
 * `{name, settings}` mappings (or `[name, option...]` lists).
 */
export function parseMergeValue(value: unknown): MergerSpec[] {
  if (typeof value === 'string') return parseMergeString(value);
  if (!Array.isArray(value)) throw new Error('merge_how must be a string or a list of {name, settings}');
  const out: MergerSpec[] = [];
  for (const item of value) {
    if (isMapping(item)) {
      const name = typeof item['name'] === 'string' ? item['name'].replace(/-/g, '_').trim() : '';
      const settings = item['settings'];
      const options = Array.isArray(settings) ? settings.filter((s): s is string => typeof s === 'string') : [];
      if (name) out.push({ name, options });
    } else if (Array.isArray(item) && typeof item[0] === 'string') {
      out.push({ name: item[0], options: item.slice(1).filter((s): s is string => typeof s === 'string') });
    } else {
      throw new Error('a merge_how list item must be {name, settings} or [name, option...]');
    }
  }
  return out;
}

interface DictMerger {
  replace: boolean;
  recurseList: boolean;
  recurseStr: boolean;
  allowDelete: boolean;
}
interface ListMerger {
  method: 'append' | 'prepend' | 'replace' | 'no_replace';
  recurseList: boolean;
  recurseStr: boolean;
  recurseDict: boolean;
}
interface StrMerger {
  append: boolean;
}
interface Mergers {
  dict?: DictMerger;
  list?: ListMerger;
  str?: StrMerger;
}

const has = (opts: readonly string[], ...names: string[]) => names.some((n) => opts.includes(n));

/** Unknown merger names are reported to the caller (cloud-init refuses the part); the first merger of a type wins. */
function build(specs: readonly MergerSpec[]): { mergers: Mergers; unknown: string[] } {
  const mergers: Mergers = {};
  const unknown: string[] = [];
  for (const { name, options: o } of specs) {
    if (name === 'dict') {
      mergers.dict ??= { replace: o.includes('replace'), recurseList: has(o, 'recurse_array', 'recurse_list'), recurseStr: o.includes('recurse_str'), allowDelete: o.includes('allow_delete') };
    } else if (name === 'list') {
      const method = (['append', 'prepend', 'replace', 'no_replace'] as const).find((m) => o.includes(m)) ?? 'replace';
      mergers.list ??= { method, recurseList: has(o, 'recurse_array', 'recurse_list'), recurseStr: o.includes('recurse_str'), recurseDict: o.includes('recurse_dict') };
    } else if (name === 'str' || name === 'unicode') {
      mergers.str ??= { append: o.includes('append') };
    } else {
      unknown.push(name);
    }
  }
  return { mergers, unknown };
}

function clone(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clone);
  if (isMapping(v)) {
    const out: Mapping = {};
    for (const k of Object.keys(v)) define(out, k, clone(v[k]));
    return out;
  }
  return v;
}

/** Own data property, so a "__proto__" key from YAML stays a key. */
function define(o: Mapping, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function mergeValue(m: Mergers, old: unknown, next: unknown): unknown {
  if (isMapping(old)) return m.dict ? mergeDict(m, m.dict, old, next) : old;
  if (Array.isArray(old)) return m.list ? mergeList(m, m.list, old, next) : old;
  if (typeof old === 'string') {
    if (!m.str) return old;
    // Appending only joins two strings; anything else simply replaces (Python would raise).
    return m.str.append && typeof next === 'string' ? old + next : clone(next);
  }
  return old;
}

function mergeDict(m: Mergers, d: DictMerger, old: Mapping, next: unknown): unknown {
  if (!isMapping(next)) return old;
  const out = clone(old) as Mapping;
  for (const k of Object.keys(next)) {
    const v = next[k];
    if (!Object.prototype.hasOwnProperty.call(out, k)) {
      define(out, k, clone(v));
    } else if (v === null && d.allowDelete) {
      delete out[k];
    } else if (d.replace) {
      define(out, k, clone(v));
    } else if ((Array.isArray(v) && d.recurseList) || (typeof v === 'string' && d.recurseStr) || isMapping(v)) {
      define(out, k, mergeValue(m, out[k], v));
    }
    // Otherwise (no_replace) the earlier value stays.
  }
  return out;
}

function mergeList(m: Mergers, l: ListMerger, old: unknown[], next: unknown): unknown {
  if (!Array.isArray(next)) return l.method === 'replace' ? clone(next) : old;
  if (l.method === 'append') return [...old.map(clone), ...next.map(clone)];
  if (l.method === 'prepend') return [...next.map(clone), ...old.map(clone)];
  const out = old.map(clone);
  if (l.method === 'no_replace') return out;
  // "replace" replaces item by item, and only as far as the earlier list reaches (cloud-init's rule).
  const n = Math.min(out.length, next.length);
  for (let i = 0; i < n; i++) {
    const v = next[i];
    if ((Array.isArray(v) && l.recurseList) || (typeof v === 'string' && l.recurseStr) || (isMapping(v) && l.recurseDict)) out[i] = mergeValue(m, out[i], v);
    else out[i] = clone(v);
  }
  return out;
}

/** `earlier` merged with `later` by the given mergers; `unknown` lists merger names that do not exist. */
export function mergeWith(specs: readonly MergerSpec[], earlier: unknown, later: unknown): { value: unknown; unknown: string[] } {
  const { mergers, unknown } = build(specs);
  return { value: mergeValue(mergers, earlier, later), unknown };
}
