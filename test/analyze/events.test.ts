/** Reading timing events back from logs: stratus's lines, cloud-init's, dumps, and what is not an event. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDumpJson, parseLine, parseLog, readEvents } from '../../src/analyze/events.ts';
import { dumpText } from '../../src/analyze/format.ts';
import { bootRecords, duration, totalTime } from '../../src/analyze/records.ts';
import { TWO_BOOTS } from './fixture.ts';

describe('log lines', () => {
  test('a stratus start line: name, description, UTC time with ms', () => {
    assert.deepEqual(parseLine('2026-12-03 06:27:20.934 - stratus[init-local][DEBUG]: start: init-local/search-NoCloud: searching for local data from DataSourceNoCloud'), {
      name: 'init-local/search-NoCloud',
      description: 'searching for local data from DataSourceNoCloud',
      timestamp: Date.UTC(2026, 11, 3, 6, 27, 20, 934) / 1000,
      origin: 'stratus',
      event_type: 'start',
    });
  });

  test('a finish line carries its result and message', () => {
    const e = parseLine('2026-12-03 06:27:21.000 - stratus[modules-final][DEBUG]: finish: modules-final/config-scripts_user: FAIL: config-scripts_user failed: exit 1');
    assert.ok(e && typeof e === 'object' && 'event_type' in e);
    assert.equal(e.result, 'FAIL');
    assert.equal(e.description, 'config-scripts_user failed: exit 1');
  });

  test("cloud-init's handlers.py lines are read too, with microseconds", () => {
    const e = parseLine('2016-09-12 14:39:20,839123 - handlers.py[DEBUG]: finish: init-network/config-ssh: SUCCESS: config-ssh ran successfully');
    assert.ok(e && typeof e === 'object' && 'event_type' in e);
    assert.equal(e.origin, 'cloudinit');
    assert.equal(e.name, 'init-network/config-ssh');
    assert.equal(e.timestamp, Date.UTC(2016, 8, 12, 14, 39, 20) / 1000 + 0.839123);
  });

  test('welcome lines give the uptime of a stage; cloud-init\'s "init" is init-network', () => {
    assert.deepEqual(parseLine("2026-12-03 06:00:01.000 - stratus[init][INFO]: stratus running 'init' at Thu, 03 Dec 2026 06:00:01 GMT. Up 3.50 seconds."), {
      stage: 'init-network',
      timestamp: Date.UTC(2026, 11, 3, 6, 0, 1) / 1000,
      uptime: 3.5,
    });
    const ci = parseLine("2017-05-22 18:02:01,088 - util.py[DEBUG]: Cloud-init v. 0.7.9 running 'modules:config' at Mon, 22 May 2017 18:02:01 +0000. Up 2.0 seconds.");
    assert.ok(ci && typeof ci === 'object' && 'uptime' in ci);
    assert.equal(ci.stage, 'modules-config');
  });

  test('malformed event lines are counted as skipped; other lines are ignored', () => {
    assert.equal(parseLine('2026-12-03 06:00:00.000 - stratus[init][DEBUG]: finish: init-network: MAYBE: x'), 'skipped');
    assert.equal(parseLine('2026-13-45 06:00:00.000 - stratus[init][DEBUG]: start: init-network: x'), 'skipped');
    assert.equal(parseLine('garbage start: nothing'), 'skipped');
    assert.equal(parseLine('2026-12-03 06:00:00.000 - stratus[init][INFO]: found datasource NoCloud'), null);
    assert.equal(parseLine(''), null);
    const parsed = parseLog(`${TWO_BOOTS}\u0000\u0001 start: finish: \n\n`);
    assert.equal(parsed.skipped, 2);
    assert.equal(parsed.events.length, 15);
  });
});

describe('boot records', () => {
  const records = bootRecords(parseLog(TWO_BOOTS).events);

  test('every start of init-local begins a boot record', () => {
    assert.equal(records.length, 2);
    assert.deepEqual(records[0]?.spans.map((s) => s.name), ['init-local', 'init-local/check-cache', 'init-local/search-NoCloud', 'init-network', 'init-network/config-ssh', 'init-network/config-locale']);
    assert.deepEqual(records[1]?.spans.map((s) => s.name), ['init-local', 'modules-config']);
  });

  test('nested events: a parent spans its children, results as they finished', () => {
    const [stage, , search, network, ssh, locale] = records[0]?.spans ?? [];
    assert.equal(stage?.leaf, false);
    assert.equal(search?.leaf, true);
    assert.ok(search && stage && search.start >= stage.start && (search.finish ?? 0) <= (stage.finish ?? 0));
    assert.equal(search.description, 'found local data from DataSourceNoCloud');
    assert.deepEqual([network?.result, ssh?.result, locale?.result], ['FAIL', 'FAIL', 'WARN']);
    assert.equal(Number(duration(ssh!)?.toFixed(6)), 0.5);
  });

  test('an event that never finished has no duration and stays open', () => {
    const open = records[1]?.spans[1];
    assert.equal(open?.finish, null);
    assert.deepEqual(records[1]?.lines.map((l) => l.kind), ['leaf', 'open']);
    assert.equal(totalTime(records[1]!).toFixed(5), '0.50000');
  });

  test('interleaved events (two writers) still pair by name', () => {
    const log = [
      '2026-12-03 06:00:00.000 - stratus[init][DEBUG]: start: init-network: a',
      '2026-12-03 06:00:00.100 - stratus[init][DEBUG]: start: init-network/consume-user-data: b',
      '2026-12-03 06:00:00.200 - stratus[init][DEBUG]: start: init-network/apply-network-config: c',
      '2026-12-03 06:00:00.300 - stratus[init][DEBUG]: finish: init-network/consume-user-data: SUCCESS: b',
      '2026-12-03 06:00:00.700 - stratus[init][DEBUG]: finish: init-network/apply-network-config: SUCCESS: c',
      '2026-12-03 06:00:01.000 - stratus[init][DEBUG]: finish: init-network: SUCCESS: a',
    ].join('\n');
    const [r] = bootRecords(parseLog(log).events);
    assert.deepEqual(r?.spans.map((s) => [s.name, Number(duration(s)?.toFixed(3))]), [
      ['init-network', 1],
      ['init-network/consume-user-data', 0.2],
      ['init-network/apply-network-config', 0.5],
    ]);
    assert.deepEqual(r?.lines.map((l) => `${l.kind} ${l.span.name}`), [
      'open init-network',
      'open init-network/consume-user-data',
      'open init-network/apply-network-config',
      'close init-network/consume-user-data',
      'close init-network/apply-network-config',
      'close init-network',
    ]);
  });

  test('a log without events has no boot record', () => {
    assert.deepEqual(bootRecords(parseLog('2026-12-03 06:00:00.000 - stratus[init][INFO]: hello\n').events), []);
  });
});

describe('dump', () => {
  test('the JSON dump reads back to the same events', () => {
    const events = parseLog(TWO_BOOTS).events;
    const text = dumpText(events);
    assert.deepEqual(parseDumpJson(text), events);
    assert.deepEqual(readEvents(text).events, events);
  });

  test('JSON that is not a list of events is read as a log (and has none)', () => {
    assert.equal(parseDumpJson('[{"name": 1}]'), null);
    assert.deepEqual(readEvents('[1, 2]').events, []);
  });
});
