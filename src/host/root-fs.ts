/**
 * The target system's filesystem as the stages see it: every path is an
 * absolute path on the target ("/etc/hostname") resolved under the root.
 * `DiskRoot` reads and writes the real files (atomically); `OverlayRoot`
 * keeps every change in memory on top of another root, which is how `plan`
 * runs a whole boot without touching anything and then reports the changes.
 */
import {
  accessSync,
  appendFileSync,
  chmodSync,
  chownSync,
  constants,
  existsSync,
  closeSync,
  fsyncSync,
  lstatSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  statfsSync,
  symlinkSync,
} from 'node:fs';
import { dirname, posix } from 'node:path';
import { ensureDir, forgetDirs, tempSibling, underRoot, writeFilesAtomically } from './fs.ts';

export interface FileWrite {
  /** Absolute path on the target. */
  path: string;
  content: string | Uint8Array;
  mode: number;
}

export interface FileStat {
  size: number;
  /** null for a file only the overlay holds: it has no time on any disk. */
  mtimeMs: number | null;
  mode: number;
  uid: number;
  gid: number;
}

export type NodeKind = 'file' | 'dir' | 'link' | 'other';

export interface RootFs {
  /** Where the target's "/" is on this machine (for messages). */
  readonly root: string;
  readFile(path: string): Buffer | null;
  readText(path: string): string | null;
  kind(path: string): NodeKind | null;
  /** Names in a directory, sorted; empty when it does not exist. */
  list(dir: string): string[];
  /** Where a link points, as an absolute target path (a relative link is resolved against its directory). */
  readLink(path: string): string | null;
  /** Write all files or none (each is replaced atomically). */
  writeFiles(files: readonly FileWrite[]): void;
  /** Append to a file (created with `mode`); for logs, and for devices such as the random pool. */
  appendFile(path: string, data: string | Uint8Array, mode: number): void;
  /** Size, time, mode and owner of what `path` leads to; null when it is not there. */
  stat(path: string): FileStat | null;
  /** Give a file to a user and group (-1 leaves that id as it is). */
  chown(path: string, uid: number, gid: number): void;
  chmod(path: string, mode: number): void;
  /** Bytes free for unprivileged use on the filesystem holding `path` (or its nearest parent); null when unknown. */
  freeBytes(path: string): number | null;
  /**
   * Create or atomically replace a symbolic link to `target` (an absolute
   * target path). It is stored relative to the link's directory, so it
   * resolves the same under any root.
   */
  symlink(target: string, path: string): void;
  mkdir(path: string, mode?: number): void;
  /** Remove a file, link or (recursively) a directory; false if it was not there. */
  remove(path: string): boolean;
}

function missing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Normalized absolute target path ("/a/b"), whatever the caller passed. */
export function targetPath(path: string): string {
  return posix.normalize(posix.join('/', path));
}

/** The link text that makes `path` point at `target` from its own directory. */
export function relativeLink(target: string, path: string): string {
  return posix.relative(posix.dirname(targetPath(path)), targetPath(target)) || '.';
}

/** The absolute target path a link at `path` with text `text` points at. */
export function absoluteLink(text: string, path: string): string {
  return text.startsWith('/') ? targetPath(text) : targetPath(posix.join(posix.dirname(targetPath(path)), text));
}

/**
 * Whether a write must reach the disk before it is renamed into place.
 * /run is a tmpfs, gone at the next boot: syncing it buys nothing (and a
 * stage writes a dozen files there).
 */
function durable(path: string): boolean {
  const p = targetPath(path);
  return p !== '/run' && !p.startsWith('/run/');
}

export class DiskRoot implements RootFs {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  host(path: string): string {
    return targetPath(path) === '/' ? this.root : underRoot(this.root, path);
  }

  readFile(path: string): Buffer | null {
    try {
      return readFileSync(this.host(path));
    } catch (e) {
      if (missing(e) || (e as NodeJS.ErrnoException).code === 'EISDIR') return null;
      throw e;
    }
  }

  readText(path: string): string | null {
    return this.readFile(path)?.toString('utf8') ?? null;
  }

  kind(path: string): NodeKind | null {
    try {
      const st = lstatSync(this.host(path));
      return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : 'other';
    } catch (e) {
      if (missing(e)) return null;
      throw e;
    }
  }

  list(dir: string): string[] {
    try {
      return readdirSync(this.host(dir)).sort();
    } catch (e) {
      if (missing(e)) return [];
      throw e;
    }
  }

