/**
 * Differential test: stratus's YAML loader against PyYAML 6 (the pure-Python
 * SafeLoader, which cloud-init uses), on every YAML/JSON input of the
 * conformance data, the examples and the samples, a list of hand-written
 * tricky snippets, and seeded random documents rendered in random styles
 * (some of them deliberately broken). For every text both must accept it
 * with the same value, or both must reject it (stratus with a located
 * message), except for the differences docs/differences.md documents:
 *
 *   modelled in the reference (PyYAML is told stratus's rule): no
 *   sexagesimal numbers and no timestamps (the text stays a string), JSON
 *   number forms such as 1e3 are numbers, unknown tags are ignored (a
 *   warning in stratus, an error in PyYAML), a plain "<<" or "=" outside a
 *   key is a string;
 *   checked separately: duplicate keys, recursive aliases, more than 64
 *   levels of nesting and more than 100 alias uses are errors in stratus
 *   only.
 *
 * All PyYAML calls of a run go through one python process.
 *
 * STRATUS_YAML_FUZZ=N runs N generated documents instead of 2000;
 * STRATUS_YAML_SEED=S starts the generator at another seed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic } from '../../src/text/diagnostics.ts';
import { loadYaml } from '../../src/text/yaml.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');
const CONFORMANCE = join(REPO, '../shared/conformance');
const PYTHON = '/usr/bin/python3';
const GENERATED = Number(process.env['STRATUS_YAML_FUZZ'] ?? 2000);
const SEED = Number(process.env['STRATUS_YAML_SEED'] ?? 1);

// --- the reference: PyYAML with stratus's documented rules modelled in

const HARNESS = String.raw`
import sys, json, math, base64, re, yaml
from yaml.nodes import ScalarNode, SequenceNode, MappingNode

Y = 'tag:yaml.org,2002:'
JSON_NUMBER = re.compile(r'^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$')

class Loader(yaml.SafeLoader):
    def resolve(self, kind, value, implicit):
        tag = super().resolve(kind, value, implicit)
        if kind is ScalarNode and implicit[0]:
            # stratus: no sexagesimal numbers, no timestamps, JSON numbers are numbers
            if tag in (Y + 'int', Y + 'float') and ':' in value:
                return Y + 'str'
            if tag == Y + 'timestamp':
                return Y + 'str'
            if tag == Y + 'str' and JSON_NUMBER.match(value):
                return Y + 'float'
        return tag

    def construct_mapping(self, node, deep=False):
        # Keys Python finds equal but stratus does not (1 and true, 1 and 1.0), also through merges.
        if isinstance(node, MappingNode):
            self.flatten_mapping(node)
            seen = {}
            for k, _ in node.value:
                try:
                    key = self.construct_object(k, deep=True)
                    if key in seen and seen[key] != js_key(key): self.python_equal_keys = True
                    seen[key] = js_key(key)
                except Exception:
                    pass
        return super().construct_mapping(node, deep=deep)

    def construct_document(self, node):
        self.python_equal_keys = False
        self.dups = find_duplicates(self, node)
        self.cyclic = is_cyclic(node)
        return super().construct_document(node)

def untagged(loader, node):
    # stratus reads a node with an unknown (or unsupported) tag as if it had none
    if isinstance(node, ScalarNode):
        tag = loader.resolve(ScalarNode, node.value, (True, False)) if node.style is None else Y + 'str'
        if tag in (Y + 'merge', Y + 'value'):
            return node.value
        return loader.yaml_constructors[tag](loader, ScalarNode(tag, node.value, node.start_mark, node.end_mark, node.style))
    if isinstance(node, SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)

def text_or_untagged(loader, node):
    # a plain "<<" or "=" outside a key is text in stratus
    if isinstance(node, ScalarNode):
        return node.value
    return untagged(loader, node)

Loader.add_constructor(None, untagged)
for t in ('set', 'omap', 'pairs', 'timestamp'):
    Loader.add_constructor(Y + t, untagged)
Loader.add_constructor(Y + 'merge', text_or_untagged)
Loader.add_constructor(Y + 'value', text_or_untagged)
# as cloud-init's loader
Loader.add_constructor(Y + 'python/unicode', lambda loader, node: loader.construct_scalar(node))

def js_number(f):
    if math.isnan(f): return 'NaN'
    if math.isinf(f): return 'Infinity' if f > 0 else '-Infinity'
    if f == int(f) and abs(f) < 1e21: return str(int(f))
    r = repr(f)
    mant, _, exp = r.partition('e')
    sign = '-' if mant.startswith('-') else ''
    mant = mant.lstrip('-')
    whole, _, frac = mant.partition('.')
    digits = (whole + frac).lstrip('0')
    point = len(whole) + (int(exp) if exp else 0) - (len(whole + frac) - len((whole + frac).lstrip('0')))
    digits = digits.rstrip('0') or '0'
    k, n = len(digits), point
    if k <= n <= 21: return sign + digits + '0' * (n - k)
    if 0 < n <= 21: return sign + digits[:n] + '.' + digits[n:]
    if -6 < n <= 0: return sign + '0.' + '0' * (-n) + digits
    e = n - 1
    return sign + digits[0] + ('.' + digits[1:] if k > 1 else '') + 'e' + ('+' if e >= 0 else '-') + str(abs(e))

def js_key(v):
    if v is True: return 'true'
    if v is False: return 'false'
    if v is None: return 'null'
    if isinstance(v, int): return str(v)
    if isinstance(v, float): return js_number(v)
    if isinstance(v, bytes): return base64.b64encode(v).decode()
    return str(v)

def find_duplicates(loader, root):
    """Keys given twice in one mapping (not counting merges), compared as stratus compares them (as text)."""
    js = False
    seen_nodes = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes: continue
        seen_nodes.add(id(node))
        if isinstance(node, MappingNode):
            texts = set()
            for k, v in node.value:
                stack.append(k); stack.append(v)
                if k.tag == Y + 'merge' or not isinstance(k, ScalarNode): continue
                try:
                    key = loader.construct_object(k, deep=True)
                except Exception:
                    continue
                t = js_key(key)
                if t in texts: js = True
                texts.add(t)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return js

def is_cyclic(root):
    """An alias inside the node it names (PyYAML builds recursive data, or merges a mapping into itself)."""
    state = {}
    stack = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            state[id(node)] = 2
            continue
        s = state.get(id(node))
        if s == 1: return True
        if s == 2: continue
        state[id(node)] = 1
        stack.append((node, True))
        if isinstance(node, MappingNode):
            for k, v in node.value: stack.append((k, False)); stack.append((v, False))
        elif isinstance(node, SequenceNode):
            for v in node.value: stack.append((v, False))
    return False

class Recursive(Exception): pass

def enc(v, path):
    if isinstance(v, (dict, list)):
        if id(v) in path: raise Recursive()
        path.add(id(v))
        if isinstance(v, dict): r = {'$map': [[js_key(k), enc(x, path)] for k, x in v.items()]}
        else: r = [enc(x, path) for x in v]
        path.discard(id(v))
        return r
    if isinstance(v, float):
        if math.isnan(v): return {'$float': 'nan'}
        if math.isinf(v): return {'$float': 'inf' if v > 0 else '-inf'}
        return v
    if isinstance(v, bytes): return {'$binary': base64.b64encode(v).decode()}
    if v is None or isinstance(v, (bool, int, str)): return v
    return {'$other': repr(v)}

sys.setrecursionlimit(10000)
docs = json.loads(sys.stdin.buffer.read().decode('utf-8'))
out = []
for text in docs:
    loader = None
    try:
        loader = Loader(text)
        try:
            value = loader.get_single_data()
        finally:
            loader.dispose()
        try:
            out.append({'ok': enc(value, set()), 'dups': {'js': getattr(loader, 'dups', False), 'py': getattr(loader, 'python_equal_keys', False)}, 'cyclic': getattr(loader, 'cyclic', False)})
        except Recursive:
            out.append({'recursive': True})
    except Exception as e:
        mark = getattr(e, 'problem_mark', None) or getattr(e, 'context_mark', None)
        out.append({'error': type(e).__name__ + ': ' + str(e).split('\n')[0], 'line': mark.line + 1 if mark else None})
sys.stdout.write(json.dumps(out))
`;

interface PyResult {
  ok?: unknown;
  dups?: { js: boolean; py: boolean };
  recursive?: true;
  /** An alias inside the node it names (which PyYAML may still load, e.g. a mapping merging itself). */
  cyclic?: boolean;
  error?: string;
  line?: number | null;
}

