/**
 * Tokens → the node graph of the one document in the text, by the grammar
 * PyYAML's parser implements (its states map onto the functions here), with
 * anchors resolved into alias nodes as PyYAML's composer does. Also enforces
 * what stratus adds: a single document, and at most MAX_DEPTH levels of
 * nesting, checked while descending so that no input can exhaust the stack.
 */
import { YamlError } from './error.ts';
import { IMPLICIT, Kind, STR, type MappingNode, type ScalarNode, type SequenceNode, type ValueNode, type YamlNode } from './nodes.ts';
import type { LineIndex } from './positions.ts';
import { describeToken, Style, Tok, type Token } from './tokens.ts';

const DEFAULT_HANDLES: ReadonlyMap<string, string> = new Map([
  ['!', '!'],
  ['!!', 'tag:yaml.org,2002:'],
]);

interface Anchor {
  node: ValueNode;
  /** False while the anchored node is still being read: an alias to it would make the data recursive. */
  complete: boolean;
}

export interface ParseOptions {
  maxDepth: number;
}

/** The document's root node, or undefined for an empty text (PyYAML's None). */
export function parse(tokenList: Token[], lineIndex: LineIndex, opts: ParseOptions): YamlNode | undefined {
  tokens = tokenList;
  i = 0;
  handles = DEFAULT_HANDLES;
  anchors = new Map();
  lines = lineIndex;
  maxDepth = opts.maxDepth;
  try {
    return document();
  } finally {
    tokens = [];
    anchors = new Map();
  }
}

// The parser's state, in module variables (as in the scanner, for speed in
// a cold process); parse() is not re-entrant.
let tokens: Token[] = [];
let i = 0;
let handles = DEFAULT_HANDLES;
let anchors = new Map<string, Anchor>();
let lines: LineIndex | undefined;
let maxDepth = 0;

function document(): YamlNode | undefined {
  let root: YamlNode | undefined;
  let t = tokens[i]!;
  let documents = 0;
  if (t.kind !== Tok.Directive && t.kind !== Tok.DocumentStart && t.kind !== Tok.StreamEnd) {
    // A document without "---".
    root = parseNode(true, false, 0);
    documents = 1;
    if (tokens[i]!.kind === Tok.DocumentEnd) i++;
  }
  for (;;) {
    while (tokens[i]!.kind === Tok.DocumentEnd) i++;
    t = tokens[i]!;
    if (t.kind === Tok.StreamEnd) return root;
    const directiveCount = readDirectives();
    t = tokens[i]!;
    if (t.kind !== Tok.DocumentStart) {
      if (directiveCount > 0) throw new YamlError(`directives ("%...") must be followed by a "---" line, but found ${describeToken(t)}`, t.start);
      throw new YamlError(`expected the end of the document, but found ${describeToken(t)}; check the indentation of this line`, t.start);
    }
    if (documents > 0) {
      throw new YamlError('more than one YAML document (a second one starts with this "---"); only one document is allowed', t.start);
    }
    i++;
    const k = tokens[i]!.kind;
    if (k === Tok.Directive || k === Tok.DocumentStart || k === Tok.DocumentEnd || k === Tok.StreamEnd) root = emptyScalar(t.start);
    else root = parseNode(true, false, 0);
    documents = 1;
    if (tokens[i]!.kind === Tok.DocumentEnd) i++;
  }
}

/** %YAML and %TAG before a document; returns how many there were. */
function readDirectives(): number {
  let version: string | undefined;
  const defined = new Map<string, string>();
  let n = 0;
  while (tokens[i]!.kind === Tok.Directive) {
    const t = tokens[i++]!;
    n++;
    if (t.value === 'YAML') {
      if (version !== undefined) throw new YamlError('the %YAML directive is given twice', t.start);
      if (Number(t.aux.split('.')[0]) !== 1) throw new YamlError(`this is a YAML ${t.aux} document; only YAML 1.x can be read`, t.start);
      version = t.aux;
    } else if (t.value === 'TAG') {
      const space = t.aux.indexOf(' ');
      const handle = t.aux.slice(0, space);
      if (defined.has(handle)) throw new YamlError(`the tag handle ${handle} is defined twice`, t.start);
      defined.set(handle, t.aux.slice(space + 1));
    }
  }
  for (const [h, prefix] of DEFAULT_HANDLES) if (!defined.has(h)) defined.set(h, prefix);
  handles = defined;
  return n;
}

/**
 * One node. `block`: block collections may start here; `indentless`: a
 * "- " list at the indentation of its parent key may start here.
 */
