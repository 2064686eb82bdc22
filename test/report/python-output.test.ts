/**
 * The JSON and YAML writers against the Python libraries cloud-init prints
 * with: json.dumps(indent=N, sort_keys=True, separators=(",", ": ")) and
 * PyYAML's safe_dump(indent=4, default_flow_style=False, explicit_start,
 * explicit_end). Fixed values plus seeded random ones; the YAML writer never
 * folds long lines, so PyYAML is given a huge width. Skipped without
 * python3 and PyYAML.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { pyJsonDumps, pyNumber } from '../../src/report/py-json.ts';
import type { DataValue } from '../../src/report/values.ts';
import { scalarStyle, yamlDocument } from '../../src/report/yaml-emit.ts';
import { loadYaml } from '../../src/text/yaml.ts';

const PYTHON = '/usr/bin/python3';
const HARNESS = String.raw`
import sys, json, yaml
out = []
for line in sys.stdin:
    case = json.loads(line)
    v = case['value']
    if case['kind'] == 'json':
        out.append(json.dumps(v, indent=case['indent'], sort_keys=True, separators=(',', ': ')))
    else:
        out.append(yaml.dump(v, line_break='\n', indent=4, explicit_start=True, explicit_end=True,
                             default_flow_style=False, Dumper=yaml.dumper.SafeDumper, width=1000000))
print(json.dumps(out))
`;

const havePython = spawnSync(PYTHON, ['-c', 'import yaml'], { encoding: 'utf8' }).status === 0;

function python(cases: { kind: 'json' | 'yaml'; value: DataValue; indent?: number }[]): string[] {
  const input = cases.map((c) => JSON.stringify(c)).join('\n');
  const r = spawnSync(PYTHON, ['-c', HARNESS], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as string[];
}

const STRINGS = [
  '', 'plain', 'yes', 'No', 'on', 'OFF', 'y', 'n', 'true', 'null', 'Null', '~', '1', '-1', '+1', '1.5', '.5', '1.', '1e3', '1.0e+3', '0x1f', '0o17', '012', '08',
  '1_000', '1:30', '2001-12-14', '2001-12-14 21:59:43.10 -5', '=', '<<', '.inf', '-.Inf', '.nan', 'NaN', 'a: b', 'a:b', 'a :b', 'a #b', 'a#b', '#c', '-x', '- x', '-', '?x', '? x', '?', ':x', ': x',
  ':', 'x:', '[x]', 'x[y]', '{x}', 'a,b', ',a', '&a', '*a', '!a', '|', '>', "'", '"', '%x', '@x', '`x', 'x|y', '---', '--- x', '...', '... x', '..', ' lead', 'trail ', ' ', 'tab\there',
  'two\nlines', 'trailing\n', '\n', 'caf\u00e9', '\u{1f600}', '\u00a0', 'bell\u0007', 'del\u007f', 'back\\slash', 'say "hi"', "O'Brien", "it's \"x\"",
  'Thu, 01 Jan 1970 00:00:12 +0000', 'DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud][dsmode=net]', 'Running in stage: init', 'error - done',
];
// Whole numbers print as integers (JSON.parse cannot keep 5.0 apart from 5), so none of these is >= 1e21, where Python would read a float.
const NUMBERS = [0, 1, -1, 5, 1.5, -2.25, 10.125, 1e-5, 1.5e-7, 0.0001, 123456.789, 1e16 + 0.5, 2 ** 53, 0.1 + 0.2, 3.14159];
/** PyYAML writes these single-quoted over several lines; we write them double-quoted on one (the same value). */
const MULTILINE = new Set(STRINGS.filter((x) => x.includes('\n')));
/** Numbers to YAML 1.2 (and our loader), strings to PyYAML, which leaves them plain; we quote them. */
const YAML12_NUMBERS = new Set(['1e3']);
const ONE_LINE = STRINGS.filter((x) => !MULTILINE.has(x) && !YAML12_NUMBERS.has(x));