function pyyamlAvailable(): boolean {
  if (!existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ['-c', 'import yaml; assert yaml.__version__.startswith("6.")'], { encoding: 'utf8' }).status === 0;
}

function runPyYaml(docs: readonly string[]): PyResult[] {
  const r = spawnSync(PYTHON, ['-c', HARNESS], { input: JSON.stringify(docs), encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`PyYAML harness failed (exit ${r.status}):\n${r.stderr}`);
  const out = JSON.parse(r.stdout) as PyResult[];
  assert.equal(out.length, docs.length);
  return out;
}

/** The reference value as a stratus value (mappings keep PyYAML's key order). */
function fromPy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromPy);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  if ('$map' in o) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of o['$map'] as [string, unknown][]) {
      Object.defineProperty(out, k, { value: fromPy(x), writable: true, enumerable: true, configurable: true });
    }
    return out;
  }
  if ('$float' in o) return o['$float'] === 'nan' ? NaN : o['$float'] === 'inf' ? Infinity : -Infinity;
  if ('$binary' in o) return o['$binary'];
  throw new Error(`unexpected value from PyYAML: ${JSON.stringify(v)}`);
}

/** Differences in key order, ignoring integer-like keys (JavaScript objects list those first). */
function keyOrderProblem(ours: unknown, ref: unknown, path = '$'): string | undefined {
  if (Array.isArray(ours) && Array.isArray(ref)) {
    for (let i = 0; i < ours.length; i++) {
      const p = keyOrderProblem(ours[i], ref[i], `${path}[${i}]`);
      if (p) return p;
    }
  } else if (ours && ref && typeof ours === 'object' && typeof ref === 'object') {
    const isIndex = (k: string) => /^(?:0|[1-9][0-9]*)$/.test(k) && Number(k) < 2 ** 32 - 1;
    const a = Object.keys(ours).filter((k) => !isIndex(k));
    const b = Object.keys(ref).filter((k) => !isIndex(k));
    if (a.join('\u0000') !== b.join('\u0000')) return `key order at ${path}: ${JSON.stringify(a)} vs PyYAML ${JSON.stringify(b)}`;
    for (const k of Object.keys(ours)) {
      const p = keyOrderProblem((ours as Record<string, unknown>)[k], (ref as Record<string, unknown>)[k], `${path}.${k}`);
      if (p) return p;
    }
  }
  return undefined;
}

