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
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
    return JSON.parse(readFileSync(join(dir, RESULT_FILE), 'utf8')) as SandboxResult;
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

function runProcess(root: string, base: string, spec: SandboxSpec, p: SandboxProcess, i: number): ProcessSample {
  const timeFile = join(base, `time-${i}`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', '-o', timeFile, '/usr/sbin/chroot', root, '/usr/bin/env', '-i', ...spec.env, ...p.argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: spec.timeoutSeconds * 1000,
    killSignal: 'SIGKILL',
    maxBuffer: 64 << 20,
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  let fields: number[] = [NaN, NaN, NaN];
  try {
    fields = lastLine(readFileSync(timeFile, 'utf8')).split(' ').map(Number);
  } catch {
    // killed before time wrote its report
  }
  const stderr = r.stderr.toString('utf8');
  return { label: p.label, exitCode: r.status, wallMs, maxRssKb: fields[0] ?? NaN, userS: fields[1] ?? NaN, sysS: fields[2] ?? NaN, stderr: stderr.slice(-4096) };
}

function inside(dir: string): void {
  const spec = JSON.parse(readFileSync(join(dir, 'spec.json'), 'utf8')) as SandboxSpec;
  const base = join(dir, 'sb');
  mkdirSync(base);
  const { root, upper, consoleLog } = buildRoot(base, spec);
  must('hostname', [spec.hostname]);
  buildNetwork(spec);
  for (const argv of spec.prepare) must('/usr/sbin/chroot', [root, '/usr/bin/env', '-i', ...spec.env, ...argv]);
  const before = spec.inspect ? snapshot(upper) : new Map<string, string>();
  const samples = spec.processes.map((p, i) => runProcess(root, base, spec, p, i));
  const result: SandboxResult = {
    samples,
    status: readJson(join(root, 'run/cloud-init/status.json')),
    result: readJson(join(root, 'run/cloud-init/result.json')),
    console: readFileSync(consoleLog, 'utf8').slice(-8192),
    changes: spec.inspect ? changes(upper, before, join(root, 'run')) : [],
  };
  spec.afterwards.forEach((p, i) => samples.push(runProcess(root, base, spec, p, spec.processes.length + i)));
  // The result goes to the host's temp dir (outside the tmpfs, which vanishes with the namespace).
  writeFileSync(join(dir, RESULT_FILE), JSON.stringify(result));
}

if (process.argv[2] === '--inside' && process.argv[3]) inside(process.argv[3]);
