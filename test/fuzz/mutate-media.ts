/**
 * Filesystem images as fuzz inputs, and structure-aware mutation of them.
 *
 * An input is "SIMG", the image's size (u32 LE, bytes) and a prefix of the
 * image: the rest reads as zeros. So a 40 MiB FAT32 volume, whose content
 * sits in its first few hundred KiB, is a small input, and a saved input is
 * the whole image in a few KiB.
 *
 * Mutation finds the fields of the structures in the image (ISO 9660
 * descriptors, directory records, SUSP/Rock Ridge entries; FAT boot sector,
 * FAT entries, directory entries, long-name entries) and writes values at
 * their edges into them: zero, all ones, one past the end of the image, the
 * block the structure itself lives in (loops), huge sizes.
 */
import type { BlockReader } from '../../src/media/block-reader.ts';
import { HOSTILE_STRINGS } from './hostile.ts';
import { mutateBytes } from './mutate-bytes.ts';
import type { Rng } from './rng.ts';

const MAGIC = 'SIMG';
const HEADER = 8;

export function encodeImage(image: Buffer, size = image.length): Buffer {
  let end = image.length;
  while (end > 0 && image[end - 1] === 0) end--;
  end = Math.min(image.length, Math.ceil(end / 2048) * 2048);
  const h = Buffer.alloc(HEADER);
  h.write(MAGIC, 0, 'latin1');
  h.writeUInt32LE(size >>> 0, 4);
  return Buffer.concat([h, image.subarray(0, end)]);
}

export function decodeImage(input: Buffer): { size: number; prefix: Buffer } {
  if (input.length >= HEADER && input.toString('latin1', 0, 4) === MAGIC) return { size: input.readUInt32LE(4), prefix: input.subarray(HEADER) };
  return { size: input.length, prefix: input };
}

/** A BlockReader over prefix + zeros up to `size`. */
export function imageReader(input: Buffer, name: string): BlockReader {
  const { size, prefix } = decodeImage(input);
  return {
    name,
    size,
    read(offset: number, length: number): Buffer {
      const n = Math.max(0, Math.min(length, size - offset));
      const out = Buffer.alloc(n);
      if (offset < prefix.length) prefix.copy(out, 0, offset, Math.min(prefix.length, offset + n));
      return out;
    },
  };
}

type Kind = 'u8' | 'le16' | 'le32' | 'both16' | 'both32' | 'bytes';
interface Field {
  at: number;
  kind: Kind;
  len?: number;
  /** Values that mean something here (the block of the structure itself, ...). */
  hints?: number[];
}

function both32(b: Buffer, at: number): number {
  return at + 4 <= b.length ? b.readUInt32LE(at) : 0;
}

// ---------------------------------------------------------------- ISO 9660

function isoFields(b: Buffer): Field[] {
  const f: Field[] = [];
  for (let block = 16; block < 20; block++) {
    const d = block * 2048;
    if (d + 2048 > b.length || b.toString('latin1', d + 1, d + 6) !== 'CD001') break;
    f.push({ at: d, kind: 'u8', hints: [1, 2, 255] }, { at: d + 80, kind: 'both32' }, { at: d + 128, kind: 'both16', hints: [512, 2048, 4096, 0] }, { at: d + 132, kind: 'both32' }, { at: d + 140, kind: 'le32' });
    f.push({ at: d + 88, kind: 'bytes', len: 3 }); // Joliet escape sequence
    records(b, d + 156, 34, f, 0);
    const root = both32(b, d + 158) * 2048;
    const rootLen = Math.min(both32(b, d + 166), 64 * 1024);
    directory(b, root, rootLen, f, 1);
  }
  return f;
}

function directory(b: Buffer, start: number, len: number, f: Field[], depth: number): void {
  let pos = start;
  const end = Math.min(b.length, start + len);
  let count = 0;
  while (pos < end && count++ < 200) {
    const rl = b[pos] ?? 0;
    if (rl === 0) {
      pos = (Math.floor(pos / 2048) + 1) * 2048;
      continue;
    }
    records(b, pos, rl, f, start / 2048);
    // One level down: subdirectories' records too.
    if (depth < 2 && ((b[pos + 25] ?? 0) & 2) && (b[pos + 32] ?? 0) > 1) directory(b, both32(b, pos + 2) * 2048, Math.min(both32(b, pos + 10), 16 * 1024), f, depth + 1);
    pos += rl;
  }
}