type Outcome =
  | 'same value'
  | 'both reject'
  | 'duplicate key (stratus rejects)'
  | 'recursive alias (stratus rejects)'
  | 'keys equal only in Python (1 vs true)'
  | 'beyond stratus limits (stratus rejects)'
  | '!!binary with non-base64 characters (stratus rejects)';

/** Errors stratus may give where PyYAML accepts, and when each is justified. */
const STRICTER: { pattern: RegExp; outcome: Outcome; justified: (ref: PyResult) => boolean }[] = [
  { pattern: /duplicate key/, outcome: 'duplicate key (stratus rejects)', justified: (ref) => ref.dups?.js === true },
  { pattern: /recursive/, outcome: 'recursive alias (stratus rejects)', justified: (ref) => ref.recursive === true || ref.cyclic === true },
  { pattern: /nested more than|too many values/, outcome: 'beyond stratus limits (stratus rejects)', justified: () => true },
  { pattern: /not valid base64/, outcome: '!!binary with non-base64 characters (stratus rejects)', justified: () => true },
];

/** Compares one text; returns the outcome or throws with what differs. */
function compare(text: string, ref: PyResult): Outcome {
  const r = loadYaml(text, 'doc');
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  const shown = () => errors.map(formatDiagnostic).join('; ');
  if (ref.error !== undefined) {
    if (r.doc !== undefined) throw new Error(`PyYAML rejects (${ref.error}, line ${ref.line}) but stratus accepts: ${JSON.stringify(r.doc.value)}`);
    if (errors.length === 0 || errors.some((d) => d.line === undefined && !/too many values/.test(d.message))) {
      throw new Error(`stratus rejects without a located message: ${shown()}`);
    }
    return 'both reject';
  }
  if (r.doc === undefined) {
    // PyYAML accepts: every error stratus gives must be one of its documented extra checks, and justified.
    let outcome: Outcome | undefined;
    for (const d of errors) {
      const rule = STRICTER.find((x) => x.pattern.test(d.message));
      if (rule === undefined || !rule.justified(ref)) {
        throw new Error(`PyYAML accepts (${JSON.stringify(ref.ok ?? 'recursive data')}) but stratus rejects: ${shown()}`);
      }
      outcome ??= rule.outcome;
    }
    return outcome!;
  }
  if (ref.recursive || ref.cyclic) throw new Error('an alias is inside the node it names; stratus must refuse it');
  if (ref.dups?.js) throw new Error('a key is given twice; stratus must refuse it');
  if (ref.dups?.py) return 'keys equal only in Python (1 vs true)';
  const expected = fromPy(ref.ok);
  try {
    assert.deepStrictEqual(r.doc.value, expected);
  } catch {
    throw new Error(`values differ:\n  stratus ${JSON.stringify(r.doc.value)}\n  PyYAML  ${JSON.stringify(expected)}`);
  }
  const order = keyOrderProblem(r.doc.value, expected);
  if (order) throw new Error(order);
  return 'same value';
}

// --- the corpus

function files(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  const walk = (dir: string, match: (name: string) => boolean) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p, match);
      else if (match(name)) out.push({ name: relative(REPO, p), text: readFileSync(p, 'utf8') });
    }
  };
  walk(CONFORMANCE, (n) => n === 'input.yaml' || n === 'input.json' || n === 'network_data.json');
  walk(join(REPO, 'examples'), () => true);
  walk(join(REPO, 'test/net/samples'), (n) => /\.(ya?ml|json)$/.test(n));
  return out;
}

