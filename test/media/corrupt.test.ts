/**
 * Broken images give a MediaError that names the image and what is wrong —
 * never a hang, a wrong answer or an allocation the size of a corrupt field.
 */
import assert from 'node:assert/strict';
import { readFileSync, truncateSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { bufferReader, MediaError, openFileReader } from '../../src/media/block-reader.ts';
import { fatFileClusters, parseFatBootSector, type FatLayout } from '../../src/media/fat.ts';
import { parseFatDirectory } from '../../src/media/fat-directory.ts';
import { openFilesystem, probeFilesystem, type ReadOnlyFs } from '../../src/media/filesystem.ts';
import { suspEntries } from '../../src/media/rock-ridge.ts';
import { fatImage, genisoimage, pattern, patch, peek, TempDirs } from './images.ts';

const temp = new TempDirs();
after(() => temp.cleanup());

const PVD = 16 * 2048;
const BIG = pattern(100 * 1024, 5);

const readers: { close(): void }[] = [];
after(() => readers.forEach((r) => r.close()));

function open(image: string): ReadOnlyFs {
  const r = openFileReader(image);
  readers.push(r);
  return openFilesystem(r);
}

/** `fn` throws a MediaError naming the image and matching `detail`. */
function assertMediaError(fn: () => unknown, image: string, detail: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MediaError, `not a MediaError: ${String(e)}`);
    assert.ok(e.message.startsWith(`${image}: `), e.message);
    assert.match(e.message, detail);
    return true;
  });
}

function both32(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(n, 0);
  b.writeUInt32BE(n, 4);
  return b;
}

/** Byte offset of the record named `id` (as recorded, e.g. "META_DAT.;1") in the root directory. */
function rootRecord(image: string, id: string): number {
  const data = readFileSync(image);
  const root = data.readUInt32LE(PVD + 156 + 2) * 2048;
  for (let pos = root; data[pos]! > 0; pos += data[pos]!) {
    if (data.toString('latin1', pos + 33, pos + 33 + data[pos + 32]!) === id) return pos;
  }
  throw new Error(`no record ${id}`);
}

