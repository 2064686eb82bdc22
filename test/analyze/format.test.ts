/** show, blame and --format on a hand-written log: the exact lines cloud-init's layout gives. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseLog } from '../../src/analyze/events.ts';
import { blameText, formatSpan, seconds8, showText } from '../../src/analyze/format.ts';
import { bootRecords } from '../../src/analyze/records.ts';
import { TWO_BOOTS } from './fixture.ts';

const records = bootRecords(parseLog(TWO_BOOTS).events);
const HEADER = ['The total time elapsed since completing an event is printed after the "@" character.', 'The time the event takes is printed after the "+" character.', ''];

describe('show', () => {
  test('the default format: stages, their events with elapsed and duration, totals, per boot', () => {
    assert.equal(
      showText(records),
      [
        '-- Boot Record 01 --',
        ...HEADER,
        'Starting stage: init-local',
        '|`->no usable cache @00.01000s +00.00200s',
        '|`->found local data from DataSourceNoCloud @00.01200s +00.10000s',
        'Finished stage: (init-local) 00.25000 seconds',
        '',
        'Starting stage: init-network',
        '|`->config-ssh failed: boom @01.10000s +00.50000s',
        '|`->config-locale ran successfully @01.70000s +00.02500s',
        'Finished stage: (init-network) 01.00000 seconds',
        '',
        'Total Time: 1.25000 seconds',
        '',
        '-- Boot Record 02 --',
        ...HEADER,
        '|`->searching for local datasources @00.00000s +00.50000s',
        'Starting stage: modules-config',
        'Total Time: 0.50000 seconds',
        '',
        '2 boot records analyzed',
        '',
      ].join('\n'),
    );
  });

  test('--format keys: name, result, event type, origin, level, indent', () => {
    const text = showText(records, '%n|%r|%e|%o|%l|%I|%D');
    assert.ok(text.includes('\ninit-network/config-ssh|FAIL|finish|stratus|DEBUG||`->|config-ssh failed: boom\n'), text);
    assert.ok(text.includes('\ninit-network/config-locale|WARN|finish|stratus|DEBUG||`->|config-locale ran successfully\n'), text);
  });

  test('%t is the finish time in epoch seconds, %T the stage time so far, %% signs not keys stay', () => {
    const ssh = records[0]!.spans[4]!;
    assert.equal(formatSpan('%t %T %x 100%', ssh, records[0]!.start, 0.25), `${(Date.UTC(2026, 11, 3, 6, 0, 1, 600) / 1000).toFixed(5)} 00.25000 %x 100%`);
  });

  test('deeper events are indented one space per level', () => {
    const [r] = bootRecords(
      parseLog(
        [
          '2026-12-03 06:00:00.000 - stratus[init][DEBUG]: start: init-network: a',
          '2026-12-03 06:00:00.100 - stratus[init][DEBUG]: start: init-network/x/y: deep',
          '2026-12-03 06:00:00.200 - stratus[init][DEBUG]: finish: init-network/x/y: SUCCESS: deep',
          '2026-12-03 06:00:01.000 - stratus[init][DEBUG]: finish: init-network: SUCCESS: a',
        ].join('\n'),
      ).events,
    );
    assert.ok(showText([r!]).includes('\n| `->deep @00.10000s +00.10000s\n'));
  });

  test('times are zero-padded to eight characters, as %08.5f', () => {
    assert.deepEqual([seconds8(0), seconds8(1.5), seconds8(123.456789), seconds8(-0.25)], ['00.00000', '01.50000', '123.45679', '-0.25000']);
  });
});

describe('blame', () => {
  test('the events with nothing inside, longest first, per boot', () => {
    assert.equal(
      blameText(records),
      [
        '-- Boot Record 01 --',
        '     00.50000s (init-network/config-ssh)',
        '     00.10000s (init-local/search-NoCloud)',
        '     00.02500s (init-network/config-locale)',
        '     00.00200s (init-local/check-cache)',
        '',
        '-- Boot Record 02 --',
        '     00.50000s (init-local)',
        '',
        '2 boot records analyzed',
        '',
      ].join('\n'),
    );
  });

  test('no events: no boot record', () => {
    assert.equal(blameText([]), '0 boot records analyzed\n');
  });
});