/** Hand-written texts at the edges of the syntax (each is compared, accepted or not). */
const SNIPPETS: string[] = [
  // block scalars: every chomping indicator, explicit indentation, folding
  'a: |\n  line1\n  line2\n',
  'a: |-\n  line1\n  line2\n\n\n',
  'a: |+\n  line1\n  line2\n\n\n',
  'a: >\n  folded\n  text\n\n  new para\n',
  'a: >-\n  folded\n  text\n',
  'a: >+\n  folded\n  text\n\n',
  'a: |2\n    indented\n  less\n',
  'a: |1-\n  two spaces\n',
  'a: >2+\n   more\n  text\n\n',
  'a: |-2\n   x\n  y\n',
  'a: >\n  a\n    b\n  c\n\n  d\n',
  'a: >\n\n  leading empty\n',
  'a: |\n  x\n b: 1\n',
  'a: |\n\n\n',
  'a: |\n',
  'a: |\n  x\n  \ty\n',
  '- |\n  in a list\n- >-\n  folded\n  in a list\n',
  'a: | # comment\n  text\n',
  'a: |x\n  text\n',
  'a: |0\n  text\n',
  'a: >\n  trailing spaces   \n  next\n',
  '--- |\n  top level\n',
  'a: |\n      \n  x\n',
  // quoted scalars and escapes
  'a: "tab\\there\\nnew\\\\back\\"quote\\/slash"\n',
  'a: "\\x41\\u263A\\U0001F600\\N\\_\\L\\P\\e\\a\\b\\v\\f\\r\\0\\ "\n',
  'a: "\\q"\n',
  'a: "\\x4"\n',
  'a: "\\UFFFFFFFF"\n',
  'a: "folded\n  line\n\n  para"\n',
  'a: "escaped \\\n  break"\n',
  "a: 'it''s'\n",
  "a: 'multi\n  line\n\n  para'\n",
  "a: 'back\\slash'\n",
  'a: "unterminated\n',
  "a: 'unterminated\n",
  'a: "doc\n---\n"\n',
  'a: "x" y\n',
  '"quoted key": 1\n\'single key\': 2\n',
  'a: "spaces   inside"\n',
  'a: "  leading and trailing  "\n',
  // plain scalars
  'a: plain with spaces\n',
  'a: plain\n  continued\n  lines\n',
  'a: plain\n\n  with empty line\n',
  'a: x # comment\nb: y#not comment\n',
  'a: key: value\n',
  'a: http://example.com:8080/path\n',
  'a: -x\nb: ?x\nc: :x\n',
  'a: @x\n',
  'a: `x\n',
  'a: %x\n',
  'a: x:\n',
  'a: x :y\n',
  'a: [x]y\n',
  'a: b\tc\n',
  'a:\tb\n',
  'a: b \n',
  'a: b\t\n',
  'key with spaces: v\n',
  'k:v\n',
  '? complex key\n: value\n',
  '? a\n? b\n: c\n',
  '? [a, b]\n: c\n',
  '[a, b]: c\n',
  '{a: 1}: c\n',
  // booleans, nulls, numbers in all spellings
  'a: [yes, Yes, YES, yEs, no, No, NO, true, True, TRUE, false, False, FALSE, on, On, ON, off, Off, OFF, y, Y, n, N]\n',
  'a: [null, Null, NULL, nULL, ~, "", \'\']\nb:\nc: ~\n',
  'a: [0, 00, 0644, 0o17, 08, 09, 0x1F, 0X1F, 0xG, 0b101, 0b2, 1_000, 1__, _1, +5, -0, +0, -12]\n',
  'a: [1.5, .5, -.5, +.5, 1., -2., 1.0e+3, 1.0e3, 1e3, 1E3, 1e+3, 1.e+3, 2.5E-1, 1_000.5, ._5, 0.1e-7]\n',
  'a: [.inf, -.inf, +.inf, .Inf, .INF, .nan, .NaN, .NAN, -.nan, inf, nan, .infinity]\n',
  'a: [52:54:00:12:34:56, 1:30, 1:30.5, -1:30, 190:20:30, 00:11:22:33:44:55]\n',
  'a: [2001-12-14, 2001-12-14t21:59:43.10-05:00, 2001-12-14 21:59:43.10 -5, 2002-12-14]\n',
  'a: [0b_, 0x_, 0_]\n',
  'a: 12345678901234567890\nb: 0.1\nc: 1e400\nd: -1e400\n',
  '1: a\n2.5: b\ntrue: c\n~: d\n',
  '1: a\ntrue: b\n',
  '1: a\n1.0: b\n',
  'null: a\n~: b\n',
  // flow collections
  '{a: 1, b: [2, 3], c: {d: e}}\n',
  '[a, b, ]\n',
  '{a: 1, }\n',
  '[a, , b]\n',
  '[,]\n',
  '{,}\n',
  '{a, b: c}\n',
  '{a:1, b: 2}\n',
  '[a:b, c]\n',
  '{"a":b}\n',
  '["a":b]\n',
  '[a: 1, b]\n',
  '[? a : 1]\n',
  '{?a: 1}\n',
  '[a?b]\n',
  '{: a}\n',
  '[a, -]\n',
  '[-a, - b]\n',
  '{a: [b, c]d}\n',
  '{a: 1 b: 2}\n',
  'a: [1, 2\n',
  'a: {b: 1\n',
  'a: [1, 2}\n',
  'a: [\n  1,\n  2,\n]\n',
  'a: {\n  b: 1,\n  c: 2\n}\n',
  'a: [\n1, 2]\n',
  '[a, [b, [c, {d: [e]}]]]\n',
  'a: [b]: c\n',
  '- [a, b]\n- {c: d}\n',
  'a: {b: |\n  x\n}\n',
  '{a: [1, 2], b: !!str 3, c: &x 4, d: *x}\n',
  // block structure
  'a:\n- b\n- c\nd: e\n',
  'a:\n  - b\n  c: d\n',
  '- - a\n  - b\n- c\n',
  '- a: 1\n  b: 2\n- c: 3\n',
  '- a\n - b\n',
  'a: 1\n b: 2\n',
  'a:\n  b: 1\n c: 2\n',
  'a:\n    b: 1\n    c: 2\nd: 3\n',
  '- - - deep\n',
  '-\n  a: 1\n-\n  - b\n',
  '- \n- x\n',
  'a:\n  -\n  - x\n',
  'key:    # comment\n  value\n',
  'key: # comment\n  - a\n',
  '# head\na: 1 # tail\n# between\nb: 2\n# end',
  'a: b: c\n',
  'a\nb: c\n',
  'a: 1\nb\n',
  ': a\n',
  '- a\nb: c\n',
  'a: 1\n- b\n',
  // anchors, aliases, merge keys
  'base: &b {mtu: 9000, dhcp4: true}\neth0:\n  <<: *b\n  mtu: 1500\n',
  'a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n',
  'a: &a {x: 1}\nc:\n  <<: *a\n  <<: {x: 2}\n',
  'a: &a [1, 2]\nb: *a\n',
  'a: &a 1\nb: &a 2\n',
  'a: *nothing\n',
  'a: &a [*a]\n',
  'a: &a\n  b: *a\n',
  'a: <<\nb: =\n=: c\n',
  '<<: {a: 1}\nb: 2\n',
  '<<: 1\n',
  '<<: [1]\n',
  'a: &x\nb: *x\n',
  '&a a: b\n*a : c\n',
  '&anchor-with_chars.x: 1\n',
  'a: &a b\nc: &a\n',
  // tags
  'a: !!str 123\nb: !!int "42"\nc: !!float 1\nd: !!bool yes\ne: !!null x\n',
  'a: !!int 0x1F\nb: !!int 1:30\nc: !!float 1:30.5\nd: !!int 1_0\n',
  'a: !!map {b: 1}\nb: !!seq [1]\nc: !!str\n',
  'a: !!binary aGVsbG8=\nb: !!binary |\n  aGVs\n  bG8=\n',
  'a: !!bool maybe\n',
  'a: !!int abc\n',
  'a: !!float abc\n',
  'a: !!map x\n',
  'a: !!str [1]\n',
  'a: !custom x\nb: !custom "1"\nc: !custom [1]\n',
  'a: !\nb: ! 12\nc: ! "12"\n',
  'a: !<tag:yaml.org,2002:str> 12\n',
  'a: !!python/unicode x\n',
  'a: !!set {x, y}\n',
  'a: !!omap [x: 1, y: 2]\n',
  'a: !!timestamp 2001-01-01\n',
  '%TAG !e! tag:example.com,2000:\n---\na: !e!foo b\n',
  'a: !e!foo b\n',
  'a: !!str, b\n',
  '! a: b\n',
  // documents and directives
  '---\na: 1\n',
  '--- a: b\n',
  '--- |\nfoo\n',
  'a: 1\n...\n',
  'a: 1\n...\n# done\n',
  'a: 1\n---\nb: 2\n',
  '---\n---\n',
  '...\n',
  '--- # c\na\n',
  '%YAML 1.1\n---\na: 1\n',
  '%YAML 1.2\n---\na: 1\n',
  '%YAML 2.0\n---\na: 1\n',
  '%YAML 1.1\na: 1\n',
  '%YAML 1.1\n%YAML 1.1\n---\na\n',
  '%FOO bar baz\n--- x\n',
  '[a]\nb\n',
  '',
  '# only a comment\n',
  '---\n',
  // line ends, BOM, unicode, tabs
  'a: 1\r\nb:\r\n  - x\r\n  - y\r\n',
  'a: |\r\n  x\r\n  y\r\n',
  'a: "x\r\n  y"\r\n',
  'a: 1\rb: 2\r',
  '\ufeffa: 1\nb: 2\n',
  'a: \ufeffb\n',
  'ünï: cödé\n日本: 語\nemoji: 😀\n',
  'a: "\u2028"\nb: x\u2028y\n',
  'a: b\u0085c\n',
  'a: \u0007\n',
  'a:\n\tb: 1\n',
  '\ta: 1\n',
  'a: [1,\t2]\n',
  '- \ta\n',
  'a: 1 \t# c\n',
  'a: "x\ty"\n',
  'a: |\n  x\ty\n',
  '# tab\tin comment\na: 1\n',
  // keys that are JavaScript names
  '__proto__: {polluted: true}\nconstructor: x\ntoString: y\nhasOwnProperty: z\n',
  'a:\n  __proto__: 1\n  b: 2\n',
  // JSON
  '{"version": 2, "ethernets": {"eth0": {"dhcp4": true, "mtu": 1500, "x": null, "y": 1.5e3, "z": -0.25, "s": "a\\u00e9\\n"}}}\n',
  '[1, "two", {"three": [3.0, false]}]',
  '{"a": 1,\n "a": 2}',
  '{"a":1,"b":[],"c":{}}',
  '{"a": "\\ud83d\\ude00"}',
];

