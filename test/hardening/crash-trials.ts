/**
 * Crash trials: kill -9 the real built stratus at a random point of a boot
 * that moves a target root from instance A to instance B, and check what a
 * crash may leave behind and what the next run makes of it.
 *
 * One world per renderer is prepared once: a root booted to completion as A
 * (the "start" of every trial: A's tree, /run emptied as by the reboot that
 * brings the new instance, B's seed in place), and reference runs of B from
 * that start, undisturbed, with a snapshot after every stage. Two
 * independent references tell which files legitimately differ from run to
 * run (times, boot records, generated host keys: "volatile"); a same-boot
 * retry and a reboot after the complete run add the other legitimate final
 * variants (previous-instance-id, for one, names B after a reboot into B).
 *
 * A trial copies the start, runs B's stages before the chosen one, starts the
 * chosen stage and SIGKILLs it (the process, or its whole process group)
 * either after a delay drawn uniformly within that stage's measured duration
 * or at the n-th change inotify reports under the root, n drawn among the
 * changes the stage made in a reference run (on a busy machine a stage's
 * time varies severalfold, and clock-timed kills mostly land in node's start
 * and the crawl, before any write). It then checks that every file is its content from
 * before the stage or from after it in a reference (volatile files: well
 * formed), that the log holds whole lines, and that no temporary file left
 * behind is one a network stack would read. Then it recovers as the next
 * boot (/run emptied) or as a same-boot retry, and checks that the tree is
 * the reference's and `stratus status` is healthy.
 */
import { spawn } from 'node:child_process';
import { cpSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { unifiedDiff } from '../../src/text/diff.ts';
import type { Cli } from '../cli/cli.ts';
import { describeRuns, fakeNics, seedDir, STAGES, targetRoot, type StageResult, type TargetRoot } from '../e2e/harness.ts';

export const RENDERERS = ['netplan', 'networkd', 'network-manager', 'eni'] as const;
export type Renderer = (typeof RENDERERS)[number];
export type Recovery = 'reboot' | 'retry';
/** `process`: only stratus's PID (a child it was running finishes on its own); `group`: stratus and its children at once, as systemd stops the unit's cgroup or a power cut stops everything. */
export type KillMode = 'process' | 'group';

const NICS = [
  { name: 'eth0', mac: '52:54:00:c7:00:01', ifindex: 2 },
  { name: 'eth1', mac: '52:54:00:c7:00:02', ifindex: 3 },
];

/** What both instances share: a zone to link /etc/localtime to (the module refuses a zone the target lacks). */
const ZONES = ['/usr/share/zoneinfo/Europe/Paris', '/usr/share/zoneinfo/Asia/Tokyo'];

const SEED_A = {
  'meta-data': 'instance-id: iid-crash-a\nlocal-hostname: crash-a\n',
  'user-data': `#cloud-config
hostname: crash-a
timezone: Europe/Paris
ssh_genkeytypes: [ed25519, ecdsa]
users:
  - name: alice
    lock_passwd: false
    ssh_authorized_keys: [ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAliceAliceAliceAliceAliceAliceAliceAlice alice@a]
write_files:
  - path: /etc/crash/app.conf
    content: |
      instance = a
      level = 1
  - path: /etc/crash/only-a.conf
    content: written by instance a
    permissions: '0640'
  - path: /etc/crash/deferred.conf
    content: deferred a
    defer: true
`,
  'network-config': `version: 2
ethernets:
  eth0:
    match: {macaddress: "${NICS[0]!.mac}"}
    set-name: eth0
    dhcp4: true
  eth1:
    match: {macaddress: "${NICS[1]!.mac}"}
    set-name: eth1
    addresses: [10.20.0.5/24]
    nameservers: {addresses: [10.20.0.1], search: [a.example]}
`,
};

const SEED_B = {
  'meta-data': 'instance-id: iid-crash-b\nlocal-hostname: crash-b\n',
  'user-data': `#cloud-config
hostname: crash-b
timezone: Asia/Tokyo
ssh_genkeytypes: [ed25519, ecdsa]
users:
  - name: bob
    lock_passwd: false
    ssh_authorized_keys: [ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBobBobBobBobBobBobBobBobBobBobBobBobBobBobB bob@b]
write_files:
  - path: /etc/crash/app.conf
    content: |
      instance = b
      level = 2
      extra = yes
  - path: /etc/crash/only-b.conf
    content: written by instance b
    permissions: '0600'
  - path: /etc/crash/deferred.conf
    content: deferred b
    defer: true
`,
  // Different addresses, a VLAN, and eth1 left out: A's eth1 files must go.
  'network-config': `version: 2
ethernets:
  eth0:
    match: {macaddress: "${NICS[0]!.mac}"}
    set-name: eth0
    addresses: [192.0.2.10/24]
    routes: [{to: 0.0.0.0/0, via: 192.0.2.1}]
    nameservers: {addresses: [192.0.2.53], search: [b.example]}
vlans:
  eth0.100:
    id: 100
    link: eth0
    addresses: [198.51.100.7/24]
`,
};

// ---------------------------------------------------------------- snapshots

/** `mtimeMs` only tells when a reference run wrote the file; it is not compared. */
export type Entry = { kind: 'file'; data: Buffer; mode: number; mtimeMs?: number } | { kind: 'link'; target: string; mtimeMs?: number };
/** Every file and link under a root by target path ("/etc/hostname"); directories are implied. /sys (the fake NICs) is left out. */
export type Tree = Map<string, Entry>;

export function snapshotTree(dir: string): Tree {
  const out: Tree = new Map();
  const walk = (host: string, target: string) => {
    for (const name of readdirSync(host).sort()) {
      const h = join(host, name);
      const t = `${target}/${name}`;
      if (t === '/sys') continue;
      const st = lstatSync(h);
      if (st.isDirectory()) walk(h, t);
      else if (st.isSymbolicLink()) out.set(t, { kind: 'link', target: readlinkSync(h), mtimeMs: st.mtimeMs });
      else if (st.isFile()) out.set(t, { kind: 'file', data: readFileSync(h), mode: st.mode & 0o7777, mtimeMs: st.mtimeMs });
    }
  };
  walk(dir, '');
  return out;
}

export function sameEntry(a: Entry | undefined, b: Entry | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.kind === 'link') return b.kind === 'link' && a.target === b.target;
  return b.kind === 'file' && a.mode === b.mode && a.data.equals(b.data);
}

