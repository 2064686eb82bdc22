// Runs a host command, appending its output to a log file; rejects with the log tail on failure.
import { spawn } from 'node:child_process';
import { appendFileSync, openSync, closeSync, readFileSync } from 'node:fs';

export interface ExecOptions {
  log: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export async function exec(cmd: string, args: readonly string[], opts: ExecOptions): Promise<void> {
  appendFileSync(opts.log, `\n$ ${cmd} ${args.join(' ')}\n`);
  const fd = openSync(opts.log, 'a');
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(cmd, [...args], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', fd, fd] });
      child.on('error', reject);
      child.on('exit', (c, sig) => resolve(sig ? null : c));
    });
    if (code !== 0) {
      throw new Error(`${cmd} ${args.join(' ')} failed (exit ${String(code)}); log ${opts.log}:\n${tail(opts.log, 25)}`);
    }
  } finally {
    closeSync(fd);
  }
}