// --- the generator

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type GenNode = { t: 'scalar'; text: string } | { t: 'seq'; items: GenNode[] } | { t: 'map'; entries: [string, GenNode][] };

const WORDS = ['eth0', 'bond0', 'dhcp4', 'version', 'addresses', 'mtu', 'name', 'a', 'b', 'key', 'value', 'x_y', 'with-dash', 'CamelCase'];
const TRICKY = [
  '', 'yes', 'No', 'on', 'OFF', 'true', 'False', 'null', 'Null', '~', 'y', 'n', '0', '12', '-3', '+7', '0644', '0o17', '0x1F', '0b101', '1_000', '08',
  '1.5', '.5', '-.5', '1e3', '1.0e+3', '1.0e3', '.inf', '-.Inf', '.nan', '52:54:00:12:34:56', '1:30', '2001-12-14', '10.0.0.1/24', 'fe80::1/64',
  'a: b', 'a #b', 'a#b', '#x', '- x', '-x', '? x', '?x', ':x', 'x:', '[x]', '{x}', 'a, b', '"q"', "it's", '@x', '`x', '%x', '!x', '&x', '*x', '|x', '>x',
  'multi\nline', 'two\n\nparas', 'trail ', ' lead', 'tab\there', 'ünïcödé', '日本語', '😀', 'a\\b', '---', '...', '<<', '=', 'key=val', 'e1000', '0.', '-0',
  '__proto__', 'constructor', 'toString', 'é\u2028x', 'nl\r\nx', 'a  b', 'x: y: z', 'http://h:80/p', '- - x',
];
const KEYS = [...WORDS, 'yes', 'null', '1', 'true', '1.5', '__proto__', 'constructor', 'a b', 'k:v', '-k', '日本', '<<', '=', '~', '', 'x #y', 'ON'];

