/**
 * startProcess: bounded waits, and kill ends the helpers a process forked
 * (its process group), not only the process. Only processes this test
 * starts are signalled.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeScratchDir, ProcessStartError, startProcess } from '../../src/host/process.ts';

const live = { root: '/', dryRun: false };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('kill ends the process and the helper it forked; waits are bounded', async () => {
  const p = startProcess(['/bin/sh', '-c', 'sleep 30 & echo "helper $!"; wait'], live);
  assert.equal(await p.waitFor(() => /helper \d+/.test(p.output()), 5_000), 'done');
  const helper = Number(/helper (\d+)/.exec(p.output())?.[1]);
  assert.equal(await p.waitFor(() => false, 100), 'timeout');
  await p.kill();
  assert.equal(p.exit(), 'SIGKILL');
  // The helper is reaped by init a moment later; poll, bounded.
  const end = Date.now() + 2_000;
  while (alive(helper) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  assert.equal(alive(helper), false);
  await p.kill(); // twice is harmless
});

test('an exit is reported; planning and other roots start nothing', async () => {
  const p = startProcess(['/bin/sh', '-c', 'echo bye; exit 3'], live);
  assert.equal(await p.waitFor(() => false, 5_000), 'exited');
  await p.kill();
  assert.equal(p.exit(), 3);
  assert.match(p.output(), /bye/);
  assert.throws(() => startProcess(['true'], { root: '/', dryRun: true }), ProcessStartError);
  assert.throws(() => startProcess(['true'], { root: '/tmp/r', dryRun: false }), /not started: the target is \/tmp\/r/);
});

test('a scratch directory holds files and is removed whole', () => {
  const d = makeScratchDir('stratus-process-test');
  d.write('b', '2');
  d.write('a', '1', 0o700);
  assert.deepEqual(d.read(), [{ name: 'a', content: '1' }, { name: 'b', content: '2' }]);
  d.remove();
  assert.throws(() => d.read());
});
