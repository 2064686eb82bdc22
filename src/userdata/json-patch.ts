/**
 * RFC 6902 JSON Patch, for `#cloud-config-jsonp` parts: a JSON list of
 * operations (add, remove, replace, move, copy, test) applied to the
 * cloud-config merged so far. Pure: the input is not modified; a failing
 * operation fails the whole patch (the caller ignores the part).
 */
import { isMapping } from '../text/reader.ts';
import { equal } from './jinja/values.ts';

type Container = Record<string, unknown> | unknown[];

function clone(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clone);
  if (isMapping(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) Object.defineProperty(out, k, { value: clone(v[k]), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

/** RFC 6901: "/a/b~1c" → ["a", "b/c"]. */
function tokens(pointer: unknown): string[] {
  if (typeof pointer !== 'string' || (pointer !== '' && !pointer.startsWith('/'))) throw new Error(`${JSON.stringify(pointer)} is not a JSON pointer`);
  return pointer === '' ? [] : pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function index(arr: unknown[], token: string, forAdd: boolean): number {
  if (forAdd && token === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new Error(`"${token}" is not a list index`);
  const i = Number(token);
  if (i > arr.length || (!forAdd && i === arr.length)) throw new Error(`index ${i} is out of range`);
  return i;
}

function has(c: Container, key: string): boolean {
  return Array.isArray(c) ? /^(0|[1-9][0-9]*)$/.test(key) && Number(key) < c.length : Object.prototype.hasOwnProperty.call(c, key);
}

/** The container holding the pointer's last token. */
function parent(doc: unknown, path: string[]): { c: Container; key: string } {
  let cur = doc;
  for (const t of path.slice(0, -1)) {
    if (!(Array.isArray(cur) || isMapping(cur)) || !has(cur, t)) throw new Error(`the path through "${t}" does not exist`);
    cur = Array.isArray(cur) ? cur[Number(t)] : cur[t];
  }
  if (!(Array.isArray(cur) || isMapping(cur))) throw new Error('the target\'s parent is not a mapping or list');
  return { c: cur, key: path[path.length - 1] ?? '' };
}

function get(doc: unknown, path: string[]): unknown {
  if (path.length === 0) return doc;
  const { c, key } = parent(doc, path);
  if (!has(c, key)) throw new Error(`"${key}" does not exist`);
  return Array.isArray(c) ? c[Number(key)] : c[key];
}

function add(doc: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const { c, key } = parent(doc, path);
  if (Array.isArray(c)) c.splice(index(c, key, true), 0, value);
  else Object.defineProperty(c, key, { value, enumerable: true, writable: true, configurable: true });
  return doc;
}

function remove(doc: unknown, path: string[]): unknown {
  if (path.length === 0) throw new Error('the whole document cannot be removed');
  const { c, key } = parent(doc, path);
  if (!has(c, key)) throw new Error(`"${key}" does not exist`);
  if (Array.isArray(c)) c.splice(Number(key), 1);
  else delete c[key];
  return doc;
}

export function applyJsonPatch(input: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw new Error('a JSON patch must be a list of operations');
  let doc = clone(input);
  patch.forEach((op, n) => {
    try {
      if (!isMapping(op)) throw new Error('not an object');
      const path = tokens(op['path']);
      switch (op['op']) {
        case 'add':
          if (!('value' in op)) throw new Error('no "value"');
          doc = add(doc, path, clone(op['value']));
          break;
        case 'remove':
          doc = remove(doc, path);
          break;
        case 'replace':
          if (!('value' in op)) throw new Error('no "value"');
          if (path.length === 0) doc = clone(op['value']);
          else doc = add(remove(doc, path), path, clone(op['value']));
          break;
        case 'move': {
          const from = tokens(op['from']);
          const value = get(doc, from);
          doc = add(remove(doc, from), path, value);
          break;
        }
        case 'copy':
          doc = add(doc, path, clone(get(doc, tokens(op['from']))));
          break;
        case 'test':
          if (!equal(get(doc, path), op['value'])) throw new Error('the test failed');
          break;
        default:
          throw new Error(`unknown op ${JSON.stringify(op['op'])}`);
      }
    } catch (e) {
      throw new Error(`operation ${n + 1}: ${(e as Error).message}`);
    }
  });
  return doc;
}
