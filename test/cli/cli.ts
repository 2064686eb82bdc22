/**
 * Runs the real `stratus` command in tests: the bundle is built once per test
 * file into a temporary directory of its own (so test files running in
 * parallel never read a half-written dist/stratus.js), and every run gets
 * its own temporary output directory.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');

export interface Cli {
  /** Path of the built bundle (the loader; its code is in `<bundle>.bundle`). */
  bundle: string;
  /** The argv that runs it as the package does (node, its V8 flags, the bundle): add the arguments. */
  command: string[];
  run(args: readonly string[], opts?: { cwd?: string; input?: string }): Promise<CliResult>;
  /** A fresh temporary directory, removed by dispose(). */
  tempDir(label?: string): string;
  dispose(): void;
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * How the package runs `bundle` (a built stratus.js): this node with the V8
 * flags of the file's `#!/usr/bin/env -S node FLAGS` line, so the code cache
 * the build made (valid only for the same flags) applies as on an installed system.
 */
export function stratusCommand(bundle: string): string[] {
  const first = readFileSync(bundle, 'utf8').slice(0, 200).split('\n')[0] ?? '';
  const m = /^#!\/usr\/bin\/env(?: -S)? node(.*)$/.exec(first);
  if (!m) throw new Error(`${bundle}: unexpected first line ${JSON.stringify(first)}`);
  return [process.execPath, ...(m[1] ?? '').trim().split(/\s+/).filter(Boolean), bundle];
}

/** Build dist/stratus.js's twin with scripts/build.mjs into a temporary directory. */
export function buildCli(): Cli {
  const root = mkdtempSync(join(tmpdir(), 'stratus-cli-test-'));
  const bundle = join(root, 'stratus.js');
  try {
    const b = spawnSync(process.execPath, ['scripts/build.mjs', bundle], { cwd: REPO, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`build failed (exit ${b.status}):\n${b.stderr}${b.stdout}`);
  } catch (e) {
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
  const command = stratusCommand(bundle);
  return {
    bundle,
    command,
    run: (args, opts = {}) =>
      new Promise((resolve) => {
        const child = execFile(
          command[0]!,
          [...command.slice(1), ...args],
          { cwd: opts.cwd ?? REPO, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
          (err, stdout, stderr) => {
            const status = err ? (typeof err.code === 'number' ? err.code : null) : 0;
            resolve({ status, stdout, stderr });
          },
        );
        if (opts.input !== undefined) child.stdin?.end(opts.input);
        else child.stdin?.end();
      }),
    tempDir: (label = 'out') => mkdtempSync(join(root, `${label}-`)),
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Every file under `dir`, as paths relative to it, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** Run `tasks` with at most `limit` at a time. */
export async function inParallel<T>(limit: number, tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
