/**
 * Read-only ISO 9660 (ECMA-119) with Joliet and Rock Ridge names, enough to
 * read a NoCloud "cidata" seed or an OpenStack config drive without mounting.
 *
 * Which names a reader sees follows Linux's isofs defaults: the primary tree
 * with Rock Ridge names when the root carries Rock Ridge, else the Joliet
 * tree (UCS-2 names), else the primary tree's plain names with the version
 * (";1") and a bare trailing "." dropped. Plain names keep their recorded
 * case but are looked up case-insensitively, as a `map=normal` mount does.
 */
import { MediaError, readExact, type BlockReader } from './block-reader.ts';
import { DEFAULT_LIMITS, pathComponents, type MediaLimits, type ReadOnlyFs } from './read-only-fs.ts';
import { readRockRidge, sharingProtocolSkip } from './rock-ridge.ts';

const SECTOR = 2048;
const FIRST_DESCRIPTOR = 16 * SECTOR;
/** Volume descriptors before the terminator; real images have 2 to 4. */
const MAX_DESCRIPTORS = 32;
/** Directories larger than this are taken for corruption (a seed has a handful of entries). */
const MAX_DIRECTORY_BYTES = 16 * 1024 * 1024;

type Naming = 'rockridge' | 'joliet' | 'plain';

interface Descriptors {
  primary: Buffer;
  joliet: Buffer | null;
}

interface Extent {
  /** Byte offset of the data. */
  offset: number;
  size: number;
}

interface Entry extends Extent {
  name: string;
  /** Looked up case-insensitively (a plain ISO 9660 name). */
  foldCase: boolean;
  isDir: boolean;
  multiExtent: boolean;
  /** Rock Ridge "CL": the directory really lives at this logical block. */
  childLink?: number;
}

interface Volume {
  r: BlockReader;
  blockSize: number;
  naming: Naming;
  /** SUSP "SP" bytes to skip at the start of every System Use area. */
  suspSkip: number;
  root: Extent;
  limits: MediaLimits;
  /** Parsed directories by byte offset: a datasource reads several files from the same few. */
  dirs: Map<number, Entry[]>;
}

/** Volume descriptors, or null when the image does not start like ISO 9660. */
function readDescriptors(r: BlockReader): Descriptors | null {
  let primary: Buffer | null = null;
  let joliet: Buffer | null = null;
  for (let i = 0; i < MAX_DESCRIPTORS; i++) {
    const d = r.read(FIRST_DESCRIPTOR + i * SECTOR, SECTOR);
    if (d.length < SECTOR || d.toString('latin1', 1, 6) !== 'CD001') {
      if (i === 0) return null;
      throw new MediaError(r.name, `iso9660: volume descriptor ${16 + i} is missing or not "CD001" before the set terminator`);
    }
    const type = d[0]!;
    if (type === 255) break;
    if (type === 1 && !primary) primary = d;
    // Joliet is a supplementary descriptor whose escape sequences name UCS-2 level 1, 2 or 3.
    if (type === 2 && !joliet && d[88] === 0x25 && d[89] === 0x2f && [0x40, 0x43, 0x45].includes(d[90]!)) joliet = d;
  }
  if (!primary) throw new MediaError(r.name, 'iso9660: no primary volume descriptor');
  return { primary, joliet };
}

function decodeUcs2(b: Buffer): string {
  const swapped = Buffer.from(b.subarray(0, b.length & ~1));
  return swapped.swap16().toString('utf16le');
}

/** Descriptor text: d-characters by the standard, UTF-8 in practice (genisoimage copies the locale's bytes). */
function decodeText(b: Buffer): string {
  const s = b.toString('utf8');
  return s.includes('\uFFFD') ? b.toString('latin1') : s;
}

/**
 * The label blkid reports: the primary volume id, unless Joliet's (16
 * characters at most, but in its original case and script) is a prefix of it
 * ignoring case — then Joliet's characters followed by the rest of the primary.
 */
function volumeLabel(d: Descriptors): string {
  const primary = decodeText(d.primary.subarray(40, 72)).replace(/[ \0]+$/, '');
  if (!d.joliet) return primary;
  const joliet = decodeUcs2(d.joliet.subarray(40, 72)).replace(/[ \0]+$/, '');
  if (primary === '') return joliet;
  if (joliet !== '' && primary.toLowerCase().startsWith(joliet.toLowerCase())) return joliet + primary.slice(joliet.length);
  return primary;
}

/** blkid's UUID: the modification (else creation) date as YYYY-MM-DD-HH-MM-SS-cc. */
function volumeUuid(pvd: Buffer): string | undefined {
  for (const at of [830, 813]) {
    const digits = pvd.toString('latin1', at, at + 16);
    if (!/^\d{16}$/.test(digits) || /^0+$/.test(digits)) continue;
    return digits.replace(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/, '$1-$2-$3-$4-$5-$6-$7');
  }
  return undefined;
}

