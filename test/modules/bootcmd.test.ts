import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bootcmd } from '../../src/modules/bootcmd.ts';
import { ModuleError } from '../../src/modules/types.ts';
import { DiskRoot, OverlayRoot } from '../../src/host/root-fs.ts';
import { makeStageContext } from '../../src/stages/context.ts';
import { cleanupRoots, instance, runModule } from './harness.ts';

after(cleanupRoots);

describe('bootcmd', () => {
  it('writes the commands to a script in the instance dir and records running it', async () => {
    const r = await runModule(bootcmd, { bootcmd: ['echo hi > /tmp/x', ['cloud-init-per', 'once', 'my name', 'touch', '/a b']] });
    assert.equal(r.error, undefined);
    const path = '/var/lib/cloud/instances/iid-test/bootcmd';
    assert.equal(r.read(path), "#!/bin/sh\necho hi > /tmp/x\ncloud-init-per once 'my name' touch '/a b'\n");
    assert.equal(r.mode(path), 0o700);
    assert.deepEqual(r.commands, [`/bin/sh ${path}`]);
    assert.equal(r.ctx.commands[0]?.ran, false);
  });

  it('warns about an item that is not a command and keeps the others', async () => {
    const r = await runModule(bootcmd, { bootcmd: ['true', { not: 'a command' }, ['ls', '-l']] });
    assert.equal(r.read('/var/lib/cloud/instances/iid-test/bootcmd'), '#!/bin/sh\ntrue\nls -l\n');
    assert.match(r.logText, /bootcmd\[1\]: not a string or a list of strings; skipped/);
  });

  it('is an error when bootcmd is not a list', async () => {
    const r = await runModule(bootcmd, { bootcmd: 'reboot' });
    assert.ok(r.error instanceof ModuleError);
    assert.deepEqual(r.commands, []);
  });

  it('a failing script is a module error carrying its exit code', async () => {
    // Runs for real, but the script only exists in the overlay: /bin/sh cannot open it (exit 2 or 127), nothing else runs.
    const root = mkdtempSync(join(tmpdir(), 'stratus-bootcmd-'));
    try {
      const ctx = makeStageContext('init', new OverlayRoot(new DiskRoot(root)), { root: '/', debug: false, force: false, files: [], dryRun: false });
      const iid = `iid-stratus-test-${process.pid}-never-on-disk`;
      await assert.rejects(
        async () => bootcmd.run({ ctx, cfg: { bootcmd: ['true'] }, instance: instance({ instanceId: iid }), isNewInstance: true, distro: 'debian', args: [] }),
        (e: Error) => e instanceof ModuleError && /failed with exit code [1-9]\d*$/.test(e.message),
      );
      assert.equal(ctx.commands[0]?.ran, true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
