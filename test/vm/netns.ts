// A private, unnamed network namespace for the VM suite. `unshare --net` starts a holder process in a new
// namespace; this process then pins that namespace with an open descriptor of /proc/<holder>/ns/net and runs
// commands in it with `nsenter --net=/proc/self/fd/3` (the descriptor handed over as fd 3), so a command can
// never land in the host's namespace, even if the holder's PID were reused. nsenter execs the command: the PID
// of a started process is the command's own. Nothing is named or mounted on the host: the namespace (and
// any tap in it) disappears with its last process once close() has dropped the descriptor.
import { spawn, type ChildProcess, type IOType } from 'node:child_process';
import { appendFileSync, closeSync, fstatSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { tail } from './exec.ts';

/** A long-running process inside the namespace, output in files, stopped by its PID. */
export interface NsProcess {
  name: string;
  pid: number;
  stdoutLog: string;
  stderrLog: string;
  /** the exit code (null after a signal) once it has exited */
  exited(): { code: number | null } | undefined;
  /** SIGTERM, then SIGKILL after 3 s; resolves once the process has exited */
  stop(): Promise<void>;
}

export interface Netns {
  /** PID of the holder process (`unshare --net cat`) */
  holderPid: number;
  /** the namespace's inode (as in `net:[<inode>]`) */
  inode: number;
  /** spawns argv inside the namespace; stdio[0..2] as given, the namespace descriptor as fd 3 */
  spawn(argv: readonly string[], stdio: readonly [IOType | number, IOType | number, IOType | number], cwd?: string): ChildProcess;
  /** the command line spawn() runs, for logs */
  describe(argv: readonly string[]): string;
  /** runs argv inside to completion, output appended to `log`; rejects with the log tail on failure */
  exec(argv: readonly string[], log: string): Promise<void>;
  /** starts a long-running process inside with stdout/stderr appended to the given files */
  start(name: string, argv: readonly string[], logs: { stdout: string; stderr: string }, cwd?: string): NsProcess;
  /** local ports with a socket inside the namespace: TCP in LISTEN state, or bound UDP */
  boundPorts(proto: 'tcp' | 'udp'): Set<number>;
  /** stops every process started with start() (last first), ends the holder and drops the descriptor */
  close(): Promise<void>;
}

const NS_FD = 3;
const NSENTER = ['nsenter', `--net=/proc/self/fd/${NS_FD}`, '--'];

function nsInode(link: string): number {
  const m = /^net:\[(\d+)\]$/.exec(link);
  if (!m?.[1]) throw new Error(`unexpected namespace link ${link}`);
  return Number(m[1]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves once the child has exited (at once if it already has). */
function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

async function stopChild(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const done = exitOf(child);
  process.kill(pid, 'SIGTERM');
  const killed = await Promise.race([done.then(() => true), sleep(3000).then(() => false)]);
  if (!killed && child.exitCode === null && child.signalCode === null) {
    process.kill(pid, 'SIGKILL');
    await done;
  }
}

/** Parses /proc/net/{tcp,tcp6,udp,udp6}: local port of each socket, TCP only when listening (state 0A). */
function portsIn(text: string, proto: 'tcp' | 'udp'): number[] {
  return text.split('\n').slice(1).flatMap((line) => {
    const f = line.trim().split(/\s+/);
    const local = f[1];
    if (!local || (proto === 'tcp' && f[3] !== '0A')) return [];
    return [parseInt(local.split(':')[1] ?? '', 16)];
  });
}

/** Creates the namespace (loopback up); `log` receives the setup commands' output. */
export async function createNetns(log: string): Promise<Netns> {
  const hostInode = nsInode(readlinkSync('/proc/self/ns/net'));
  // cat holds the namespace until its stdin closes: close() or this process's death ends it.
  const holder = spawn('unshare', ['--net', '--', 'cat'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let holderErr = '';
  holder.stderr.setEncoding('utf8').on('data', (d: string) => (holderErr += d));
  const pid = holder.pid;
  let fd: number | undefined;
  const started: { name: string; child: ChildProcess }[] = [];
  const stopHolder = async (): Promise<void> => {
    holder.stdin.end();
    await stopChild(holder);
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  try {
    if (pid === undefined) throw new Error('unshare --net did not start');
    // Until unshare(2) has run, /proc/<pid>/ns/net is still the host's: wait for a different namespace.
    const until = Date.now() + 5000;
    let inode = hostInode;
    while (inode === hostInode) {
      if (holder.exitCode !== null || holder.signalCode !== null || Date.now() > until) {
        throw new Error(`unshare --net failed: ${holderErr.trim() || 'no new namespace within 5 s'}`);
      }
      await sleep(10);
      try {
        inode = nsInode(readlinkSync(`/proc/${pid}/ns/net`));
      } catch {
        inode = hostInode;
      }
    }
    fd = openSync(`/proc/${pid}/ns/net`, 'r');
    const pinned = fstatSync(fd).ino;
    if (pinned !== inode || pinned === hostInode) throw new Error(`namespace descriptor mismatch (${pinned}, expected ${inode})`);
    const nsFd = fd;
    const nsSpawn = (argv: readonly string[], stdio: readonly [IOType | number, IOType | number, IOType | number], cwd?: string): ChildProcess => {
      const [cmd, ...args] = [...NSENTER, ...argv];
      return spawn(cmd ?? 'nsenter', args, { stdio: [...stdio, nsFd], cwd });
    };
    const ns: Netns = {
      holderPid: pid,
      inode,
      spawn: nsSpawn,
      describe: (argv) => [...NSENTER, ...argv].map((a) => JSON.stringify(a)).join(' '),
      async exec(argv, logFile) {
        appendFileSync(logFile, `\n$ ${ns.describe(argv)}\n`);
        const out = openSync(logFile, 'a');
        try {
          const child = nsSpawn(argv, ['ignore', out, out]);
          const code = await new Promise<number | null>((resolve, reject) => {
            child.on('error', reject);
            child.on('exit', (c, sig) => resolve(sig ? null : c));
          });
          if (code !== 0) throw new Error(`${ns.describe(argv)} failed (exit ${String(code)}); log ${logFile}:\n${tail(logFile, 15)}`);
        } finally {
          closeSync(out);
        }
      },
      start(name, argv, logs, cwd) {
        appendFileSync(logs.stderr, `$ ${ns.describe(argv)}\n`);
        const out = openSync(logs.stdout, 'a');
        const err = openSync(logs.stderr, 'a');
        let child: ChildProcess;
        try {
          child = nsSpawn(argv, ['ignore', out, err], cwd);
        } finally {
          closeSync(out);
          closeSync(err);
        }
        const cpid = child.pid;
        if (cpid === undefined) throw new Error(`${name} did not start: ${ns.describe(argv)}`);
        child.on('error', () => undefined);
        started.push({ name, child });
        return {
          name, pid: cpid, stdoutLog: logs.stdout, stderrLog: logs.stderr,
          exited: () => (child.exitCode !== null || child.signalCode !== null ? { code: child.exitCode } : undefined),
          stop: () => stopChild(child),
        };
      },
      boundPorts(proto) {
        const ports = new Set<number>();
        for (const file of [proto, `${proto}6`]) {
          let text = '';
          try {
            text = readFileSync(`/proc/${pid}/net/${file}`, 'utf8');
          } catch {
            continue; // no IPv6 in the namespace
          }
          for (const p of portsIn(text, proto)) ports.add(p);
        }
        return ports;
      },
      async close() {
        for (const { child } of started.reverse()) await stopChild(child);
        await stopHolder();
      },
    };
    await ns.exec(['ip', 'link', 'set', 'lo', 'up'], log);
    return ns;
  } catch (e) {
    for (const { child } of started.reverse()) await stopChild(child);
    await stopHolder();
    throw e;
  }
}
