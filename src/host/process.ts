/**
 * Long-running commands on the live system (a DHCP client that keeps
 * running after it has a lease): start one, wait for a condition with a
 * bound, and end it by its own process group — never by name, so nothing
 * we did not start is touched. Like runCommand, nothing runs when planning
 * or when the target is not this machine.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { childProcess } from './builtin.ts';
import { nowMs } from './clock.ts';

export interface StartOptions {
  root: string;
  dryRun: boolean;
  env?: Record<string, string>;
  onCommand?: (c: { argv: readonly string[]; ran: boolean; why?: string }) => void;
}

export interface StartedProcess {
  readonly argv: readonly string[];
  readonly pid: number;
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string;
  /** Exit code, or the signal name; undefined while it runs. */
  exit(): number | string | undefined;
  /**
   * Poll `done` (and whether the process still runs) until it returns true,
   * the process exits, or `timeoutMs` passes. Resolves 'done', 'exited' or 'timeout'.
   */
  waitFor(done: () => boolean, timeoutMs: number, pollMs?: number): Promise<'done' | 'exited' | 'timeout'>;
  /**
   * SIGKILL the process group the process leads (its helpers too) and wait
   * until the process itself has exited (SIGKILL cannot be ignored).
   */
  kill(): Promise<void>;
}

export class ProcessStartError extends Error {
  constructor(argv: readonly string[], why: string) {
    super(`${argv.join(' ')}: not started: ${why}`);
    this.name = 'ProcessStartError';
  }
}

export function startProcess(argv: readonly string[], opts: StartOptions): StartedProcess {
  const skip = opts.dryRun ? 'planning' : opts.root !== '/' ? `the target is ${opts.root}, not this machine` : null;
  opts.onCommand?.({ argv, ran: skip === null, ...(skip ? { why: skip } : {}) });
  if (skip !== null) throw new ProcessStartError(argv, skip);
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new ProcessStartError(argv, 'empty command');
  // detached: the child leads a new process group, so the helpers it forks
  // (dhcpcd's privilege-separated proxies) are ended with it.
  const child: ChildProcess = childProcess().spawn(cmd, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: opts.env ?? process.env,
  });
  let out = '';
  let exit: number | string | undefined;
  let spawnError: string | undefined;
  // 'exit', not 'close': a helper that left the process group could hold
  // the pipes open for ever, and a wait on them would not be bounded.
  const exited = new Promise<void>((resolve) => {
    child.on('error', (e) => {
      spawnError = e.message;
      exit = exit ?? 'error';
      resolve();
    });
    child.on('exit', (code, signal) => {
      exit = code ?? signal ?? 'unknown';
      resolve();
    });
  });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  child.stdout?.on('data', (b: Buffer) => (out += b.toString('utf8')));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString('utf8')));
  const pid = child.pid ?? -1;
  return {
    argv,
    pid,
    output: () => (spawnError ? `${spawnError}\n${out}` : out),
    exit: () => exit,
    async waitFor(done, timeoutMs, pollMs = 50) {
      const end = nowMs() + timeoutMs;
      for (;;) {
        if (done()) return 'done';
        if (exit !== undefined) return done() ? 'done' : 'exited';
        if (nowMs() >= end) return 'timeout';
        await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(1, end - nowMs()))));
      }
    },
    async kill() {
      if (pid > 0) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // Already gone: its group no longer exists.
        }
      }
      if (exit === undefined) await exited;
      // The last output (for error messages), briefly; then whatever still
      // holds the pipes must not keep this process alive.
      await Promise.race([closed, new Promise((r) => setTimeout(r, 200))]);
      child.stdout?.destroy();
      child.stderr?.destroy();
    },
  };
}

/**
 * A private directory for one process's files (a script, the records it
 * writes), removed with everything in it by `remove`.
 */
export interface ScratchDir {
  readonly path: string;
  write(name: string, content: string, mode?: number): string;
  /** Names and contents of the files present now, sorted by name. */
  read(): { name: string; content: string }[];
  remove(): void;
}

export function makeScratchDir(prefix: string, parent: string = tmpdir()): ScratchDir {
  const path = mkdtempSync(join(parent, `${prefix}-`));
  return {
    path,
    write(name, content, mode = 0o600) {
      const p = join(path, name);
      writeFileSync(p, content, { mode });
      return p;
    },
    read() {
      return readdirSync(path)
        .sort()
        .map((name) => {
          try {
            return { name, content: readFileSync(join(path, name), 'utf8') };
          } catch {
            return { name, content: '' };
          }
        });
    },
    remove() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}
