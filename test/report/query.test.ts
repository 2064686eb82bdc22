/**
 * The pure parts of `query`: the jinja variable view of instance data
 * (aliases, v1 keys at the top, base64 keys decoded for templates), path
 * lookup, Python's str() of values; and links resolved inside the root.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { DiskRoot } from '../../src/host/root-fs.ts';
import { pyStr } from '../../src/report/py-repr.ts';
import { jinjaAlias, jinjaVariables, lookupPath, renderFormat } from '../../src/report/query.ts';
import { readTextInRoot, resolveInRoot } from '../../src/host/rooted-path.ts';
import { BinaryValue } from '../../src/report/values.ts';
import { tempRoots } from './helpers.ts';

const roots = tempRoots('stratus-query-unit-');
after(() => roots.dispose());

describe('jinja variables', () => {
  test('aliases replace every jinja operator with "_"', () => {
    assert.equal(jinjaAlias('local-hostname'), 'local_hostname');
    assert.equal(jinjaAlias('v1.0'), 'v1_0');
    assert.equal(jinjaAlias('a//b**c==d'), 'a_b_c_d');
    assert.equal(jinjaAlias('plain_key'), null);
  });

  test('v1 keys are copied to the top; aliases only when asked', () => {
    const data = { v1: { 'cloud-name': 'x' }, ds: { 'meta-data': { a: 1 } } };
    assert.deepEqual(jinjaVariables(data), { ds: { 'meta-data': { a: 1 } }, 'cloud-name': 'x', v1: { 'cloud-name': 'x' } });
    const withAliases = jinjaVariables(data, { aliases: true });
    assert.deepEqual(withAliases['ds'], { 'meta-data': { a: 1 }, meta_data: { a: 1 } });
    assert.equal(withAliases['cloud_name'], 'x');
  });

  test('base64 keys are decoded (text, or bytes when not UTF-8)', () => {
    const data = { ds: { user_data: Buffer.from('hi').toString('base64'), raw: Buffer.from([0xff]).toString('base64') } };
    const vars = jinjaVariables(data, { decodePaths: ['ds/user-data', 'ds/raw'] });
    assert.equal((vars['ds'] as Record<string, unknown>)['user_data'], 'hi');
    assert.ok((vars['ds'] as Record<string, unknown>)['raw'] instanceof BinaryValue);
    const r = renderFormat('{{ ds.user_data }}', { ...data, base64_encoded_keys: ['ds/user_data'] });
    assert.deepEqual(r, { ok: true, text: 'hi' });
  });

  test('lookup names the part that is missing', () => {
    const vars = { a: { b: 1 } };
    assert.deepEqual(lookupPath(vars, 'a.b'), { ok: true, value: 1 });
    assert.deepEqual(lookupPath(vars, 'a.c'), { ok: false, message: "instance-data 'a' has no 'c'" });
    assert.deepEqual(lookupPath(vars, 'a.b.c'), { ok: false, message: "instance-data 'a.b' has no 'c'" });
    assert.deepEqual(lookupPath(vars, 'z'), { ok: false, message: "Undefined instance-data key 'z'" });
  });

  test("str() as Python prints values", () => {
    assert.equal(pyStr({ a: [1, 2.5, null, true, "it's"], b: 'x' }), `{'a': [1, 2.5, None, True, "it's"], 'b': 'x'}`);
    assert.equal(pyStr(new BinaryValue(Uint8Array.from([0x61, 0xff, 0x27]))), "b'a\\xff\\''");
    assert.equal(pyStr('plain'), 'plain');
  });
});

describe('links inside the root', () => {
  test('relative and absolute links, through directories, and loops', () => {
    const root = roots.make({
      '/var/lib/cloud/instances/i-1/user-data.txt': 'ud',
      '/var/lib/cloud/instance': { link: '/var/lib/cloud/instances/i-1' },
      '/run/cloud-init/status.json': { link: '../../var/lib/cloud/data/status.json' },
      '/var/lib/cloud/data/status.json': '{}',
      '/loop/a': { link: 'b' },
      '/loop/b': { link: '/loop/a' },
    });
    const fs = new DiskRoot(root);
    assert.equal(resolveInRoot(fs, '/var/lib/cloud/instance/user-data.txt'), '/var/lib/cloud/instances/i-1/user-data.txt');
    assert.equal(readTextInRoot(fs, '/var/lib/cloud/instance/user-data.txt'), 'ud');
    assert.equal(readTextInRoot(fs, '/run/cloud-init/status.json'), '{}');
    assert.equal(resolveInRoot(fs, '/loop/a'), null);
    assert.equal(readTextInRoot(fs, '/loop/a'), null);
    // ".." never climbs out of the root.
    assert.equal(resolveInRoot(fs, '/../../etc/passwd'), '/etc/passwd');
  });
});