class Generator {
  private readonly r: () => number;
  private anchors: { name: string; map: boolean }[] = [];
  private nextAnchor = 0;
  private aliasUses = 0;

  constructor(seed: number) {
    this.r = random(seed);
  }

  private int(n: number): number {
    return Math.floor(this.r() * n);
  }
  private chance(p: number): boolean {
    return this.r() < p;
  }
  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  private scalarText(): string {
    const k = this.int(10);
    if (k < 4) return this.pick(TRICKY);
    if (k < 7) return this.pick(WORDS);
    if (k < 8) return String(this.int(100000) - 500);
    if (k < 9) return (this.r() * 1000 - 100).toFixed(this.int(4));
    return `${this.pick(WORDS)} ${this.pick(TRICKY)}`;
  }

  tree(depth: number): GenNode {
    const k = this.int(10);
    if (depth > 4 || k < 4) return { t: 'scalar', text: this.scalarText() };
    if (k < 6) {
      const n = this.int(4);
      return { t: 'seq', items: Array.from({ length: n }, () => this.tree(depth + 1)) };
    }
    const n = this.int(5);
    const keys = new Set<string>();
    const entries: [string, GenNode][] = [];
    for (let i = 0; i < n; i++) {
      let key = this.chance(0.7) ? this.pick(WORDS) : this.pick(KEYS);
      // Mostly distinct keys; now and then a duplicate on purpose.
      if (keys.has(key) && !this.chance(0.05)) key = `${key}${i}`;
      keys.add(key);
      entries.push([key, this.tree(depth + 1)]);
    }
    return { t: 'map', entries };
  }

  /**
   * A short run of YAML's indicators, words and whitespace thrown together:
   * mostly invalid, it reaches the corners of the scanner that well-formed
   * documents never do.
   */
  soup(): string {
    const pieces = [' ', ' ', '  ', '\n', '\n', '\n  ', '- ', '-', ': ', ':', '? ', '?', '[', ']', '{', '}', ', ', ',', '#', ' # c', '&a ', '*a', '&b ', '*b', '!', '!!str ', '! ', '!x ',
      '|', '|-', '>+', '|2', "'", '"', "''", '"\\n"', 'a', 'b', 'key', '1', '0x1', '.5', 'yes', '~', '\t', '.', '...', '---', '--- ', '%YAML 1.1', '%TAG ! x:', '\\', '<<', '=', '@', '\r\n', 'ü'];
    let out = '';
    const n = 1 + this.int(24);
    for (let i = 0; i < n; i++) out += this.pick(pieces);
    return out;
  }

  /** A whole document: the tree in random styles, sometimes broken on purpose. */
  document(): string {
    if (this.chance(0.2)) return this.soup();
    this.anchors = [];
    this.nextAnchor = 0;
    this.aliasUses = 0;
    const root: GenNode = this.chance(0.75) ? { t: 'map', entries: (this.tree(0) as { entries?: [string, GenNode][] }).entries ?? [['root', this.tree(1)]] } : this.tree(0);
    const step = 1 + this.int(4);
    let body = this.block(root, 0, step);
    if (this.chance(0.1)) body = `# leading comment\n${body}`;
    if (this.chance(0.15)) body = `---\n${body}`;
    else if (this.chance(0.05)) body = `%YAML 1.1\n---\n${body}`;
    if (this.chance(0.05)) body += '...\n';
    if (this.chance(0.1)) body = body.replace(/\n$/, '');
    if (this.chance(0.1)) body = body.replace(/\n/g, '\r\n');
    if (this.chance(0.03)) body = `\ufeff${body}`;
    if (this.chance(0.3)) body = this.mutate(body);
    return body;
  }

