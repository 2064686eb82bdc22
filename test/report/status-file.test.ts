/**
 * The status.json model: the steps the stage runner takes, the file text
 * (cloud-init's json_dumps: indent 1, sorted keys), result.json, and the
 * tolerant reader.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  emptyStatus,
  isRestart,
  parseResultFile,
  parseStatusFile,
  resultFrom,
  resultText,
  stageFinished,
  stageStarted,
  statusText,
} from '../../src/report/status-file.ts';

const EMPTY_TEXT = `{
 "v1": {
  "datasource": null,
  "init": {
   "errors": [],
   "finished": null,
   "recoverable_errors": {},
   "start": null
  },
  "init-local": {
   "errors": [],
   "finished": null,
   "recoverable_errors": {},
   "start": null
  },
  "modules-config": {
   "errors": [],
   "finished": null,
   "recoverable_errors": {},
   "start": null
  },
  "modules-final": {
   "errors": [],
   "finished": null,
   "recoverable_errors": {},
   "start": null
  },
  "stage": null
 }
}
`;

describe('status.json model', () => {
  test('an empty status is written as cloud-init writes it', () => {
    assert.equal(statusText(emptyStatus()), EMPTY_TEXT);
  });

  test('a whole boot: start and finish of each stage, datasource, errors, result', () => {
    let s = emptyStatus();
    s = stageStarted(s, 'init-local', 2.5);
    assert.equal(s.v1.stage, 'init-local');
    assert.equal(s.v1['init-local'].start, 2.5);
    s = stageFinished(s, 'init-local', 3.25, [], {}, 'DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud][dsmode=net]');
    assert.equal(s.v1.stage, null);
    assert.equal(s.v1.datasource, 'DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud][dsmode=net]');
    s = stageStarted(s, 'init', 5);
    s = stageFinished(s, 'init', 6.5, ['boom'], { WARNING: ['careful'], ERROR: [] });
    assert.deepEqual(s.v1.init, { errors: ['boom'], recoverable_errors: { WARNING: ['careful'] }, start: 5, finished: 6.5 });
    s = stageStarted(s, 'modules-config', 7);
    s = stageFinished(s, 'modules-config', 8, [], {});
    s = stageStarted(s, 'modules-final', 9);
    s = stageFinished(s, 'modules-final', 10.125, ['final failed'], {}, null);
    assert.equal(s.v1.datasource, 'DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud][dsmode=net]', 'null does not erase the datasource');
    assert.deepEqual(resultFrom(s), {
      v1: { datasource: 'DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud][dsmode=net]', errors: ['boom', 'final failed'] },
    });
    assert.equal(
      resultText(resultFrom(s)),
      '{\n "v1": {\n  "datasource": "DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud][dsmode=net]",\n  "errors": [\n   "boom",\n   "final failed"\n  ]\n }\n}\n',
    );
    const back = parseStatusFile(statusText(s));
    assert.ok(back.ok);
    assert.deepEqual(back.value, s);
  });

  test('the steps do not change the status they are given', () => {
    const s = emptyStatus();
    const before = statusText(s);
    stageFinished(stageStarted(s, 'init', 1), 'init', 2, ['x'], { WARNING: ['y'] }, 'DataSourceNone');
    assert.equal(statusText(s), before);
  });

  test('a stage started again before it finished is a restart; errors of the first run are kept', () => {
    let s = stageStarted(emptyStatus(), 'init', 1);
    assert.equal(isRestart(s, 'init'), true);
    s = stageFinished(s, 'init', 2, ['first'], { WARNING: ['old'] });
    assert.equal(isRestart(s, 'init'), false);
    s = stageStarted(s, 'init', 3);
    assert.equal(s.v1.init.finished, null, 'a rerunning stage is not finished');
    s = stageFinished(s, 'init', 4, ['second'], { ERROR: ['new'] });
    assert.deepEqual(s.v1.init.errors, ['first', 'second']);
    assert.deepEqual(s.v1.init.recoverable_errors, { ERROR: ['new'] });
  });

  test('non-ASCII messages are escaped as Python does', () => {
    const s = stageFinished(emptyStatus(), 'init', 1, ['caf\u00e9 \u{1f600}'], {});
    assert.match(statusText(s), /"caf\\u00e9 \\ud83d\\ude00"/);
  });
});

describe('parseStatusFile', () => {
  const bad: [string, string, RegExp][] = [
    ['empty', '', /empty/],
    ['truncated', EMPTY_TEXT.slice(0, 100), /not valid JSON/],
    ['not an object', '[1]', /no "v1" object/],
    ['no v1', '{"v2": {}}', /no "v1" object/],
    ['bad errors', '{"v1": {"init": {"errors": "x"}}}', /v1\.init\.errors is not a list of strings/],
    ['bad recoverable', '{"v1": {"init": {"recoverable_errors": {"WARNING": [1]}}}}', /v1\.init\.recoverable_errors\.WARNING/],
    ['bad start', '{"v1": {"init-local": {"start": "soon"}}}', /v1\.init-local\.start is not a number/],
    ['bad stage', '{"v1": {"stage": "bogus"}}', /v1\.stage is not one of/],
    ['bad datasource', '{"v1": {"datasource": 3}}', /v1\.datasource/],
  ];
  for (const [name, text, problem] of bad) {
    test(`${name}: a problem, no exception`, () => {
      const r = parseStatusFile(text);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.problem, problem);
    });
  }

  test('missing stages and keys read as not run; unknown keys are ignored', () => {
    const r = parseStatusFile('{"v1": {"datasource": "DataSourceNone", "init": {"start": 1.5}, "extra": 1}}');
    assert.ok(r.ok);
    assert.deepEqual(r.value.v1.init, { errors: [], recoverable_errors: {}, start: 1.5, finished: null });
    assert.deepEqual(r.value.v1['modules-final'], { errors: [], recoverable_errors: {}, start: null, finished: null });
  });

  test('result.json', () => {
    assert.deepEqual(parseResultFile('{"v1": {"datasource": null, "errors": []}}'), { ok: true, value: { v1: { datasource: null, errors: [] } } });
    assert.equal(parseResultFile('{"v1": {"errors": {}}}').ok, false);
  });
});
