import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDiagnostic, formatPath, InputError, show, type Diagnostic } from '../../src/text/diagnostics.ts';
import { isMapping, Reader, toBool } from '../../src/text/reader.ts';
import { loadYaml } from '../../src/text/yaml.ts';

describe('diagnostics', () => {
  test('formatPath', () => {
    assert.equal(formatPath([]), '');
    assert.equal(formatPath(['ethernets', 'eth0', 'addresses', 1]), 'ethernets.eth0.addresses[1]');
    assert.equal(formatPath(['vlans', 'eth0.10', 'id']), 'vlans["eth0.10"].id');
    assert.equal(formatPath(['config', 0, 'subnets', 2]), 'config[0].subnets[2]');
    assert.equal(formatPath(['ethernets', 'eth 0']), 'ethernets["eth 0"]');
  });
  test('formatDiagnostic names the input, the line, the path and the problem', () => {
    const d: Diagnostic = { severity: 'error', source: 'network-config', path: ['ethernets', 'eth0', 'addresses', 1], line: 12, message: '"10.0.0.300/24" is not an IP address or prefix' };
    assert.equal(formatDiagnostic(d), 'network-config line 12: ethernets.eth0.addresses[1]: "10.0.0.300/24" is not an IP address or prefix');
    assert.equal(formatDiagnostic({ ...d, severity: 'warning', message: 'unknown key' }), 'network-config line 12: warning: ethernets.eth0.addresses[1]: unknown key');
    assert.equal(formatDiagnostic({ severity: 'error', source: 'x.yaml', path: [], message: 'the network config is empty' }), 'x.yaml: the network config is empty');
  });
  test('show keeps values short, on one line, and names non-scalars', () => {
    assert.equal(show('a\nb'), '"a\\nb"');
    assert.equal(show(42), '42');
    assert.equal(show(null), 'null');
    assert.equal(show([1]), 'a list');
    assert.equal(show({ a: 1 }), 'a mapping');
    assert.equal(show(new Uint8Array([1])), 'binary data (!!binary)');
    assert.equal(show('x'.repeat(200)).length, 80);
  });
  test('InputError carries its diagnostics and a message of the errors', () => {
    const e = new InputError([
      { severity: 'warning', source: 's', path: ['a'], message: 'w' },
      { severity: 'error', source: 's', path: ['b'], line: 2, message: 'e' },
    ]);
    assert.equal(e.message, 's line 2: b: e');
    assert.equal(e.diagnostics.length, 2);
  });
});

describe('Reader', () => {
  const doc = loadYaml('a: 1\nb: [x, y]\nc: {d: yes}\n', 'src').doc!;
  const fresh = () => new Reader(doc);

  test('typed accessors record located errors instead of throwing', () => {
    const r = fresh();
    assert.equal(r.mapping([1], ['b']), undefined);
    assert.equal(r.list('x', ['a']), undefined);
    assert.equal(r.string({}, ['c']), undefined);
    assert.equal(r.int('1.5', ['a']), undefined);
    assert.equal(r.bool('maybe', ['a']), undefined);
    assert.deepEqual(r.diagnostics.map(formatDiagnostic), [
      'src line 2: b: must be a mapping, not a list',
      'src line 1: a: must be a list, not "x"',
      'src line 3: c: must be a string, not a mapping',
      'src line 1: a: must be an integer, not "1.5"',
      'src line 1: a: must be true or false, not "maybe"',
    ]);
    assert.ok(r.failed);
  });
  test('strings: numbers become text, control characters are refused', () => {
    const r = fresh();
    assert.equal(r.string(1500, ['a']), '1500');
    assert.equal(r.string('eth0', ['a']), 'eth0');
    assert.equal(r.string('eth0\n', ['a']), undefined);
    assert.equal(r.string('a\tb', ['a']), undefined);
    assert.equal(r.string(NaN, ['a']), undefined);
    assert.match(formatDiagnostic(r.diagnostics[0]!), /"eth0\\n" contains a line break/);
  });
  test('strings() splits on whitespace only when asked', () => {
    const r = fresh();
    assert.deepEqual(r.strings('a.example b.example', ['a'], true), ['a.example', 'b.example']);
    assert.deepEqual(r.strings('a.example b.example', ['a']), ['a.example b.example']);
    assert.deepEqual(r.strings(['x', 'y'], ['a'], true), ['x', 'y']);
    assert.deepEqual(r.diagnostics, []);
  });
  test('int ranges', () => {
    const r = fresh();
    assert.equal(r.int(' 42 ', ['a'], 0, 100), 42);
    assert.equal(r.int(101, ['a'], 0, 100), undefined);
    assert.equal(r.int(-1, ['a'], 0), undefined);
    assert.equal(r.int(true, ['a']), undefined);
    assert.deepEqual(r.diagnostics.map((d) => d.message), [
      '101 is out of range (must be between 0 and 100)',
      '-1 is out of range (must be at least 0)',
      'must be an integer, not true',
    ]);
  });
  test('booleans accept the spellings cloud-init and netplan accept', () => {
    for (const t of [true, 1, 'true', 'yes', 'on', '1', 'y', 'TRUE', ' Yes ']) assert.equal(toBool(t), true, String(t));
    for (const f of [false, 0, 'false', 'no', 'off', '0', 'n']) assert.equal(toBool(f), false, String(f));
    for (const x of [2, 'maybe', null, [], '']) assert.equal(toBool(x), undefined, String(x));
  });
  test('checkKeys warns about unknown keys', () => {
    const r = fresh();
    r.checkKeys({ a: 1, zz: 2 }, [], new Set(['a']), 'a test');
    assert.deepEqual(r.diagnostics.map(formatDiagnostic), ['src line 1: warning: zz: unknown key in a test, ignored']);
    assert.ok(!r.failed);
  });
  test('isMapping accepts plain mappings only', () => {
    assert.ok(isMapping({}));
    assert.ok(isMapping(Object.create(null)));
    for (const x of [null, [], 'a', new Map(), new Set(), new Uint8Array(1), new Date(0)]) assert.ok(!isMapping(x), String(x));
  });
});
