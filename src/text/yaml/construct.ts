/**
 * Node graph → plain values (objects, arrays, strings, numbers, booleans,
 * null), as PyYAML's SafeConstructor builds them: aliases share the value of
 * their anchor, "<<" merges mappings in PyYAML's order, keys become strings.
 * On top of PyYAML: duplicate keys are reported, alias expansion is bounded
 * (a "billion laughs" document is refused before anything walks it), so is
 * the depth aliases can add, and keys such as "__proto__" stay ordinary
 * own properties.
 */
import type { PathSegment } from '../diagnostics.ts';
import { YamlError } from './error.ts';
import { deref, IMPLICIT, Kind, MAP, SEQ, showTag, STR, TAG_PREFIX, type MappingNode, type ScalarNode, type SequenceNode, type ValueNode, type YamlNode } from './nodes.ts';
import { isScalarTag, MERGE, resolveNonSpecific, resolvePlain, resolveTagged } from './resolve.ts';

export interface Limits {
  maxDepth: number;
  /** Alias uses allowed, counted in the fully expanded document. */
  maxAliases: number;
}

/** A problem that does not stop construction: duplicate keys (errors) and unknown tags (warnings). */
export interface Finding {
  severity: 'error' | 'warning';
  offset: number;
  path: PathSegment[];
  message: string;
}

export function construct(
  root: YamlNode | undefined,
  limits: Limits,
  lineOf: (offset: number) => number,
): { value: unknown; findings: Finding[] } {
  if (root === undefined) return { value: null, findings: [] };
  findings = [];
  built = new Map();
  aliasUses = 0;
  height = 0;
  path = [];
  maxDepth = limits.maxDepth;
  maxAliases = limits.maxAliases;
  lineOfOffset = lineOf;
  try {
    return { value: value(root, 0), findings };
  } finally {
    built = new Map();
  }
}

/** Collection tags stratus reads as plain collections, with a warning. */
const UNSUPPORTED = new Set([`${TAG_PREFIX}set`, `${TAG_PREFIX}omap`, `${TAG_PREFIX}pairs`, `${TAG_PREFIX}timestamp`, MERGE, `${TAG_PREFIX}value`]);

interface Built {
  value: unknown;
  /** Levels of nesting below the node. */
  height: number;
  /** Alias uses in the node's expansion. */
  aliases: number;
}

// The constructor's state, in module variables (as in the scanner, for
// speed in a cold process); construct() is not re-entrant.
let findings: Finding[] = [];
/** Values of anchored nodes, which aliases share. */
let built = new Map<ValueNode, Built>();
let aliasUses = 0;
/** Height of the node constructed last. */
let height = 0;
let path: PathSegment[] = [];
let maxDepth = 0;
let maxAliases = 0;
let lineOfOffset: (offset: number) => number = () => 0;

function value(node: YamlNode, depth: number): unknown {
  if (node.kind === Kind.Alias) {
    // Anchors come before their aliases, and construction follows the text, so the target is built.
    const b = built.get(node.target)!;
    if (depth + b.height > maxDepth) {
      throw new YamlError(`nested more than ${maxDepth} levels deep (through the alias *${node.name})`, node.start);
    }
    aliasUses += 1 + b.aliases;
    if (aliasUses > maxAliases) {
      throw new YamlError(
        `its aliases expand to too many values (more than ${maxAliases} alias uses); this looks like a "billion laughs" document`,
        undefined,
      );
    }
    height = b.height;
    return b.value;
  }
  const before = aliasUses;
  let v: unknown;
  if (node.kind === Kind.Scalar) {
    v = scalar(node);
    height = 0;
  } else if (node.kind === Kind.Sequence) v = sequence(node, depth);
  else v = mapping(node, depth);
  if (node.anchor !== null) built.set(node, { value: v, height, aliases: aliasUses - before });
  return v;
}

function scalar(node: ScalarNode): unknown {
  const v = scalarValue(node);
  const tag = node.tag;
  if (tag !== IMPLICIT && tag !== STR && !isScalarTag(tag)) unknownTag(node);
  return v;
}

function sequence(node: SequenceNode, depth: number): unknown[] {
  checkCollectionTag(node, SEQ);
  const items = node.items;
  const out: unknown[] = [];
  // Height: levels of nodes below this one (0 for a leaf, an empty list included).
  let tallest = -1;
  for (let i = 0; i < items.length; i++) {
    path.push(i);
    out.push(value(items[i]!, depth + 1));
    path.pop();
    if (height > tallest) tallest = height;
  }
  height = tallest + 1;
  return out;
}

