/**
 * A throw-away first boot: runs processes (an agent's boot stages) inside new
 * mount, UTS, network and PID namespaces whose root is an overlay of this
 * machine's / with a tmpfs as the upper layer, so every write lands in RAM and
 * is gone when the last process of the namespace exits. Nothing on the host
 * changes: the tmpfs and every mount live only in the private mount namespace,
 * and the network namespace holds only lo and one tap NIC, with no route out.
 *
 * `runSandbox` (outside) writes the spec to a temp dir and starts
 * `unshare … node --import tsx bench/sandbox.ts --inside DIR`; that process is
 * PID 1 of the new PID namespace, builds the root, runs each process through
 * chroot with a clean environment under GNU time (peak RSS, CPU), times it
 * with a ns clock around the exec, and writes the samples back as JSON.
 *
 * A spec may also name a `background` process (a boot process that the
 * stage processes talk to, as `stratus --all-stages` and its shims): it is
 * started at the same moment as the first of `processes`, as systemd's
 * socket activation would start it on the first unit's request, runs
 * alongside them, and is waited for (bounded by the timeout) before the
 * sandbox is inspected. It is run and timed exactly as the others, from a
 * worker thread, so the main thread times the stage processes undisturbed.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { lastLine } from './lib.ts';

export interface SandboxProcess {
  /** A name for the report, e.g. "init --local". */
  label: string;
  argv: string[];
}

export interface SandboxSpec {
  /** Host dir with meta-data, user-data, network-config: copied to /var/lib/cloud/seed/nocloud. */
  seedDir: string;
  /** Host file that replaces /etc/cloud/cloud.cfg. */
  cloudCfg: string;
  /** Names in /etc/cloud/cloud.cfg.d/ to keep; every other drop-in is removed. */
  keepDropIns: string[];
  nic: { name: string; mac: string };
  /** The hostname the sandbox starts with (its UTS namespace). */
  hostname: string;
  /** The whole environment of each process (`env -i` then these). */
  env: string[];
  /** Run in the sandbox before `processes`, not measured (e.g. byte-compiling Python that a distro would have compiled). */
  prepare: string[][];
  processes: SandboxProcess[];
  /**
   * Started together with the first of `processes` and run alongside them; waited for after the last of them
   * (at most `timeoutSeconds` from its start). Its sample follows those of `processes`. A process of `processes`
   * is not started once the background process has exited (its sample: exit null, "not run").
   */
  background?: SandboxProcess;
  /** Run after `processes` (and after `inspect` looked at what they wrote): reference costs. */
  afterwards: SandboxProcess[];
  timeoutSeconds: number;
  /** Also return the paths `processes` added, changed or removed. */
  inspect: boolean;
}

export interface ProcessSample {
  label: string;
  /** null when the process was killed (timeout). */
  exitCode: number | null;
  wallMs: number;
  /** Largest resident set of any single process of the tree (getrusage semantics), KiB. */
  maxRssKb: number;
  userS: number;
  sysS: number;
  /** stderr, cut to its last 4 KiB. */
  stderr: string;
}

export interface SandboxResult {
  /** `processes`, then `background` (when given), then `afterwards`, in that order. */
  samples: ProcessSample[];
  /** /run/cloud-init/status.json and result.json after the last process, when written. */
  status: unknown;
  result: unknown;
  /** What reached /dev/console. */
  console: string;
  /** With `inspect`: "A path", "M path", "D path" for every change `processes` made under /. */
  changes: string[];
}

const SELF = fileURLToPath(import.meta.url);
const REPO = dirname(dirname(SELF));
const RESULT_FILE = 'result.json';

