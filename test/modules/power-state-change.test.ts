import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { powerStateChange as mod, shutdownArgv } from '../../src/modules/power-state-change.ts';
import { cleanupRoots, runModule } from './harness.ts';

after(cleanupRoots);

// Every case runs against a temp root: shutdown is recorded, never run.
describe('power_state_change', () => {
  it('builds shutdown\'s argv for each mode, delay and message', async () => {
    const r = await runModule(mod, { power_state: { mode: 'reboot', delay: '+5', message: 'Rebooting after setup', timeout: 60 } }, { stage: 'modules-final' });
    assert.equal(r.error, undefined);
    assert.deepEqual(r.ctx.commands.map((c) => c.argv), [['shutdown', '-r', '+5', 'Rebooting after setup']]);
    assert.equal(r.ctx.commands[0]?.ran, false);
    assert.match(r.logText, /runs after the final stage on a real boot/);
    assert.deepEqual(shutdownArgv({ mode: 'poweroff' }), ['shutdown', '-P', 'now']);
    assert.deepEqual(shutdownArgv({ mode: 'halt', delay: 10 }), ['shutdown', '-H', '+10']);
    assert.deepEqual(shutdownArgv({ mode: 'poweroff', delay: '3' }), ['shutdown', '-P', '+3']);
  });

  it('condition false: nothing; a command condition is recorded before shutdown', async () => {
    const off = await runModule(mod, { power_state: { mode: 'poweroff', condition: false } });
    assert.deepEqual(off.commands, []);
    const cmd = await runModule(mod, { power_state: { mode: 'poweroff', condition: 'test -f /var/tmp/done' } });
    assert.deepEqual(cmd.commands, ['sh -c test -f /var/tmp/done', 'shutdown -P now']);
    const list = await runModule(mod, { power_state: { mode: 'poweroff', condition: ['test', '-f', '/x'] } });
    assert.deepEqual(list.commands, ['test -f /x', 'shutdown -P now']);
  });

  it('bad mode, delay, timeout or message fail the module without recording shutdown', async () => {
    for (const ps of [{ mode: 'explode' }, { mode: 'reboot', delay: 'soon' }, { mode: 'reboot', delay: -1 }, { mode: 'reboot', timeout: 'x' }, { mode: 'reboot', message: 5 }, 'reboot']) {
      const r = await runModule(mod, { power_state: ps });
      assert.ok(r.error, JSON.stringify(ps));
      assert.deepEqual(r.commands, [], JSON.stringify(ps));
    }
  });
});
