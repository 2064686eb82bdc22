/**
 * The value tree structure-aware mutation works on: a parsed YAML/JSON
 * document whose mappings keep their entries as a list, so a mutation can
 * give a key twice, and serializers back to JSON and to YAML (block or flow
 * style, plain or quoted scalars) that may also emit YAML-only constructs
 * (anchors, aliases, tags) the parsers must survive.
 */
import type { Rng } from './rng.ts';

export type Node =
  | { t: 'map'; entries: [string, Node][] }
  | { t: 'seq'; items: Node[] }
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'null' }
  /** Text put into the output as it is (a YAML alias, a tagged value...). */
  | { t: 'raw'; text: string };

export function toNode(value: unknown, depth = 0): Node {
  if (depth > 200) return { t: 'null' };
  if (value === null || value === undefined) return { t: 'null' };
  if (typeof value === 'string') return { t: 'str', v: value };
  if (typeof value === 'number') return { t: 'num', v: value };
  if (typeof value === 'boolean') return { t: 'bool', v: value };
  if (Array.isArray(value)) return { t: 'seq', items: value.map((v) => toNode(v, depth + 1)) };
  if (typeof value === 'object' && !(value instanceof Uint8Array) && !(value instanceof Map) && !(value instanceof Set)) {
    return { t: 'map', entries: Object.keys(value).map((k) => [k, toNode((value as Record<string, unknown>)[k], depth + 1)]) };
  }
  return { t: 'str', v: String(value) };
}

export function clone(n: Node): Node {
  switch (n.t) {
    case 'map':
      return { t: 'map', entries: n.entries.map(([k, v]) => [k, clone(v)]) };
    case 'seq':
      return { t: 'seq', items: n.items.map(clone) };
    default:
      return { ...n };
  }
}

/** Every node with the way to replace it, outermost first. */
export interface Slot {
  node: Node;
  depth: number;
  /** The mapping entry or sequence item this node is, or undefined for the root. */
  parent?: { container: Node & { t: 'map' | 'seq' }; index: number };
}

export function slots(root: Node, limit = 5000): Slot[] {
  const out: Slot[] = [];
  const visit = (node: Node, depth: number, parent?: Slot['parent']): void => {
    if (out.length >= limit) return;
    out.push(parent ? { node, depth, parent } : { node, depth });
    if (node.t === 'map') node.entries.forEach(([, v], i) => visit(v, depth + 1, { container: node, index: i }));
    else if (node.t === 'seq') node.items.forEach((v, i) => visit(v, depth + 1, { container: node, index: i }));
  };
  visit(root, 0);
  return out;
}

export function replaceAt(slot: Slot, node: Node): void {
  const p = slot.parent;
  if (!p) return;
  if (p.container.t === 'map') p.container.entries[p.index]![1] = node;
  else p.container.items[p.index] = node;
}

// ---------------------------------------------------------------- JSON

export function toJson(n: Node, rng: Rng, indent: boolean): string {
  const nl = indent ? '\n' : '';
  const ser = (x: Node, pad: string): string => {
    const inner = indent ? `${pad}  ` : '';
    switch (x.t) {
      case 'map':
        if (x.entries.length === 0) return '{}';
        return `{${nl}${x.entries.map(([k, v]) => `${inner}${JSON.stringify(k)}:${indent ? ' ' : ''}${ser(v, inner)}`).join(`,${nl}`)}${nl}${pad}}`;
      case 'seq':
        if (x.items.length === 0) return '[]';
        return `[${nl}${x.items.map((v) => `${inner}${ser(v, inner)}`).join(`,${nl}`)}${nl}${pad}]`;
      case 'str':
        return JSON.stringify(x.v);
      case 'num':
        return Number.isFinite(x.v) ? String(x.v) : rng.pick(['1e999', '-1e999', 'NaN', 'Infinity']);
      case 'bool':
        return String(x.v);
      case 'null':
        return 'null';
      case 'raw':
        return x.text;
    }
  };
  return ser(n, '');
}

