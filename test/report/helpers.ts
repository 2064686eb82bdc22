/**
 * Shared by the report and CLI tests of status, query, cloud-id and clean:
 * temporary target roots filled from a table of files, captured output for
 * verbs run in-process, and a real run of a verb in a child process (its
 * output goes to fds 1 and 2, as the CLI's does).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** A file's content, or { link } for a symbolic link, or { mode } with content. */
export type Entry = string | Buffer | { link: string } | { content: string | Buffer; mode: number } | { dir: true };

export interface TempRoots {
  make(files?: Record<string, Entry>): string;
  dispose(): void;
}

export function tempRoots(label = 'stratus-report-test-'): TempRoots {
  const made: string[] = [];
  return {
    make(files = {}) {
      const root = mkdtempSync(join(tmpdir(), label));
      made.push(root);
      fill(root, files);
      return root;
    },
    dispose() {
      for (const r of made) rmSync(r, { recursive: true, force: true });
      made.length = 0;
    },
  };
}

export function fill(root: string, files: Record<string, Entry>): void {
  for (const [path, entry] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    rmSync(full, { force: true, recursive: true });
    if (typeof entry === 'string' || Buffer.isBuffer(entry)) writeFileSync(full, entry);
    else if ('link' in entry) symlinkSync(entry.link, full);
    else if ('dir' in entry) mkdirSync(full, { recursive: true });
    else writeFileSync(full, entry.content, { mode: entry.mode });
  }
}

export interface Captured {
  out: string;
  err: string;
  io: { out(text: string): void; err(text: string): void };
}

export function capture(): Captured {
  const c: Captured = {
    out: '',
    err: '',
    io: {
      out: (t) => {
        c.out += t;
      },
      err: (t) => {
        c.err += t;
      },
    },
  };
  return c;
}

export interface VerbRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `verb` exported by src/cli/<file>.ts in a child node, as main.ts will: (argv, globals) → exit code. */
export function runVerbProcess(
  file: string,
  verb: string,
  argv: readonly string[],
  root: string,
  env: Record<string, string> = {},
): Promise<VerbRun> {
  const module = join(REPO, 'src/cli', `${file}.ts`);
  const script = `import(${JSON.stringify(module)}).then((m) => m[${JSON.stringify(verb)}](${JSON.stringify(argv)}, { root: ${JSON.stringify(root)}, debug: false, force: false })).then((code) => { process.exitCode = code; }, (e) => { console.error(e); process.exitCode = 70; });`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '-e', script],
      { cwd: REPO, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ status, stdout, stderr });
      },
    );
  });
}