  private mutate(text: string): string {
    const lines = text.split('\n');
    const at = this.int(text.length + 1);
    switch (this.int(9)) {
      case 0:
        return text.slice(0, at) + '\t' + text.slice(at);
      case 1:
        return text.slice(0, at) + text.slice(at + 1);
      case 2:
        return text.slice(0, at) + this.pick([':', ': ', '- ', '#', ' #', '&', '*', '!', '|', '>', "'", '"', '%', '@', '[', ']', '{', '}', ',', '?', '\n']) + text.slice(at);
      case 3: {
        const i = this.int(lines.length);
        lines.splice(i, 0, lines[i] ?? '');
        return lines.join('\n');
      }
      case 4: {
        const i = this.int(lines.length);
        lines[i] = this.chance(0.5) ? ` ${lines[i]}` : (lines[i] ?? '').replace(/^ /, '');
        return lines.join('\n');
      }
      case 5: {
        const i = this.int(lines.length);
        lines.splice(i, 1);
        return lines.join('\n');
      }
      case 6: {
        const i = this.int(Math.max(1, lines.length - 1));
        [lines[i], lines[i + 1]] = [lines[i + 1] ?? '', lines[i] ?? ''];
        return lines.join('\n');
      }
      case 7:
        return text.slice(0, at) + '\n' + ' '.repeat(this.int(6)) + text.slice(at);
      default:
        return `${text}${this.pick(['---\nx: 1\n', '... \n', '# end', '  \n', 'extra\n', '- x\n', 'z: [\n'])}`;
    }
  }

  /** "&name " (or nothing); the anchor is usable once `done` runs after the node is written, or now and then at once (recursive data). */
  private anchorFor(node: GenNode): { text: string; done: () => void } {
    if (!this.chance(0.12)) return { text: '', done: () => {} };
    const anchor = { name: this.pick(['a', 'anchor', 'n-1', 'x_y', 'A9']) + this.nextAnchor++, map: node.t === 'map' };
    if (this.chance(0.03)) {
      this.anchors.push(anchor);
      return { text: `&${anchor.name} `, done: () => {} };
    }
    return { text: `&${anchor.name} `, done: () => this.anchors.push(anchor) };
  }

  private alias(): string | undefined {
    if (this.anchors.length === 0 || this.aliasUses > 20 || !this.chance(0.08)) return undefined;
    this.aliasUses++;
    return `*${this.pick(this.anchors).name}`;
  }

  private tagFor(node: GenNode): string {
    if (!this.chance(0.06)) return '';
    if (node.t === 'map') return this.pick(['!!map ', '! ', '!local ', '!!set ']);
    if (node.t === 'seq') return this.pick(['!!seq ', '! ', '!local ', '!!omap ']);
    return this.pick(['!!str ', '! ', '!local ', '!!int ', '!!float ', '!!bool ', '!!null ', '!<tag:yaml.org,2002:str> ', '!!binary ']);
  }

  /** A node in block context at `indent`, as the text after "key:" or "- " (starting with a space or a line break). */
  private blockValue(node: GenNode, indent: number, step: number, inSeq: boolean): string {
    const alias = this.alias();
    if (alias !== undefined) return ` ${alias}${this.comment()}\n`;
    const anchor = this.anchorFor(node);
    const props = anchor.text + this.tagFor(node);
    let out: string;
    const empty = node.t === 'seq' ? node.items.length === 0 : node.t === 'map' ? node.entries.length === 0 : false;
    if (node.t === 'scalar') {
      if (this.chance(0.15)) out = ` ${props}${this.blockScalar(node.text, indent + step)}`;
      else out = ` ${props}${this.inline(node.text, indent + step, false)}${this.comment()}\n`;
    } else if (empty || this.chance(0.2)) {
      out = ` ${props}${this.flow(node, indent + step)}${this.comment()}\n`;
    } else if (inSeq && props === '' && this.chance(0.5)) {
      // Compact "- key: v" / "- - x": the first line continues after the dash.
      out = ` ${this.block(node, indent + 2, step).replace(/^ +/, '')}`;
    } else {
      // A list under a key may sit at the key's own indentation.
      const childIndent = !inSeq && node.t === 'seq' && this.chance(0.3) ? indent : indent + step;
      out = ` ${props}`.replace(/ $/, '') + `${this.comment()}\n${this.block(node, childIndent, step)}`;
    }
    anchor.done();
    return out;
  }

  private block(node: GenNode, indent: number, step: number): string {
    const pad = ' '.repeat(indent);
    if (node.t === 'scalar') return `${pad}${this.inline(node.text, indent, false)}\n`;
    let out = '';
    if (node.t === 'seq') {
      if (node.items.length === 0) return `${pad}[]\n`;
      for (const item of node.items) out += `${pad}-${this.blockValue(item, indent, step, true)}`;
      return out;
    }
    if (node.entries.length === 0) return `${pad}{}\n`;
    for (const [key, value] of node.entries) {
      if (this.chance(0.05)) out += `${pad}# comment\n`;
      if (this.chance(0.03)) out += '\n';
      const mergeable = this.anchors.filter((a) => a.map);
      if (mergeable.length > 0 && this.aliasUses < 20 && this.chance(0.08)) {
        this.aliasUses++;
        out += this.chance(0.7) ? `${pad}<<: *${this.pick(mergeable).name}\n` : `${pad}<<: [*${this.pick(mergeable).name}, *${this.pick(mergeable).name}]\n`;
      }
      const k = this.inline(key, indent, true);
      if (this.chance(0.03)) out += `${pad}? ${k}\n${pad}:${this.blockValue(value, indent, step, false)}`;
      else out += `${pad}${k}:${this.blockValue(value, indent, step, false)}`;
    }
    return out;
  }

