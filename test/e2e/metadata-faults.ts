/**
 * The metadata-fault matrix's shared steps (test/e2e/metadata-faults-*.test.ts):
 * boot a target root through the stages against a test cloud whose
 * metadata service misbehaves (cloud/faults.ts, or the IMDS's own faults),
 * time each stage, bring the OS network up between the local and the
 * network stage as the image's network service would, and read back what an
 * operator sees (`stratus status --format json`, the log) and whether
 * anything was left half-written.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, lstatSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Cli } from '../cli/cli.ts';
import type { HttpFaultSettings, TestCloud } from './cloud/cloud.ts';
import type { TargetRoot } from './harness.ts';
import { assertNoSecretLeaks } from './secrets-scan.ts';

/**
 * What a stage may take beyond the budget it was configured with: node's
 * start, a DHCP lease (a few seconds) and its teardown, writing files, on
 * a machine shared with other test processes. A hang guard, not a speed
 * bound: a stage that ignored its budget would take the cloud's default
 * timeouts (minutes) or forever.
 */
export const MARGIN_MS = 15_000;

/** The OS network as the image's network service brings it up after the local stage: an address and a default route. */
export interface OsNetwork {
  address: string;
  gateway?: string;
}

export interface StageTime {
  args: string;
  code: number | null;
  ms: number;
  out: string;
}

export interface BootRun {
  stages: StageTime[];
  status: Record<string, unknown>;
  log: string;
}

export async function stage(cloud: TestCloud, cli: Cli, root: TargetRoot, args: string[]): Promise<StageTime> {
  const t = Date.now();
  // The stages' own budgets are what is tested; this outer limit only keeps a broken run from blocking the suite.
  const r = await cloud.run([...cli.command, '--root', root.dir, '--live-network', ...args], { timeoutMs: 300_000 });
  const ms = Date.now() - t;
  // A faulty service must not make stratus log or leave a token, password or user-data where others can read it.
  await assertNoSecretLeaks(root, [{ stage: args.join(' '), stdout: r.stdout, stderr: r.stderr }], { cloud });
  return { args: args.join(' '), code: r.code, ms, out: `${r.stdout}${r.stderr}` };
}

export async function osNetwork(cloud: TestCloud, net: OsNetwork | null, up: boolean): Promise<void> {
  if (net === null) return;
  if (up) {
    for (const argv of [['ip', 'link', 'set', 'eth0', 'up'], ['ip', 'addr', 'add', net.address, 'dev', 'eth0'], ...(net.gateway ? [['ip', 'route', 'add', 'default', 'via', net.gateway]] : [])]) {
      const r = await cloud.run(argv);
      assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
    }
  } else {
    await cloud.run(['ip', 'route', 'flush', 'dev', 'eth0']);
    await cloud.run(['ip', 'addr', 'flush', 'dev', 'eth0']);
    await cloud.run(['ip', 'link', 'set', 'eth0', 'down']);
  }
}

export const log = (root: TargetRoot): string => (root.exists('/var/log/cloud-init.log') ? root.read('/var/log/cloud-init.log') : '');

export async function status(cli: Cli, root: TargetRoot): Promise<Record<string, unknown>> {
  const r = await cli.run(['--root', root.dir, 'status', '--format', 'json']);
  try {
    return JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`status --format json printed no JSON (exit ${r.status}): ${r.stdout}${r.stderr}`);
  }
}

/**
 * One boot: the local stage, the OS network up, the network stage, then
 * the config and final stages (the network down again after, as at a
 * reboot). `from`: skip the stages before it (a datasource read only in the
 * network stage still gets the local stage first).
 */
export async function bootAll(cloud: TestCloud, cli: Cli, root: TargetRoot, net: OsNetwork | null): Promise<BootRun> {
  const stages: StageTime[] = [];
  try {
    stages.push(await stage(cloud, cli, root, ['init', '--local']));
    await osNetwork(cloud, net, true);
    stages.push(await stage(cloud, cli, root, ['init']));
    stages.push(await stage(cloud, cli, root, ['modules', '--mode=config']));
    stages.push(await stage(cloud, cli, root, ['modules', '--mode=final']));
  } finally {
    await osNetwork(cloud, net, false);
  }
  return { stages, status: await status(cli, root), log: log(root) };
}

/** Every stage exited (no crash, no kill) within `budgetMs` + MARGIN_MS. */
export function assertWithinBudget(run: BootRun, budgetMs: number): void {
  for (const s of run.stages) {
    assert.notEqual(s.code, null, `${s.args} was killed: ${s.out}`);
    assert.ok(s.ms <= budgetMs + MARGIN_MS, `${s.args} took ${s.ms} ms; budget ${budgetMs} ms + ${MARGIN_MS} ms margin\n${run.log.split('\n').slice(-80).join('\n')}`);
  }
}

/**
 * Nothing half-written under the root: no temporary sibling of an atomic
 * write left behind, and every JSON file stratus keeps parses.
 */
export function halfWritten(rootDir: string): string[] {
  const bad: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) {
        if (p === join(rootDir, 'sys') || p === join(rootDir, 'proc')) continue;
        walk(p);
        continue;
      }
      if (name.includes('.stratus-tmp-')) bad.push(`${relative(rootDir, p)}: a temporary file left behind`);
      else if (st.isFile() && name.endsWith('.json')) {
        try {
          JSON.parse(readFileSync(p, 'utf8'));
        } catch (e) {
          bad.push(`${relative(rootDir, p)}: ${(e as Error).message}`);
        }
      }
    }
  };
  walk(rootDir);
  return bad;
}

