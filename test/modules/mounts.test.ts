import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { autoSwapSize, mounts, parseSize } from '../../src/modules/mounts.ts';
import { readManifest } from '../../src/stages/manifest.ts';
import { stripMarkedFstabLines } from '../../src/modules/fstab-marks.ts';
import { cleanupRoots, instance, runModule } from './harness.ts';

after(cleanupRoots);

const FSTAB = 'UUID=abc / ext4 defaults 0 1\n/dev/old /old auto defaults,comment=cloudconfig 0 2\n';
const SYSTEMD = { '/run/systemd/system/.keep': '' };
const OPTS = 'defaults,nofail,x-systemd.after=cloud-init-network.service,_netdev,comment=cloudconfig';

describe('mounts', () => {
  it('replaces earlier cloud-config lines, fills missing fields from the defaults, and activates', async () => {
    const r = await runModule(
      mounts,
      { mounts: [['sdb', '/data'], ['/dev/sdc1', '/srv', 'xfs', 'noatime', 0, 0], ['host:/export', '/nfs', 'nfs']] },
      { files: { '/etc/fstab': FSTAB, ...SYSTEMD } },
    );
    assert.equal(r.error, undefined);
    assert.equal(
      r.read('/etc/fstab'),
      'UUID=abc / ext4 defaults 0 1\n' +
        `/dev/sdb\t/data\tauto\t${OPTS}\t0\t2\n` +
        '/dev/sdc1\t/srv\txfs\tnoatime,comment=cloudconfig\t0\t0\n' +
        `host:/export\t/nfs\tnfs\t${OPTS}\t0\t2\n`,
    );
    assert.ok(statSync(join(r.root, 'data')).isDirectory());
    assert.ok(statSync(join(r.root, 'srv')).isDirectory());
    assert.deepEqual(r.commands, ['systemctl daemon-reload', 'mount -a']);
    const { manifest } = readManifest(r.ctx.fs);
    assert.deepEqual(manifest.files['/etc/fstab'], { category: 'fstab', stage: 'init', created: false });
    // clean takes exactly these lines out again.
    assert.equal(stripMarkedFstabLines(r.read('/etc/fstab')), 'UUID=abc / ext4 defaults 0 1\n');
  });

  it('uses mount_default_fields, and nobootwait options without systemd', async () => {
    const custom = await runModule(mounts, { mounts: [['sdb', '/data']], mount_default_fields: [null, null, 'ext4', 'ro', '0', '0'] });
    assert.equal(custom.read('/etc/fstab'), '/dev/sdb\t/data\text4\tro,comment=cloudconfig\t0\t0\n');
    const sysv = await runModule(mounts, { mounts: [['sdb', '/data']] });
    assert.equal(sysv.read('/etc/fstab'), '/dev/sdb\t/data\tauto\tdefaults,nobootwait,comment=cloudconfig\t0\t2\n');
    assert.deepEqual(sysv.commands, ['mount -a']);
  });

  it('resolves ephemeral0 and swap through the block-device-mapping, with the defaults', async () => {
    const ec2 = instance({ metaData: { 'instance-id': 'i-1', 'block-device-mapping': { ami: 'sda1', ephemeral0: 'sdb', swap: 'sdc' } } });
    const r = await runModule(mounts, {}, { instance: ec2, files: { '/dev/xvdb': '', ...SYSTEMD } });
    assert.equal(r.read('/etc/fstab'), `/dev/xvdb\t/mnt\tauto\t${OPTS}\t0\t2\n/dev/sdc\tnone\tswap\tsw,comment=cloudconfig\t0\t0\n`);
    assert.deepEqual(r.commands, ['systemctl daemon-reload', 'mount -a', 'swapon -a']);
    // A null mount point removes a default; a partition suffix names a partition.
    const r2 = await runModule(mounts, { mounts: [['ephemeral0.1', '/scratch'], ['swap', null]] }, { instance: ec2 });
    assert.equal(r2.read('/etc/fstab'), '/dev/sdb1\t/scratch\tauto\tdefaults,nobootwait,comment=cloudconfig\t0\t2\n');
  });

  it('keeps the admin line for a device that is already in fstab', async () => {
    const r = await runModule(mounts, { mounts: [['/dev/sdb', '/data']] }, { files: { '/etc/fstab': '/dev/sdb /mine ext4 defaults 0 2\n' } });
    assert.equal(r.read('/etc/fstab'), '/dev/sdb /mine ext4 defaults 0 2\n');
    assert.match(r.logText, /mounts\[0\]: \/dev\/sdb is already in \/etc\/fstab/);
  });

  it('warns about bad entries and keeps the good ones', async () => {
    const r = await runModule(mounts, { mounts: ['sdb /data', ['sdc', '/has space'], ['a', 'b', 'c', 'd', 'e', 'f', 'g'], ['sdd', '/ok']] });
    assert.equal(r.read('/etc/fstab'), '/dev/sdd\t/ok\tauto\tdefaults,nobootwait,comment=cloudconfig\t0\t2\n');
    assert.match(r.logText, /mounts\[0\]: not a list/);
    assert.match(r.logText, /mounts\[1\]: fields must be/);
    assert.match(r.logText, /mounts\[2\]: not a list of 1 to 6/);
  });

  it('makes a swap file: 0600, fallocate and mkswap recorded, an fstab line, swapon', async () => {
    const r = await runModule(mounts, { swap: { filename: '/swapfile', size: '512M' } }, { files: { '/proc/self/mountinfo': '1 0 8:1 / / rw - ext4 /dev/sda1 rw\n' } });
    assert.equal(r.mode('/swapfile'), 0o600);
    assert.deepEqual(r.commands, ['fallocate -l 512M /swapfile', 'mkswap /swapfile', 'mount -a', 'swapon -a']);
    assert.equal(r.read('/etc/fstab'), '/swapfile\tnone\tswap\tsw,comment=cloudconfig\t0\t0\n');
  });

  it('uses dd on xfs and btrfs, and sizes "auto" swap from the memory', async () => {
    const r = await runModule(
      mounts,
      { swap: { filename: '/swap.img', size: 'auto', maxsize: '1G' } },
      { files: { '/proc/self/mountinfo': '1 0 8:1 / / rw - xfs /dev/sda1 rw\n', '/proc/meminfo': 'MemTotal:        8000000 kB\n' } },
    );
    assert.deepEqual(r.commands.slice(0, 2), ['dd if=/dev/zero of=/swap.img bs=1M count=1024', 'mkswap /swap.img']);
  });

  it('reads sizes and computes the auto size', () => {
    assert.equal(parseSize(1048576), 1048576);
    assert.equal(parseSize('2G'), 2 * 1024 ** 3);
    assert.equal(parseSize('1.5M'), 1.5 * 1024 ** 2);
    assert.equal(parseSize('lots'), null);
    const G = 1024 ** 3;
    assert.equal(autoSwapSize(2 * G, null, null), 2 * G);
    assert.equal(autoSwapSize(8 * G, null, null), 4 * G);
    assert.equal(autoSwapSize(64 * G, null, null), 8 * G);
    assert.equal(autoSwapSize(8 * G, 1 * G, null), 1 * G);
    assert.equal(autoSwapSize(8 * G, null, 2 * G), 1 * G);
  });

  it('a bad swap size is a warning and no swap', async () => {
    const r = await runModule(mounts, { swap: { size: 'big' } });
    assert.match(r.logText, /WARNING: swap\.size: "big"/);
    assert.equal(r.exists('/swap.img'), false);
    assert.deepEqual(r.commands, []);
  });
});
