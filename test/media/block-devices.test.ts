import assert from 'node:assert/strict';
import { closeSync, copyFileSync, mkdirSync, openSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findFilesystemsByLabel, openDeviceFilesystem, probeBlockDevices } from '../../src/host/block-devices.ts';
import { bufferReader, deviceSizeByReading, openFileReader } from '../../src/media/block-reader.ts';
import { blkid, fatImage, genisoimage, pattern, patch, TempDirs } from './images.ts';

const temp = new TempDirs();
after(() => temp.cleanup());

describe('block devices under a root', () => {
  let root: string;
  let isoUuid: string;
  let fatUuid: string;
  before(() => {
    const work = temp.make('blockdev-images');
    root = temp.make('blockdev-root');
    const iso = genisoimage(work, { 'openstack/latest/meta_data.json': '{"uuid": "u"}' }, ['-V', 'config-2', '-R', '-J'], 'cd.iso');
    const fat = fatImage(work, { 'meta-data': 'instance-id: i-1\n', 'user-data': '#cloud-config\n' }, 2048, ['-n', 'CIDATA'], 'seed.img');
    const broken = fatImage(work, {}, 2048, ['-n', 'CIDATA'], 'broken.img');
    patch(broken, 19, [10, 0]); // 10 sectors: the data area would start past the end
    isoUuid = blkid(iso).UUID!;
    fatUuid = blkid(fat).UUID!;
    const device = (name: string, image: string | Buffer | null, sysfsSize?: number): void => {
      mkdirSync(join(root, 'sys/class/block', name), { recursive: true });
      if (sysfsSize !== undefined) writeFileSync(join(root, 'sys/class/block', name, 'size'), `${sysfsSize}\n`);
      mkdirSync(join(root, 'dev'), { recursive: true });
      if (typeof image === 'string') copyFileSync(image, join(root, 'dev', name));
      else if (image) writeFileSync(join(root, 'dev', name), image);
    };
    device('vda', pattern(1024 * 1024, 4)); // a disk with no filesystem we know
    device('vda1', Buffer.alloc(64 * 1024)); // zeros
    device('vdb', fat);
    device('sr0', iso, statSync(iso).size / 512);
    device('vdc', broken);
    device('vdd', null); // in sysfs, but no device node
    device('loop0', null, 0); // unused loop device: skipped without opening
    device('sr1', null, 0); // empty CD drive: skipped
  });

  test('every iso9660 and vfat filesystem, sorted by name; broken and missing devices reported, not thrown', () => {
    const scan = probeBlockDevices(root);
    assert.deepEqual(scan.devices, [
      { device: '/dev/sr0', type: 'iso9660', label: 'config-2', uuid: isoUuid },
      { device: '/dev/vdb', type: 'vfat', label: 'CIDATA', uuid: fatUuid },
    ]);
    assert.deepEqual(
      scan.errors.map((e) => e.device),
      ['/dev/vdc', '/dev/vdd'],
    );
    assert.match(scan.errors[0]!.reason, /dev\/vdc: vfat: the data area starts at sector \d+, past the volume's 10 sectors/);
    assert.match(scan.errors[1]!.reason, /ENOENT/);
  });

  test('findFilesystemsByLabel matches labels exactly and filters by type', () => {
    assert.deepEqual(
      findFilesystemsByLabel(root, ['cidata', 'CIDATA'], ['iso9660', 'vfat']).devices.map((d) => d.device),
      ['/dev/vdb'],
    );
    assert.deepEqual(findFilesystemsByLabel(root, ['cidata'], ['iso9660', 'vfat']).devices, []);
    assert.deepEqual(
      findFilesystemsByLabel(root, ['config-2', 'CONFIG-2'], ['iso9660', 'vfat']).devices.map((d) => d.device),
      ['/dev/sr0'],
    );
    assert.deepEqual(findFilesystemsByLabel(root, ['config-2'], ['vfat']).devices, []);
  });

  test('openDeviceFilesystem reads files from a device', () => {
    const fs = openDeviceFilesystem(root, '/dev/vdb');
    try {
      assert.equal(fs.type, 'vfat');
      assert.equal(fs.label, 'CIDATA');
      assert.equal(fs.uuid, fatUuid);
      assert.equal(fs.readFile('/meta-data')?.toString(), 'instance-id: i-1\n');
    } finally {
      fs.close();
    }
    const cd = openDeviceFilesystem(root, '/dev/sr0');
    try {
      assert.equal(cd.readFile('openstack/latest/meta_data.json')?.toString(), '{"uuid": "u"}');
    } finally {
      cd.close();
    }
    assert.throws(() => openDeviceFilesystem(root, '/dev/vda'), /\/dev\/vda: no iso9660 or vfat filesystem found/);
    assert.throws(() => openDeviceFilesystem(root, '/../etc/passwd'), /outside/);
  });

  test('a root without sysfs has no devices', () => {
    assert.deepEqual(probeBlockDevices(temp.make('blockdev-empty')), { devices: [], errors: [] });
  });
});

describe('block readers', () => {
  test('short reads past the end', () => {
    const r = bufferReader(Buffer.from('abcdef'), 'mem');
    assert.equal(r.read(4, 10).toString(), 'ef');
    assert.equal(r.read(10, 10).length, 0);
    const dir = temp.make('reader');
    const file = join(dir, 'img');
    writeFileSync(file, pattern(5000));
    const f = openFileReader(file);
    try {
      assert.equal(f.size, 5000);
      assert.equal(f.name, file);
      assert.deepEqual(f.read(4990, 100), pattern(5000).subarray(4990));
      assert.equal(f.read(6000, 10).length, 0);
    } finally {
      f.close();
      f.close(); // closing twice is harmless
    }
    // A device's size (fstat says 0) is found by reading: whole sectors.
    for (const size of [0, 511, 512, 5000, 1024 * 1024, 3 * 1024 * 1024 + 512]) {
      writeFileSync(file, Buffer.alloc(size));
      const fd = openSync(file, 'r');
      try {
        assert.equal(deviceSizeByReading(fd), Math.floor(size / 512) * 512, String(size));
      } finally {
        closeSync(fd);
      }
    }
    writeFileSync(file, pattern(5000));
    // A size given (from sysfs) limits what is read.
    const g = openFileReader(file, { size: 1024 });
    try {
      assert.equal(g.read(1000, 100).length, 24);
    } finally {
      g.close();
    }
  });
});