  private flow(node: GenNode, indent: number): string {
    const alias = this.alias();
    if (alias !== undefined) return alias;
    const anchor = this.anchorFor(node);
    const out = this.flowNode(node, indent, anchor.text + this.tagFor(node));
    anchor.done();
    return out;
  }

  private flowNode(node: GenNode, indent: number, props: string): string {
    if (node.t === 'scalar') return props + this.inline(node.text, indent, true);
    const multiLine = this.chance(0.2);
    const sep = multiLine ? `,\n${' '.repeat(indent + 1)}` : this.pick([', ', ',', ' , ']);
    const trailing = this.chance(0.1) ? ',' : '';
    if (node.t === 'seq') return `${props}[${node.items.map((i) => this.flow(i, indent + 1)).join(sep)}${trailing}]`;
    const pairs = node.entries.map(([k, v]) => {
      const key = this.inline(k, indent, true);
      if (v.t === 'scalar' && v.text === '' && this.chance(0.3)) return key;
      return `${key}:${this.chance(0.1) ? '' : ' '}${this.flow(v, indent + 1)}`;
    });
    return `${props}{${pairs.join(sep)}${trailing}}`;
  }

  /** A scalar on one line (or folded over several) in a random flow style. */
  private inline(text: string, indent: number, flowOrKey: boolean): string {
    const style = this.int(10);
    if (style < 5 || (flowOrKey && style < 6)) {
      if (!text.includes('\n')) return text;
      return text.split('\n').join(`\n${' '.repeat(indent + 1)}`);
    }
    if (style < 7) return `'${text.replace(/'/g, "''").replace(/\n/g, `\n\n${' '.repeat(indent + 1)}`)}'`;
    let out = '';
    for (const ch of text) {
      const c = ch.codePointAt(0)!;
      if (ch === '"' || ch === '\\') out += `\\${ch}`;
      else if (ch === '\n') out += this.pick(['\\n', '\\x0a', '\\u000A', `\n\n${' '.repeat(indent + 1)}`]);
      else if (ch === '\t') out += this.pick(['\\t', '\t', '\\x09']);
      else if (ch === '\r') out += '\\r';
      else if (c > 0x7e && this.chance(0.5)) out += c > 0xffff ? `\\U${c.toString(16).padStart(8, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
      else if (ch === ' ' && this.chance(0.05)) out += `\\\n${' '.repeat(indent + 1)}\\ `;
      else out += ch;
    }
    return `"${out}"`;
  }

  private blockScalar(text: string, indent: number): string {
    const chomp = this.pick(['', '-', '+']);
    const explicit = this.chance(0.2) || /^[ \t]/.test(text) || text.startsWith('\n');
    const header = `${this.chance(0.5) ? '|' : '>'}${explicit ? String(Math.max(1, Math.min(9, 1 + this.int(2)))) : ''}${chomp}`;
    const pad = ' '.repeat(Math.max(indent, 1));
    const body = text
      .split('\n')
      .map((l) => (l === '' ? '' : pad + l))
      .join('\n');
    return `${header}${this.comment()}\n${body}\n${this.chance(0.2) ? '\n' : ''}`;
  }

  private comment(): string {
    return this.chance(0.08) ? this.pick([' # note', '  #x', ' #']) : '';
  }
}

function generated(n: number, seed: number): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  for (let i = 0; i < n; i++) out.push({ name: `generated #${i} (seed ${seed + i})`, text: new Generator(seed + i).document() });
  return out;
}

// --- the test

const available = pyyamlAvailable();

test('stratus reads YAML as PyYAML does', { skip: !available && `${PYTHON} with PyYAML 6 is not available` }, (t) => {
  const corpus = [
    ...files().map((f) => ({ ...f, group: 'files' })),
    ...SNIPPETS.map((text, i) => ({ name: `snippet #${i}`, text, group: 'snippets' })),
    ...generated(GENERATED, SEED).map((f) => ({ ...f, group: 'generated' })),
  ];
  const refs = runPyYaml(corpus.map((c) => c.text));
  const counts = new Map<string, Map<Outcome, number>>();
  const failures: string[] = [];
  corpus.forEach((c, i) => {
    let outcome: Outcome;
    try {
      outcome = compare(c.text, refs[i]!);
    } catch (e) {
      failures.push(`${c.name}: ${JSON.stringify(c.text)}\n  ${(e as Error).message}`);
      return;
    }
    const g = counts.get(c.group) ?? new Map<Outcome, number>();
    g.set(outcome, (g.get(outcome) ?? 0) + 1);
    counts.set(c.group, g);
  });
  const lines = [...counts].map(([group, m]) => `${group}: ${[...m].map(([o, n]) => `${n} ${o}`).join(', ')}`);
  lines.push(`${corpus.length} texts, ${failures.length} differences`);
  for (const l of lines) t.diagnostic(l);
  console.log(['YAML differential (stratus vs PyYAML):', ...lines].join('\n'));
  assert.ok(SNIPPETS.length >= 80);
  if (existsSync(CONFORMANCE)) assert.ok(corpus.filter((c) => c.group === 'files').length >= 400, 'the conformance inputs are part of the corpus');
  assert.deepEqual(failures.slice(0, 30), [], `${failures.length} differences from PyYAML`);
});
