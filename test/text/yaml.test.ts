import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDiagnostic } from '../../src/text/diagnostics.ts';
import { loadYaml, MAX_DEPTH } from '../../src/text/yaml.ts';

function value(text: string): unknown {
  const r = loadYaml(text, 'test');
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), [], text);
  return r.doc!.value;
}

function errors(text: string): string[] {
  const r = loadYaml(text, 'network-config');
  assert.equal(r.doc, undefined, 'no document on error');
  return r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
}

describe('YAML 1.1 scalars as PyYAML reads them', () => {
  test('yes/no/on/off/true/false in their three spellings are booleans', () => {
    for (const t of ['yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE']) assert.deepEqual(value(`a: ${t}`), { a: true }, t);
    for (const f of ['no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE']) assert.deepEqual(value(`a: ${f}`), { a: false }, f);
  });
  test('y and n stay strings, also as keys', () => {
    assert.deepEqual(value('a: y\nb: n\nY: 1\n'), { a: 'y', b: 'n', Y: 1 });
    assert.deepEqual(value('y: 1\nn: 2\n'), { y: 1, n: 2 });
  });
  test('odd spellings are strings', () => {
    assert.deepEqual(value('a: yEs\nb: tRUE\n'), { a: 'yEs', b: 'tRUE' });
  });
  test('octal, hex and binary integers', () => {
    assert.deepEqual(value('mode: 0644\nx: 0x1f\nb: 0b101\nd: 1_000\nneg: -12\nz: 0\n'), { mode: 420, x: 31, b: 5, d: 1000, neg: -12, z: 0 });
  });
  test('words and numbers PyYAML does not read as numbers stay strings', () => {
    // "08" is neither octal nor decimal in YAML 1.1; "e0" and "e1000" are names (the yaml package read them as NaN).
    assert.deepEqual(value('a: 08\ne0: 1\nc: .\nd: e1000\nf: 1_\n'), { a: '08', e0: 1, c: '.', d: 'e1000', f: 1 });
  });
  test('floats, including JSON exponents', () => {
    assert.deepEqual(value('a: 1.5\nb: .5\nc: 1.0e+3\nd: -2.\ne: 1e3\nf: 2.5E-1\n'), { a: 1.5, b: 0.5, c: 1000, d: -2, e: 1000, f: 0.25 });
    const v = value('i: .inf\nn: .nan\n') as { i: number; n: number };
    assert.equal(v.i, Infinity);
    assert.ok(Number.isNaN(v.n));
  });
  test('an unquoted MAC stays the string written (no sexagesimal numbers)', () => {
    assert.deepEqual(value('mac: 52:54:00:12:34:56\nother: 00:11:22:33:44:55\nt: 1:20\nu: 190:20:30\n'), {
      mac: '52:54:00:12:34:56',
      other: '00:11:22:33:44:55',
      t: '1:20',
      u: '190:20:30',
    });
  });
  test('dates stay strings (no timestamps)', () => {
    assert.deepEqual(value('d: 2001-12-14\nt: 2001-12-14t21:59:43.10-05:00\n'), { d: '2001-12-14', t: '2001-12-14t21:59:43.10-05:00' });
  });
  test('null spellings', () => {
    assert.deepEqual(value('a: ~\nb: null\nc:\nd: Null\n'), { a: null, b: null, c: null, d: null });
  });
  test('quoted values are strings', () => {
    assert.deepEqual(value('a: "yes"\nb: \'0644\'\nc: "1.5"\n'), { a: 'yes', b: '0644', c: '1.5' });
  });
  test('JSON is YAML', () => {
    assert.deepEqual(value('{"version": 2, "ethernets": {"eth0": {"dhcp4": true, "mtu": 1500}}}'), {
      version: 2,
      ethernets: { eth0: { dhcp4: true, mtu: 1500 } },
    });
  });
  test('merge keys and aliases within limits', () => {
    assert.deepEqual(value('base: &b {mtu: 9000, dhcp4: true}\neth0:\n  <<: *b\n  mtu: 1500\n'), {
      base: { mtu: 9000, dhcp4: true },
      eth0: { mtu: 1500, dhcp4: true },
    });
  });
  test('a byte order mark is ignored', () => {
    assert.deepEqual(value('\ufeffversion: 2\n'), { version: 2 });
  });
  test('an empty document or only comments is null', () => {
    assert.equal(value(''), null);
    assert.equal(value('# just a comment\n\n'), null);
  });
});

