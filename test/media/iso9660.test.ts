import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bufferReader, openFileReader } from '../../src/media/block-reader.ts';
import { openFilesystem, probeFilesystem, type ReadOnlyFs } from '../../src/media/filesystem.ts';
import { iso9660Naming } from '../../src/media/iso9660.ts';
import { blkid, genisoimage, pattern, TempDirs, writeTree, run, xorrisoNative, type Tree } from './images.ts';

const temp = new TempDirs();
after(() => temp.cleanup());

const LONG = `${'long-name-'.repeat(12)}end.json`; // 126 characters
const LONGEST = `${'z'.repeat(240)}.yaml`; // 245 bytes: its Rock Ridge name needs a continuation area
const BIG = pattern(100 * 1024, 7);

/** What a config drive or seed holds, plus the awkward cases. */
const TREE: Tree = {
  'meta-data': 'instance-id: iid-local01\nlocal-hostname: cloudimg\n',
  'user-data': '#cloud-config\npassword: passw0rd\n',
  'openstack/latest/meta_data.json': '{"uuid": "83679162-1378-4288-a2d4-70e13ec132aa"}',
  'openstack/2012-08-10/': '',
  'two-sectors.bin': pattern(5000, 3),
  'big.bin': BIG,
  empty: '',
  [LONG]: 'long\n',
  'Mixed.Case': 'mixed\n',
};
for (let i = 0; i < 150; i++) TREE[`many/entry-with-a-longish-name-${String(i).padStart(3, '0')}.txt`] = `${i}\n`;

function open(image: string): ReadOnlyFs {
  return openFilesystem(bufferReader(readFileSync(image), image));
}

function text(fs: ReadOnlyFs, path: string): string | undefined {
  return fs.readFile(path)?.toString('utf8');
}

/** The tree read back through a filesystem equals what was written. */
function assertFullTree(fs: ReadOnlyFs): void {
  assert.deepEqual(fs.list('/'), ['Mixed.Case', 'big.bin', 'empty', LONG, 'many', 'meta-data', 'openstack', 'two-sectors.bin', 'user-data'].sort());
  assert.equal(text(fs, '/meta-data'), TREE['meta-data']);
  assert.equal(text(fs, 'user-data'), TREE['user-data']);
  assert.equal(text(fs, 'openstack/latest/meta_data.json'), TREE['openstack/latest/meta_data.json']);
  assert.equal(text(fs, '/openstack/latest/../latest/./meta_data.json'), TREE['openstack/latest/meta_data.json']);
  assert.deepEqual(fs.list('/openstack'), ['2012-08-10', 'latest']);
  assert.deepEqual(fs.list('openstack/2012-08-10/'), []);
  assert.deepEqual(fs.readFile('two-sectors.bin'), TREE['two-sectors.bin']);
  assert.deepEqual(fs.readFile('big.bin'), BIG);
  assert.deepEqual(fs.readFile('empty'), Buffer.alloc(0));
  assert.equal(text(fs, LONG), 'long\n');
  const many = fs.list('many');
  assert.equal(many?.length, 150);
  assert.equal(many?.[149], 'entry-with-a-longish-name-149.txt');
  assert.equal(text(fs, 'many/entry-with-a-longish-name-149.txt'), '149\n');
  // Not there, or the wrong kind.
  assert.equal(fs.readFile('nope'), null);
  assert.equal(fs.readFile('openstack'), null);
  assert.equal(fs.readFile('/'), null);
  assert.equal(fs.list('meta-data'), null);
  assert.equal(fs.list('nope/deeper'), null);
  assert.equal(fs.readFile('meta-data/x'), null);
}

