/**
 * Structure-aware mutation of a value tree: replace a node with a hostile
 * value of another type, huge or deeply nested values, delete, duplicate or
 * rename keys, graft subtrees from other seeds, YAML anchors and tags.
 * Keys and values seen in the seeds are reused, so mutants stay close enough
 * to real configs to get past the first checks and reach deep parser code.
 */
import { hostileNumber, hostileString } from './hostile.ts';
import type { Rng } from './rng.ts';
import { clone, replaceAt, slots, type Node, type Slot } from './tree.ts';

/** What the seeds of a target are made of. */
export interface Dictionary {
  keys: string[];
  scalars: Node[];
  subtrees: Node[];
}

export function buildDictionary(trees: readonly Node[]): Dictionary {
  const keys = new Set<string>();
  const scalars: Node[] = [];
  const subtrees: Node[] = [];
  for (const t of trees) {
    for (const s of slots(t)) {
      if (s.node.t === 'map') {
        for (const [k] of s.node.entries) keys.add(k);
        if (s.depth > 0) subtrees.push(s.node);
      } else if (s.node.t === 'seq') {
        if (s.depth > 0) subtrees.push(s.node);
      } else scalars.push(s.node);
    }
  }
  return { keys: [...keys], scalars: scalars.slice(0, 5000), subtrees: subtrees.slice(0, 5000) };
}

/** Nesting written out as text: deep enough to overflow a recursive parser, not this serializer. */
function deepNest(rng: Rng): Node {
  const depth = rng.pick([10, 63, 64, 65, 100, 500, 3000, 20000]);
  const inner = rng.chance(0.5) ? '"x"' : 'null';
  if (rng.chance(0.5)) return { t: 'raw', text: `${'['.repeat(depth)}${inner}${']'.repeat(depth)}` };
  return { t: 'raw', text: `${'{"a": '.repeat(depth)}${inner}${'}'.repeat(depth)}` };
}

function hostileValue(rng: Rng, dict: Dictionary): Node {
  switch (rng.int(11)) {
    case 0:
      return { t: 'null' };
    case 1:
      return { t: 'bool', v: rng.chance(0.5) };
    case 2:
      return { t: 'num', v: hostileNumber(rng) };
    case 3:
    case 4:
      return { t: 'str', v: hostileString(rng) };
    case 5:
      return { t: 'seq', items: Array.from({ length: rng.small(5) }, () => hostileValue(rng, dict)) };
    case 6:
      return { t: 'map', entries: Array.from({ length: rng.small(4) }, () => [rng.chance(0.5) && dict.keys.length ? rng.pick(dict.keys) : hostileString(rng), hostileValue(rng, dict)] as [string, Node]) };
    case 7:
      return rng.chance(0.2) ? deepNest(rng) : { t: 'str', v: 'A'.repeat(rng.pick([1000, 70000, 300000])) };
    case 8:
      return rng.chance(0.5) ? { t: 'seq', items: Array.from({ length: rng.pick([100, 1000, 5000]) }, () => ({ t: 'num', v: rng.int(300) }) as Node) } : { t: 'num', v: rng.pick([1e21, 2 ** 64, -(2 ** 63), 123456789012345680000]) };
    case 9:
      return dict.scalars.length ? clone(rng.pick(dict.scalars)) : { t: 'null' };
    default:
      return dict.subtrees.length ? clone(rng.pick(dict.subtrees)) : { t: 'null' };
  }
}

const YAML_RAW: readonly string[] = [
  '!!binary aGVsbG8=',
  '!!set {a, b}',
  '!!omap [{a: 1}, {b: 2}]',
  '!!python/object:os.system [id]',
  '!!str 12',
  '!!int "0x1f"',
  '!!float .nan',
  '!custom x',
  '&anc [1, 2]',
  '*anc',
  '*nowhere',
  '|\n  block\n  text',
  '>-\n  folded',
  '"\\x00\\u2028\\U0001F600"',
  "'it''s'",
  '? complex\n',
  '2001-12-14t21:59:43.10-05:00',
  '190:20:30',
  '<<: {a: 1}',
];