describe('YAML errors are located', () => {
  test('a duplicate key is an error with both lines and the key path', () => {
    assert.deepEqual(errors('version: 2\nethernets:\n  eth0:\n    dhcp4: true\n    mtu: 1500\n    dhcp4: false\n'), [
      'network-config line 6: ethernets.eth0.dhcp4: duplicate key "dhcp4" (first given on line 4); each key may appear only once in a mapping',
    ]);
  });
  test('a duplicate key in JSON and in a flow mapping', () => {
    assert.deepEqual(errors('{"a": 1,\n "a": 2}'), ['network-config line 2: a: duplicate key "a" (first given on line 1); each key may appear only once in a mapping']);
    assert.deepEqual(errors('x: [{a: 1, b: 2, a: 3}]\n'), ['network-config line 1: x[0].a: duplicate key "a" (first given on line 1); each key may appear only once in a mapping']);
  });
  test('every duplicate is reported, in line order', () => {
    const e = errors('a: 1\nb: 2\na: 3\nc:\n  d: 1\n  d: 2\n');
    assert.equal(e.length, 2);
    assert.match(e[0]!, /^network-config line 3: a: duplicate key/);
    assert.match(e[1]!, /^network-config line 6: c\.d: duplicate key/);
  });
  test('the same key in different mappings is fine', () => {
    assert.deepEqual(value('a: {x: 1}\nb: {x: 2}\n'), { a: { x: 1 }, b: { x: 2 } });
  });
  test('an alias bomb is rejected, not expanded', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [i, c] of [...'bcdefghi'].entries()) lines.push(`${c}: &${c} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(', ')}]`);
    const started = Date.now();
    const e = errors(lines.join('\n'));
    assert.ok(Date.now() - started < 2000, 'rejected quickly');
    assert.equal(e.length, 1);
    assert.match(e[0]!, /^network-config: not valid YAML: its aliases expand to too many values/);
  });
  test('syntax errors carry the line', () => {
    assert.match(errors('version: 2\nethernets:\n  eth0: [1, 2\n')[0]!, /^network-config line \d: not valid YAML: /);
    assert.deepEqual(errors('a:\n\tb: 1\n'), ['network-config line 2: not valid YAML: Tabs are not allowed as indentation']);
    assert.match(errors('a: "unterminated\n')[0]!, /^network-config line 2: not valid YAML: Missing closing "quote/);
  });
  test('more than one document is an error', () => {
    assert.deepEqual(errors('a: 1\n---\nb: 2\n'), [
      'network-config line 2: not valid YAML: more than one YAML document ("---" separator); a network config is a single document',
    ]);
  });
  test(`nesting is limited to ${MAX_DEPTH} levels`, () => {
    assert.doesNotThrow(() => value(`${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}`));
    assert.deepEqual(errors(`x:\n  y: ${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}`), ['network-config line 2: not valid YAML: nested more than 64 levels deep']);
  });
  test('absurd nesting is an error, not a crash', () => {
    for (const text of ['['.repeat(20000) + ']'.repeat(20000), '{a: '.repeat(5000) + '1' + '}'.repeat(5000)]) {
      const e = errors(text);
      assert.ok(e.length >= 1);
      assert.match(e[0]!, /nested (too deeply|more than 64 levels deep)/);
    }
  });
  test('an unknown tag is a warning', () => {
    const r = loadYaml('a: !custom value\n', 'nc');
    assert.deepEqual(r.doc?.value, { a: 'value' });
    assert.deepEqual(r.diagnostics.map(formatDiagnostic), ['nc line 1: warning: YAML: Unresolved tag: !custom']);
  });
  test('a large mapping loads in linear time', () => {
    let text = 'ethernets:\n';
    for (let i = 0; i < 20000; i++) text += `  e${i}: {dhcp4: true}\n`;
    const started = Date.now();
    const v = value(text) as { ethernets: Record<string, unknown> };
    assert.equal(Object.keys(v.ethernets).length, 20000);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  });
});

describe('locate', () => {
  const doc = loadYaml('version: 2\nethernets:\n  eth0:\n    addresses:\n      - 10.0.0.1/24\n      - 10.0.0.300/24\n    mtu: 1500\n', 'nc').doc!;
  test('scalars are located at their value', () => {
    assert.deepEqual(doc.locate(['version']), { line: 1, column: 10 });
    assert.deepEqual(doc.locate(['ethernets', 'eth0', 'addresses', 1]), { line: 6, column: 9 });
    assert.deepEqual(doc.locate(['ethernets', 'eth0', 'mtu']), { line: 7, column: 10 });
  });
  test('collections are located at their key', () => {
    assert.deepEqual(doc.locate(['ethernets']), { line: 2, column: 1 });
    assert.deepEqual(doc.locate(['ethernets', 'eth0']), { line: 3, column: 3 });
  });
  test('a missing key is located at the nearest existing parent', () => {
    assert.deepEqual(doc.locate(['ethernets', 'eth0', 'gateway4']), { line: 3, column: 3 });
    assert.deepEqual(doc.locate(['ethernets', 'eth0', 'addresses', 7]), { line: 4, column: 5 });
  });
});