export function probeIso9660(r: BlockReader): { label: string; uuid?: string } | null {
  const d = readDescriptors(r);
  if (!d) return null;
  const uuid = volumeUuid(d.primary);
  return uuid ? { label: volumeLabel(d), uuid } : { label: volumeLabel(d) };
}

interface RawRecord {
  extent: number;
  earLength: number;
  size: number;
  flags: number;
  id: Buffer;
  systemUse: Buffer;
}

/** One directory record at `pos` of `dir` (length byte non-zero), checked against the directory's bounds. */
function parseRecord(r: BlockReader, dir: Buffer, pos: number, where: string): RawRecord {
  const len = dir[pos]!;
  if (len < 34 || pos + len > dir.length) {
    throw new MediaError(r.name, `iso9660: ${where}: directory record at offset ${pos} has length ${len}, outside the directory (${dir.length} bytes)`);
  }
  const idLen = dir[pos + 32]!;
  if (33 + idLen > len) throw new MediaError(r.name, `iso9660: ${where}: directory record at offset ${pos}: name of ${idLen} bytes overruns the record`);
  const suStart = 33 + idLen + (idLen % 2 === 0 ? 1 : 0);
  return {
    extent: dir.readUInt32LE(pos + 2),
    earLength: dir[pos + 1]!,
    size: dir.readUInt32LE(pos + 10),
    flags: dir[pos + 25]!,
    id: dir.subarray(pos + 33, pos + 33 + idLen),
    systemUse: dir.subarray(pos + Math.min(suStart, len), pos + len),
  };
}

/** Records of a directory extent; a zero length byte means "continue at the next sector". */
function* records(r: BlockReader, dir: Buffer, where: string): Generator<RawRecord> {
  let pos = 0;
  while (pos < dir.length) {
    if (dir[pos] === 0) {
      pos = (Math.floor(pos / SECTOR) + 1) * SECTOR;
      continue;
    }
    const rec = parseRecord(r, dir, pos, where);
    yield rec;
    pos += dir[pos]!;
  }
}

function readExtent(v: Volume, ext: Extent, what: string): Buffer {
  return readExact(v.r, ext.offset, ext.size, `iso9660: ${what}`);
}

function readDirectory(v: Volume, ext: Extent, where: string): Buffer {
  if (ext.size > MAX_DIRECTORY_BYTES) throw new MediaError(v.r.name, `iso9660: ${where}: directory of ${ext.size} bytes is implausibly large`);
  return readExtent(v, ext, `directory ${where}`);
}