/** The contents of `paths` under the root (null: absent), to compare before and after. */
export function snapshot(root: TargetRoot, paths: readonly string[]): Record<string, string | null> {
  return Object.fromEntries(paths.map((p) => [p, root.exists(p) ? root.read(p) : null]));
}

/** Every file under `dir` of the root (relative paths): the rendered network config, whatever the renderer called it. */
export function filesUnder(root: TargetRoot, dir: string): string[] {
  const base = join(root.dir, dir);
  const out: string[] = [];
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      if (lstatSync(p).isDirectory()) walk(p);
      else out.push(`/${relative(root.dir, p)}`);
    }
  };
  walk(base);
  return out.sort();
}

/** Every status key an operator reads, in one line for a failure message and the report. */
export function statusLine(st: Record<string, unknown>): string {
  return JSON.stringify({ status: st['status'], extended_status: st['extended_status'], datasource: st['datasource'], errors: st['errors'], recoverable_errors: st['recoverable_errors'] });
}

/** One line per cell for the report (printed as a TAP comment). */
export function report(cell: string, run: BootRun, outcome: string): void {
  const times = run.stages.map((s) => `${s.args.replace('modules --mode=', '')} ${(s.ms / 1000).toFixed(1)}s`).join(', ');
  console.log(`# cell ${cell}: ${outcome}; status ${String(run.status['status'])}/${String(run.status['extended_status'])}, datasource ${JSON.stringify(run.status['datasource'])}; ${times}`);
  if (process.env['STRATUS_FAULTS_VERBOSE']) console.log(`#   ${statusLine(run.status)}\n${run.log.replace(/^/gm, '#   ')}`);
}

/** One datasource's column of the matrix: its cloud, its target, its budget. */
export interface Matrix {
  /** As the log names it ("Ec2"). */
  dsname: string;
  /** As `status` names it ("ec2"). */
  statusName: RegExp;
  cli: () => Cli;
  startCloud: () => Promise<TestCloud>;
  root: () => TargetRoot;
  net: OsNetwork | null;
  instanceId: string;
  /** What one crawling stage may take by the configured knobs (the hang guard adds MARGIN_MS). */
  budgetMs: number;
}

export interface FaultCell {
  name: string;
  faults: HttpFaultSettings;
  /** 'found': the datasource is used in the end (the fault passed); else what the status must name. */
  expect: 'found' | RegExp;
}

/** A first boot with the fault on from the start. */
export async function faultCell(m: Matrix, cell: FaultCell): Promise<void> {
  const cloud = await m.startCloud();
  try {
    await cloud.httpFaults(cell.faults);
    const root = m.root();
    const run = await bootAll(cloud, m.cli(), root, m.net);
    const st = run.status;
    const why = `${statusLine(st)}\n${run.log}`;
    assertWithinBudget(run, m.budgetMs);
    assert.deepEqual(halfWritten(root.dir), []);
    if (cell.expect === 'found') {
      assert.equal(st['status'], 'done', why);
      assert.deepEqual(st['errors'], [], why);
      // The fault passed within the budget: no stage gave up on the way (nothing recoverable went wrong either).
      assert.deepEqual(st['recoverable_errors'], {}, why);
      assert.match(String(st['datasource']), m.statusName, why);
      assert.equal(root.read('/var/lib/cloud/data/instance-id'), `${m.instanceId}\n`);
      report(`${m.dsname} × ${cell.name}`, run, 'found');
    } else {
      assert.equal(st['status'], 'error', why);
      // The network stage's error; the config and final stages add theirs (no instance to run modules for).
      assert.ok((st['errors'] as string[]).includes('No instance datasource found.'), why);
      assert.match(JSON.stringify(st['recoverable_errors']), cell.expect, why);
      assert.equal(root.exists('/var/lib/cloud/data/instance-id'), false);
      report(`${m.dsname} × ${cell.name}`, run, 'not found');
    }
  } finally {
    await cloud.close();
  }
}

/**
 * A healthy first boot, then a reboot (/run emptied) with the fault on:
 * the network config the datasource gave and the cached instance stay as
 * they were. `expect`: what the status says (restored from the cache, or
 * the failure); `networkFile`: where the renderer put the datasource's config.
 */
export async function cachedCell(m: Matrix, faults: HttpFaultSettings, networkFile: string, expect: (run: BootRun) => void): Promise<BootRun> {
  const cloud = await m.startCloud();
  try {
    const root = m.root();
    const first = await bootAll(cloud, m.cli(), root, m.net);
    assert.equal(first.status['status'], 'done', `${statusLine(first.status)}\n${first.log}`);
    const idir = `/var/lib/cloud/instances/${m.instanceId}`;
    const kept = [`${idir}/stratus-instance.json`, `${idir}/user-data.txt`, networkFile, '/var/lib/cloud/data/instance-id'];
    const before = snapshot(root, kept);
    assert.notEqual(before[networkFile], null, `${networkFile} was rendered`);
    root.reboot();
    await cloud.httpFaults(faults);
    const run = await bootAll(cloud, m.cli(), root, m.net);
    assertWithinBudget(run, m.budgetMs);
    const after = snapshot(root, kept);
    for (const p of kept) assert.ok(after[p] === before[p], `${p} changed:\n--- before\n${before[p]}\n--- after\n${after[p]}\n${run.log}`);
    assert.deepEqual(halfWritten(root.dir), []);
    expect(run);
    return run;
  } finally {
    await cloud.close();
  }
}