/** A seeded random JSON value in the shape of status output and instance data. */
function randomValue(seed: number, strings: readonly string[] = STRINGS): DataValue {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const gen = (depth: number): DataValue => {
    const r = rnd();
    if (depth > 3 || r < 0.45) {
      const t = rnd();
      return t < 0.6 ? pick(strings) : t < 0.8 ? pick(NUMBERS) : t < 0.9 ? rnd() < 0.5 : null;
    }
    if (r < 0.7) return Array.from({ length: Math.floor(rnd() * 4) }, () => gen(depth + 1));
    const o: Record<string, DataValue> = {};
    for (let i = Math.floor(rnd() * 4); i > 0; i--) o[pick(strings)] = gen(depth + 1);
    return o;
  };
  const top: Record<string, DataValue> = {};
  for (let i = 1 + Math.floor(rnd() * 5); i > 0; i--) top[pick(strings)] = gen(0);
  return top;
}

const fixed = (strings: readonly string[]): DataValue[] => [
  { a: [{ x: 1, y: [1, 2] }, [3, 4], []], b: {}, c: { d: { e: null } }, t: true, f: false },
  { strings: [...strings], numbers: NUMBERS },
  Object.fromEntries(strings.map((k, i) => [k, i])),
  { nested: [[[1]], [{ a: [{ b: {} }] }]], empty: [[], {}, ''] },
  { '': { a: 1 }, [`${'x'.repeat(130)}`]: [1, [2]], list: [{ '': 1, b: { '': [] } }] },
  {
    boot_status_code: 'enabled-by-generator',
    datasource: 'nocloud',
    detail: 'DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud][dsmode=net]',
    errors: ['a', 'b: c'],
    recoverable_errors: { WARNING: ['w'], DEPRECATED: ['Key "x" is deprecated'] },
    init: { errors: [], finished: 6.25, recoverable_errors: {}, start: 5.5 },
    stage: null,
    last_update: 'Sun, 01 Mar 2026 11:58:30 +0000',
  },
];
const FIXED = fixed(STRINGS);
const RANDOM = Array.from({ length: 300 }, (_, i) => randomValue(i + 1));

describe('against Python', { skip: havePython ? false : 'python3 with PyYAML is not installed' }, () => {
  test('json.dumps, indent 1 and 2', () => {
    const values = [...FIXED, ...RANDOM, ...NUMBERS, ...STRINGS, [], {}, null];
    const cases = values.flatMap((value) => [1, 2].map((indent) => ({ kind: 'json' as const, value, indent })));
    const expected = python(cases);
    cases.forEach((c, i) => assert.equal(pyJsonDumps(c.value, c.indent), expected[i], JSON.stringify(c.value)));
  });

  test('yaml.safe_dump', () => {
    const values = [...fixed(ONE_LINE), ...Array.from({ length: 300 }, (_, i) => randomValue(i + 1, ONE_LINE))];
    const expected = python(values.map((value) => ({ kind: 'yaml', value })));
    values.forEach((v, i) => assert.equal(yamlDocument(v), expected[i], JSON.stringify(v)));
  });
});

describe('without Python', () => {
  test('float repr', () => {
    assert.equal(pyNumber(1e-5), '1e-05');
    assert.equal(pyNumber(1.5e-7), '1.5e-07');
    assert.equal(pyNumber(0.0001), '0.0001');
    assert.equal(pyNumber(10.5), '10.5');
    assert.equal(pyNumber(2 ** 60), '1152921504606846976');
  });

  test('strings that would read back as other types are quoted; multi-line ones double-quoted', () => {
    assert.equal(scalarStyle('yes'), 'single');
    assert.equal(scalarStyle('1.5'), 'single');
    assert.equal(scalarStyle('hello world'), 'plain');
    assert.equal(scalarStyle('a\nb'), 'double');
    assert.equal(scalarStyle('caf\u00e9'), 'double');
    assert.equal(scalarStyle('1e3'), 'single');
  });

  test('every document reads back (with our loader) as the value written', () => {
    for (const v of [...FIXED, ...RANDOM.slice(0, 100)]) {
      const { doc, diagnostics } = loadYaml(yamlDocument(v), 'out.yaml');
      assert.deepEqual(diagnostics.filter((d) => d.severity === 'error'), []);
      assert.deepEqual(doc?.value, v);
    }
  });
});
