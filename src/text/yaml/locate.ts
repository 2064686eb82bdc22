/**
 * Path of keys and indexes → offset in the text, for diagnostics. A scalar
 * (or alias) value is located at the value, a collection at its key, and a
 * path that leaves the document at the deepest node it reached. Keys merged
 * in with "<<" are found where the merged mapping defines them.
 */
import type { PathSegment } from '../diagnostics.ts';
import { isMergeKey, keyText } from './construct.ts';
import { deref, Kind, type MappingNode, type YamlNode } from './nodes.ts';

export function locateOffset(root: YamlNode | undefined, path: readonly PathSegment[]): number | undefined {
  if (root === undefined) return undefined;
  let node: YamlNode = root;
  let offset = root.start;
  for (const seg of path) {
    const n = deref(node);
    if (n.kind === Kind.Mapping) {
      const pair = findPair(n, String(seg), 0);
      if (pair === undefined) return offset;
      offset = pair.key.start;
      node = pair.value;
      if (node.kind === Kind.Alias || node.kind === Kind.Scalar) offset = node.start;
    } else if (n.kind === Kind.Sequence && typeof seg === 'number') {
      const item = n.items[seg];
      if (item === undefined) return offset;
      node = item;
      offset = item.start;
    } else {
      break;
    }
  }
  return offset;
}

/** Key text → index, per mapping, built on the first lookup (a file with many problems asks many times). */
const indexes = new WeakMap<MappingNode, Map<string, number>>();

function keyIndex(map: MappingNode): Map<string, number> {
  let index = indexes.get(map);
  if (index === undefined) {
    index = new Map();
    for (let i = 0; i < map.keys.length; i++) {
      const k = deref(map.keys[i]!);
      if (k.kind !== Kind.Scalar || isMergeKey(k)) continue;
      const text = keyText(k);
      if (!index.has(text)) index.set(text, i);
    }
    indexes.set(map, index);
  }
  return index;
}

function findPair(map: MappingNode, key: string, hops: number): { key: YamlNode; value: YamlNode } | undefined {
  const { keys, values } = map;
  const i = keyIndex(map).get(key);
  if (i !== undefined) return { key: keys[i]!, value: values[i]! };
  // Merged mappings, in the order PyYAML lets them win: later "<<" keys
  // first, and within a list the first mapping first. The hop limit only
  // guards against pathological chains; loading bounded them already.
  if (hops > 64) return undefined;
  for (let i = keys.length - 1; i >= 0; i--) {
    if (!isMergeKey(keys[i]!)) continue;
    const v = deref(values[i]!);
    const sources = v.kind === Kind.Mapping ? [v] : v.kind === Kind.Sequence ? v.items.map(deref) : [];
    for (const src of sources) {
      if (src.kind !== Kind.Mapping) continue;
      const found = findPair(src, key, hops + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