describe('corrupt iso9660', { timeout: 20_000 }, () => {
  let work: string;
  let plain: () => string;
  let rock: () => string;
  before(() => {
    work = temp.make('corrupt-iso');
    let n = 0;
    plain = () => genisoimage(work, { 'meta-data': 'm', 'big.bin': BIG }, ['-V', 'cidata'], `plain-${n++}.iso`);
    rock = () => genisoimage(work, { 'meta-data': 'm', 'big.bin': BIG }, ['-V', 'cidata', '-R'], `rock-${n++}.iso`);
  });

  test('a truncated image: what is left is readable, what is cut off is an error', () => {
    const image = rock();
    // Keep the first sector of big.bin (the last file written), cut the rest.
    const bigExtent = readFileSync(image).readUInt32LE(rootRecord(image, 'BIG.BIN;1') + 2);
    truncateSync(image, (bigExtent + 1) * 2048);
    const r = openFileReader(image);
    try {
      const fs = openFilesystem(r);
      assert.deepEqual(fs.list('/'), ['big.bin', 'meta-data']);
      assertMediaError(() => fs.readFile('big.bin'), image, /file \/?big\.bin .*beyond the end of the image/);
    } finally {
      r.close();
    }
    // Cut before the descriptors: not an iso9660 any more.
    truncateSync(image, PVD + 100);
    assert.equal(probeFilesystem(bufferReader(readFileSync(image))), null);
    assertMediaError(() => open(image), image, /no iso9660 or vfat filesystem/);
  });

  test('a garbage volume descriptor', () => {
    const image = plain();
    patch(image, 17 * 2048, pattern(2048, 9));
    assertMediaError(() => probeFilesystem(bufferReader(readFileSync(image), image)), image, /volume descriptor 17 is missing or not "CD001"/);
  });

  test('a directory record whose length runs outside its directory', () => {
    const image = plain();
    // The root directory says it is 60 bytes long: "." (34 bytes) fits, ".." does not.
    patch(image, PVD + 156 + 10, both32(60));
    assertMediaError(() => open(image).list('/'), image, /directory record at offset 34 has length 34, outside the directory \(60 bytes\)/);
  });

  test('a directory of implausible size', () => {
    const image = plain();
    patch(image, PVD + 156 + 10, both32(0xfffff000));
    assertMediaError(() => open(image).list('/'), image, /directory of 4294963200 bytes is implausibly large/);
  });

  test('a file extent outside the image', () => {
    const image = plain();
    patch(image, rootRecord(image, 'META_DAT.;1') + 2, both32(0x7fffffff));
    assertMediaError(() => open(image).readFile('meta_dat'), image, /file meta_dat .*beyond the end of the image/);
  });

  test('a multi-extent file is refused', () => {
    const image = plain();
    const at = rootRecord(image, 'META_DAT.;1');
    patch(image, at + 25, [readFileSync(image)[at + 25]! | 0x80]);
    assertMediaError(() => open(image).readFile('meta_dat'), image, /multi-extent files are not supported/);
  });

  test('Rock Ridge continuation areas that loop, or point outside the image', () => {
    const image = rock();
    const data = readFileSync(image);
    const dot = data.readUInt32LE(PVD + 156 + 2) * 2048;
    const area = data.subarray(dot + 34, dot + data[dot]!);
    const ce = suspEntries(area).find((e) => e.signature === 'CE');
    assert.ok(ce, 'genisoimage puts the root\'s "ER" in a continuation area');
    const ceAt = dot + 34 + (ce.data.byteOffset - area.byteOffset) - 4;
    const block = ce.data.readUInt32LE(0);
    const offset = ce.data.readUInt32LE(8);
    // The continuation area now holds nothing but a CE pointing at itself.
    patch(image, block * 2048 + offset, Buffer.concat([Buffer.from([0x43, 0x45, 28, 1]), both32(block), both32(offset), both32(28)]));
    assertMediaError(() => open(image), image, /more than 16 Rock Ridge continuation areas/);
    patch(image, ceAt + 4, both32(0x7fffffff));
    assertMediaError(() => open(image), image, /Rock Ridge continuation area .*beyond the end of the image/);
  });
});

/** Read or write one entry of the first FAT. */
function fatEntry(image: string, l: FatLayout, cluster: number, value?: number): number {
  if (l.bits !== 12) {
    const size = l.bits / 8;
    const at = l.fatOffset + cluster * size;
    const old = size === 2 ? peek(image, at, 2).readUInt16LE(0) : peek(image, at, 4).readUInt32LE(0);
    if (value !== undefined) {
      const b = Buffer.alloc(size);
      if (size === 2) b.writeUInt16LE(value);
      else b.writeUInt32LE(value);
      patch(image, at, b);
    }
    return old;
  }
  const at = l.fatOffset + Math.floor((cluster * 3) / 2);
  const pair = peek(image, at, 2).readUInt16LE(0);
  if (value !== undefined) {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(cluster & 1 ? (pair & 0x000f) | (value << 4) : (pair & 0xf000) | value);
    patch(image, at, b);
  }
  return cluster & 1 ? pair >> 4 : pair & 0x0fff;
}

