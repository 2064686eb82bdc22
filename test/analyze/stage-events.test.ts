/** The timing events stages write into their log: spans, and one per module run (the runner's). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DiskRoot, OverlayRoot } from '../../src/host/root-fs.ts';
import { makeStageContext, type ContextName, type StageContext } from '../../src/stages/context.ts';
import { runModules } from '../../src/modules/runner.ts';
import type { Crawled } from '../../src/sources/types.ts';
import { span, spanSync } from '../../src/stages/events.ts';
import type { Mapping } from '../../src/text/reader.ts';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'stratus-stage-events-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function context(stage: ContextName): StageContext {
  return makeStageContext(stage, new OverlayRoot(new DiskRoot(dir)), { root: dir, debug: false, force: false, files: [], dryRun: true });
}

const messages = (ctx: StageContext) => ctx.log.records.map((r) => r.message);

describe('span', () => {
  test('start and finish around the step, with the message the step gives; the network stage is init-network', async () => {
    const ctx = context('init');
    const v = await span(ctx, 'search-NoCloud', 'searching', async (finish) => {
      ctx.log.info('inside');
      finish.message = 'found';
      return 42;
    });
    assert.equal(v, 42);
    assert.deepEqual(messages(ctx), ['start: init-network/search-NoCloud: searching', 'inside', 'finish: init-network/search-NoCloud: SUCCESS: found']);
    assert.deepEqual(ctx.log.records.map((r) => r.level), ['DEBUG', 'INFO', 'DEBUG']);
  });

  test('a throw is FAIL with its message, and is rethrown', () => {
    const ctx = context('modules-final');
    assert.throws(() => spanSync(ctx, 'apply-network-config', 'rendering', () => { throw new Error('disk full'); }), /disk full/);
    assert.deepEqual(messages(ctx), ['start: modules-final/apply-network-config: rendering', 'finish: modules-final/apply-network-config: FAIL: disk full']);
  });

  test('hotplug is no boot stage: no events', async () => {
    const ctx = context('hotplug');
    await span(ctx, 'check-cache', 'x', async () => null);
    assert.deepEqual(messages(ctx), []);
  });
});

describe('module events', () => {
  const instance = { dsname: 'NoCloud', instanceId: 'iid-events-1' } as Crawled;
  const run = async (stage: ContextName, cfg: Mapping, onDisk = false) => {
    const ctx = onDisk ? makeStageContext(stage, new DiskRoot(dir), { root: dir, debug: false, force: false, files: [], dryRun: false }) : context(stage);
    const errors: string[] = [];
    await runModules(ctx, { cloud_config_modules: ['write_files'], ...cfg }, 'cloud_config_modules', instance, true, 'debian', errors);
    return { ctx, errors, events: messages(ctx).filter((m) => /^(start|finish): /.test(m)) };
  };

  test('a module that ran is framed by its start and finish; the frequency is named', async () => {
    const { ctx, events } = await run('modules-config', { write_files: [{ path: '/etc/events-ok', content: 'x' }] });
    assert.deepEqual(events, [
      'start: modules-config/config-write_files: running config-write_files with frequency once-per-instance',
      'finish: modules-config/config-write_files: SUCCESS: config-write_files ran successfully',
    ]);
    const texts = messages(ctx);
    assert.ok(texts.indexOf(events[0]!) < texts.findIndex((m) => m.startsWith('module write_files ran in')), texts.join('\n'));
  });

  test('a warning inside the module makes it WARN; a failure FAIL', async () => {
    const warned = await run('modules-config', { write_files: [{ content: 'no path' }] });
    assert.deepEqual(warned.events.slice(1), ['finish: modules-config/config-write_files: WARN: config-write_files ran with warnings']);
    // On disk, under a path whose parent is a plain file: the write fails, and so does the module.
    writeFileSync(join(dir, 'blocker'), 'a file');
    const failing = await run('modules-final', { write_files: [{ path: '/blocker/x', content: 'x' }] }, true);
    assert.deepEqual(failing.events.at(-1), 'finish: modules-final/config-write_files: FAIL: config-write_files failed');
    assert.equal(failing.errors.length, 1, failing.errors.join('\n'));
  });

  test('a module that did not run (not configured, already ran) has no events', async () => {
    const { events } = await run('modules-config', { cloud_config_modules: ['runcmd'] });
    assert.deepEqual(events, []);
  });
});