/** Leftovers of an interrupted atomic write (temp file or temp link beside its final name). */
export const TEMP_NAME = /\.stratus-tmp-\d+$/;

/**
 * What shadow's tools (useradd, groupadd, usermod, which stratus runs) leave
 * when killed together with stratus: their lock (`passwd.lock`), the
 * `<file>.<pid>` they link it from, and the `<file>+` they write before the
 * rename. No program reads them as the database; the tools' next run finds
 * a lock's owner dead and takes it.
 */
const ACCOUNT_TOOL_LEFTOVER = /^\/etc\/(passwd|group|shadow|gshadow|subuid|subgid)(\.lock|\.\d+|\+)$/;

/** A file a killed write leaves beside its target: stratus's temporary, or an account tool's. */
export const isLeftover = (path: string) => TEMP_NAME.test(path) || ACCOUNT_TOOL_LEFTOVER.test(path);

/** Append-only logs: a crash may cut the run short, never a line. */
const isLog = (path: string) => path.endsWith('.log');

/**
 * The consumer that would read a file of this name, or null. A temporary
 * file must never be one: a network stack that starts (or reloads) after the
 * crash would take a half-written or stale copy for a configuration.
 */
export function consumerReading(path: string): string | null {
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash);
  const base = path.slice(slash + 1);
  const hidden = base.startsWith('.');
  switch (dir) {
    case '/etc/netplan':
    case '/run/netplan':
    case '/lib/netplan':
      return base.endsWith('.yaml') ? 'netplan (*.yaml)' : null;
    case '/etc/systemd/network':
    case '/run/systemd/network':
      return !hidden && /\.(network|netdev|link)$/.test(base) ? 'systemd-networkd (*.network, *.netdev, *.link)' : null;
    case '/etc/NetworkManager/system-connections':
    case '/run/NetworkManager/system-connections': {
      // NetworkManager's keyfile plugin reads every file in its /etc directory except hidden ones,
      // backups (~), mkstemp temporaries (.XXXXXX), editor swap files and certificates.
      const ignored =
        hidden || base.endsWith('~') || /\.[A-Za-z0-9]{6}$/.test(base) || /\.(swp|swpx|pem|der)$/i.test(base);
      return ignored ? null : 'NetworkManager keyfile plugin (any file not hidden, ~, .XXXXXX, .swp, .pem, .der)';
    }
    case '/etc/network/interfaces.d':
      // Debian's /etc/network/interfaces says `source /etc/network/interfaces.d/*`: a glob, so any file not hidden.
      return hidden ? null : 'ifupdown (source /etc/network/interfaces.d/*)';
    case '/etc/sysconfig/network-scripts':
      return base.startsWith('ifcfg-') || base.startsWith('route-') || base.startsWith('route6-') ? 'initscripts/ifcfg-rh (ifcfg-*, route-*)' : null;
    case '/etc/NetworkManager/conf.d':
    case '/etc/systemd/resolved.conf.d':
    case '/etc/ssh/sshd_config.d':
      return base.endsWith('.conf') && !hidden ? `${dir}/*.conf` : null;
    case '/etc/cloud/cloud.cfg.d':
      return base.endsWith('.cfg') ? 'cloud.cfg.d/*.cfg' : null;
    case '/etc/sudoers.d':
      // sudo skips names with a dot or ending in ~.
      return base.includes('.') || base.endsWith('~') ? null : 'sudo (@includedir /etc/sudoers.d)';
    default:
      return null;
  }
}