function records(b: Buffer, pos: number, rl: number, f: Field[], ownBlock: number): void {
  f.push(
    { at: pos, kind: 'u8', hints: [0, 1, 33, 34, rl + 1, 255] },
    { at: pos + 1, kind: 'u8' },
    { at: pos + 2, kind: 'both32', hints: [ownBlock, ownBlock + 1, 0xffffffff] },
    { at: pos + 10, kind: 'both32', hints: [0, 2048, 0x7fffffff, 0xffffffff] },
    { at: pos + 25, kind: 'u8', hints: [0, 2, 0x80, 0x82, 4] },
    { at: pos + 32, kind: 'u8', hints: [0, 1, 2, 255] },
  );
  const nameLen = b[pos + 32] ?? 0;
  if (nameLen > 0) f.push({ at: pos + 33, kind: 'bytes', len: nameLen });
  // System Use entries (Rock Ridge): signature, length, version, data.
  let su = pos + 33 + nameLen + ((nameLen & 1) === 0 ? 1 : 0);
  let n = 0;
  while (su + 4 <= pos + rl && su + 4 <= b.length && n++ < 20) {
    const len = b[su + 2] ?? 0;
    f.push({ at: su + 2, kind: 'u8', hints: [0, 1, 3, 4, 255] }, { at: su, kind: 'bytes', len: 2 });
    const sig = b.toString('latin1', su, su + 2);
    if (sig === 'CE') f.push({ at: su + 4, kind: 'both32', hints: [ownBlock, 0xffffffff] }, { at: su + 12, kind: 'both32', hints: [0, 2047, 2048] }, { at: su + 20, kind: 'both32', hints: [0, 2048, 0xffffffff] });
    else if (sig === 'NM' || sig === 'SL') f.push({ at: su + 4, kind: 'bytes', len: Math.max(1, len - 4) });
    else if (sig === 'PX') f.push({ at: su + 4, kind: 'both32', hints: [0o40755, 0o100644, 0o120777] });
    if (len < 4) break;
    su += len;
  }
}

// ---------------------------------------------------------------- FAT

function fatFields(b: Buffer): Field[] {
  if (b.length < 512) return [];
  const f: Field[] = [
    { at: 11, kind: 'le16', hints: [0, 1, 256, 512, 1024, 4096, 65535] },
    { at: 13, kind: 'u8', hints: [0, 1, 3, 128, 255] },
    { at: 14, kind: 'le16', hints: [0, 1, 65535] },
    { at: 16, kind: 'u8', hints: [0, 1, 2, 3, 5] },
    { at: 17, kind: 'le16', hints: [0, 1, 16, 512, 65535] },
    { at: 19, kind: 'le16' },
    { at: 21, kind: 'u8', hints: [0xf0, 0xf8, 0] },
    { at: 22, kind: 'le16', hints: [0, 1, 65535] },
    { at: 32, kind: 'le32' },
    { at: 36, kind: 'le32', hints: [0, 1, 0xffffffff] },
    { at: 40, kind: 'le16', hints: [0x80, 0x81, 0x8f] },
    { at: 44, kind: 'le32', hints: [0, 1, 2, 3, 0x0ffffff7, 0x0fffffff, 0xffffffff] },
    { at: 510, kind: 'le16' },
  ];
  const bps = b.readUInt16LE(11) || 512;
  const spc = b[13] || 1;
  const reserved = b.readUInt16LE(14);
  const fats = b[16] ?? 2;
  const rootEntries = b.readUInt16LE(17);
  const fat16Size = b.readUInt16LE(22);
  const fatSize = fat16Size || b.readUInt32LE(36);
  const fat32 = fat16Size === 0;
  const fatAt = reserved * bps;
  // FAT entries of the first clusters (where the files are): loops, free, bad, end, out of range.
  const width = fat32 ? 4 : 2;
  const loopHints = (c: number): number[] => [0, 1, c, c - 1, c + 1, 0x0ff7, 0xfff7, 0x0ffffff7, 0x0fffffff, 0xffff, 0x7fffffff];
  for (let c = 2; c < 64; c++) f.push({ at: fatAt + c * width, kind: fat32 ? 'le32' : 'le16', hints: loopHints(c) });
  const rootAt = (reserved + fats * fatSize) * bps;
  const dataAt = rootAt + Math.ceil((rootEntries * 32) / bps) * bps;
  const clusterAt = (c: number): number => dataAt + (c - 2) * spc * bps;
  const dirAt = fat32 ? clusterAt(b.readUInt32LE(44)) : rootAt;
  entries(b, dirAt, fat32 ? spc * bps : rootEntries * 32, f, (c) => entries(b, clusterAt(c), spc * bps, f, () => {}));
  return f;
}