function parseNode(block: boolean, indentless: boolean, depth: number): YamlNode {
  let t = tokens[i]!;
  if (t.kind === Tok.Alias) return aliasNode(tokens[i++]!);
  const start = t.start;
  let anchor: string | null = null;
  let tagToken: Token | undefined;
  if (t.kind === Tok.Anchor) {
    anchor = tokens[i++]!.value;
    if (tokens[i]!.kind === Tok.Tag) tagToken = tokens[i++]!;
  } else if (t.kind === Tok.Tag) {
    tagToken = tokens[i++]!;
    if (tokens[i]!.kind === Tok.Anchor) anchor = tokens[i++]!.value;
  }
  // "!" alone asks for the type to be resolved from the text, as if untagged.
  let tag: string | null = IMPLICIT;
  if (tagToken !== undefined) {
    if (tagToken.aux === '') tag = tagToken.value;
    else {
      const prefix = handles.get(tagToken.aux);
      if (prefix === undefined) throw new YamlError(`the tag handle ${tagToken.aux} is not defined (a %TAG directive would define it)`, tagToken.start);
      tag = prefix + tagToken.value;
    }
    if (tag === '!') tag = IMPLICIT;
  }
  if (depth > maxDepth) throw new YamlError(`nested more than ${maxDepth} levels deep`, start);
  t = tokens[i]!;
  let node: ValueNode;
  if (t.kind === Tok.Scalar) {
    i++;
    // A quoted scalar is a string unless tagged; a plain one is resolved from its text.
    const plain = t.style === Style.Plain;
    node = newScalar(start, tagToken === undefined && !plain ? STR : tag, anchor, t.value, plain);
    define(anchor, node, true);
    return node;
  }
  if (indentless && t.kind === Tok.BlockEntry) {
    node = newSequence(start, tag, anchor);
    define(anchor, node, false);
    indentlessSequence(node, depth);
  } else if (t.kind === Tok.FlowSequenceStart) {
    node = newSequence(start, tag, anchor);
    define(anchor, node, false);
    flowSequence(node, depth);
  } else if (t.kind === Tok.FlowMappingStart) {
    node = newMapping(start, tag, anchor);
    define(anchor, node, false);
    flowMapping(node, depth);
  } else if (block && t.kind === Tok.BlockSequenceStart) {
    node = newSequence(start, tag, anchor);
    define(anchor, node, false);
    blockSequence(node, depth);
  } else if (block && t.kind === Tok.BlockMappingStart) {
    node = newMapping(start, tag, anchor);
    define(anchor, node, false);
    blockMapping(node, depth);
  } else if (anchor !== null || tagToken !== undefined) {
    // An anchor or a tag with nothing after it names an empty value.
    node = newScalar(start, tag, anchor, '', true);
    define(anchor, node, true);
    return node;
  } else {
    throw new YamlError(`expected a value, but found ${describeToken(t)}`, t.start);
  }
  if (anchor !== null) anchors.get(anchor)!.complete = true;
  return node;
}

function define(name: string | null, node: ValueNode, complete: boolean): void {
  if (name === null) return;
  const existing = anchors.get(name);
  if (existing !== undefined) {
    throw new YamlError(`the anchor &${name} is defined twice (first on line ${lines!.line(existing.node.start)}); anchor names must be unique`, node.start);
  }
  anchors.set(name, { node, complete });
}

function aliasNode(t: Token): YamlNode {
  const anchor = anchors.get(t.value);
  if (anchor === undefined) throw new YamlError(`the alias *${t.value} refers to no anchor: "&${t.value}" must come before it`, t.start);
  if (!anchor.complete) throw new YamlError(`the alias *${t.value} is inside the value it names; recursive data cannot be loaded`, t.start);
  return { kind: Kind.Alias, start: t.start, name: t.value, target: anchor.node };
}

function blockSequence(node: SequenceNode, depth: number): void {
  i++;
  for (;;) {
    const t = tokens[i]!;
    if (t.kind !== Tok.BlockEntry) break;
    i++;
    const k = tokens[i]!.kind;
    node.items.push(k !== Tok.BlockEntry && k !== Tok.BlockEnd ? parseNode(true, false, depth + 1) : emptyScalar(t.start));
  }
  const t = tokens[i]!;
  if (t.kind !== Tok.BlockEnd) {
    throw new YamlError(
      `expected another "- " item or the end of the list that starts on line ${lines!.line(node.start)}, but found ${describeToken(t)}; check the indentation of this line`,
      t.start,
    );
  }
  i++;
}

function indentlessSequence(node: SequenceNode, depth: number): void {
  for (;;) {
    const t = tokens[i]!;
    if (t.kind !== Tok.BlockEntry) break;
    i++;
    const k = tokens[i]!.kind;
    const empty = k === Tok.BlockEntry || k === Tok.Key || k === Tok.Value || k === Tok.BlockEnd;
    node.items.push(empty ? emptyScalar(t.start) : parseNode(true, false, depth + 1));
  }
}

function blockMapping(node: MappingNode, depth: number): void {
  i++;
  for (;;) {
    const t = tokens[i]!;
    if (t.kind !== Tok.Key) break;
    i++;
    let k = tokens[i]!.kind;
    const key = k !== Tok.Key && k !== Tok.Value && k !== Tok.BlockEnd ? parseNode(true, true, depth + 1) : emptyScalar(t.start);
    let value: YamlNode;
    const v = tokens[i]!;
    if (v.kind === Tok.Value) {
      i++;
      k = tokens[i]!.kind;
      value = k !== Tok.Key && k !== Tok.Value && k !== Tok.BlockEnd ? parseNode(true, true, depth + 1) : emptyScalar(v.start);
    } else {
      value = emptyScalar(t.start);
    }
    node.keys.push(key);
    node.values.push(value);
  }
  const t = tokens[i]!;
  if (t.kind !== Tok.BlockEnd) {
    throw new YamlError(
      `expected a new "key: value" line or the end of the mapping that starts on line ${lines!.line(node.start)}, but found ${describeToken(t)}; check the indentation of this line, and quote values that contain ": " or " #"`,
      t.start,
    );
  }
  i++;
}

