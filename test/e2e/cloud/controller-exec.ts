/**
 * What both sandbox controllers (controller.ts, fleet-controller.ts) need to
 * run commands and answer the test: a command in its own process group with
 * a timeout that ends everything it started, and one JSON answer per line.
 */
import { spawn } from 'node:child_process';
import type { ControllerResponse, RunResult } from './types.ts';

export function send(r: ControllerResponse): void {
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

export function exec(argv: readonly string[], timeoutMs = 30_000, env?: Record<string, string>): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return Promise.reject(new Error('empty command'));
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout ends what it started too (a DHCP client).
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
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

/** Run argv; its stdout, or an error naming the command and its stderr. */
export async function must(argv: readonly string[]): Promise<string> {
  const r = await exec(argv);
  if (r.code !== 0) throw new Error(`${argv.join(' ')}: exit ${String(r.code)}: ${r.stderr.trim()}`);
  return r.stdout;
}