  readLink(path: string): string | null {
    try {
      return absoluteLink(readlinkSync(this.host(path)), path);
    } catch (e) {
      if (missing(e) || (e as NodeJS.ErrnoException).code === 'EINVAL') return null;
      throw e;
    }
  }

  /** Files whose content and mode are already what is asked are left alone: no write, no fsync, same mtime. */
  writeFiles(files: readonly FileWrite[]): void {
    const changed = files.filter((f) => !this.holds(f));
    if (changed.length === 0) return;
    writeFilesAtomically(
      this.root,
      changed.map((f) => ({ path: f.path, content: f.content, mode: f.mode })),
      durable,
    );
  }

  private holds(f: FileWrite): boolean {
    let st;
    try {
      st = lstatSync(this.host(f.path));
    } catch {
      return false;
    }
    const want = typeof f.content === 'string' ? Buffer.byteLength(f.content) : f.content.length;
    if (!st.isFile() || (st.mode & 0o7777) !== f.mode || st.size !== want) return false;
    const have = readFileSync(this.host(f.path));
    return have.equals(typeof f.content === 'string' ? Buffer.from(f.content) : f.content);
  }

  appendFile(path: string, data: string | Uint8Array, mode: number): void {
    const p = this.host(path);
    ensureDir(dirname(p));
    appendFileSync(p, data, { mode });
  }

  stat(path: string): FileStat | null {
    try {
      const st = statSync(this.host(path));
      return { size: st.size, mtimeMs: st.mtimeMs, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
    } catch (e) {
      if (missing(e)) return null;
      throw e;
    }
  }

  chown(path: string, uid: number, gid: number): void {
    chownSync(this.host(path), uid, gid);
  }

  chmod(path: string, mode: number): void {
    chmodSync(this.host(path), mode);
  }

  freeBytes(path: string): number | null {
    let d = targetPath(path);
    while (d !== '/' && this.kind(d) === null) d = posix.dirname(d);
    try {
      const st = statfsSync(this.host(d));
      return st.bavail * st.bsize;
    } catch {
      return null;
    }
  }

  symlink(target: string, path: string): void {
    const final = this.host(path);
    ensureDir(dirname(final));
    const tmp = tempSibling(final);
    rmSync(tmp, { force: true });
    symlinkSync(relativeLink(target, path), tmp);
    renameSync(tmp, final);
    try {
      const fd = openSync(dirname(final), 'r');
      fsyncSync(fd);
      closeSync(fd);
    } catch {
      // best effort, as for files
    }
  }

  mkdir(path: string, mode = 0o755): void {
    const p = this.host(path);
    try {
      ensureDir(p, mode);
    } catch (e) {
      // A recursive mkdir on a read-only filesystem reports ENOENT; say what really failed.
      let existing = dirname(p);
      while (existing !== dirname(existing) && !existsSync(existing)) existing = dirname(existing);
      accessSync(existing, constants.W_OK);
      throw e;
    }
  }

  remove(path: string): boolean {
    if (this.kind(path) === null) return false;
    rmSync(this.host(path), { recursive: true, force: true });
    forgetDirs(this.host(path));
    return true;
  }
}

type OverlayNode =
  | { kind: 'file'; content: Buffer; mode: number }
  | { kind: 'link'; target: string }
  | { kind: 'dir' }
  | { kind: 'gone' };

export interface OverlayChange {
  path: string;
  node: OverlayNode;
}

/**
 * Changes kept in memory over a base root. Reads see the changes; nothing
 * reaches the base. A removed directory hides everything below it.
 */
export class OverlayRoot implements RootFs {
  readonly root: string;
  private readonly base: RootFs;
  private readonly nodes = new Map<string, OverlayNode>();

  constructor(base: RootFs) {
    this.base = base;
    this.root = base.root;
  }

  /**
   * The path with every link among its parents followed (links of the
   * overlay and of the base), as the kernel would on a real filesystem.
   */
  private resolveParents(path: string): string {
    let p = targetPath(path);
    for (let hops = 0; hops < 40; hops++) {
      const parts = p.split('/').filter(Boolean);
      let changed = false;
      for (let i = 1; i < parts.length; i++) {
        const prefix = `/${parts.slice(0, i).join('/')}`;
        const own = this.nodes.get(prefix);
        const target = own ? (own.kind === 'link' ? own.target : null) : this.base.readLink(prefix);
        if (target !== null) {
          p = targetPath(`${target}/${parts.slice(i).join('/')}`);
          changed = true;
          break;
        }
      }
      if (!changed) return p;
    }
    return p;
  }

