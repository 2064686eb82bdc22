/**
 * Merging cloud-config parts: table cases after the examples of cloud-init's
 * merging documentation (rewritten) and the rules of its dict, list and str
 * mergers.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_PART_MERGERS, mergeWith, parseMergeString, parseMergeValue } from '../../src/userdata/merge.ts';

const merge = (how: string, a: unknown, b: unknown) => mergeWith(parseMergeString(how), a, b).value;

describe('merge spec parsing', () => {
  test('string form, case and dashes canonicalized, empty items skipped', () => {
    assert.deepEqual(parseMergeString('Dict(No-Replace, recurse_list)+list(append)++str()'), [
      { name: 'dict', options: ['no_replace', 'recurse_list'] },
      { name: 'list', options: ['append'] },
      { name: 'str', options: [] },
    ]);
  });
  test('list form: {name, settings} and [name, option...]', () => {
    assert.deepEqual(parseMergeValue([{ name: 'list', settings: ['append'] }, ['dict', 'no_replace', 'recurse_list']]), [
      { name: 'list', options: ['append'] },
      { name: 'dict', options: ['no_replace', 'recurse_list'] },
    ]);
  });
  test('malformed items are errors', () => {
    assert.throws(() => parseMergeString('dict'), /not of the form/);
    assert.throws(() => parseMergeValue(3), /must be a string or a list/);
  });
  test('unknown merger names are reported', () => {
    assert.deepEqual(mergeWith(parseMergeString('dict()+tuple(x)'), {}, {}).unknown, ['tuple']);
  });
});

// [merge spec, earlier, later, expected]
const CASES: [string, string, unknown, unknown, unknown][] = [
  ['default: later top-level keys replace earlier ones wholesale', DEFAULT_PART_MERGERS, { runcmd: ['a', 'b'], x: 1 }, { runcmd: ['c'] }, { runcmd: ['c'], x: 1 }],
  ['default: nested mappings are replaced, not merged', DEFAULT_PART_MERGERS, { a: { b: 1, c: 2 } }, { a: { b: 3 } }, { a: { b: 3 } }],
  ['default: new keys are added', DEFAULT_PART_MERGERS, { a: 1 }, { b: 2 }, { a: 1, b: 2 }],
  ['documented: list(append)+dict(no_replace,recurse_list) concatenates runcmd', 'list(append)+dict(no_replace,recurse_list)+str()', { runcmd: ['bash1', 'bash2'] }, { runcmd: ['bash3', 'bash4'] }, { runcmd: ['bash1', 'bash2', 'bash3', 'bash4'] }],
  ['dict(recurse_array)+list(append): no_replace is the dict default', 'dict(recurse_array)+list(append)+str()', { a: ['x'], s: 'old' }, { a: ['y'], s: 'new' }, { a: ['x', 'y'], s: 'old' }],
  ['list(prepend)', 'dict(recurse_list)+list(prepend)', { a: [1, 2] }, { a: [3] }, { a: [3, 1, 2] }],
  ['no_replace keeps earlier scalars and lists', 'dict(no_replace)+list()+str()', { a: 1, b: [1] }, { a: 2, b: [2], c: 3 }, { a: 1, b: [1], c: 3 }],
  ['no_replace merges nested mappings (recurse_dict is always on)', 'dict(no_replace)+list()+str()', { a: { b: 1 } }, { a: { b: 2, c: 3 } }, { a: { b: 1, c: 3 } }],
  ['list() replaces item by item, only as far as the earlier list reaches', 'dict(recurse_list)+list()+str()', { a: [1, 2] }, { a: [3, 4, 5] }, { a: [3, 4] }],
  ['list(no_replace) keeps the earlier list', 'dict(recurse_list)+list(no_replace)', { a: [1] }, { a: [2, 3] }, { a: [1] }],
  ['list(replace) with a non-list takes the new value', 'dict(recurse_list)+list(replace)', { a: [1] }, { a: 'x' }, { a: [1] }],
  ['str(append) with recurse_str', 'dict(recurse_str)+str(append)', { s: 'ab' }, { s: 'cd' }, { s: 'abcd' }],
  ['recurse_str without str(append) replaces the string', 'dict(recurse_str)+str()', { s: 'ab' }, { s: 'cd' }, { s: 'cd' }],
  ['a type without a named merger keeps the earlier value', 'dict(recurse_list)', { a: [1] }, { a: [2] }, { a: [1] }],
  ['allow_delete: null deletes a key', 'dict(no_replace,allow_delete)', { a: 1, b: 2 }, { a: null }, { b: 2 }],
  ['without allow_delete null is a value (replace)', 'dict(replace)', { a: 1 }, { a: null }, { a: null }],
  ['nested append through two levels', 'dict(no_replace,recurse_list)+list(append)', { a: { b: { c: [1] } } }, { a: { b: { c: [2] } } }, { a: { b: { c: [1, 2] } } }],
  ['a mapping over a list keeps the list (dispatch is on the earlier type)', 'dict(no_replace)+list(append)', { a: [1] }, { a: { x: 1 } }, { a: [1] }],
  ['list recurse_dict merges items at the same index', 'dict(recurse_list)+list(recurse_dict)', { a: [{ x: 1 }] }, { a: [{ y: 2 }] }, { a: [{ x: 1, y: 2 }] }],
  ['a later non-mapping document leaves the config as it was', DEFAULT_PART_MERGERS, { a: 1 }, ['x'], { a: 1 }],
  ['numbers and booleans only change under dict(replace)', 'dict(replace)', { n: 1, b: true }, { n: 2, b: false }, { n: 2, b: false }],
];

describe('merge semantics', () => {
  for (const [name, how, a, b, want] of CASES) {
    test(name, () => assert.deepEqual(merge(how, a, b), want));
  }
  test('inputs are never modified and the result shares no containers', () => {
    const a = { l: [1], m: { k: 1 } };
    const b = { l: [2], m: { j: 2 } };
    const out = merge('dict(no_replace,recurse_list)+list(append)', a, b) as { l: number[]; m: Record<string, number> };
    assert.deepEqual(a, { l: [1], m: { k: 1 } });
    assert.deepEqual(b, { l: [2], m: { j: 2 } });
    out.l.push(9);
    assert.deepEqual(b.l, [2]);
  });
  test('a "__proto__" key stays a plain key', () => {
    const later = JSON.parse('{"__proto__": {"polluted": true}}') as unknown;
    const out = merge(DEFAULT_PART_MERGERS, {}, later) as Record<string, unknown>;
    assert.ok(Object.prototype.hasOwnProperty.call(out, '__proto__'));
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});