function flowSequence(node: SequenceNode, depth: number): void {
  const open = tokens[i++]!;
  for (let first = true; ; first = false) {
    let t = tokens[i]!;
    if (t.kind === Tok.FlowSequenceEnd) break;
    if (isEnd(t)) throw unclosed(open, t, '');
    if (!first) {
      if (t.kind !== Tok.FlowEntry) throw unclosed(open, t, '"," or "]"');
      i++;
      t = tokens[i]!;
    }
    if (t.kind === Tok.Key) {
      // "[a: 1]": a mapping of one pair inside the list.
      if (depth + 1 > maxDepth) throw new YamlError(`nested more than ${maxDepth} levels deep`, t.start);
      i++;
      const pair = newMapping(t.start, IMPLICIT, null);
      let k = tokens[i]!.kind;
      pair.keys.push(k !== Tok.Value && k !== Tok.FlowEntry && k !== Tok.FlowSequenceEnd ? parseNode(false, false, depth + 2) : emptyScalar(t.start));
      const v = tokens[i]!;
      if (v.kind === Tok.Value) {
        i++;
        k = tokens[i]!.kind;
        pair.values.push(k !== Tok.FlowEntry && k !== Tok.FlowSequenceEnd ? parseNode(false, false, depth + 2) : emptyScalar(v.start));
      } else {
        pair.values.push(emptyScalar(t.start));
      }
      node.items.push(pair);
    } else if (t.kind !== Tok.FlowSequenceEnd) {
      node.items.push(parseNode(false, false, depth + 1));
    }
  }
  i++;
}

function flowMapping(node: MappingNode, depth: number): void {
  const open = tokens[i++]!;
  for (let first = true; ; first = false) {
    let t = tokens[i]!;
    if (t.kind === Tok.FlowMappingEnd) break;
    if (isEnd(t)) throw unclosed(open, t, '');
    if (!first) {
      if (t.kind !== Tok.FlowEntry) throw unclosed(open, t, '"," or "}"');
      i++;
      t = tokens[i]!;
    }
    if (t.kind === Tok.Key) {
      i++;
      let k = tokens[i]!.kind;
      node.keys.push(k !== Tok.Value && k !== Tok.FlowEntry && k !== Tok.FlowMappingEnd ? parseNode(false, false, depth + 1) : emptyScalar(t.start));
      const v = tokens[i]!;
      if (v.kind === Tok.Value) {
        i++;
        k = tokens[i]!.kind;
        node.values.push(k !== Tok.FlowEntry && k !== Tok.FlowMappingEnd ? parseNode(false, false, depth + 1) : emptyScalar(v.start));
      } else {
        node.values.push(emptyScalar(t.start));
      }
    } else if (t.kind !== Tok.FlowMappingEnd) {
      // "{a, b: 1}": a key without ":" has an empty value.
      node.keys.push(parseNode(false, false, depth + 1));
      node.values.push(emptyScalar(t.start));
    }
  }
  i++;
}

/** Tokens that can only come after a document's last collection is closed. */
function isEnd(t: Token): boolean {
  const k = t.kind;
  return k === Tok.StreamEnd || k === Tok.DocumentStart || k === Tok.DocumentEnd || k === Tok.Directive;
}

function unclosed(open: Token, found: Token, expected: string): YamlError {
  const what = open.kind === Tok.FlowSequenceStart ? 'the list "["' : 'the mapping "{"';
  if (isEnd(found)) {
    return new YamlError(`${what} that starts here is not closed (found ${describeToken(found)})`, open.start);
  }
  return new YamlError(`expected ${expected} in ${what} that starts on line ${lines!.line(open.start)}, but found ${describeToken(found)}`, found.start);
}

function newScalar(start: number, tag: string | null, anchor: string | null, value: string, plain: boolean): ScalarNode {
  return { kind: Kind.Scalar, start, tag, anchor, value, plain };
}

/** An omitted value (PyYAML's null), placed at the indicator that implies it ("-", ":", "?", "---"). */
function emptyScalar(at: number): ScalarNode {
  return { kind: Kind.Scalar, start: at, tag: IMPLICIT, anchor: null, value: '', plain: true };
}

function newSequence(start: number, tag: string | null, anchor: string | null): SequenceNode {
  return { kind: Kind.Sequence, start, tag, anchor, items: [] };
}

function newMapping(start: number, tag: string | null, anchor: string | null): MappingNode {
  return { kind: Kind.Mapping, start, tag, anchor, keys: [], values: [] };
}
