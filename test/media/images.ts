/**
 * Real filesystem images for the media tests, made with the real tools
 * (genisoimage, xorriso, mkfs.vfat, mtools) in temporary directories, and
 * blkid as the reference for labels and UUIDs. A missing tool fails the test
 * with the Debian package to install (scripts/install-test-deps.sh has them).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const PACKAGES: Record<string, string> = {
  genisoimage: 'genisoimage',
  xorriso: 'xorriso',
  'mkfs.vfat': 'dosfstools',
  mcopy: 'mtools',
  mmd: 'mtools',
  mdel: 'mtools',
  blkid: 'util-linux',
};

/** Run a tool; its output, or an error naming the package when it is missing. */
export function run(tool: string, args: readonly string[], cwd?: string): string {
  try {
    // mtools refuses some geometries mkfs.vfat picks for small images unless told not to check.
    return execFileSync(tool, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MTOOLS_SKIP_CHECK: '1', LC_ALL: 'C.UTF-8' } });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new Error(`${tool} is not installed (Debian package ${PACKAGES[tool] ?? '?'})`);
    throw new Error(`${tool} ${args.join(' ')} failed: ${err.stderr ?? err.message}`);
  }
}

/** Temporary directories removed by cleanup() (call it from `after`). */
export class TempDirs {
  private readonly dirs: string[] = [];
  make(label = 'media'): string {
    const d = mkdtempSync(join(tmpdir(), `stratus-${label}-`));
    this.dirs.push(d);
    return d;
  }
  cleanup(): void {
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/** Deterministic bytes that differ at every offset a reader might get wrong (sector and cluster boundaries). */
export function pattern(length: number, seed = 1): Buffer {
  const b = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

export type Tree = Record<string, string | Buffer>;

/** Write files (paths with "/" make directories; a path ending in "/" is an empty directory). */
export function writeTree(dir: string, tree: Tree): void {
  mkdirSync(dir, { recursive: true });
  for (const [path, content] of Object.entries(tree)) {
    const full = join(dir, path);
    if (path.endsWith('/')) mkdirSync(full, { recursive: true });
    else {
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
  }
}

/** genisoimage over a tree; `args` chooses the extensions (-R, -J, …). */
export function genisoimage(work: string, tree: Tree, args: readonly string[], name = 'image.iso'): string {
  const src = join(work, `${name}.d`);
  writeTree(src, tree);
  const out = join(work, name);
  run('genisoimage', ['-quiet', '-output', out, ...args, src]);
  return out;
}

/** xorriso in its native mode (Rock Ridge on, Joliet off by default). */
export function xorrisoNative(work: string, tree: Tree, volid: string, name = 'xorriso.iso'): string {
  const src = join(work, `${name}.d`);
  writeTree(src, tree);
  const out = join(work, name);
  run('xorriso', ['-report_about', 'SORRY', '-outdev', out, '-volid', volid, '-map', src, '/']);
  return out;
}

/** mkfs.vfat a new image of `kib` KiB, then copy the tree in with mtools. */
export function fatImage(work: string, tree: Tree, kib: number, mkfsArgs: readonly string[], name = 'image.img'): string {
  const out = join(work, name);
  run('mkfs.vfat', ['-C', ...mkfsArgs, out, String(kib)]);
  copyIntoFat(out, tree);
  return out;
}

export function copyIntoFat(image: string, tree: Tree): void {
  const src = mkdtempSync(join(tmpdir(), 'stratus-fat-src-'));
  try {
    writeTree(src, tree);
    const top = readdirSync(src).map((n) => join(src, n));
    if (top.length > 0) run('mcopy', ['-s', '-i', image, ...top, '::/']);
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
}

/** What blkid says about an image: TYPE, LABEL, UUID, VERSION (absent keys are absent). */
export function blkid(image: string): Record<string, string> {
  let out: string;
  try {
    out = run('blkid', ['-p', '-o', 'udev', image]);
  } catch (e) {
    if (/not installed/.test(String(e))) throw e;
    return {}; // exit 2: nothing found
  }
  const udev: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) udev[line.slice(0, eq)] = line.slice(eq + 1);
  }
  const fields: Record<string, string> = {};
  // The *_ENC values are exact: bytes other than safe ASCII as \xNN.
  const decode = (v: string): string =>
    Buffer.concat(v.split(/(\\x[0-9a-fA-F]{2})/).map((p) => (/^\\x/.test(p) ? Buffer.from([parseInt(p.slice(2), 16)]) : Buffer.from(p, 'utf8')))).toString('utf8');
  if (udev.ID_FS_TYPE) fields.TYPE = udev.ID_FS_TYPE;
  if (udev.ID_FS_VERSION) fields.VERSION = udev.ID_FS_VERSION;
  if (udev.ID_FS_LABEL_ENC !== undefined) fields.LABEL = decode(udev.ID_FS_LABEL_ENC);
  if (udev.ID_FS_UUID_ENC !== undefined) fields.UUID = decode(udev.ID_FS_UUID_ENC);
  return fields;
}

/** Patch bytes of an image file in place. */
export function patch(image: string, offset: number, bytes: Buffer | number[]): void {
  const data = Buffer.from(bytes);
  const fd = openSync(image, 'r+');
  try {
    writeSync(fd, data, 0, data.length, offset);
  } finally {
    closeSync(fd);
  }
}

/** Bytes of an image file. */
export function peek(image: string, offset: number, length: number): Buffer {
  const data = Buffer.alloc(length);
  const fd = openSync(image, 'r');
  try {
    readSync(fd, data, 0, length, offset);
  } finally {
    closeSync(fd);
  }
  return data;
}