// ---------------------------------------------------------------- YAML

const PLAIN_SAFE = /^[A-Za-z0-9_./][A-Za-z0-9_./ :@-]*$/;

function yamlScalar(s: string, rng: Rng): string {
  // Sometimes plain even when it changes the type or breaks the syntax: the loader must cope.
  if (rng.chance(0.05)) return s;
  if (PLAIN_SAFE.test(s) && !/: |:$| $/.test(s) && rng.chance(0.7)) return s;
  if (rng.chance(0.3) && !/['\n\r]/.test(s)) return `'${s}'`;
  return JSON.stringify(s);
}

function yamlNumber(v: number, rng: Rng): string {
  if (Number.isNaN(v)) return '.nan';
  if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf';
  if (Number.isInteger(v) && v >= 0 && rng.chance(0.1)) return rng.chance(0.5) ? `0x${v.toString(16)}` : `0${v.toString(8)}`;
  return String(v);
}

function yamlFlow(n: Node, rng: Rng): string {
  switch (n.t) {
    case 'map':
      return `{${n.entries.map(([k, v]) => `${JSON.stringify(k)}: ${yamlFlow(v, rng)}`).join(', ')}}`;
    case 'seq':
      return `[${n.items.map((v) => yamlFlow(v, rng)).join(', ')}]`;
    case 'str':
      return JSON.stringify(n.v);
    case 'num':
      return yamlNumber(n.v, rng);
    case 'bool':
      return rng.pick(n.v ? ['true', 'yes', 'on', 'True'] : ['false', 'no', 'off', 'FALSE']);
    case 'null':
      return rng.pick(['null', '~', 'Null']);
    case 'raw':
      return n.text;
  }
}

/** Block-style YAML; containers below a random depth switch to flow style. */
export function toYaml(n: Node, rng: Rng): string {
  const flowFrom = rng.chance(0.2) ? rng.int(4) : 1000;
  const lines: string[] = [];
  const scalar = (x: Node): string | undefined => {
    switch (x.t) {
      case 'str':
        return yamlScalar(x.v, rng);
      case 'num':
        return yamlNumber(x.v, rng);
      case 'bool':
      case 'null':
      case 'raw':
        return yamlFlow(x, rng);
      default:
        return undefined;
    }
  };
  const key = (k: string): string => (PLAIN_SAFE.test(k) && !/[: ]/.test(k) && rng.chance(0.9) ? k : JSON.stringify(k));
  const block = (x: Node, pad: string, depth: number): void => {
    if (x.t === 'map') {
      for (const [k, v] of x.entries) {
        const s = scalar(v);
        if (s !== undefined) lines.push(`${pad}${key(k)}: ${s}`);
        else if (depth >= flowFrom || (v.t === 'map' && v.entries.length === 0) || (v.t === 'seq' && v.items.length === 0)) lines.push(`${pad}${key(k)}: ${yamlFlow(v, rng)}`);
        else {
          lines.push(`${pad}${key(k)}:`);
          block(v, `${pad}  `, depth + 1);
        }
      }
    } else if (x.t === 'seq') {
      for (const v of x.items) {
        const s = scalar(v);
        if (s !== undefined) lines.push(`${pad}- ${s}`);
        else if (depth >= flowFrom || (v.t === 'map' && v.entries.length === 0) || (v.t === 'seq' && v.items.length === 0)) lines.push(`${pad}- ${yamlFlow(v, rng)}`);
        else {
          lines.push(`${pad}-`);
          block(v, `${pad}  `, depth + 1);
        }
      }
    } else lines.push(`${pad}${scalar(x) ?? ''}`);
  };
  if (n.t !== 'map' && n.t !== 'seq') return `${scalar(n) ?? ''}\n`;
  if ((n.t === 'map' && n.entries.length === 0) || (n.t === 'seq' && n.items.length === 0) || flowFrom === 0) return `${yamlFlow(n, rng)}\n`;
  block(n, '', 0);
  return `${lines.join('\n')}\n`;
}
