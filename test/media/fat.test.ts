import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { bufferReader, openFileReader } from '../../src/media/block-reader.ts';
import { fatFileClusters, parseFatBootSector, probeFat } from '../../src/media/fat.ts';
import { parseFatDirectory, shortNameChecksum } from '../../src/media/fat-directory.ts';
import { openFilesystem, probeFilesystem, type ReadOnlyFs } from '../../src/media/filesystem.ts';
import { blkid, copyIntoFat, fatImage, pattern, patch, run, TempDirs, type Tree } from './images.ts';

const temp = new TempDirs();
after(() => temp.cleanup());

const LONG = `${'a-rather-long-file-name-'.repeat(8)}end.json`; // 200 characters: 16 long-name entries
const BIG = pattern(100 * 1024, 11);

const TREE: Tree = {
  'meta-data': 'instance-id: iid-local01\n',
  'user-data': '#cloud-config\n',
  'network-config': 'version: 2\n',
  'openstack/latest/meta_data.json': '{"uuid": "x"}',
  'openstack/latest/user_data': 'ud',
  'empty-dir/': '',
  'readme.txt': 'lower 8.3 name\n',
  'UPPER.TXT': 'upper\n',
  'Mixed.Txt': 'mixed\n',
  'ünïcödé-long-name.txt': 'u\n',
  'äbc.txt': 'short non-ASCII name\n',
  big: BIG,
  empty: '',
  [LONG]: 'long\n',
};
for (let i = 0; i < 300; i++) TREE[`many/entry-${String(i).padStart(3, '0')}.txt`] = `${i}\n`;

function assertFullTree(fs: ReadOnlyFs): void {
  const root = ['Mixed.Txt', 'UPPER.TXT', 'big', 'empty', 'empty-dir', LONG, 'many', 'meta-data', 'network-config', 'openstack', 'readme.txt', 'user-data', 'ünïcödé-long-name.txt', 'äbc.txt'];
  assert.deepEqual(fs.list('/'), root.sort());
  assert.equal(fs.readFile('/meta-data')?.toString(), TREE['meta-data']);
  assert.equal(fs.readFile('openstack/latest/meta_data.json')?.toString(), TREE['openstack/latest/meta_data.json']);
  assert.deepEqual(fs.list('openstack'), ['latest']);
  assert.deepEqual(fs.list('openstack/latest/'), ['meta_data.json', 'user_data']);
  assert.deepEqual(fs.list('empty-dir'), []);
  assert.deepEqual(fs.readFile('big'), BIG);
  assert.deepEqual(fs.readFile('empty'), Buffer.alloc(0));
  assert.equal(fs.readFile(LONG)?.toString(), 'long\n');
  assert.equal(fs.readFile('ünïcödé-long-name.txt')?.toString(), 'u\n');
  // mtools stores "äbc.txt" as a short name only ("ÄBC.TXT" in the DOS code page, with the lowercase flags).
  assert.equal(fs.readFile('ÄBC.TXT')?.toString(), 'short non-ASCII name\n');
  // The NT lowercase flags (no long name) give "readme.txt".
  assert.equal(fs.readFile('readme.txt')?.toString(), TREE['readme.txt']);
  const many = fs.list('many');
  assert.equal(many?.length, 300);
  assert.equal(fs.readFile('many/entry-299.txt')?.toString(), '299\n');
  // vfat compares names case-insensitively and accepts the 8.3 alias.
  assert.equal(fs.readFile('/META-DATA')?.toString(), TREE['meta-data']);
  assert.equal(fs.readFile('OpenStack/LATEST/Meta_Data.JSON')?.toString(), TREE['openstack/latest/meta_data.json']);
  assert.equal(fs.readFile('upper.txt')?.toString(), 'upper\n');
  assert.equal(fs.readFile('META-D~1')?.toString(), TREE['meta-data']);
  // Not there, or the wrong kind.
  assert.equal(fs.readFile('nope'), null);
  assert.equal(fs.readFile('openstack'), null);
  assert.equal(fs.readFile('/'), null);
  assert.equal(fs.list('meta-data'), null);
  assert.equal(fs.list('nope/x'), null);
}

