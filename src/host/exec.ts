/**
 * The one way the agent runs a command on the target: with a timeout, its
 * output captured, and never when the target is not this machine (--root
 * other than "/") or when planning — a command acts on the running system,
 * not on a directory.
 */
import { childProcess } from './builtin.ts';

export interface CommandResult {
  /** false: not run (planning, or the target is not "/"); `why` says which. */
  ran: boolean;
  why?: string;
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface CommandOptions {
  root: string;
  dryRun: boolean;
  timeoutMs?: number;
  input?: string;
  env?: Record<string, string>;
  /**
   * The command acts only inside the target because it is given the root
   * itself (`useradd --root DIR`, `chpasswd --root DIR`): it runs under any
   * --root, not only "/" (still never when planning).
   */
  targetAware?: boolean;
  /** Told of every command, run or not, so `plan` and tests can list them. */
  onCommand?: (c: { argv: readonly string[]; ran: boolean; why?: string }) => void;
}

export function runCommand(argv: readonly string[], opts: CommandOptions): CommandResult {
  const skip = opts.dryRun ? 'planning' : opts.root !== '/' && !opts.targetAware ? `the target is ${opts.root}, not this machine` : null;
  opts.onCommand?.({ argv, ran: skip === null, ...(skip ? { why: skip } : {}) });
  if (skip !== null) return { ran: false, why: skip, code: null, stdout: '', stderr: '', timedOut: false };
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('runCommand: empty command');
  const r = childProcess().spawnSync(cmd, args, {
    input: opts.input ?? '',
    timeout: opts.timeoutMs ?? 60_000,
    encoding: 'utf8',
    env: opts.env ?? process.env,
    maxBuffer: 16 * 1024 * 1024,
  });
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  return {
    ran: true,
    code: r.status,
    stdout: r.stdout ?? '',
    stderr: r.error && !timedOut ? `${r.error.message}\n${r.stderr ?? ''}` : (r.stderr ?? ''),
    timedOut,
  };
}