/** One mutation in place; returns the (maybe new) root. */
export function mutateTree(root: Node, rng: Rng, dict: Dictionary, yaml: boolean): Node {
  const all = slots(root);
  const slot: Slot = rng.pick(all);
  const node = slot.node;
  switch (rng.int(12)) {
    case 0:
    case 1:
    case 2: {
      const v = hostileValue(rng, dict);
      if (!slot.parent) return v;
      replaceAt(slot, v);
      return root;
    }
    case 3: // delete a key or item
      if (node.t === 'map' && node.entries.length) node.entries.splice(rng.int(node.entries.length), 1);
      else if (node.t === 'seq' && node.items.length) node.items.splice(rng.int(node.items.length), 1);
      else if (slot.parent) {
        if (slot.parent.container.t === 'map') slot.parent.container.entries.splice(slot.parent.index, 1);
        else slot.parent.container.items.splice(slot.parent.index, 1);
      }
      return root;
    case 4: // duplicate a key or item (a duplicate key is an error the parser must locate)
      if (node.t === 'map' && node.entries.length) {
        const e = rng.pick(node.entries);
        node.entries.splice(rng.int(node.entries.length + 1), 0, [e[0], clone(e[1])]);
      } else if (node.t === 'seq' && node.items.length) node.items.splice(rng.int(node.items.length + 1), 0, clone(rng.pick(node.items)));
      return root;
    case 5: // rename a key: to one the seeds use elsewhere, or to a hostile one
      if (node.t === 'map' && node.entries.length) {
        const e = rng.pick(node.entries);
        e[0] = rng.chance(0.6) && dict.keys.length ? rng.pick(dict.keys) : hostileString(rng);
      }
      return root;
    case 6: // add a key the seeds use elsewhere
      if (node.t === 'map') node.entries.push([rng.chance(0.8) && dict.keys.length ? rng.pick(dict.keys) : hostileString(rng), hostileValue(rng, dict)]);
      else if (node.t === 'seq') node.items.push(hostileValue(rng, dict));
      return root;
    case 7: // graft a subtree of a seed
      if (dict.subtrees.length && slot.parent) replaceAt(slot, clone(rng.pick(dict.subtrees)));
      return root;
    case 8: // a scalar of a neighbour's kind, edited
      if (node.t === 'str') {
        const s = node.v;
        const at = rng.int(s.length + 1);
        node.v = rng.chance(0.5) ? s.slice(0, at) + hostileString(rng) + s.slice(at) : s.slice(0, at);
      } else if (node.t === 'num') node.v = rng.chance(0.5) ? node.v + rng.pick([-1, 1, 256, -256]) : -node.v;
      else if (slot.parent) replaceAt(slot, { t: 'str', v: hostileString(rng) });
      return root;
    case 9: // wrap in a list or a mapping (a scalar where a list is expected and back)
      if (slot.parent) replaceAt(slot, rng.chance(0.5) ? { t: 'seq', items: [node] } : { t: 'map', entries: [[rng.chance(0.5) && dict.keys.length ? rng.pick(dict.keys) : 'x', node]] });
      return root;
    case 10: // YAML-only constructs
      if (yaml && slot.parent) replaceAt(slot, { t: 'raw', text: rng.pick(YAML_RAW) });
      else if (slot.parent) replaceAt(slot, { t: 'str', v: hostileString(rng) });
      return root;
    default: // many copies: size and fan-out
      if (node.t === 'seq' && node.items.length) {
        const item = rng.pick(node.items);
        for (let i = rng.pick([10, 100, 1000]); i > 0; i--) node.items.push(clone(item));
      } else if (node.t === 'map' && node.entries.length) {
        const e = rng.pick(node.entries);
        for (let i = rng.pick([10, 100, 500]); i > 0; i--) node.entries.push([`${e[0]}${i}`, clone(e[1])]);
      }
      return root;
  }
}
