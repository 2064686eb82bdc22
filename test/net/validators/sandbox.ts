/**
 * What every real-tool validator shares: running a tool inside throw-away
 * namespaces, temp dirs, finding rendered files, and the result shape.
 *
 * Safety: every tool runs under `unshare --mount --net --pid` with a private
 * tmpfs on /run. The mount namespace is private (unshare's default
 * propagation), so our mounts never reach the host; the network namespace has
 * only "lo", so nothing a tool tries can reach a real interface or the
 * network; the tmpfs /run hides the host's sockets (udev control, systemd's
 * private bus, D-Bus), so "udevadm control --reload" or "systemctl start"
 * attempts reach nothing. With --pid the shell is PID 1 of its namespace and
 * --kill-child ties it to unshare: killing unshare (by PID, SIGKILL) ends
 * every process inside.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, lstatSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

export interface ValidationResult {
  /** True when the tool accepted every file and said nothing about them. */
  ok: boolean;
  /** Diagnostics, each naming the file (relative to the validated root) where the tool did. */
  messages: string[];
}

/** A tool a validator needs, and the Debian package that ships it. */
export interface Tool {
  path: string;
  aptPackage: string;
}

export const TOOLS = {
  unshare: { path: '/usr/bin/unshare', aptPackage: 'util-linux' },
  sh: { path: '/bin/sh', aptPackage: 'dash' },
  mount: { path: '/bin/mount', aptPackage: 'mount' },
  ip: { path: '/bin/ip', aptPackage: 'iproute2' },
  netplan: { path: '/usr/sbin/netplan', aptPackage: 'netplan.io' },
  networkd: { path: '/lib/systemd/systemd-networkd', aptPackage: 'systemd' },
  udevadm: { path: '/bin/udevadm', aptPackage: 'udev' },
  ifup: { path: '/sbin/ifup', aptPackage: 'ifupdown' },
  ifquery: { path: '/sbin/ifquery', aptPackage: 'ifupdown' },
  bash: { path: '/bin/bash', aptPackage: 'bash' },
  // The system interpreter on purpose: python3-gi installs into it, and a
  // python3 earlier on PATH (pyenv, venv) would not see the bindings.
  python3: { path: '/usr/bin/python3', aptPackage: 'python3-gi' },
} as const satisfies Record<string, Tool>;

export class ToolMissingError extends Error {
  constructor(tool: Tool) {
    super(`${tool.path} is missing: install the Debian package "${tool.aptPackage}" (apt-get install ${tool.aptPackage})`);
    this.name = 'ToolMissingError';
  }
}

/** Throws ToolMissingError naming the apt package for the first tool that is not installed. */
export function requireTools(...tools: Tool[]): void {
  for (const tool of [TOOLS.unshare, TOOLS.sh, TOOLS.mount, ...tools]) {
    try {
      accessSync(tool.path, constants.X_OK);
    } catch {
      throw new ToolMissingError(tool);
    }
  }
  if (process.getuid?.() !== 0) throw new Error('the real-tool validators need root (they create namespaces and mounts)');
}

/** Quote a string for /bin/sh. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  env?: Record<string, string>;
  /**
   * Called with all stdout+stderr seen so far, after each chunk; returning
   * true ends the run early (the sandbox is killed). For daemons that never
   * exit on their own.
   */
  stopWhen?: (output: string) => boolean;
}

/** Run argv, collecting its output; kill it (by its PID) after the timeout or when stopWhen says so. */
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('run: empty argv');
  return new Promise((resolve, reject) => {
    // A minimal, fixed environment: tool behaviour must not depend on the caller's.
    const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', ...opts.env };
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let combined = '';
    let timedOut = false;
    let stopped = false;
    const stop = () => {
      if (!stopped && child.exitCode === null && child.signalCode === null) {
        stopped = true;
        // unshare ignores SIGTERM while it waits; SIGKILL it, and --kill-child ends the namespace.
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, opts.timeoutMs ?? 20_000);
    const onData = (which: 'out' | 'err') => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (which === 'out') stdout += text;
      else stderr += text;
      combined += text;
      if (opts.stopWhen?.(combined)) stop();
    };
    child.stdout.on('data', onData('out'));
    child.stderr.on('data', onData('err'));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/**
 * Run a shell script as PID 1 of fresh mount, network and PID namespaces,
 * with a private tmpfs on /run (the rest of the script may add mounts).
 * `args` are the script's positional parameters ($1, ...).
 */
export function runSandboxed(script: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const prelude = 'set -eu\nmount -t tmpfs -o mode=0755 tmpfs /run\n';
  return run(
    [TOOLS.unshare.path, '--mount', '--net', '--pid', '--fork', '--kill-child', '--mount-proc', '--', TOOLS.sh.path, '-c', prelude + script, 'sandbox', ...args],
    opts,
  );
}

/** Make a temp dir, give it to fn, and delete it afterwards whatever happens. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `stratus-${prefix}-`));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every regular file under `dir`, as paths relative to `root`, sorted; [] when dir does not exist. */
export function filesUnder(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(d, name);
      const st = lstatSync(p); // not followed: netplan writes absolute symlinks that dangle outside the real root
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.push(relative(root, p));
    }
  };
  walk(join(root, dir));
  return out.sort();
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Output lines, without blank ones and without trailing whitespace. */
export function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '');
}
