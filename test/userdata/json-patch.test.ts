/** RFC 6902 JSON Patch for #cloud-config-jsonp parts. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyJsonPatch } from '../../src/userdata/json-patch.ts';
import { processUserData } from '../../src/userdata/index.ts';

describe('applyJsonPatch', () => {
  const doc = { a: { b: [1, 2] }, 'x/y': 1, 't~': 2 };
  const cases: [string, unknown[], unknown][] = [
    ['add to a mapping', [{ op: 'add', path: '/c', value: 3 }], { ...doc, c: 3 }],
    ['add into a list, and at its end with "-"', [{ op: 'add', path: '/a/b/0', value: 0 }, { op: 'add', path: '/a/b/-', value: 9 }], { ...doc, a: { b: [0, 1, 2, 9] } }],
    ['remove', [{ op: 'remove', path: '/a/b/1' }], { ...doc, a: { b: [1] } }],
    ['replace, with escaped keys', [{ op: 'replace', path: '/x~1y', value: 5 }, { op: 'replace', path: '/t~0', value: 6 }], { ...doc, 'x/y': 5, 't~': 6 }],
    ['move', [{ op: 'move', from: '/a/b', path: '/b' }], { a: {}, b: [1, 2], 'x/y': 1, 't~': 2 }],
    ['copy', [{ op: 'copy', from: '/a/b', path: '/c' }], { ...doc, c: [1, 2] }],
    ['test that passes', [{ op: 'test', path: '/a/b', value: [1, 2] }], doc],
    ['replace the whole document', [{ op: 'replace', path: '', value: { z: 1 } }], { z: 1 }],
  ];
  for (const [name, patch, want] of cases) test(name, () => assert.deepEqual(applyJsonPatch(doc, patch), want));
  test('the input is not modified', () => {
    applyJsonPatch(doc, [{ op: 'add', path: '/a/b/-', value: 3 }]);
    assert.deepEqual(doc.a.b, [1, 2]);
  });
  const bad: [unknown, RegExp][] = [
    [{ op: 'x' }, /not a JSON pointer/],
    [[{ op: 'remove', path: '/nope' }], /operation 1: "nope" does not exist/],
    [[{ op: 'test', path: '/a/b', value: [2] }], /the test failed/],
    [[{ op: 'add', path: '/a/b/7', value: 1 }], /out of range/],
    [[{ op: 'frob', path: '/a' }], /unknown op "frob"/],
  ];
  for (const [patch, msg] of bad) test(`refused: ${JSON.stringify(patch)}`, () => assert.throws(() => applyJsonPatch(doc, Array.isArray(patch) ? patch : [patch]), msg));
});

test('a #cloud-config-jsonp part patches the merged cloud-config', async () => {
  const data = Buffer.from('Content-Type: multipart/mixed; boundary=B\nMIME-Version: 1.0\n\n--B\nContent-Type: text/cloud-config\n\n#cloud-config\nruncmd: [a]\n--B\nContent-Type: text/cloud-config-jsonp\n\n#cloud-config-jsonp\n[{"op": "add", "path": "/runcmd/-", "value": "b"}]\n--B\nContent-Type: text/plain\n\n#cloud-config-jsonp\n{not json\n--B--\n');
  const r = await processUserData(data, 'user-data', { stage: 'local', instanceData: {} });
  assert.deepEqual(r.cloudConfig, { runcmd: ['a', 'b'] });
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0] ?? '', /^user-data part 3 \(text\/cloud-config-jsonp\): not valid JSON; this part is ignored$/);
});
