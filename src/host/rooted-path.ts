/**
 * Symbolic links resolved inside the target root. cloud-init's links are
 * both relative (/run/cloud-init/status.json → ../../var/lib/cloud/data/…)
 * and absolute (/var/lib/cloud/instance → /var/lib/cloud/instances/<id>);
 * the OS would resolve an absolute one against this machine's "/", so
 * under --root every link on the way is followed here, against the root.
 */
import { statSync } from 'node:fs';
import { posix } from 'node:path';
import type { RootFs } from '../host/root-fs.ts';

/** Linux's limit on links followed in one lookup. */
const MAX_LINKS = 40;

/** The target path `path` names once every link on the way is followed; null when the links loop. */
export function resolveInRoot(fs: RootFs, path: string): string | null {
  let pending = posix.normalize(posix.join('/', path)).split('/').filter((p) => p !== '');
  let resolved = '/';
  let followed = 0;
  while (pending.length > 0) {
    const [part, ...rest] = pending as [string, ...string[]];
    pending = rest;
    if (part === '.') continue;
    if (part === '..') {
      resolved = posix.dirname(resolved);
      continue;
    }
    const next = posix.join(resolved, part);
    if (fs.kind(next) !== 'link') {
      resolved = next;
      continue;
    }
    if (++followed > MAX_LINKS) return null;
    const target = fs.readLink(next) ?? '';
    if (target.startsWith('/')) resolved = '/';
    pending = [...target.split('/').filter((p) => p !== ''), ...pending];
  }
  return resolved;
}

/** A file's bytes with links followed inside the root; null when it is missing (or a directory, or the links loop). */
export function readInRoot(fs: RootFs, path: string): Buffer | null {
  const real = resolveInRoot(fs, path);
  return real === null ? null : fs.readFile(real);
}

export function readTextInRoot(fs: RootFs, path: string): string | null {
  return readInRoot(fs, path)?.toString('utf8') ?? null;
}

/** True when `path` leads (through links) to something that exists. */
export function existsInRoot(fs: RootFs, path: string): boolean {
  const real = resolveInRoot(fs, path);
  return real !== null && fs.kind(real) !== null;
}

/** Why `root` cannot stand for "/" (a typo in --root would otherwise read as an empty system); null when it can. */
export function rootProblem(root: string): string | null {
  try {
    return statSync(root).isDirectory() ? null : `--root ${root} is not a directory`;
  } catch {
    return `--root ${root} does not exist`;
  }
}