describe('corrupt vfat', { timeout: 20_000 }, () => {
  let work: string;
  let n = 0;
  /** A fresh image: big.bin spans many clusters, many/ several. */
  const image = (bits: 12 | 16 | 32): { path: string; layout: FatLayout; chain: number[] } => {
    const [kib, args] = bits === 12 ? [2048, []] : bits === 16 ? [20 * 1024, ['-F', '16']] : [34 * 1024, ['-F', '32']];
    const tree = { 'meta-data': 'm', 'big.bin': BIG, 'many/': '' } as Record<string, string | Buffer>;
    for (let i = 0; i < 100; i++) tree[`many/entry-with-a-long-name-${i}.txt`] = '';
    const path = fatImage(work, tree, kib, ['-n', 'CIDATA', ...args], `fat${bits}-${n++}.img`);
    const layout = parseFatBootSector(peek(path, 0, 512), path)!;
    assert.equal(layout.bits, bits);
    const r = openFileReader(path);
    try {
      return { path, layout, chain: fatFileClusters(r, 'big.bin')! };
    } finally {
      r.close();
    }
  };
  before(() => {
    work = temp.make('corrupt-fat');
  });

  for (const bits of [12, 16, 32] as const) {
    test(`FAT${bits}: chains that loop, leave the volume, end early, reach free or bad clusters`, () => {
      const eoc = bits === 12 ? 0xfff : bits === 16 ? 0xffff : 0x0fffffff;
      const bad = bits === 12 ? 0xff7 : bits === 16 ? 0xfff7 : 0x0ffffff7;
      const outside = bits === 12 ? 0xff0 : bits === 16 ? 0xfff0 : 0x0ffffff0;
      const cases: [number, number, RegExp][] = [
        [4, 1, /file \/big\.bin: the cluster chain loops back to cluster/],
        [2, outside, new RegExp(`file /big\\.bin: cluster ${outside} is out of range`)],
        [0, eoc, /file \/big\.bin: the cluster chain ends after 1 clusters, its size needs \d+/],
        [3, 0, /file \/big\.bin: cluster \d+ links to a free FAT entry/],
        [3, bad, /file \/big\.bin: cluster \d+ links to the bad-cluster mark/],
      ];
      const { path, layout, chain } = image(bits);
      assert.ok(chain.length > 5, `big.bin has ${chain.length} clusters`);
      for (const [at, to, detail] of cases) {
        const old = fatEntry(path, layout, chain[at]!, to === 1 ? chain[1]! : to);
        const fs = open(path);
        assert.equal(fs.readFile('meta-data')?.toString(), 'm');
        assertMediaError(() => fs.readFile('big.bin'), path, detail);
        fatEntry(path, layout, chain[at]!, old);
        assert.deepEqual(open(path).readFile('big.bin'), BIG);
      }
    });
  }

  test('a directory whose chain loops', () => {
    for (const bits of [16, 32] as const) {
      const { path, layout } = image(bits);
      const root = bits === 32 ? null : peek(path, layout.rootOffset, layout.rootBytes);
      const many = root ? parseFatDirectory(root, false).entries.find((e) => e.name === 'many')! : undefined;
      const first = many?.firstCluster ?? layout.rootCluster;
      fatEntry(path, layout, first, first);
      assertMediaError(() => (bits === 32 ? open(path) : open(path).list('many')), path, /the cluster chain loops back to cluster/);
    }
  });

  test('a directory entry pointing outside the volume', () => {
    const { path, layout } = image(16);
    const root = peek(path, layout.rootOffset, layout.rootBytes);
    for (let pos = 0; pos < root.length; pos += 32) {
      if (root.toString('latin1', pos, pos + 11) === 'META-D~1   ') patch(path, layout.rootOffset + pos + 26, [0xf0, 0xff]);
    }
    assertMediaError(() => open(path).readFile('meta-data'), path, /cluster 65520 is out of range/);
  });

  test('sizes: a corrupt size is limited, a truncated image is reported', () => {
    const { path, layout } = image(16);
    assertMediaError(() => openFilesystem(bufferReader(readFileSync(path), path), { maxFileBytes: 1000 }).readFile('big.bin'), path, /file of 102400 bytes exceeds the 1000-byte limit/);
    truncateSync(path, layout.dataOffset + 4096);
    assertMediaError(() => open(path).readFile('big.bin'), path, /beyond the end of the image/);
  });

  test('a boot sector whose layout does not fit the volume', () => {
    const { path } = image(12);
    patch(path, 19, [10, 0]); // total sectors: 10
    assertMediaError(() => probeFilesystem(bufferReader(readFileSync(path), path)), path, /the data area starts at sector \d+, past the volume's 10 sectors/);
  });
});
