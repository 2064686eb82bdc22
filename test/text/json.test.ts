/**
 * JSON from the outside world: located errors (line:column) that never quote
 * the input, and a bound on nesting.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { firstProblem, MAX_JSON_DEPTH, parseJson } from '../../src/text/json.ts';

describe('parseJson', () => {
  test('valid JSON is returned as it is', () => {
    assert.deepEqual(parseJson('{"a": [1, "x", null, true]}', 'f.json'), { ok: true, value: { a: [1, 'x', null, true] } });
  });

  const cases: [string, string, string][] = [
    ['{"a": }', '1:7', 'unexpected character'],
    ['{\n  "uuid": "x",\n  "name": "y"\n', '4:1', "expected ',' or '}'"],
    ['{\n  "a": 1,\n  b: 2\n}', '3:3', 'expected a key in double quotes'],
    ['{"a": "line\nbreak"}', '1:12', 'control character'],
    ['{"a": 1} trailing', '1:10', 'more text after the JSON value'],
    ['[1, 2,]', '1:7', 'unexpected character'],
    ['{"a": "\\x"}', '1:8', 'bad escape'],
    ['', '1:1', 'unexpected end'],
    ['\ufeff{}', '1:1', 'byte order mark'],
    ['{"a": tru}', '1:7', 'unexpected character'],
  ];
  for (const [text, at, what] of cases) {
    test(`${JSON.stringify(text)} → ${at} ${what}`, () => {
      const r = parseJson(text, 'meta_data.json');
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.ok(r.message.startsWith(`meta_data.json:${at}: not valid JSON: `), r.message);
      assert.ok(r.message.includes(what), r.message);
    });
  }

  test('the message never quotes the input (it may be a secret)', () => {
    const r = parseJson('{"password": s3cr3t-value}', 'user_data');
    assert.equal(r.ok, false);
    if (!r.ok) assert.doesNotMatch(r.message, /s3cr3t/);
  });

  test('nesting deeper than the bound is refused, both by JSON.parse and by the scanner', () => {
    const deep = `${'['.repeat(MAX_JSON_DEPTH + 5)}${']'.repeat(MAX_JSON_DEPTH + 5)}`;
    const r = parseJson(deep, 'deep.json');
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.message, /nested deeper than 64 levels/);
    assert.match(firstProblem(`${deep}x`).what, /nested deeper/);
  });
});
