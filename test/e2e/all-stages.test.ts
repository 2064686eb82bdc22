/**
 * The boot in one process: `stratus --all-stages` runs the four stages, each
 * when the stage unit's shell shim (systemd/stage-shim, run here as the units
 * run it) says "start", and the shim exits with that stage's status. The same
 * boot of the same seed as four processes must leave the same files; a failing
 * stage fails its own unit and the boot goes on; a second boot reuses the
 * FIFOs of the first.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, cpSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildCli, listFiles, REPO, type Cli } from '../cli/cli.ts';
import { boot, recordInputs, targetRoot, type TargetRoot } from './harness.ts';
import { assertNoSecretLeaks } from './secrets-scan.ts';

const SHIM = join(REPO, 'systemd/stage-shim');
const STAGES = ['local', 'network', 'config', 'final'] as const;

let cli: Cli;
before(() => {
  cli = buildCli();
});
after(() => cli?.dispose());

interface OneProcessBoot {
  shims: { stage: string; code: number | null; stdout: string; stderr: string }[];
  main: { code: number | null; stderr: string };
}

/** Starts the boot process, then runs the four shims in order, as systemd would (the first start activates the process). */
async function bootOneProcess(root: TargetRoot, stages: readonly string[] = STAGES): Promise<OneProcessBoot> {
  const channels = join(root.dir, 'run/cloud-init/share');
  const main = spawn(cli.command[0]!, [...cli.command.slice(1), '--root', root.dir, '--all-stages'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let mainErr = '';
  main.stderr.setEncoding('utf8').on('data', (d: string) => (mainErr += d));
  const exited = new Promise<number | null>((res) => main.on('exit', (code) => res(code)));
  // The start FIFOs are made by the boot process when systemd does not pass them: wait for them (a socket unit makes them before boot).
  for (let i = 0; i < 200 && !STAGES.every((s) => isFifo(join(channels, `${s}.start`))); i++) await new Promise((r) => setTimeout(r, 25));
  const shims = [];
  try {
    for (const stage of stages) {
      const r = spawnSync('/bin/sh', [SHIM, stage, channels], { encoding: 'utf8', timeout: 120_000 });
      shims.push({ stage, code: r.status, stdout: r.stdout, stderr: r.stderr });
    }
    const timer = setTimeout(() => main.kill('SIGKILL'), 30_000);
    const code = await exited;
    clearTimeout(timer);
    await assertNoSecretLeaks(root, [...shims, { stage: 'all-stages', stdout: '', stderr: mainErr }]);
    return { shims, main: { code, stderr: mainErr } };
  } finally {
    if (main.exitCode === null) main.kill('SIGKILL');
  }
}

function isFifo(p: string): boolean {
  try {
    return statSync(p).isFIFO();
  } catch {
    return false;
  }
}

/** Every file under the root but the stage FIFOs. */
function written(dir: string): string[] {
  return listFiles(dir).filter((p) => !p.startsWith('run/cloud-init/share/'));
}

function seeded(): TargetRoot {
  const root = targetRoot(cli, { renderer: 'networkd' });
  cpSync(join(REPO, 'examples/nocloud'), join(root.dir, 'var/lib/cloud/seed/nocloud'), { recursive: true });
  recordInputs(root, '/var/lib/cloud/seed/nocloud');
  return root;
}

describe('the boot in one process (stratus --all-stages and the stage shims)', () => {
  test('each shim exits 0 with its stage; the process ends after the final stage; the same files as a four-process boot', async () => {
    const one = seeded();
    const r = await bootOneProcess(one);
    assert.deepEqual(r.shims.map((s) => [s.stage, s.code]), STAGES.map((s) => [s, 0]), JSON.stringify(r, null, 1));
    assert.deepEqual(r.shims.map((s) => s.stdout), STAGES.map((s) => `stratus: the ${s} stage is done\n`));
    assert.equal(r.main.code, 0, r.main.stderr);
    // The stages' own output (welcome lines) goes to the boot process's journal, as each unit's did.
    for (const s of ['init-local', 'init', 'modules-config', 'modules-final']) assert.match(r.main.stderr, new RegExp(`running '${s}'`));
    const status = one.json('/run/cloud-init/status.json') as { v1: Record<string, { finished: number | null; errors: unknown[] }> };
    for (const s of ['init-local', 'init', 'modules-config', 'modules-final']) {
      assert.notEqual(status.v1[s]?.finished, null, s);
      assert.deepEqual(status.v1[s]?.errors, [], s);
    }
    assert.equal(one.read('/etc/hostname'), 'stratus-example\n');

    const four = seeded();
    const runs = await boot(cli, four);
    assert.deepEqual(runs.map((x) => x.status), [0, 0, 0, 0]);
    assert.deepEqual(written(one.dir), written(four.dir));
    for (const p of ['/etc/hostname', '/etc/hosts', '/etc/systemd/network/10-cloud-init-eth0.network', '/var/lib/cloud/instance/user-data.txt']) {
      if (four.exists(p)) assert.equal(one.read(p), four.read(p), p);
    }
  });

  test('a failing stage fails its own unit only; the boot goes on, the process exits 1; a second boot reuses the FIFOs', async () => {
    // No seed at all: the local stage finds nothing (0), the network stage fails (1), the modules have no instance (1).
    const root = targetRoot(cli, { renderer: 'networkd' });
    root.write('/etc/cloud/cloud.cfg', 'datasource_list: [ NoCloud ]\n');
    const r = await bootOneProcess(root);
    assert.deepEqual(r.shims.map((s) => s.code), [0, 1, 1, 1], JSON.stringify(r, null, 1));
    assert.match(r.shims[1]?.stdout ?? '', /the network stage ended with status 1 \(see \/var\/log\/cloud-init\.log\)/);
    assert.equal(r.main.code, 1);
    // As four processes: the same statuses.
    const four = targetRoot(cli, { renderer: 'networkd' });
    four.write('/etc/cloud/cloud.cfg', 'datasource_list: [ NoCloud ]\n');
    assert.deepEqual((await boot(cli, four)).map((x) => x.status), [0, 1, 1, 1]);

    // The next boot on the same root: the FIFOs are still there (a shim's mkfifo finds them), nothing stale is read.
    cpSync(join(REPO, 'examples/nocloud'), join(root.dir, 'var/lib/cloud/seed/nocloud'), { recursive: true });
    recordInputs(root, '/var/lib/cloud/seed/nocloud');
    root.write('/etc/cloud/cloud.cfg', 'datasource_list: [ NoCloud, None ]\n');
    const again = await bootOneProcess(root);
    assert.deepEqual(again.shims.map((s) => s.code), [0, 0, 0, 0], JSON.stringify(again, null, 1));
    assert.equal(again.main.code, 0);
  });

  test('as systemd starts it: the start FIFOs passed as LISTEN_FDS (in any order) are used, not opened again', async () => {
    const root = seeded();
    const channels = join(root.dir, 'run/cloud-init/share');
    mkdirSync(channels, { recursive: true, mode: 0o755 });
    assert.equal(spawnSync('mkfifo', ['-m', '0600', ...STAGES.map((s) => join(channels, `${s}.start`))]).status, 0);
    // systemd opens each FIFO read-write and non-blocking, and passes them from fd 3 on, LISTEN_PID being the service's own PID.
    const fds = [...STAGES].reverse().map((s) => openSync(join(channels, `${s}.start`), constants.O_RDWR | constants.O_NONBLOCK));
    const main = spawn('/bin/sh', ['-c', 'LISTEN_PID=$$ exec "$0" "$@"', ...cli.command, '--root', root.dir, '--all-stages'], {
      stdio: ['ignore', 'ignore', 'pipe', ...fds],
      env: { ...process.env, LISTEN_FDS: String(fds.length), LISTEN_FDNAMES: 'cloud-init-main.socket:cloud-init-main.socket:cloud-init-main.socket:cloud-init-main.socket' },
    });
    for (const fd of fds) closeSync(fd);
    let stderr = '';
    main.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((res) => main.on('exit', (code) => res(code)));
    try {
      for (const stage of STAGES) {
        const r = spawnSync('/bin/sh', [SHIM, stage, channels], { encoding: 'utf8', timeout: 120_000 });
        assert.equal(r.status, 0, `${stage}: ${r.stderr}\n${stderr}`);
      }
      assert.equal(await exited, 0, stderr);
      assert.match(stderr, /channels: systemd \(LISTEN_FDS\)/);
      assert.equal(root.read('/etc/hostname'), 'stratus-example\n');
      await assertNoSecretLeaks(root, [{ stage: 'all-stages', stdout: '', stderr }]);
    } finally {
      if (main.exitCode === null) main.kill('SIGKILL');
    }
  });

  test('the boot process dies: its ExecStopPost (stage-shim release) answers the waiting shim with 70; after a clean end it does nothing', async () => {
    const root = seeded();
    const channels = join(root.dir, 'run/cloud-init/share');
    mkdirSync(channels, { recursive: true });
    // No boot process at all: the start goes into the FIFO, the shim waits for an answer.
    assert.equal(spawnSync('mkfifo', ['-m', '0600', join(channels, 'local.start')]).status, 0);
    const keep = openSync(join(channels, 'local.start'), constants.O_RDWR | constants.O_NONBLOCK);
    try {
      const shim = spawn('/bin/sh', [SHIM, 'local', channels], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      shim.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
      const code = new Promise<number | null>((res) => shim.on('exit', (c) => res(c)));
      for (let i = 0; i < 200 && !isFifo(join(channels, 'local.done')); i++) await new Promise((r) => setTimeout(r, 25));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(shim.exitCode, null, 'the shim waits');
      // A clean end of the boot process: nothing to release, the shim still waits.
      assert.equal(spawnSync('/bin/sh', [SHIM, 'release', channels], { env: { ...process.env, SERVICE_RESULT: 'success' } }).status, 0);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(shim.exitCode, null, 'not released after a clean end');
      const release = spawnSync('/bin/sh', [SHIM, 'release', channels], { env: { ...process.env, SERVICE_RESULT: 'signal' }, timeout: 20_000 });
      assert.equal(release.status, 0);
      assert.equal(await code, 70);
      assert.match(out, /the boot process ended without finishing this stage/);
    } finally {
      closeSync(keep);
    }
  });

  test('a line other than "start" on a channel is ignored; a shim for an unknown stage is a usage error', async () => {
    const root = seeded();
    const channels = join(root.dir, 'run/cloud-init/share');
    const main = spawn(cli.command[0]!, [...cli.command.slice(1), '--root', root.dir, '--all-stages'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((res) => main.on('exit', (code) => res(code)));
    try {
      for (let i = 0; i < 200 && !isFifo(join(channels, 'final.start')); i++) await new Promise((res) => setTimeout(res, 25));
      // Junk into the final stage's channel: the process must not run the final stage (nor exit) because of it.
      assert.equal(spawnSync('/bin/sh', ['-c', `printf 'stop\\nstart now\\n' > "${channels}/final.start"`]).status, 0);
      await new Promise((res) => setTimeout(res, 300));
      assert.equal(main.exitCode, null, 'still waiting for the stages');
      assert.equal(root.exists('/run/cloud-init/result.json'), false);
      const bad = spawnSync('/bin/sh', [SHIM, 'reboot', channels], { encoding: 'utf8' });
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /usage: stage-shim local\|network\|config\|final/);
      for (const stage of STAGES) assert.equal(spawnSync('/bin/sh', [SHIM, stage, channels]).status, 0, stage);
      assert.equal(await exited, 0);
      // The process's output is not kept here (stdio ignored): the root is scanned.
      await assertNoSecretLeaks(root, []);
    } finally {
      if (main.exitCode === null) main.kill('SIGKILL');
    }
  });
});
