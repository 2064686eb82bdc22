/** `analyze boot` from what the log and status.json say, with and without systemd's timestamps. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bootText, kernelStart } from '../../src/analyze/boot.ts';
import { parseLog } from '../../src/analyze/events.ts';
import { bootRecords } from '../../src/analyze/records.ts';
import { emptyStatus, type StageName } from '../../src/report/status-file.ts';
import { TWO_BOOTS } from './fixture.ts';

const log = parseLog(TWO_BOOTS);
const records = bootRecords(log.events);

describe('analyze boot', () => {
  test('the kernel started at the last boot\'s welcome time less its uptime', () => {
    assert.equal(kernelStart(log.uptimes), Date.UTC(2026, 11, 3, 6, 59, 58, 750) / 1000);
  });

  test('without systemd: says so, and gives the stages of the last boot from the log', () => {
    assert.equal(
      bootText({ record: records[1]!, uptimes: log.uptimes, status: null, systemd: 'PID 1 is not systemd' }),
      [
        '-- Most Recent Boot Record --',
        '    Kernel started at: 2026-12-03 06:59:58.750 UTC',
        "    Userspace started at: unknown (systemd's timestamps are not available: PID 1 is not systemd)",
        '    stratus started (init-local) at: 2026-12-03 07:00:00.000 UTC, 1.250 s after the kernel',
        '',
        '    Stage              Up at (s)  Duration (s)  Result',
        '    init-local             1.250      00.50000  SUCCESS',
        '    init-network               -             -  not run',
        '    modules-config             -             -  did not finish',
        '    modules-final              -             -  not run',
        '',
        '    Total time in the four stages (seconds): 0.50000',
        '',
      ].join('\n'),
    );
  });

  test('with systemd and status.json: userspace start, the gap to init-local, every stage', () => {
    const status = emptyStatus();
    const at: [StageName, number, number][] = [['init-local', 1.25, 1.75], ['init', 2.25, 3.25], ['modules-config', 3.5, 3.75], ['modules-final', 4, 4.5]];
    for (const [stage, start, finished] of at) Object.assign(status.v1[stage], { start, finished });
    const text = bootText({ record: records[1]!, uptimes: log.uptimes, status, systemd: { userspace: 0.75, unit: 1.2 } });
    const lines = text.split('\n');
    assert.ok(lines.includes('    Userspace started at: 2026-12-03 06:59:59.500 UTC (systemd)'), text);
    assert.ok(lines.includes('    Kernel time to boot (seconds): 00.75000'), text);
    assert.ok(lines.includes('    Time between userspace start and init-local (seconds): 00.50000'), text);
    assert.ok(lines.includes('    init-network           2.250      01.00000  -'), text);
    assert.ok(lines.includes('    modules-final          4.000      00.50000  -'), text);
    // init-local's duration is its events' (0.5 s); the others' come from status.json.
    assert.ok(lines.includes('    Total time in the four stages (seconds): 2.25000'), text);
    assert.ok(lines.includes('    From init-local start to modules-final end (seconds): 03.25000'), text);
  });

  test('a log without welcome lines: the kernel start is unknown, not guessed', () => {
    const text = bootText({ record: null, uptimes: [], status: null, systemd: 'PID 1 is not systemd' });
    assert.ok(text.includes('Kernel started at: unknown (no "Up N seconds" line in the log)'));
    assert.ok(text.includes('stratus started (init-local) at: unknown'));
  });
});
