/**
 * The filesystem side of the effects boundary: every path is resolved under
 * a root directory and may not escape it, and files are written atomically
 * (temporary file in the same directory, fsync, rename), so a reader or a
 * crash sees either the old or the new content, never a mix.
 */
import { closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';

export class PathEscapeError extends Error {
  constructor(path: string, root: string) {
    super(`refusing to write ${JSON.stringify(path)}: it is outside ${root}`);
    this.name = 'PathEscapeError';
  }
}

/** Absolute path of `path` (relative, or absolute meaning "under the root") inside `root`. */
export function underRoot(root: string, path: string): string {
  const base = resolve(root);
  const full = resolve(base, `.${isAbsolute(path) ? path : `/${path}`}`);
  const rel = relative(base, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new PathEscapeError(path, base);
  return full;
}

/** Directories this process made or found, so each costs one mkdir per process, not one per file. */
const knownDirs = new Set<string>();

export function ensureDir(dir: string, mode = 0o755): void {
  if (knownDirs.has(dir)) return;
  mkdirSync(dir, { recursive: true, mode });
  knownDirs.add(dir);
}

/** After removing a tree: its directories are no longer known to exist. */
export function forgetDirs(under: string): void {
  for (const d of knownDirs) if (d === under || d.startsWith(`${under}/`)) knownDirs.delete(d);
}

/**
 * The temporary sibling a write of `final` goes through. Hidden (a leading
 * dot) because the readers of drop-in directories skip hidden names, and a
 * crash between create and rename leaves it behind: NetworkManager's keyfile
 * plugin reads any other name in system-connections ("x.nmconnection.tmp"
 * included) and ifupdown's `source /etc/network/interfaces.d/*` any name at
 * all. The PID keeps two writers of one file apart.
 */
export function tempSibling(final: string): string {
  return join(dirname(final), `.${basename(final)}.stratus-tmp-${process.pid}`);
}

export interface FileToWrite {
  path: string;
  content: string | Uint8Array;
  mode: number;
}

/**
 * Write all files under `root`. Every file is first written to a temporary
 * sibling and synced; only when all succeeded are they renamed into place.
 * On failure the temporaries are removed and nothing is replaced.
 */
export function writeFilesAtomically(root: string, files: readonly FileToWrite[], durable: (path: string) => boolean = () => true): string[] {
  const staged: { tmp: string; final: string; sync: boolean }[] = [];
  try {
    for (const f of files) {
      const final = underRoot(root, f.path);
      ensureDir(dirname(final));
      const tmp = tempSibling(final);
      const fd = openSync(tmp, 'w', f.mode);
      const sync = durable(f.path);
      staged.push({ tmp, final, sync });
      try {
        fchmodSync(fd, f.mode);
        const data = typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : f.content;
        for (let off = 0; off < data.length; ) off += writeSync(fd, data, off);
        if (sync) fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  } catch (e) {
    for (const s of staged) rmSync(s.tmp, { force: true });
    throw e;
  }
  for (const s of staged) renameSync(s.tmp, s.final);
  for (const dir of new Set(staged.filter((s) => s.sync).map((s) => dirname(s.final)))) {
    try {
      const fd = openSync(dir, 'r');
      fsyncSync(fd);
      closeSync(fd);
    } catch {
      // Directory fsync is best effort (not supported on every filesystem).
    }
  }
  return staged.map((s) => s.final);
}