  private lookup(path: string): OverlayNode | undefined {
    const p = this.resolveParents(path);
    const own = this.nodes.get(p);
    if (own) return own;
    for (let d = posix.dirname(p); d !== '/'; d = posix.dirname(d)) {
      const n = this.nodes.get(d);
      if (n && n.kind !== 'dir') return { kind: 'gone' };
    }
    return undefined;
  }

  readFile(path: string): Buffer | null {
    const n = this.lookup(path);
    if (n) return n.kind === 'file' ? n.content : null;
    const own = this.nodes.get(targetPath(path));
    // A link the overlay made: read what it points at.
    if (own?.kind === 'link') return this.readFile(own.target);
    return this.base.readFile(this.resolveParents(path));
  }

  readText(path: string): string | null {
    return this.readFile(path)?.toString('utf8') ?? null;
  }

  kind(path: string): NodeKind | null {
    const n = this.lookup(path);
    if (n) return n.kind === 'gone' ? null : n.kind;
    const p = this.resolveParents(path);
    const k = this.base.kind(p);
    if (k !== null) return k;
    // A directory the overlay created implicitly by writing below it.
    for (const [q, node] of this.nodes) if (node.kind !== 'gone' && q.startsWith(`${p}/`)) return 'dir';
    return null;
  }

  list(dir: string): string[] {
    const d = targetPath(dir);
    const own = this.lookup(d);
    const names = new Set(own && own.kind !== 'dir' ? [] : this.base.list(d));
    const prefix = d === '/' ? '/' : `${d}/`;
    for (const [p, n] of this.nodes) {
      if (!p.startsWith(prefix)) continue;
      const name = p.slice(prefix.length).split('/')[0] ?? '';
      if (name === '') continue;
      if (n.kind === 'gone' && p === prefix + name) names.delete(name);
      else if (n.kind !== 'gone') names.add(name);
    }
    return [...names].filter((name) => this.kind(prefix + name) !== null).sort();
  }

  readLink(path: string): string | null {
    const n = this.lookup(path);
    if (n) return n.kind === 'link' ? n.target : null;
    return this.base.readLink(this.resolveParents(path));
  }

  writeFiles(files: readonly FileWrite[]): void {
    for (const f of files) {
      this.nodes.set(this.resolveParents(f.path), {
        kind: 'file',
        content: Buffer.from(f.content),
        mode: f.mode,
      });
    }
  }

  appendFile(path: string, data: string | Uint8Array, mode: number): void {
    const old = this.readFile(path);
    const p = this.resolveParents(path);
    const prev = this.nodes.get(p);
    this.nodes.set(p, {
      kind: 'file',
      content: Buffer.concat([old ?? Buffer.alloc(0), typeof data === 'string' ? Buffer.from(data, 'utf8') : data]),
      mode: prev?.kind === 'file' ? prev.mode : (this.base.stat(p)?.mode ?? mode),
    });
  }

  stat(path: string): FileStat | null {
    const n = this.lookup(path);
    if (n?.kind === 'file') return { size: n.content.length, mtimeMs: null, mode: n.mode, uid: 0, gid: 0 };
    if (n?.kind === 'gone') return null;
    if (n?.kind === 'link') return this.stat(n.target);
    return this.base.stat(this.resolveParents(path));
  }

  /** The overlay keeps no owners: a plan shows contents and modes. */
  chown(): void {}

  chmod(path: string, mode: number): void {
    const data = this.readFile(path);
    if (data !== null) this.nodes.set(this.resolveParents(path), { kind: 'file', content: data, mode });
  }

  freeBytes(path: string): number | null {
    return this.base.freeBytes(path);
  }

  symlink(target: string, path: string): void {
    this.nodes.set(this.resolveParents(path), { kind: 'link', target: targetPath(target) });
  }

  mkdir(path: string): void {
    const p = this.resolveParents(path);
    if (this.kind(p) !== 'dir') this.nodes.set(p, { kind: 'dir' });
  }

  remove(path: string): boolean {
    const p = this.resolveParents(path);
    if (this.kind(p) === null) return false;
    for (const k of [...this.nodes.keys()]) if (k.startsWith(`${p}/`)) this.nodes.delete(k);
    this.nodes.set(p, { kind: 'gone' });
    return true;
  }

  /** Every change, sorted by path. */
  changes(): OverlayChange[] {
    return [...this.nodes.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([path, node]) => ({ path, node }));
  }
}
