/**
 * Seed media read in user space (src/media): images that are empty, garbage,
 * truncated, or real images (genisoimage, mkfs.vfat) with one field made
 * hostile — block sizes of 0, extents and lengths out of the image, a
 * directory that contains its own parent. The safe result is a MediaError
 * that names the image and the fault, or a correct answer; never a hang, an
 * exception of another kind or an allocation the size of a corrupt field.
 * (test/media/corrupt.test.ts has the chain and Rock Ridge loops; these rows
 * are other fields.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bufferReader, MediaError } from '../../../src/media/block-reader.ts';
import { openFilesystem } from '../../../src/media/filesystem.ts';
import { fatImage, genisoimage, TempDirs } from '../../media/images.ts';
import type { Area, Row } from './row.ts';

type Base = 'iso' | 'fat16' | 'fat32' | 'none';
interface Input {
  base: Base;
  /** The image made hostile: its bytes, from the base image's. */
  edit: string;
  /** The file read after listing the root. */
  read: string;
}
interface Value {
  root: string[] | null;
  content: string | null;
}

const temp = new TempDirs();
const bases = new Map<Base, Buffer>();
const TREE = { 'meta-data': 'instance-id: iid-media\n', 'user-data': '#cloud-config\n', 'd/inner': 'x' };

function base(b: Base): Buffer {
  let img = bases.get(b);
  if (!img) {
    const work = temp.make(`catalogue-${b}`);
    img = b === 'none' ? Buffer.alloc(0)
      : b === 'iso' ? readFileSync(genisoimage(work, TREE, ['-V', 'cidata', '-R']))
      : readFileSync(fatImage(work, TREE, b === 'fat16' ? 20 * 1024 : 40 * 1024, b === 'fat16' ? ['-F', '16', '-n', 'CIDATA'] : ['-F', '32', '-n', 'CIDATA']));
    bases.set(b, img);
  }
  return Buffer.from(img);
}

const PVD = 16 * 2048;
/** Byte offset of the record named `id` in the ISO's root directory. */
function isoRecord(img: Buffer, id: string): number {
  const root = img.readUInt32LE(PVD + 158) * 2048;
  for (let pos = root; img[pos]! > 0; pos += img[pos]!) if (img.toString('latin1', pos + 33, pos + 33 + img[pos + 32]!) === id) return pos;
  throw new Error(`no record ${id}`);
}
const both32 = (img: Buffer, at: number, n: number) => {
  img.writeUInt32LE(n >>> 0, at);
  img.writeUInt32BE(n >>> 0, at + 4);
};
const both16 = (img: Buffer, at: number, n: number) => {
  img.writeUInt16LE(n, at);
  img.writeUInt16BE(n, at + 2);
};

/** The hostile edits, by name (an input names its edit, so the table stays data). */
const EDITS: Record<string, (img: Buffer) => Buffer> = {
  none: (img) => img,
  zeros2047: () => Buffer.alloc(2047),
  garbage: () => Buffer.from(Array.from({ length: 1 << 20 }, (_, i) => (i * 2654435761) >>> 24)),
  'iso-block-size-0': (img) => (both16(img, PVD + 128, 0), img),
  'iso-block-size-65535': (img) => (both16(img, PVD + 128, 65535), img),
  'iso-root-extent-is-the-pvd': (img) => (both32(img, PVD + 158, 16), img),
  'iso-root-length-2^31': (img) => (both32(img, PVD + 166, 2 ** 31), img),
  'iso-root-extent-past-the-end': (img) => (both32(img, PVD + 158, 0xfffffff0), img),
  'iso-dir-is-its-parent': (img) => (both32(img, isoRecord(img, 'D') + 2, img.readUInt32LE(PVD + 158)), img),
  'iso-file-length-4GiB': (img) => (both32(img, isoRecord(img, 'META_DAT.;1') + 10, 0xffffffff), img),
  'iso-cut-after-the-pvd': (img) => img.subarray(0, PVD + 2048),
  'iso-record-length-1': (img) => ((img[isoRecord(img, 'META_DAT.;1')] = 1), img),
  'fat-bytes-per-sector-0': (img) => (img.writeUInt16LE(0, 11), img),
  'fat-sectors-per-cluster-3': (img) => ((img[13] = 3), img),
  'fat-no-fats': (img) => ((img[16] = 0), img),
  'fat-reserved-sectors-huge': (img) => (img.writeUInt16LE(65535, 14), img),
  'fat-cut-to-the-boot-sector': (img) => img.subarray(0, 512),
  'fat32-root-cluster-0': (img) => (img.writeUInt32LE(0, 44), img),
  'fat32-root-cluster-huge': (img) => (img.writeUInt32LE(0x0ffffff0, 44), img),
};

const hasMeta = (v: Value) => assert.equal(v.content, 'instance-id: iid-media\n');
const E = (b: Base, edit: string, read = 'meta-data'): Input => ({ base: b, edit, read });