function entries(b: Buffer, at: number, len: number, f: Field[], sub: (cluster: number) => void): void {
  for (let p = at; p + 32 <= Math.min(b.length, at + len, at + 64 * 32); p += 32) {
    const first = b[p] ?? 0;
    if (first === 0) break;
    f.push({ at: p, kind: 'bytes', len: 11 }, { at: p, kind: 'u8', hints: [0xe5, 0x05, 0x2e, 0x00, 0x20, 0x41, 0x40] }, { at: p + 11, kind: 'u8', hints: [0x00, 0x08, 0x10, 0x0f, 0x3f, 0x18, 0x20] });
    if ((b[p + 11] ?? 0) === 0x0f) f.push({ at: p + 13, kind: 'u8' }, { at: p + 1, kind: 'bytes', len: 10 });
    else {
      f.push({ at: p + 20, kind: 'le16', hints: [0, 0xffff] }, { at: p + 26, kind: 'le16', hints: [0, 1, 2, 0xffff] }, { at: p + 28, kind: 'le32', hints: [0, 1, 0x7fffffff, 0xffffffff, 64 * 1024 * 1024 + 1] });
      const cluster = (b.readUInt16LE(p + 20) << 16) | b.readUInt16LE(p + 26);
      if ((b[p + 11] ?? 0) & 0x10 && first !== 0x2e && cluster >= 2) sub(cluster);
    }
  }
}

// ---------------------------------------------------------------- writing values

const NAMES = ['..', '.', '/', 'a/b', '\0', 'META-DATA', 'USER-DATA', '../../etc', ...HOSTILE_STRINGS.slice(0, 20)];

function write(b: Buffer, field: Field, rng: Rng, imageBlocks: number): void {
  const { at } = field;
  const pickValue = (max: number): number => {
    const hints = field.hints ?? [];
    const choices = [0, 1, max, imageBlocks, imageBlocks + 1, rng.u32() % (max + 1), ...hints];
    if (at + 4 <= b.length) choices.push(b.readUInt32LE(at) + rng.pick([-1, 1, 2, -2]));
    return Math.max(0, Math.min(max, rng.pick(choices))) >>> 0;
  };
  if (at < 0 || at >= b.length) return;
  switch (field.kind) {
    case 'u8':
      b[at] = pickValue(255);
      break;
    case 'le16':
      if (at + 2 <= b.length) b.writeUInt16LE(pickValue(0xffff), at);
      break;
    case 'le32':
      if (at + 4 <= b.length) b.writeUInt32LE(pickValue(0xffffffff), at);
      break;
    case 'both16':
      if (at + 4 <= b.length) {
        const v = pickValue(0xffff);
        b.writeUInt16LE(v, at);
        b.writeUInt16BE(rng.chance(0.8) ? v : pickValue(0xffff), at + 2);
      }
      break;
    case 'both32':
      if (at + 8 <= b.length) {
        const v = pickValue(0xffffffff);
        b.writeUInt32LE(v, at);
        b.writeUInt32BE(rng.chance(0.8) ? v : pickValue(0xffffffff), at + 4);
      }
      break;
    case 'bytes': {
      const len = field.len ?? 1;
      const text = Buffer.from(rng.pick(NAMES), 'latin1');
      for (let i = 0; i < len && at + i < b.length; i++) b[at + i] = rng.chance(0.8) ? (text[i] ?? 0x20) : rng.int(256);
      break;
    }
  }
}

export function mutateImage(rng: Rng, corpus: readonly Buffer[]): Buffer {
  const base = rng.pick(corpus);
  const { size, prefix } = decodeImage(base);
  const b = Buffer.from(prefix);
  const fields = b.length >= 34 * 1024 && b.toString('latin1', 32769, 32774) === 'CD001' ? isoFields(b) : fatFields(b);
  const n = 1 + rng.small(4);
  for (let i = 0; i < n; i++) {
    if (fields.length && rng.chance(0.85)) write(b, rng.pick(fields), rng, Math.ceil(size / 2048));
    else b[rng.int(Math.min(b.length, 128 * 1024))] = rng.int(256);
  }
  let newSize = size;
  if (rng.chance(0.05)) newSize = rng.pick([0, 512, 2048, 17 * 2048, Math.floor(size / 2), b.length]);
  let out = encodeImage(b, newSize);
  // Bytes inserted or deleted shift every structure: rare, and only the header region stays whole.
  if (rng.chance(0.03)) out = Buffer.concat([out.subarray(0, HEADER), mutateBytes(out.subarray(HEADER), rng, [])]);
  return out;
}