describe('vfat', () => {
  let work: string;
  before(() => {
    work = temp.make('fat');
  });

  const kinds: [string, number, string[], string][] = [
    ['FAT12', 2048, ['-n', 'CIDATA'], 'CIDATA'],
    ['FAT16', 20 * 1024, ['-F', '16', '-n', 'cidata'], 'cidata'],
    ['FAT32', 40 * 1024, ['-F', '32', '-n', 'CONFIG-2'], 'CONFIG-2'],
    ['FAT32', 80 * 1024, ['-F', '32', '-s', '2'], ''],
  ];
  for (const [bits, kib, args, label] of kinds) {
    test(`${bits} (${kib} KiB, mkfs.vfat ${args.join(' ')}): tree, label and UUID`, () => {
      const image = fatImage(work, TREE, kib, args, `${bits}-${kib}.img`);
      const ref = blkid(image);
      assert.equal(ref.VERSION, bits);
      const r = openFileReader(image);
      try {
        const probe = probeFilesystem(r);
        assert.deepEqual(probe, label ? { type: 'vfat', label, uuid: ref.UUID } : { type: 'vfat', label: '', uuid: ref.UUID });
        assert.equal(ref.LABEL ?? '', label);
        assert.equal(probeFat(r)?.bits, Number(bits.slice(3)));
        const fs = openFilesystem(r);
        assert.equal(fs.type, 'vfat');
        assert.equal(fs.label, label);
        assert.equal(fs.uuid, ref.UUID);
        assertFullTree(fs);
      } finally {
        r.close();
      }
    });
  }

  test('the label is the root directory label entry, as blkid has it; the boot sector copy is not used', () => {
    const image = fatImage(work, { 'meta-data': '' }, 2048, ['-n', 'CIDATA'], 'label.img');
    patch(image, 43, Buffer.from('OTHER      ', 'latin1')); // FAT12 BPB label
    assert.equal(probeFilesystem(bufferReader(readFileSync(image)))?.label, 'CIDATA');
    assert.equal(blkid(image).LABEL, 'CIDATA');
    // Without the root entry blkid reports no LABEL (only LABEL_FATBOOT).
    const noRoot = fatImage(work, {}, 2048, ['-n', 'CIDATA'], 'label2.img');
    const layout = parseFatBootSector(readFileSync(noRoot).subarray(0, 512), noRoot)!;
    assert.equal(layout.bpbLabel, 'CIDATA');
    patch(noRoot, layout.rootOffset, [0xe5]);
    assert.equal(probeFilesystem(bufferReader(readFileSync(noRoot)))?.label, '');
    assert.equal(blkid(noRoot).LABEL, undefined);
  });

  test('a fragmented file (write, delete, write) is read through its chain', () => {
    const image = fatImage(work, { 'a.bin': pattern(10000, 1), 'b.bin': pattern(5000, 2) }, 2048, ['-n', 'CIDATA'], 'frag.img');
    run('mdel', ['-i', image, '::/a.bin']);
    const c = pattern(30000, 3);
    copyIntoFat(image, { 'c.bin': c });
    const r = bufferReader(readFileSync(image));
    const clusters = fatFileClusters(r, 'c.bin')!;
    assert.ok(clusters.some((x, i) => i > 0 && x !== clusters[i - 1]! + 1), `not fragmented: ${clusters.join(',')}`);
    const fs = openFilesystem(r);
    assert.deepEqual(fs.readFile('c.bin'), c);
    assert.deepEqual(fs.readFile('b.bin'), pattern(5000, 2));
    // The deleted file is gone from the listing (its entries are marked 0xE5).
    assert.deepEqual(fs.list('/'), ['b.bin', 'c.bin']);
    assert.equal(fs.readFile('a.bin'), null);
  });
});

