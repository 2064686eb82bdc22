/**
 * YAML (and JSON) loading with positions. Values follow the YAML 1.1 rules
 * cloud-config and network-config rely on (yes/no/on/off booleans, 0644
 * octal), except two 1.1 types that only ever surprise users: sexagesimal
 * numbers (an unquoted MAC such as 52:54:00:12:34:56 stays a string) and
 * timestamps (dates stay strings).
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { Diagnostic, PathSegment } from './diagnostics.ts';

export interface LocatedDocument {
  source: string;
  value: unknown;
  /** 1-based line and column of the value at `path` (or of its key), if known. */
  locate(path: readonly PathSegment[]): { line: number; column: number } | undefined;
}

const MAX_ALIASES = 100;

export function loadYaml(text: string, source: string): { doc?: LocatedDocument; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    lineCounter,
    prettyErrors: false,
    customTags: (tags) =>
      tags.filter((t) => {
        if (typeof t !== 'object') return true;
        return t.format !== 'TIME' && t.tag !== 'tag:yaml.org,2002:timestamp';
      }),
  });
  const diagnostics: Diagnostic[] = [];
  for (const e of doc.errors) {
    const pos = lineCounter.linePos(e.pos[0]);
    diagnostics.push({
      severity: 'error',
      source,
      path: [],
      line: pos.line,
      column: pos.col,
      message: `not valid YAML: ${firstLine(e.message)}`,
    });
  }
  if (diagnostics.length > 0) return { diagnostics };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    return {
      diagnostics: [{ severity: 'error', source, path: [], message: `not valid YAML: ${firstLine(String((e as Error).message))}` }],
    };
  }
  const locate = (path: readonly PathSegment[]): { line: number; column: number } | undefined => {
    let node: unknown = doc.contents;
    let offset: number | undefined = nodeStart(node);
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) return offset === undefined ? undefined : pos(offset);
        offset = nodeStart(pair.key) ?? offset;
        node = pair.value;
        const valueStart = nodeStart(node);
        if (valueStart !== undefined && !isMap(node) && !isSeq(node)) offset = valueStart;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) return offset === undefined ? undefined : pos(offset);
        node = item;
        offset = nodeStart(node) ?? offset;
      } else {
        break;
      }
    }
    return offset === undefined ? undefined : pos(offset);
  };
  const pos = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  return { doc: { source, value, locate }, diagnostics };
}

function nodeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