/** Why a file that may legitimately differ from run to run is not well formed, or null when it is. */
export function malformed(path: string, e: Entry): string | null {
  if (e.kind === 'link') return null;
  const text = e.data.toString('utf8');
  if (path.endsWith('.json')) {
    try {
      JSON.parse(text);
      return null;
    } catch (err) {
      return `does not parse as JSON: ${(err as Error).message}`;
    }
  }
  if (/\/ssh_host_\w+_key$/.test(path)) {
    return /^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+\n-----END OPENSSH PRIVATE KEY-----\n$/.test(text) ? null : 'is not a whole OpenSSH private key';
  }
  if (/\/ssh_host_\w+_key\.pub$/.test(path)) return /^(ssh|ecdsa)-\S+ \S+( .*)?\n$/.test(text) ? null : 'is not one whole public key line';
  if (e.data.length > 0 && !text.endsWith('\n')) return 'does not end at a line end';
  return null;
}

// ---------------------------------------------------------------- running stratus

export interface StageRun extends StageResult {
  ms: number;
  /** Date.now() just before the process was started. */
  startedAt: number;
  /** Changes seen under the root while it ran (see watchWrites). */
  writes: number;
}

/**
 * Calls `onWrite` for every change inotify reports under `dir` (the seed
 * and /sys aside), temporary names left out: a file renamed into place, a
 * log line appended, a file or link removed. Directories made while it
 * runs are watched from then on (a write in the same instant may be missed,
 * the same in a reference run and in a trial).
 */
export function watchWrites(dir: string, onWrite: (path: string) => void): () => void {
  const watchers: FSWatcher[] = [];
  const add = (d: string) => {
    try {
      watchers.push(
        watch(d, (_type, name) => {
          if (name === null || TEMP_NAME.test(name)) return;
          const p = join(d, name);
          try {
            if (lstatSync(p).isDirectory()) add(p);
          } catch {
            // Removed since.
          }
          onWrite(p);
        }),
      );
    } catch {
      // Gone before it could be watched.
    }
  };
  const walk = (d: string) => {
    add(d);
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (p === join(dir, 'sys') || p === join(dir, 'var/lib/cloud/seed')) continue;
      if (lstatSync(p).isDirectory()) walk(p);
    }
  };
  walk(dir);
  return () => {
    for (const w of watchers) w.close();
  };
}

async function runStage(cli: Cli, dir: string, index: number): Promise<StageRun> {
  const [stage, args] = STAGES[index]!;
  let writes = 0;
  const stop = watchWrites(dir, () => writes++);
  const t0 = Date.now();
  try {
    const r = await cli.run(['--root', dir, ...args]);
    return { stage, ...r, ms: Date.now() - t0, startedAt: t0, writes };
  } finally {
    stop();
  }
}

export async function runStages(cli: Cli, dir: string, from = 0, to = STAGES.length): Promise<StageRun[]> {
  const out: StageRun[] = [];
  for (let i = from; i < to; i++) out.push(await runStage(cli, dir, i));
  return out;
}