function mapping(node: MappingNode, depth: number): Record<string, unknown> {
  checkCollectionTag(node, MAP);
  const { keys, values } = node;
  const own: Record<string, unknown> = {};
  let merged: Record<string, unknown>[] | undefined;
  /** Where each key is first given, from the first duplicate on (so that many duplicates cost linear time). */
  let firstAt: Map<string, number> | undefined;
  let tallest = -1;
  for (let i = 0; i < keys.length; i++) {
    const keyNode = keys[i]!;
    if (isMergeKey(keyNode)) {
      merged ??= [];
      merge(values[i]!, depth + 1, merged);
    } else {
      const key = keyOf(keyNode, depth + 1);
      if (height > tallest) tallest = height;
      if (Object.hasOwn(own, key)) {
        firstAt ??= firstOffsets(node, i);
        duplicate(node, i, key, firstAt.get(key));
      }
      if (firstAt !== undefined && !firstAt.has(key)) firstAt.set(key, keyNode.start);
      path.push(key);
      setOwn(own, key, value(values[i]!, depth + 1));
      path.pop();
    }
    if (height > tallest) tallest = height;
  }
  height = tallest + 1;
  if (merged === undefined) return own;
  // PyYAML puts merged pairs first and lets later pairs win: the mapping's
  // own keys beat merged ones, and of a merged list the first mapping wins.
  const out: Record<string, unknown> = {};
  for (const m of merged) for (const k of Object.keys(m)) setOwn(out, k, m[k]);
  for (const k of Object.keys(own)) setOwn(out, k, own[k]);
  return out;
}

function merge(valueNode: YamlNode, depth: number, merged: Record<string, unknown>[]): void {
  const target = deref(valueNode);
  if (target.kind === Kind.Mapping) {
    path.push('<<');
    merged.push(value(valueNode, depth) as Record<string, unknown>);
    path.pop();
    return;
  }
  if (target.kind === Kind.Sequence) {
    for (const item of target.items) {
      const t = deref(item);
      if (t.kind !== Kind.Mapping) {
        throw new YamlError(`a merge key "<<" takes a mapping or a list of mappings, but this list item is ${describeNode(t)}`, item.start);
      }
    }
    path.push('<<');
    const list = value(valueNode, depth) as Record<string, unknown>[];
    path.pop();
    for (let j = list.length - 1; j >= 0; j--) merged.push(list[j]!);
    return;
  }
  throw new YamlError(`a merge key "<<" takes a mapping or a list of mappings, not ${describeNode(target)}`, valueNode.start);
}

function keyOf(keyNode: YamlNode, depth: number): string {
  const target = deref(keyNode);
  if (target.kind !== Kind.Scalar) {
    throw new YamlError(`a mapping key must be a single value (text, number, true/false or null), not ${describeNode(target)}`, keyNode.start);
  }
  const v = value(keyNode, depth);
  return typeof v === 'string' ? v : String(v);
}

function firstOffsets(node: MappingNode, end: number): Map<string, number> {
  const first = new Map<string, number>();
  for (let j = 0; j < end; j++) {
    const k = deref(node.keys[j]!);
    if (k.kind !== Kind.Scalar || isMergeKey(node.keys[j]!)) continue;
    const text = keyText(k);
    if (!first.has(text)) first.set(text, node.keys[j]!.start);
  }
  return first;
}

function duplicate(node: MappingNode, index: number, key: string, first: number | undefined): void {
  const where = first === undefined ? '' : ` (first given on line ${lineOfOffset(first)})`;
  findings.push({
    severity: 'error',
    offset: node.keys[index]!.start,
    path: [...path, key],
    message: `duplicate key ${JSON.stringify(key)}${where}; each key may appear only once in a mapping`,
  });
}

function checkCollectionTag(node: SequenceNode | MappingNode, own: string): void {
  const tag = node.tag;
  if (tag === IMPLICIT || tag === own) return;
  const what = node.kind === Kind.Mapping ? 'a mapping' : 'a list';
  if (tag === MAP || tag === SEQ || isScalarTag(tag)) throw new YamlError(`the tag ${showTag(tag)} cannot be applied to ${what}`, node.start);
  unknownTag(node);
}

function unknownTag(node: ValueNode): void {
  const tag = node.tag!;
  const message = UNSUPPORTED.has(tag)
    ? `the tag ${showTag(tag)} is not supported; the value is read as if it had no tag`
    : `unknown tag ${showTag(tag)}; the value is read as if it had no tag`;
  findings.push({ severity: 'warning', offset: node.start, path: [...path], message });
}

/** The value of a scalar node (unknown tags read as untagged). */
export function scalarValue(node: ScalarNode): unknown {
  const tag = node.tag;
  if (tag === IMPLICIT) return node.plain ? resolvePlain(node.value, node.start) : resolveNonSpecific(node.value, node.start);
  if (tag === STR) return node.value;
  const v = resolveTagged(tag, node.value, node.start);
  if (v !== undefined) return v;
  if (tag === MAP || tag === SEQ) throw new YamlError(`${showTag(tag)} needs a ${tag === MAP ? 'mapping' : 'list'}, not a single value`, node.start);
  return node.plain ? resolvePlain(node.value, node.start) : node.value;
}

/** A scalar key as it appears in the constructed mapping. */
export function keyText(node: ScalarNode): string {
  const v = scalarValue(node);
  return typeof v === 'string' ? v : String(v);
}

export function isMergeKey(node: YamlNode): boolean {
  const k = deref(node);
  return k.kind === Kind.Scalar && (k.tag === MERGE || (k.tag === IMPLICIT && k.value === '<<'));
}

function describeNode(node: ValueNode): string {
  return node.kind === Kind.Mapping ? 'a mapping' : node.kind === Kind.Sequence ? 'a list' : 'a single value';
}

/** Sets an own, enumerable property, even for "__proto__" (which plain assignment would turn into a prototype change). */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}
