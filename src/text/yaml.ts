/**
 * YAML (and JSON) loading with positions. Values follow the YAML 1.1 rules
 * cloud-config and network-config rely on, as PyYAML reads them (yes/no/on/off
 * booleans, 0644 octal), except two 1.1 types that only ever surprise users:
 * sexagesimal numbers (an unquoted MAC such as 52:54:00:12:34:56 stays a
 * string) and timestamps (dates stay strings).
 *
 * Stricter than PyYAML where leniency hides mistakes: a key given twice in
 * one mapping is an error (PyYAML keeps the last one silently), and so are
 * documents nested absurdly deep or expanding too many aliases.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node, type ScalarTag } from 'yaml';
import { type Diagnostic, type PathSegment } from './diagnostics.ts';

export interface LocatedDocument {
  source: string;
  value: unknown;
  /** 1-based line and column of the value at `path` (or of its key), if known. */
  locate(path: readonly PathSegment[]): { line: number; column: number } | undefined;
}

/** Alias expansions allowed (against "billion laughs" documents). */
const MAX_ALIASES = 100;
/** Nesting allowed; a network config needs about six levels. */
export const MAX_DEPTH = 64;

// Booleans, decimal integers and floats as PyYAML resolves them. The yaml
// package's 1.1 schema also reads y/n as booleans (a key `y:` would become
// "true"), "e1000" or "." as floats (NaN) and "08" as an integer. One
// departure from PyYAML: an exponent without a sign or a dot ("1e3") is a
// number, as in JSON, which this loader also reads.
const PY_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PY_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const PY_DECIMAL = /^[-+]?(?:0|[1-9][0-9_]*)$/;
const PY_FLOAT = /^[-+]?(?:(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?|[0-9][0-9_]*[eE][-+]?[0-9]+)$/;
const PYYAML_TAGS: ScalarTag[] = [
  { tag: 'tag:yaml.org,2002:bool', default: true, test: PY_TRUE, identify: (v) => v === true, resolve: () => true },
  { tag: 'tag:yaml.org,2002:bool', default: true, test: PY_FALSE, identify: (v) => v === false, resolve: () => false },
  {
    tag: 'tag:yaml.org,2002:int',
    default: true,
    test: PY_DECIMAL,
    identify: (v) => Number.isInteger(v),
    resolve: (s) => Number(s.replace(/_/g, '')),
  },
  {
    tag: 'tag:yaml.org,2002:float',
    default: true,
    test: PY_FLOAT,
    identify: (v) => typeof v === 'number',
    resolve: (s) => parseFloat(s.replace(/_/g, '')),
  },
];
/** Tags of the yaml package's 1.1 schema that PYYAML_TAGS replace or that stratus does not want. */
function unwanted(t: { tag: string; format?: string; test?: RegExp }): boolean {
  if (t.format === 'TIME' || t.tag === 'tag:yaml.org,2002:timestamp' || t.tag === 'tag:yaml.org,2002:bool') return true;
  if (t.tag === 'tag:yaml.org,2002:int') return t.format === undefined;
  // Keep .inf/.nan; replace the others.
  if (t.tag === 'tag:yaml.org,2002:float') return !(t.test?.test('.inf') ?? false);
  return false;
}

export function loadYaml(text: string, source: string): { doc?: LocatedDocument; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    lineCounter,
    prettyErrors: false,
    // Checked below in one pass: the yaml package's own check is quadratic in the size of a mapping.
    uniqueKeys: false,
    customTags: (tags) => [...tags.filter((t) => typeof t !== 'object' || !unwanted(t)), ...PYYAML_TAGS],
  });
  const pos = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const diagnostics: Diagnostic[] = [];
  for (const e of doc.errors) {
    const d: Diagnostic = { severity: 'error', source, path: [], ...lineAndColumn(pos(e.pos[0])), message: `not valid YAML: ${yamlMessage(e.code, e.message)}` };
    if (!diagnostics.some((x) => x.line === d.line && x.message === d.message)) diagnostics.push(d);
  }
  if (diagnostics.length > 0) return { diagnostics };
  diagnostics.push(...checkStructure(doc.contents, source, pos));
  if (diagnostics.length > 0) return { diagnostics };
  for (const w of doc.warnings) {
    diagnostics.push({ severity: 'warning', source, path: [], ...lineAndColumn(pos(w.pos[0])), message: `YAML: ${firstLine(w.message)}` });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    const message = /alias count/i.test(String(e))
      ? `not valid YAML: its aliases expand to too many values (more than ${MAX_ALIASES} alias uses); this looks like a "billion laughs" document`
      : `not valid YAML: ${yamlMessage(undefined, String((e as Error).message))}`;
    return { diagnostics: [...diagnostics, { severity: 'error', source, path: [], message }] };
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
  return { doc: { source, value, locate }, diagnostics };
}

/**
 * Duplicate keys and nesting depth, in one iterative walk (a recursive one
 * would overflow the stack on exactly the documents it must reject).
 */
function checkStructure(root: unknown, source: string, pos: (offset: number) => { line: number; column: number }): Diagnostic[] {
  const out: Diagnostic[] = [];
  const stack: { node: unknown; path: PathSegment[] }[] = [{ node: root, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (path.length > MAX_DEPTH) {
      const start = nodeStart(node);
      out.push({
        severity: 'error',
        source,
        path: [],
        ...(start === undefined ? {} : lineAndColumn(pos(start))),
        message: `not valid YAML: nested more than ${MAX_DEPTH} levels deep`,
      });
      return out;
    }
    if (isMap(node)) {
      const seen = new Map<string, number | undefined>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : isAlias(pair.key) ? `*${pair.key.source}` : JSON.stringify(pair.key);
        const keyStart = nodeStart(pair.key);
        if (key !== '<<' && seen.has(key)) {
          const first = seen.get(key);
          const firstLine = first === undefined ? '' : ` (first given on line ${pos(first).line})`;
          out.push({
            severity: 'error',
            source,
            path: [...path, key],
            ...(keyStart === undefined ? {} : lineAndColumn(pos(keyStart))),
            message: `duplicate key ${JSON.stringify(key)}${firstLine}; each key may appear only once in a mapping`,
          });
        } else seen.set(key, keyStart);
        stack.push({ node: pair.value, path: [...path, key] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => stack.push({ node: item, path: [...path, i] }));
    }
  }
  return out.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/** The yaml package's message, reworded where it speaks to programmers rather than users. */
function yamlMessage(code: string | undefined, message: string): string {
  if (code === 'MULTIPLE_DOCS' || /multiple documents/i.test(message)) {
    return 'more than one YAML document ("---" separator); a network config is a single document';
  }
  if (/call stack/i.test(message)) return `nested too deeply (a network config needs only a few levels; at most ${MAX_DEPTH} are accepted)`;
  return firstLine(message);
}

function lineAndColumn(p: { line: number; column: number }): { line: number; column: number } {
  return { line: p.line, column: p.column };
}

function nodeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