const exitsOk = (runs: readonly StageRun[]) => runs.every((r) => r.status === 0);

function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

export interface KillOutcome {
  /** ms after the spawn when SIGKILL was sent; null when the stage had already exited. */
  killedAtMs: number | null;
  /** Changes seen under the root before the kill (or the exit). */
  writesSeen: number;
  exitMs: number;
  signal: string | null;
  status: number | null;
}

/** When to kill: `delayMs` after the start, or at the `afterWrites`-th change seen under the root. */
export type KillPoint = { delayMs: number } | { afterWrites: number };

/**
 * Start one stage in a process group of its own (its PID is the group's id)
 * and SIGKILL it at `at`. Resolves when the group is empty, so no orphaned
 * child (ssh-keygen, useradd) still writes while the tree is checked.
 */
export function runAndKill(cli: Cli, dir: string, index: number, at: KillPoint, mode: KillMode): Promise<KillOutcome> {
  const [, args] = STAGES[index]!;
  return new Promise((resolve, reject) => {
    let killedAtMs: number | null = null;
    let exited = false;
    let writesSeen = 0;
    let kill = () => {};
    const stopWatching = watchWrites(dir, () => {
      if (killedAtMs !== null || exited) return;
      writesSeen++;
      if ('afterWrites' in at && writesSeen >= at.afterWrites) kill();
    });
    const t0 = Date.now();
    const child = spawn(cli.command[0]!, [...cli.command.slice(1), '--root', dir, ...args], { detached: true, stdio: 'ignore' });
    const pid = child.pid;
    if (pid === undefined) {
      stopWatching();
      reject(new Error('stratus did not start'));
      return;
    }
    kill = () => {
      if (exited || killedAtMs !== null) return;
      killedAtMs = Date.now() - t0;
      try {
        process.kill(mode === 'group' ? -pid : pid, 'SIGKILL');
      } catch {
        // It exited between the check and the kill.
      }
    };
    const timer = 'delayMs' in at ? setTimeout(kill, at.delayMs) : undefined;
    child.on('exit', (status, signal) => {
      exited = true;
      clearTimeout(timer);
      stopWatching();
      const exitMs = Date.now() - t0;
      // Hang guard: a child of the killed stage (a key generation at most) ends within seconds; 30 s is generous on a loaded machine.
      const deadline = Date.now() + 30_000;
      const drain = () => {
        if (!processGroupAlive(pid)) resolve({ killedAtMs: signal === 'SIGKILL' ? killedAtMs : null, writesSeen, exitMs, signal, status });
        else if (Date.now() > deadline) reject(new Error(`the process group ${pid} of the killed stage is still alive after 30 s`));
        else setTimeout(drain, 10);
      };
      drain();
    });
  });
}

// ---------------------------------------------------------------- worlds

export interface World {
  renderer: Renderer;
  /** Host directory of the trial start: A booted, /run gone, B's seed in place. */
  start: string;
  /** Median wall time of each stage of B in the reference runs, ms. */
  stageMs: number[];
  /**
   * Per stage, when its writes happen, ms after the process starts (medians
   * of the first and the last change's mtime in the references), for the report.
   */
  writeWindowMs: [number, number][];
  /**
   * Per stage, the changes seen under the root in a reference run (the
   * fewer of the two). Node's own start and the crawl take much of a stage,
   * and on a busy machine a stage's time varies severalfold, so kills timed
   * only by the clock seldom land between two writes: half the trials kill
   * at a change drawn from these instead.
   */
  writeEvents: number[];
  /** Snapshots after each stage, per reference run. */
  refStages: Tree[][];
  /** Legitimate final trees: the references, a same-boot retry and a reboot after a complete run. */
  finals: Tree[];
  /** Per stage: paths whose content after that stage differs between the references. */
  volatileAt: Set<string>[];
  /** Paths whose final content (or presence) differs between the final variants. */
  volatileFinal: Set<string>;
}

function differing(trees: readonly Tree[]): Set<string> {
  const out = new Set<string>();
  const all = new Set(trees.flatMap((t) => [...t.keys()]));
  for (const p of all) if (trees.some((t) => !sameEntry(t.get(p), trees[0]!.get(p)))) out.add(p);
  return out;
}