describe('iso9660', () => {
  let work: string;
  before(() => {
    work = temp.make('iso');
  });

  test('a NoCloud seed made as the cloud-init docs say (Rock Ridge + Joliet)', () => {
    const dir = join(work, 'docs');
    writeTree(dir, { 'user-data': '#cloud-config\n', 'meta-data': 'instance-id: x\n' });
    run('genisoimage', ['-quiet', '-output', 'seed.iso', '-volid', 'cidata', '-joliet', '-rock', 'user-data', 'meta-data'], dir);
    const image = join(dir, 'seed.iso');
    const r = openFileReader(image);
    try {
      const probe = probeFilesystem(r);
      const ref = blkid(image);
      assert.deepEqual(probe, { type: 'iso9660', label: 'cidata', uuid: ref.UUID });
      assert.equal(ref.LABEL, 'cidata');
      assert.equal(iso9660Naming(r), 'rockridge');
      const fs = openFilesystem(r);
      assert.equal(fs.type, 'iso9660');
      assert.deepEqual(fs.list('/'), ['meta-data', 'user-data']);
      assert.equal(text(fs, '/meta-data'), 'instance-id: x\n');
      // Rock Ridge names are exact.
      assert.equal(fs.readFile('/META-DATA'), null);
    } finally {
      r.close();
    }
  });

  test('Rock Ridge + Joliet: Rock Ridge names win, with no length limit', () => {
    const image = genisoimage(work, { ...TREE, [LONGEST]: 'longest' }, ['-V', 'cidata', '-R', '-J'], 'rj.iso');
    assert.equal(iso9660Naming(bufferReader(readFileSync(image))), 'rockridge');
    const fs = open(image);
    assert.equal(text(fs, LONGEST), 'longest');
    assert.ok(fs.list('/')?.includes(LONGEST));
  });

  test('Rock Ridge only', () => {
    const fs = open(genisoimage(work, TREE, ['-V', 'cidata', '-R'], 'r.iso'));
    assertFullTree(fs);
    assert.equal(fs.readFile('MIXED.CASE'), null);
  });

  test('Rock Ridge directories nested deeper than 8 levels are relocated and found through their child link', () => {
    const deep = 'a/b/c/d/e/f/g/h/i/j/deep.txt';
    const fs = open(genisoimage(work, { [deep]: 'deep\n' }, ['-V', 'cidata', '-R'], 'deep.iso'));
    assert.equal(text(fs, deep), 'deep\n');
    assert.deepEqual(fs.list('a/b/c/d/e/f/g/h'), ['i']);
    assert.deepEqual(fs.list('a/b/c/d/e/f/g/h/i/j'), ['deep.txt']);
    // The relocated directory is not listed a second time where genisoimage moved it.
    assert.deepEqual(fs.list('rr_moved'), []);
  });

  test('Joliet only: UCS-2 names, case kept and compared exactly, ";1" dropped, at most 64 characters', () => {
    const image = genisoimage(work, { ...TREE, 'ünïcödé-€.txt': 'u' }, ['-V', 'cidata', '-J'], 'j.iso');
    assert.equal(iso9660Naming(bufferReader(readFileSync(image))), 'joliet');
    const fs = open(image);
    assert.equal(text(fs, 'ünïcödé-€.txt'), 'u');
    assert.equal(text(fs, 'Mixed.Case'), 'mixed\n');
    assert.equal(fs.readFile('mixed.case'), null);
    // genisoimage cuts Joliet names to 64 characters.
    const cut = LONG.slice(0, 64);
    assert.ok(fs.list('/')?.includes(cut), `${cut} in ${fs.list('/')?.join(', ')}`);
    assert.equal(text(fs, cut), 'long\n');
    assert.equal(text(fs, 'openstack/latest/meta_data.json'), TREE['openstack/latest/meta_data.json']);
    assert.deepEqual(fs.readFile('big.bin'), BIG);
    assert.equal(fs.list('many')?.length, 150);
  });

  test('Joliet with -joliet-long keeps up to 103 characters', () => {
    const fs = open(genisoimage(work, { [LONG]: 'long\n' }, ['-V', 'cidata', '-J', '-joliet-long'], 'jl.iso'));
    assert.deepEqual(fs.list('/'), [LONG.slice(0, 103)]);
  });

  test('plain ISO 9660: names as recorded (8.3, upper case), version and bare dot dropped, looked up case-insensitively', () => {
    const image = genisoimage(work, TREE, ['-V', 'cidata'], 'plain.iso');
    assert.equal(iso9660Naming(bufferReader(readFileSync(image))), 'plain');
    const fs = open(image);
    const root = fs.list('/') ?? [];
    assert.ok(root.includes('META_DAT') && root.includes('USER_DAT') && root.includes('EMPTY') && root.includes('OPENSTAC'), root.join(', '));
    // As a Linux mount with map=normal: the real names are gone, the 8.3 ones match in any case.
    assert.equal(fs.readFile('meta-data'), null);
    assert.equal(text(fs, 'meta_dat'), TREE['meta-data']);
    assert.equal(text(fs, 'META_DAT'), TREE['meta-data']);
    assert.equal(text(fs, 'openstac/latest/meta_dat.jso'), TREE['openstack/latest/meta_data.json']);
    assert.deepEqual(fs.readFile('BIG.BIN'), BIG);
    assert.deepEqual(fs.readFile('empty'), Buffer.alloc(0));
    assert.equal(fs.list('many')?.length, 150);
  });

  test('xorriso, native (Rock Ridge) and as mkisofs with Joliet', () => {
    assertFullTree(open(xorrisoNative(work, TREE, 'config-2')));
    const image = join(work, 'xorriso-mkisofs.iso');
    const src = join(work, 'xm.d');
    writeTree(src, TREE);
    run('xorriso', ['-as', 'mkisofs', '-quiet', '-o', image, '-V', 'CONFIG-2', '-R', '-J', src]);
    const fs = open(image);
    assertFullTree(fs);
    assert.equal(fs.label, 'CONFIG-2');
  });

  test('labels and UUIDs agree with blkid', () => {
    const cases: [string, string[]][] = [
      ['cidata', ['-R', '-J']],
      ['config-2', ['-J']],
      ['A Label With Spaces And Case XY', ['-J']],
      ['abcdefghijklmnopqrstuvwxyz012345', ['-J']],
      ['Etikett-ÄÖÜ', ['-J', '-R']],
      ['CIDATA', []],
    ];
    for (const [label, args] of cases) {
      const image = genisoimage(work, { 'meta-data': '' }, ['-V', label, ...args], 'label.iso');
      const ref = blkid(image);
      const probe = probeFilesystem(bufferReader(readFileSync(image)));
      assert.deepEqual(probe, { type: 'iso9660', label: ref.LABEL, uuid: ref.UUID }, label);
      assert.equal(probe?.label, label);
    }
  });

  test('the UUID is the modification date, as blkid has it', () => {
    const image = join(work, 'dates.iso');
    const src = join(work, 'dates.d');
    writeTree(src, { 'meta-data': '' });
    run('xorriso', ['-report_about', 'SORRY', '-outdev', image, '-volid', 'cidata', '-volume_date', 'c', '2011010112000000', '-volume_date', 'm', '2012020213141500', '-map', src, '/']);
    assert.equal(probeFilesystem(bufferReader(readFileSync(image)))?.uuid, '2012-02-02-13-14-15-00');
    assert.equal(blkid(image).UUID, '2012-02-02-13-14-15-00');
  });
});