const rows: Row<Input, Value>[] = [
  { name: 'an empty image', input: E('none', 'none'), expect: { rejected: 'image: no iso9660 or vfat filesystem found' } },
  { name: '2047 zero bytes', input: E('none', 'zeros2047'), expect: { rejected: 'image: no iso9660 or vfat filesystem found' } },
  { name: '1 MiB of noise', input: E('none', 'garbage'), expect: { rejected: 'image: no iso9660 or vfat filesystem found' } },
  { name: 'ISO9660 logical block size 0', input: E('iso', 'iso-block-size-0'), expect: { rejected: 'image: iso9660: unsupported logical block size 0' } },
  { name: 'ISO9660 logical block size 65535', input: E('iso', 'iso-block-size-65535'), expect: { rejected: 'image: iso9660: unsupported logical block size 65535' } },
  { name: 'ISO9660 root directory extent is the volume descriptor', input: E('iso', 'iso-root-extent-is-the-pvd'), expect: { rejected: 'image: iso9660: /: directory record at offset 0 has length 1, outside the directory' } },
  { name: 'ISO9660 root directory of 2 GiB', input: E('iso', 'iso-root-length-2^31'), expect: { rejected: 'image: iso9660: /: directory of 2147483648 bytes is implausibly large' } },
  { name: 'ISO9660 root directory extent past the end', input: E('iso', 'iso-root-extent-past-the-end'), expect: { rejected: 'image: iso9660: directory / (bytes 8796092989440..8796092991488) lies beyond the end of the image' } },
  { name: 'ISO9660 directory that is its own parent: a 200-deep path is looked up once per part, no hang', input: E('iso', 'iso-dir-is-its-parent', `${'d/'.repeat(200)}meta-data`), expect: { accepted: hasMeta } },
  { name: 'ISO9660 file length 4 GiB', input: E('iso', 'iso-file-length-4GiB'), expect: { rejected: 'image: iso9660: meta-data: file of 4294967295 bytes exceeds the 67108864-byte limit' } },
  { name: 'ISO9660 cut right after the volume descriptor', input: E('iso', 'iso-cut-after-the-pvd'), expect: { rejected: 'image: iso9660: volume descriptor 17 is missing or not "CD001" before the set terminator' } },
  { name: 'ISO9660 directory record of length 1', input: E('iso', 'iso-record-length-1'), expect: { rejected: 'image: iso9660: /: directory record at offset ' } },
  { name: 'ISO9660 a path with ".." parts stays in the image', input: E('iso', 'none', '../../../etc/passwd'), expect: { accepted: (v) => assert.equal(v.content, null) } },
  { name: 'ISO9660 a path with a NUL', input: E('iso', 'none', 'meta-data\0x'), expect: { accepted: (v) => assert.equal(v.content, null) } },
  { name: 'FAT16 bytes per sector 0', input: E('fat16', 'fat-bytes-per-sector-0'), expect: { rejected: "image: no iso9660 or vfat filesystem found" } },
  { name: 'FAT16 3 sectors per cluster', input: E('fat16', 'fat-sectors-per-cluster-3'), expect: { rejected: "image: no iso9660 or vfat filesystem found" } },
  { name: 'FAT16 no FAT copies', input: E('fat16', 'fat-no-fats'), expect: { rejected: "image: no iso9660 or vfat filesystem found" } },
  { name: 'FAT16 65535 reserved sectors', input: E('fat16', 'fat-reserved-sectors-huge'), expect: { rejected: "image: vfat: the data area starts at sector 65647, past the volume's 40960 sectors" } },
  { name: 'FAT16 cut to its boot sector', input: E('fat16', 'fat-cut-to-the-boot-sector'), expect: { rejected: "image: vfat: root directory (bytes 43008..59392) lies beyond the end of the image (512 bytes)" } },
  { name: 'FAT32 root directory at cluster 0', input: E('fat32', 'fat32-root-cluster-0'), expect: { rejected: 'image: vfat: root directory: cluster 0 is out of range' } },
  { name: 'FAT32 root directory cluster past the volume', input: E('fat32', 'fat32-root-cluster-huge'), expect: { rejected: 'image: vfat: root directory: cluster 268435440 is out of range' } },
  { name: 'FAT32 a path with ".." parts stays in the image', input: E('fat32', 'none', 'd/../../meta-data'), expect: { accepted: hasMeta } },
  { name: 'ISO9660 untouched, ".." inside the image (the contrast)', input: E('iso', 'none', 'd/../meta-data'), expect: { accepted: (v) => { hasMeta(v); assert.deepEqual(v.root, ['d', 'meta-data', 'user-data']); } } },
];

export const media: Area<Input, Value> = {
  area: 'media',
  rows,
  run(input) {
    const edit = EDITS[input.edit];
    if (!edit) throw new Error(`no edit ${input.edit}`);
    const img = edit(base(input.base));
    try {
      const fs = openFilesystem(bufferReader(img, 'image'));
      return { errors: [], warnings: [], value: { root: fs.list('/'), content: fs.readFile(input.read)?.toString('latin1') ?? null } };
    } catch (e) {
      if (e instanceof MediaError) return { errors: [e.message], warnings: [], value: undefined };
      throw e;
    }
  },
};

export function disposeMedia(): void {
  temp.cleanup();
}