function copyTree(from: string, to: string): void {
  // Links are copied as they are (relative), modes kept: the copy is the same target at another place.
  cpSync(from, to, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** A root booted to completion as instance A, then rebooted (/run emptied) with B's seed in place: where every trial starts. */
export async function startOfTrials(cli: Cli, renderer: Renderer): Promise<TargetRoot> {
  const root = targetRoot(cli, { renderer });
  fakeNics(root, NICS);
  for (const z of ZONES) root.write(z, `TZif2 stand-in for ${z}\n`);
  seedDir(root, SEED_A);
  const a = await runStages(cli, root.dir);
  if (!exitsOk(a)) throw new Error(`${renderer}: instance A's boot failed\n${describeRuns(a)}`);
  root.reboot();
  seedDir(root, SEED_B);
  return root;
}

export async function prepareWorld(cli: Cli, renderer: Renderer): Promise<World> {
  const root = await startOfTrials(cli, renderer);

  const refStages: Tree[][] = [];
  const durations: number[][] = STAGES.map(() => []);
  const windows: [number[], number[]][] = STAGES.map(() => [[], []]);
  const events: number[][] = STAGES.map(() => []);
  const refDirs: string[] = [];
  for (let r = 0; r < 2; r++) {
    const dir = cli.tempDir(`ref-${renderer}`);
    copyTree(root.dir, dir);
    refDirs.push(dir);
    const snaps: Tree[] = [];
    let previous = snapshotTree(dir);
    for (let i = 0; i < STAGES.length; i++) {
      const run = await runStage(cli, dir, i);
      if (run.status !== 0) throw new Error(`${renderer}: reference run ${r} of B failed\n${describeRuns([run])}`);
      durations[i]!.push(run.ms);
      events[i]!.push(run.writes);
      const snap = snapshotTree(dir);
      const times = [...snap].filter(([p, e]) => !sameEntry(e, previous.get(p)) && e.mtimeMs !== undefined).map(([, e]) => e.mtimeMs! - run.startedAt);
      if (times.length > 0) {
        windows[i]![0].push(Math.max(0, Math.min(...times)));
        windows[i]![1].push(Math.min(run.ms, Math.max(...times)));
      }
      snaps.push(snap);
      previous = snap;
    }
    refStages.push(snaps);
  }
  const finals = refStages.map((s) => s[s.length - 1]!);
  const retry = await runStages(cli, refDirs[0]!);
  if (!exitsOk(retry)) throw new Error(`${renderer}: same-boot retry of a complete B failed\n${describeRuns(retry)}`);
  finals.push(snapshotTree(refDirs[0]!));
  rmSync(join(refDirs[0]!, 'run'), { recursive: true, force: true });
  const reboot = await runStages(cli, refDirs[0]!);
  if (!exitsOk(reboot)) throw new Error(`${renderer}: reboot after a complete B failed\n${describeRuns(reboot)}`);
  finals.push(snapshotTree(refDirs[0]!));
  for (const d of refDirs) rmSync(d, { recursive: true, force: true });

  return {
    renderer,
    start: root.dir,
    stageMs: durations.map(median),
    writeEvents: events.map((e) => Math.min(...e)),
    writeWindowMs: windows.map(([first, last], i) => (first.length > 0 ? [median(first), median(last)] : [0, median(durations[i]!)])),
    refStages,
    finals,
    volatileAt: STAGES.map((_, i) => differing(refStages.map((s) => s[i]!))),
    volatileFinal: differing(finals),
  };
}

// ---------------------------------------------------------------- trials

/** mulberry32: a small seeded generator, so a failing trial can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TrialPlan {
  seed: number;
  stage: number;
  /** `stage`: a delay drawn within the stage's measured time; `writes`: the n-th change the stage makes, n drawn among those of a reference run. */
  aim: 'stage' | 'writes';
  at: KillPoint;
  mode: KillMode;
  recovery: Recovery;
}

/** The kill point of a trial, all drawn from its seed; `stage` fixes the stage (the CI run spreads its few trials over all four). */
export function planTrial(world: World, seed: number, fixedStage?: number): TrialPlan {
  const rnd = seededRandom(seed);
  const drawn = Math.floor(rnd() * STAGES.length);
  const stage = fixedStage ?? drawn;
  const aim = rnd() < 0.5 || world.writeEvents[stage]! === 0 ? 'stage' : 'writes';
  const x = rnd();
  return {
    seed,
    stage,
    aim,
    at: aim === 'stage' ? { delayMs: Math.round(x * world.stageMs[stage]!) } : { afterWrites: 1 + Math.floor(x * world.writeEvents[stage]!) },
    mode: rnd() < 0.5 ? 'group' : 'process',
    recovery: rnd() < 0.5 ? 'reboot' : 'retry',
  };
}

export interface TrialResult extends TrialPlan {
  renderer: Renderer;
  stageName: string;
  stageMs: number;
  /** null: the stage finished before the kill landed. */
  killedAtMs: number | null;
  writesSeen: number;
  /** Files the stage changes (in the reference, volatile ones aside) and how many of them already held the new content at the kill. */
  progress: { done: number; total: number };
  /** Leftovers (isLeftover) found right after the kill that were not there before it, and all still there after recovery. */
  tempAfterKill: string[];
  tempAfterRecovery: string[];
  failures: string[];
  ms: number;
}

function show(e: Entry | undefined): string | null {
  if (e === undefined) return null;
  if (e.kind === 'link') return `-> ${e.target}\n`;
  const text = e.data.toString('utf8');
  return `${text.length > 4000 ? `${text.slice(0, 4000)}\n[… ${text.length} bytes]\n` : text}`;
}

function describeEntry(e: Entry | undefined): string {
  if (e === undefined) return 'absent';
  return e.kind === 'link' ? `link to ${e.target}` : `file mode ${e.mode.toString(8)}, ${e.data.length} bytes`;
}

/** A diff-like view from the expected entry to the one found. */
function diffView(path: string, expected: Entry | undefined, found: Entry | undefined): string {
  const head = `    expected: ${describeEntry(expected)}\n    found:    ${describeEntry(found)}\n`;
  const d = unifiedDiff(show(expected), show(found), `${path} (expected)`, `${path} (found)`);
  return head + d.split('\n').map((l) => `    ${l}`).join('\n');
}

function isLogAppendOnly(before: Entry | undefined, after: Entry | undefined): string | null {
  if (after === undefined) return before === undefined ? null : 'the log is gone';
  if (after.kind !== 'file') return 'the log is not a file';
  if (before?.kind === 'file' && !after.data.subarray(0, before.data.length).equals(before.data)) return 'the log was rewritten, not appended to';
  if (after.data.length > 0 && after.data[after.data.length - 1] !== 0x0a) return 'the log ends inside a line';
  return null;
}

const MANIFEST = '/var/lib/cloud/data/stratus-manifest.json';

function manifestPaths(e: Entry | undefined): Set<string> | null {
  if (e?.kind !== 'file') return null;
  try {
    const m = JSON.parse(e.data.toString('utf8')) as { files?: Record<string, unknown> };
    return new Set(Object.keys(m.files ?? {}));
  } catch {
    return null;
  }
}

/**
 * The manifest is a journal: applyFiles records the new files before writing
 * them and drops the removed ones after, so a kill may find it between the
 * two. What must hold: it parses, and it lists every file the stage
 * recorded (in the reference) that is already on disk with its new content —
 * otherwise `clean` would miss that file.
 */
function manifestProblem(found: Entry, before: Tree, after: Tree, reference: Tree): string | null {
  const listed = manifestPaths(found);
  if (listed === null) return 'does not parse as JSON';
  const recorded = manifestPaths(reference.get(MANIFEST)) ?? new Set<string>();
  const missing = [...recorded].filter((q) => !listed.has(q) && after.has(q) && !sameEntry(after.get(q), before.get(q)) && sameEntry(after.get(q), reference.get(q)));
  return missing.length > 0 ? `does not list files already written: ${missing.join(', ')}` : null;
}

/** Each file right after the kill: as before the stage, as after it in a reference, or (volatile) well formed. */
export function checkAfterKill(world: World, stage: number, before: Tree, after: Tree): string[] {
  const out: string[] = [];
  const news = world.refStages.map((s) => s[stage]!);
  const paths = new Set([...before.keys(), ...after.keys()]);
  for (const p of [...paths].sort()) {
    const a = after.get(p);
    const b = before.get(p);
    if (isLeftover(p) && b === undefined) {
      const reader = consumerReading(p);
      if (reader !== null) out.push(`${p}: a temporary file left by the kill is read by ${reader}\n${diffView(p, undefined, a)}`);
      continue;
    }
    if (isLog(p)) {
      const why = isLogAppendOnly(b, a);
      if (why) out.push(`${p}: ${why}\n${diffView(p, b, a)}`);
      continue;
    }
    if (sameEntry(a, b) || news.some((n) => sameEntry(a, n.get(p)))) continue;
    if (p === MANIFEST && a !== undefined) {
      const why = manifestProblem(a, before, after, news[0]!);
      if (why) out.push(`${p}: ${why}\n${diffView(p, news[0]!.get(p), a)}`);
      continue;
    }
    if (world.volatileAt[stage]!.has(p) || world.volatileFinal.has(p)) {
      // Generated anew in every run (host keys: the ssh module deletes the old set, then makes each key),
      // so a kill may find one gone; the module's semaphore comes after, and recovery makes it again.
      if (a === undefined) continue;
      const why = malformed(p, a);
      if (why) out.push(`${p}: ${why}\n${diffView(p, news[0]!.get(p), a)}`);
      continue;
    }
    out.push(`${p}: neither its content before the stage nor after it\n  before the stage:\n${diffView(p, b, a)}\n  after the stage (reference):\n${diffView(p, news[0]!.get(p), a)}`);
  }
  return out;
}

/** After recovery: the reference tree (volatile files well formed), no stray files. */
export function checkConverged(world: World, final: Tree): { failures: string[]; temps: string[] } {
  const failures: string[] = [];
  const temps: string[] = [];
  const ref = world.finals[0]!;
  const paths = new Set([...final.keys(), ...world.finals.flatMap((f) => [...f.keys()])]);
  for (const p of [...paths].sort()) {
    const got = final.get(p);
    if (isLeftover(p)) {
      temps.push(p);
      const reader = consumerReading(p);
      if (reader !== null) failures.push(`${p}: a leftover temporary file is read by ${reader}`);
      continue;
    }
    if (isLog(p)) {
      const why = got === undefined ? 'the log is gone' : isLogAppendOnly(undefined, got);
      if (why) failures.push(`${p}: ${why}`);
      continue;
    }
    if (world.volatileFinal.has(p)) {
      if (got === undefined) {
        if (world.finals.every((f) => f.has(p))) failures.push(`${p}: missing after recovery\n${diffView(p, ref.get(p), got)}`);
        continue;
      }
      const kinds = new Set(world.finals.map((f) => f.get(p)?.kind).filter(Boolean));
      const mode = world.finals.map((f) => f.get(p)).find((e) => e?.kind === 'file');
      if (!kinds.has(got.kind)) failures.push(`${p}: a ${got.kind} where the references hold a ${[...kinds].join('/')}`);
      else if (got.kind === 'file' && mode?.kind === 'file' && got.mode !== mode.mode) failures.push(`${p}: mode ${got.mode.toString(8)}, the references have ${mode.mode.toString(8)}`);
      const why = malformed(p, got);
      if (why) failures.push(`${p}: ${why}\n${diffView(p, ref.get(p), got)}`);
      continue;
    }
    if (!sameEntry(got, ref.get(p))) failures.push(`${p}: not what an undisturbed run leaves\n${diffView(p, ref.get(p), got)}`);
  }
  return { failures, temps };
}

/** Files the stage changes in the reference (volatile ones aside) and how many of them the killed run already had. */
function progress(world: World, stage: number, before: Tree, after: Tree): { done: number; total: number } {
  const ref = world.refStages[0]![stage]!;
  let done = 0;
  let total = 0;
  const paths = new Set([...before.keys(), ...ref.keys()]);
  for (const p of paths) {
    if (isLog(p) || world.volatileAt[stage]!.has(p) || world.volatileFinal.has(p) || sameEntry(before.get(p), ref.get(p))) continue;
    total++;
    if (sameEntry(after.get(p), ref.get(p))) done++;
  }
  return { done, total };
}

async function statusHealthy(cli: Cli, dir: string): Promise<string | null> {
  const r = await cli.run(['--root', dir, 'status', '--format', 'json']);
  if (r.status !== 0) return `stratus status exits ${r.status}\n${r.stdout}${r.stderr}`;
  try {
    const s = JSON.parse(r.stdout) as Record<string, unknown>;
    if (s['status'] !== 'done') return `stratus status says ${JSON.stringify(s['status'])}, not "done"\n${r.stdout}`;
    const errors = s['errors'];
    if (Array.isArray(errors) && errors.length > 0) return `stratus status lists errors: ${JSON.stringify(errors)}`;
  } catch (e) {
    return `stratus status --format json printed no JSON (${(e as Error).message})\n${r.stdout}`;
  }
  return null;
}

export async function runTrial(cli: Cli, world: World, plan: TrialPlan): Promise<TrialResult> {
  const t0 = Date.now();
  const dir = cli.tempDir(`trial-${plan.seed}`);
  const failures: string[] = [];
  const result = (killedAtMs: number | null, writesSeen: number, prog: { done: number; total: number }, tempAfterKill: string[], tempAfterRecovery: string[]): TrialResult => ({
    ...plan,
    renderer: world.renderer,
    stageName: STAGES[plan.stage]![0],
    stageMs: world.stageMs[plan.stage]!,
    killedAtMs,
    writesSeen,
    progress: prog,
    tempAfterKill,
    tempAfterRecovery,
    failures,
    ms: Date.now() - t0,
  });
  try {
    copyTree(world.start, dir);
    const pre = await runStages(cli, dir, 0, plan.stage);
    if (!exitsOk(pre)) {
      failures.push(`the stages before the killed one failed\n${describeRuns(pre)}`);
      return result(null, 0, { done: 0, total: 0 }, [], []);
    }
    const before = snapshotTree(dir);
    const kill = await runAndKill(cli, dir, plan.stage, plan.at, plan.mode);
    const after = snapshotTree(dir);
    if (kill.killedAtMs === null && kill.status !== 0) failures.push(`the stage exited ${kill.status} (${kill.signal}) before the kill`);
    failures.push(...checkAfterKill(world, plan.stage, before, after));
    const prog = progress(world, plan.stage, before, after);
    const tempAfterKill = [...after.keys()].filter((p) => isLeftover(p) && !before.has(p));

    if (plan.recovery === 'reboot') rmSync(join(dir, 'run'), { recursive: true, force: true });
    const rerun = await runStages(cli, dir);
    if (!exitsOk(rerun)) failures.push(`the run after the kill (${plan.recovery}) did not succeed\n${describeRuns(rerun)}`);
    const converged = checkConverged(world, snapshotTree(dir));
    failures.push(...converged.failures);
    const status = await statusHealthy(cli, dir);
    if (status) failures.push(status);
    return result(kill.killedAtMs, kill.writesSeen, prog, tempAfterKill, converged.temps);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function killPoint(t: TrialPlan & { stageMs?: number }): string {
  return 'delayMs' in t.at ? `delay=${t.at.delayMs} ms of ~${t.stageMs ?? '?'} ms` : `at change #${t.at.afterWrites}`;
}

export function describeTrial(t: TrialResult): string {
  const kill = t.killedAtMs === null ? 'not killed (the stage ended first)' : `killed at ${t.killedAtMs} ms after ${t.writesSeen} changes`;
  return (
    `trial seed=${t.seed} renderer=${t.renderer} stage=${t.stageName} ${killPoint(t)} ` +
    `(${kill}, kill=${t.mode}, recovery=${t.recovery}, ${t.progress.done}/${t.progress.total} of the stage's files written)`
  );
}

/** The report of a failed trial: what to replay and every offending file. */
export function describeFailure(t: TrialResult): string {
  return `${describeTrial(t)}\n${t.failures.map((f) => `  - ${f}`).join('\n')}`;
}

/** The worlds the trials need (one per renderer used), prepared once each. */
export class Worlds {
  private readonly cache = new Map<Renderer, Promise<World>>();
  constructor(private readonly cli: Cli) {}
  get(renderer: Renderer): Promise<World> {
    let w = this.cache.get(renderer);
    if (!w) {
      w = prepareWorld(this.cli, renderer);
      this.cache.set(renderer, w);
    }
    return w;
  }
}

export const rendererFor = (trial: number): Renderer => RENDERERS[trial % RENDERERS.length]!;