describe('FAT directory entries', () => {
  function shortEntry(name11: string, attr: number, nt = 0, cluster = 0, size = 0): Buffer {
    const e = Buffer.alloc(32);
    e.write(name11, 0, 'latin1');
    e[11] = attr;
    e[12] = nt;
    e.writeUInt16LE(cluster, 26);
    e.writeUInt32LE(size, 28);
    return e;
  }
  function longEntries(name: string, short: Buffer): Buffer[] {
    const units = [...Buffer.from(name, 'utf16le').values()];
    const chars: number[] = [];
    for (let i = 0; i < units.length; i += 2) chars.push(units[i]! | (units[i + 1]! << 8));
    if (chars.length % 13) chars.push(0);
    while (chars.length % 13) chars.push(0xffff);
    const n = chars.length / 13;
    const out: Buffer[] = [];
    for (let seq = n; seq >= 1; seq--) {
      const e = Buffer.alloc(32);
      e[0] = seq | (seq === n ? 0x40 : 0);
      e[11] = 0x0f;
      e[13] = shortNameChecksum(short);
      [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30].forEach((o, i) => e.writeUInt16LE(chars[(seq - 1) * 13 + i]!, o));
      out.push(e);
    }
    return out;
  }

  test('long names, NT case flags, deleted entries, labels and the end marker', () => {
    const s1 = shortEntry('HELLOW~1TXT', 0x20, 0, 3, 5);
    const dir = Buffer.concat([
      shortEntry('CIDATA     ', 0x08),
      shortEntry('.          ', 0x10),
      ...longEntries('Hello World.txt', s1),
      s1,
      shortEntry('README  TXT', 0x20, 0x08), // base lower case only
      shortEntry('NOTES   MD ', 0x20, 0x10), // extension lower case only
      shortEntry('\u00e5GONE   TXT', 0x20), // deleted
      shortEntry('\u0005LATIN  TXT', 0x20), // 0x05 stands for a leading 0xE5 (σ in code page 437)
      shortEntry('SUB        ', 0x10, 0, 9),
      Buffer.alloc(32), // end
      shortEntry('AFTEREND   ', 0x20),
    ]);
    const parsed = parseFatDirectory(dir, false);
    assert.equal(parsed.label, 'CIDATA');
    assert.deepEqual(
      parsed.entries.map((e) => [e.name, e.shortName, e.isDir, e.firstCluster, e.size]),
      [
        ['Hello World.txt', 'HELLOW~1.TXT', false, 3, 5],
        ['readme.TXT', 'readme.TXT', false, 0, 0],
        ['NOTES.md', 'NOTES.md', false, 0, 0],
        ['σLATIN.TXT', 'σLATIN.TXT', false, 0, 0],
        ['SUB', 'SUB', true, 9, 0],
      ],
    );
  });

  test('a long name whose checksum or order does not match its short entry is ignored', () => {
    const s1 = shortEntry('HELLOW~1TXT', 0x20);
    const bad = longEntries('Hello World.txt', s1);
    for (const e of bad) e[13] = e[13]! ^ 0xff;
    assert.deepEqual(parseFatDirectory(Buffer.concat([...bad, s1]), false).entries.map((e) => e.name), ['HELLOW~1.TXT']);
    const two = longEntries('A name that needs two entries.txt', s1);
    assert.equal(two.length, 3);
    assert.deepEqual(parseFatDirectory(Buffer.concat([two[0]!, two[2]!, s1]), false).entries.map((e) => e.name), ['HELLOW~1.TXT']);
    assert.deepEqual(parseFatDirectory(Buffer.concat([...two, s1]), false).entries.map((e) => e.name), ['A name that needs two entries.txt']);
    // A long name before a deleted entry does not attach to the next one.
    assert.deepEqual(parseFatDirectory(Buffer.concat([...two, shortEntry('\u00e5ELLOW~1TXT', 0x20), s1]), false).entries.map((e) => e.name), ['HELLOW~1.TXT']);
  });

  test('the high cluster word counts on FAT32 only', () => {
    const e = shortEntry('FILE       ', 0x20, 0, 2);
    e.writeUInt16LE(1, 20);
    assert.equal(parseFatDirectory(e, true).entries[0]?.firstCluster, 0x10002);
    assert.equal(parseFatDirectory(e, false).entries[0]?.firstCluster, 2);
  });
});