/** One fresh sandbox running `spec.processes` in order. Throws when the sandbox itself cannot be built. */
export function runSandbox(spec: SandboxSpec): SandboxResult {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-sandbox-'));
  try {
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    const r = spawnSync(
      'unshare',
      ['--mount', '--uts', '--net', '--pid', '--ipc', '--fork', '--kill-child', '--mount-proc', '--propagation', 'private', '--', process.execPath, '--import', 'tsx', SELF, '--inside', dir],
      { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/root' } },
    );
    if (r.status !== 0) throw new Error(`sandbox failed (exit ${r.status ?? r.signal}): ${r.stderr || r.error?.message || ''}`.trim());
    // JSON has no NaN (not measured): it comes back as null.
    const unmeasured = new Set(['wallMs', 'maxRssKb', 'userS', 'sysS']);
    return JSON.parse(readFileSync(join(dir, RESULT_FILE), 'utf8'), (k, v: unknown) => (v === null && unmeasured.has(k) ? NaN : v)) as SandboxResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- inside

function must(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim() || r.error?.message || `exit ${r.status}`}`);
}

function output(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

/** path → "mode size mtime" of everything in an overlay's upper dir (whiteouts are 0/0 char devices). */
function snapshot(upper: string): Map<string, string> {
  const seen = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(upper, rel))) {
      const p = `${rel}/${name}`;
      const st = lstatSync(join(upper, p));
      seen.set(p, `${st.isCharacterDevice() && st.rdev === 0 ? 'D' : st.isDirectory() ? 'd' : 'f'} ${st.size} ${st.mtimeMs}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk('');
  return seen;
}

function changes(upper: string, before: Map<string, string>, run: string): string[] {
  const out: string[] = [];
  // /run is its own tmpfs, empty at the start: all of it is new.
  for (const [p, sig] of snapshot(run)) if (!sig.startsWith('d') && !p.startsWith('/lock')) out.push(`A /run${p}`);
  for (const [p, sig] of snapshot(upper)) {
    if (before.get(p) === sig || sig.startsWith('d')) continue;
    if (sig.startsWith('D')) out.push(`D ${p}`);
    else out.push(`${before.has(p) || existsOnHost(p) ? 'M' : 'A'} ${p}`);
  }
  return out.sort((a, b) => a.slice(2).localeCompare(b.slice(2)));
}

function existsOnHost(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** The root filesystem of one boot, built under `base` (a fresh tmpfs). Returns the root and the overlay's upper dir. */
function buildRoot(base: string, spec: SandboxSpec): { root: string; upper: string; consoleLog: string } {
  must('mount', ['-t', 'tmpfs', '-o', 'mode=0755,size=1g', 'tmpfs', base]);
  const upper = join(base, 'upper');
  const work = join(base, 'work');
  const root = join(base, 'root');
  const consoleLog = join(base, 'console.log');
  for (const d of [upper, work, root]) mkdirSync(d);
  writeFileSync(consoleLog, '');
  must('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=/,upperdir=${upper},workdir=${work}`, root]);
  const at = (p: string) => join(root, p);
  // /proc of the new PID namespace; a sysfs mounted in the new network namespace lists only its NICs.
  must('mount', ['-t', 'proc', 'proc', at('proc')]);
  must('mount', ['-t', 'sysfs', 'sysfs', at('sys')]);
  // A minimal /dev: no block devices of the host; the console is a file.
  must('mount', ['-t', 'tmpfs', '-o', 'mode=0755,size=8m', 'tmpfs', at('dev')]);
  for (const n of ['null', 'zero', 'full', 'random', 'urandom', 'tty']) {
    writeFileSync(at(`dev/${n}`), '');
    must('mount', ['--bind', `/dev/${n}`, at(`dev/${n}`)]);
  }
  for (const n of ['console', 'kmsg']) {
    writeFileSync(at(`dev/${n}`), '');
    must('mount', ['--bind', consoleLog, at(`dev/${n}`)]);
  }
  symlinkSync('/proc/self/fd', at('dev/fd'));
  ['stdin', 'stdout', 'stderr'].forEach((n, fd) => symlinkSync(`/proc/self/fd/${fd}`, at(`dev/${n}`)));
  mkdirSync(at('dev/shm'));
  // /run starts empty on every boot.
  must('mount', ['-t', 'tmpfs', '-o', 'mode=0755,size=64m', 'tmpfs', at('run')]);
  mkdirSync(at('run/lock'), { mode: 0o1777 });
  // A first boot: no cloud state, no logs, the seed and the one system config.
  rmSync(at('var/lib/cloud'), { recursive: true, force: true });
  const seed = at('var/lib/cloud/seed/nocloud');
  mkdirSync(seed, { recursive: true });
  for (const f of readdirSync(spec.seedDir)) copyFileSync(join(spec.seedDir, f), join(seed, f));
  for (const f of readdirSync(at('var/log'))) if (/^cloud-init.*\.log$/.test(f)) rmSync(at(`var/log/${f}`), { force: true });
  mkdirSync(at('etc/cloud/cloud.cfg.d'), { recursive: true });
  copyFileSync(spec.cloudCfg, at('etc/cloud/cloud.cfg'));
  for (const f of readdirSync(at('etc/cloud/cloud.cfg.d'))) if (!spec.keepDropIns.includes(f)) rmSync(at(`etc/cloud/cloud.cfg.d/${f}`), { recursive: true, force: true });
  return { root, upper, consoleLog };
}

function buildNetwork(spec: SandboxSpec): void {
  must('ip', ['link', 'set', 'lo', 'up']);
  must('ip', ['tuntap', 'add', 'dev', spec.nic.name, 'mode', 'tap']);
  must('ip', ['link', 'set', 'dev', spec.nic.name, 'address', spec.nic.mac]);
  // The namespace is new, so it cannot reach anything; refuse to go on if that is ever not so.
  const routes = output('ip', ['-o', 'route', 'show', 'table', 'all'])
    .split('\n')
    .filter((l) => l && !/\bdev lo\b/.test(l) && !/^(local|broadcast|multicast|fe80::\/64|ff00::\/8) /.test(l));
  if (routes.length) throw new Error(`the sandbox's network namespace has routes: ${routes.join('; ')}`);
  const links = output('ip', ['-o', 'link', 'show'])
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(': ')[1]?.split('@')[0] ?? '?')
    .sort();
  if (links.join(' ') !== ['lo', spec.nic.name].sort().join(' ')) throw new Error(`the sandbox's network namespace has links ${links.join(', ')}`);
}

/** The command line of one measured process: GNU time around chroot + a clean environment. */
function timedArgv(root: string, spec: SandboxSpec, p: SandboxProcess, timeFile: string): string[] {
  return ['-f', '%M %U %S', '-o', timeFile, '/usr/sbin/chroot', root, '/usr/bin/env', '-i', ...spec.env, ...p.argv];
}

function sampleOf(p: SandboxProcess, timeFile: string, exitCode: number | null, wallMs: number, stderr: string): ProcessSample {
  let fields: number[] = [NaN, NaN, NaN];
  try {
    const line = lastLine(readFileSync(timeFile, 'utf8'));
    if (/^\d+ [\d.]+ [\d.]+$/.test(line)) fields = line.split(' ').map(Number);
  } catch {
    // killed before time wrote its report
  }
  return { label: p.label, exitCode, wallMs, maxRssKb: fields[0] ?? NaN, userS: fields[1] ?? NaN, sysS: fields[2] ?? NaN, stderr: stderr.slice(-4096) };
}

function runProcess(root: string, base: string, spec: SandboxSpec, p: SandboxProcess, i: number): ProcessSample {
  const timeFile = join(base, `time-${i}`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', timedArgv(root, spec, p, timeFile), {
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: spec.timeoutSeconds * 1000,
    killSignal: 'SIGKILL',
    maxBuffer: 64 << 20,
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return sampleOf(p, timeFile, r.status, wallMs, r.stderr.toString('utf8'));
}

/**
 * The background process's runner, in a worker thread: it says it is ready (flags[0]), waits for the go
 * (flags[1]), runs the process exactly as runProcess does (spawnSync: the same clock, the same wrapper), marks
 * its end (flags[2]) and posts { status, wallMs, stderr }. Plain JavaScript: a worker does not get tsx.
 */
const BACKGROUND_RUNNER = `
const { workerData, parentPort } = require('node:worker_threads');
const { spawnSync } = require('node:child_process');
const flags = new Int32Array(workerData.flags);
Atomics.store(flags, 0, 1);
Atomics.notify(flags, 0);
Atomics.wait(flags, 1, 0);
const t0 = process.hrtime.bigint();
const r = spawnSync('/usr/bin/time', workerData.argv, {
  stdio: ['ignore', 'pipe', 'pipe'], timeout: workerData.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 << 20,
});
const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
Atomics.store(flags, 2, 1);
parentPort.postMessage({ status: r.status, wallMs, stderr: r.stderr ? r.stderr.toString('utf8') : String(r.error) });
`;

/** `spec.processes`, with `spec.background` started at the same moment as the first of them and waited for after them. */
async function runProcesses(root: string, base: string, spec: SandboxSpec): Promise<ProcessSample[]> {
  const bg = spec.background;
  if (!bg) return spec.processes.map((p, i) => runProcess(root, base, spec, p, i));
  const timeFile = join(base, 'time-background');
  const flags = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  const worker = new Worker(BACKGROUND_RUNNER, {
    eval: true,
    workerData: { flags: flags.buffer, argv: timedArgv(root, spec, bg, timeFile), timeoutMs: spec.timeoutSeconds * 1000 },
  });
  const done = new Promise<{ status: number | null; wallMs: number; stderr: string }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the background runner exited (${code}) without a result`)));
  });
  if (Atomics.wait(flags, 0, 0, 30_000) === 'timed-out') throw new Error('the background runner did not start');
  // Go: the worker starts the background process while this thread starts the first process.
  Atomics.store(flags, 1, 1);
  Atomics.notify(flags, 1);
  const samples: ProcessSample[] = [];
  for (const [i, p] of spec.processes.entries()) {
    if (i > 0 && Atomics.load(flags, 2) === 1) {
      samples.push({ label: p.label, exitCode: null, wallMs: NaN, maxRssKb: NaN, userS: NaN, sysS: NaN, stderr: `not run: ${bg.label} had exited` });
      continue;
    }
    samples.push(runProcess(root, base, spec, p, i));
  }
  const r = await done;
  await worker.terminate();
  samples.push(sampleOf(bg, timeFile, r.status, r.wallMs, r.stderr));
  return samples;
}

async function inside(dir: string): Promise<void> {
  const spec = JSON.parse(readFileSync(join(dir, 'spec.json'), 'utf8')) as SandboxSpec;
  const base = join(dir, 'sb');
  mkdirSync(base);
  const { root, upper, consoleLog } = buildRoot(base, spec);
  must('hostname', [spec.hostname]);
  buildNetwork(spec);
  for (const argv of spec.prepare) must('/usr/sbin/chroot', [root, '/usr/bin/env', '-i', ...spec.env, ...argv]);
  const before = spec.inspect ? snapshot(upper) : new Map<string, string>();
  const samples = await runProcesses(root, base, spec);
  const result: SandboxResult = {
    samples,
    status: readJson(join(root, 'run/cloud-init/status.json')),
    result: readJson(join(root, 'run/cloud-init/result.json')),
    console: readFileSync(consoleLog, 'utf8').slice(-8192),
    changes: spec.inspect ? changes(upper, before, join(root, 'run')) : [],
  };
  spec.afterwards.forEach((p, i) => samples.push(runProcess(root, base, spec, p, spec.processes.length + 1 + i)));
  // The result goes to the host's temp dir (outside the tmpfs, which vanishes with the namespace).
  writeFileSync(join(dir, RESULT_FILE), JSON.stringify(result));
}

if (process.argv[2] === '--inside' && process.argv[3]) await inside(process.argv[3]);