function plainName(id: Buffer): string {
  let name = id.toString('latin1');
  const semi = name.indexOf(';');
  if (semi >= 0) name = name.slice(0, semi);
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

function jolietName(id: Buffer): string {
  const name = decodeUcs2(id);
  const semi = name.lastIndexOf(';');
  return semi >= 0 && /^;\d+$/.test(name.slice(semi)) ? name.slice(0, semi) : name;
}

function entries(v: Volume, ext: Extent, where: string): Entry[] {
  const cached = v.dirs.get(ext.offset);
  if (cached) return cached;
  const out = parseEntries(v, ext, where);
  v.dirs.set(ext.offset, out);
  return out;
}

function parseEntries(v: Volume, ext: Extent, where: string): Entry[] {
  const out: Entry[] = [];
  let previous: Entry | undefined;
  for (const rec of records(v.r, readDirectory(v, ext, where), where)) {
    // "." and ".." are one byte 0x00 and 0x01; associated files (flag 4) are resource forks.
    if ((rec.id.length === 1 && rec.id[0]! <= 1) || rec.flags & 0x04) continue;
    const entry: Entry = {
      name: '',
      foldCase: false,
      isDir: (rec.flags & 0x02) !== 0,
      multiExtent: (rec.flags & 0x80) !== 0,
      offset: (rec.extent + rec.earLength) * v.blockSize,
      size: rec.size,
    };
    if (v.naming === 'joliet') entry.name = jolietName(rec.id);
    else if (v.naming === 'plain') [entry.name, entry.foldCase] = [plainName(rec.id), true];
    else {
      const area = rec.systemUse.subarray(Math.min(v.suspSkip, rec.systemUse.length));
      const rr = readRockRidge(v.r, area, v.blockSize, childPath(where, plainName(rec.id)));
      if (rr.relocated) continue;
      if (rr.childLink !== undefined) [entry.childLink, entry.isDir] = [rr.childLink, true];
      [entry.name, entry.foldCase] = rr.name !== undefined ? [rr.name, false] : [plainName(rec.id), true];
    }
    // The later records of a multi-extent file repeat its name.
    if (previous?.multiExtent && previous.name === entry.name) continue;
    out.push(entry);
    previous = entry;
  }
  return out;
}

/** Where a directory entry's data is: a Rock Ridge child link points at the relocated directory's own "." record. */
function directoryExtent(v: Volume, e: Entry, where: string): Extent {
  if (e.childLink === undefined) return e;
  const block = readExact(v.r, e.childLink * v.blockSize, SECTOR, `iso9660: ${where}: relocated directory`);
  if (block[0] === 0) throw new MediaError(v.r.name, `iso9660: ${where}: relocated directory at block ${e.childLink} has no "." record`);
  const dot = parseRecord(v.r, block, 0, where);
  return { offset: (dot.extent + dot.earLength) * v.blockSize, size: dot.size };
}

function childPath(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

function matches(e: Entry, name: string): boolean {
  return e.foldCase ? e.name.toLowerCase() === name.toLowerCase() : e.name === name;
}

/** The entry at `path`; undefined when missing; for the root a synthetic directory entry. */
function lookup(v: Volume, path: string): Entry | undefined {
  let dir: Extent = v.root;
  let where = '/';
  let found: Entry = { ...v.root, name: '', foldCase: false, isDir: true, multiExtent: false };
  for (const part of pathComponents(path)) {
    if (!found.isDir) return undefined;
    const next = entries(v, dir, where).find((e) => matches(e, part));
    if (!next) return undefined;
    where = childPath(where, next.name);
    found = next;
    if (next.isDir) dir = directoryExtent(v, next, where);
  }
  return found.isDir ? { ...found, ...dir } : found;
}

function openVolume(r: BlockReader, limits: MediaLimits): { v: Volume; label: string; uuid?: string } {
  const d = readDescriptors(r);
  if (!d) throw new MediaError(r.name, 'not an iso9660 filesystem (no "CD001" at byte 32769)');
  const blockSize = d.primary.readUInt16LE(128);
  if (![512, 1024, 2048].includes(blockSize)) throw new MediaError(r.name, `iso9660: unsupported logical block size ${blockSize}`);
  const rootOf = (desc: Buffer): Extent => {
    const rec = parseRecord(r, desc.subarray(156, 190), 0, 'root directory record');
    return { offset: (rec.extent + rec.earLength) * blockSize, size: rec.size };
  };
  const v: Volume = { r, blockSize, naming: 'plain', suspSkip: 0, root: rootOf(d.primary), limits, dirs: new Map() };
  // Rock Ridge lives in the primary tree: the root's "." record starts with SUSP "SP" and carries Rock Ridge entries.
  const rootDir = readDirectory(v, { offset: v.root.offset, size: Math.min(v.root.size, SECTOR) }, '/');
  const dot = rootDir[0] ? parseRecord(r, rootDir, 0, '/') : undefined;
  const skip = dot ? sharingProtocolSkip(dot.systemUse) : null;
  const rr = dot && skip !== null ? readRockRidge(r, dot.systemUse, blockSize, '/') : undefined;
  if (skip !== null && rr && ['ER', 'RR', 'PX', 'NM'].some((s) => rr.signatures.has(s))) {
    v.naming = 'rockridge';
    v.suspSkip = skip;
  } else if (d.joliet) {
    v.naming = 'joliet';
    v.root = rootOf(d.joliet);
  }
  const uuid = volumeUuid(d.primary);
  return uuid ? { v, label: volumeLabel(d), uuid } : { v, label: volumeLabel(d) };
}

export function openIso9660(r: BlockReader, limits: MediaLimits = DEFAULT_LIMITS): ReadOnlyFs {
  const { v, label, uuid } = openVolume(r, limits);
  const fs: ReadOnlyFs = {
    type: 'iso9660',
    label,
    list(dir) {
      const e = lookup(v, dir);
      if (!e?.isDir) return null;
      return entries(v, e, dir).map((x) => x.name).sort();
    },
    readFile(path) {
      const e = lookup(v, path);
      if (!e || e.isDir) return null;
      if (e.multiExtent) throw new MediaError(r.name, `iso9660: ${path}: multi-extent files are not supported`);
      if (e.size > v.limits.maxFileBytes) throw new MediaError(r.name, `iso9660: ${path}: file of ${e.size} bytes exceeds the ${v.limits.maxFileBytes}-byte limit`);
      return Buffer.from(readExtent(v, e, `file ${path}`));
    },
  };
  return uuid ? { ...fs, uuid } : fs;
}

/** Which names the volume shows (for tests and diagnostics). */
export function iso9660Naming(r: BlockReader): Naming {
  return openVolume(r, DEFAULT_LIMITS).v.naming;
}
