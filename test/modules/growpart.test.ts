import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { growpart } from '../../src/modules/growpart.ts';
import { resizefs } from '../../src/modules/resizefs.ts';
import { cleanupRoots, runModule } from './harness.ts';

const made: string[] = [];
after(() => {
  cleanupRoots();
  for (const r of made.splice(0)) rmSync(r, { recursive: true, force: true });
});

interface Disk {
  majorMinor: string;
  disk: string;
  part: string;
  number?: number;
}

/** A target with a mount table for / and sysfs entries for its block device. */
function target(root: { fstype: string; source: string; majorMinor: string; options?: string }, disks: Disk[], files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-growpart-'));
  made.push(dir);
  const put = (p: string, c: string) => {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), c);
  };
  put(
    '/proc/self/mountinfo',
    `22 1 0:21 / /proc rw,nosuid - proc proc rw\n1 0 ${root.majorMinor} / / ${root.options ?? 'rw,relatime'} shared:1 - ${root.fstype} ${root.source} rw\n`,
  );
  for (const d of disks) {
    const sys = `/sys/devices/pci0000:00/0000:00:04.0/block/${d.disk}${d.part === d.disk ? '' : `/${d.part}`}`;
    mkdirSync(join(dir, sys), { recursive: true });
    if (d.number !== undefined) put(`${sys}/partition`, `${d.number}\n`);
    for (const link of [`/sys/dev/block/${d.majorMinor}`, `/sys/class/block/${d.part}`]) {
      mkdirSync(dirname(join(dir, link)), { recursive: true });
      symlinkSync(`../../..${sys}`, join(dir, link));
    }
  }
  for (const [p, c] of Object.entries(files)) put(p, c);
  return dir;
}

const GROWPART = { '/usr/bin/growpart': '#!/bin/sh\n' };

describe('growpart', () => {
  it('grows the partition under / found through mountinfo and sysfs', async () => {
    const root = target({ fstype: 'ext4', source: '/dev/sda1', majorMinor: '8:1' }, [{ majorMinor: '8:1', disk: 'sda', part: 'sda1', number: 1 }], GROWPART);
    const r = await runModule(growpart, {}, { root });
    assert.deepEqual(r.commands, ['growpart /dev/sda 1']);
  });

  it('finds an NVMe partition behind /dev/root', async () => {
    const root = target({ fstype: 'ext4', source: '/dev/root', majorMinor: '259:2' }, [{ majorMinor: '259:2', disk: 'nvme0n1', part: 'nvme0n1p2', number: 2 }], GROWPART);
    const r = await runModule(growpart, { growpart: { mode: 'growpart', devices: ['/'] } }, { root });
    assert.deepEqual(r.commands, ['growpart /dev/nvme0n1 2']);
  });

  it('takes /dev paths in devices and skips what is not a partition', async () => {
    const root = target({ fstype: 'xfs', source: '/dev/vda', majorMinor: '252:0' }, [{ majorMinor: '252:0', disk: 'vda', part: 'vda' }, { majorMinor: '252:17', disk: 'vdb', part: 'vdb1', number: 1 }], GROWPART);
    const r = await runModule(growpart, { growpart: { devices: ['/', '/dev/vdb1', '/data', 7] } }, { root });
    assert.deepEqual(r.commands, ['growpart /dev/vdb 1']);
    assert.match(r.logText, /not a partition/);
    assert.match(r.logText, /nothing is mounted at \/data/);
    assert.match(r.logText, /WARNING: growpart\.devices\[3\]/);
  });

  it('does nothing with mode off, the growroot-disabled marker, or no growpart program', async () => {
    const disks = [{ majorMinor: '8:1', disk: 'sda', part: 'sda1', number: 1 }];
    const mount = { fstype: 'ext4', source: '/dev/sda1', majorMinor: '8:1' };
    const off = await runModule(growpart, { growpart: { mode: 'off' } }, { root: target(mount, disks, GROWPART) });
    assert.deepEqual(off.commands, []);
    const marker = await runModule(growpart, {}, { root: target(mount, disks, { ...GROWPART, '/etc/growroot-disabled': '' }) });
    assert.deepEqual(marker.commands, []);
    const forced = await runModule(growpart, { growpart: { ignore_growroot_disabled: true } }, { root: target(mount, disks, { ...GROWPART, '/etc/growroot-disabled': '' }) });
    assert.deepEqual(forced.commands, ['growpart /dev/sda 1']);
    const missing = await runModule(growpart, { growpart: { mode: 'growpart' } }, { root: target(mount, disks) });
    assert.deepEqual(missing.commands, []);
    assert.match(missing.logText, /WARNING: growpart: mode is growpart but the target has no growpart/);
    const old = await runModule(growpart, { growpart: { mode: false } }, { root: target(mount, disks, GROWPART) });
    assert.deepEqual(old.commands, []);
    assert.match(old.logText, /DEPRECATED/);
  });
});

describe('resizefs', () => {
  it('builds the command for the root filesystem type', async () => {
    const cases: [string, string, string, Disk[]][] = [
      ['ext4', '/dev/sda1', 'resize2fs /dev/sda1', []],
      ['ext4', '/dev/root', 'resize2fs /dev/vda1', [{ majorMinor: '8:1', disk: 'vda', part: 'vda1', number: 1 }]],
      ['xfs', '/dev/sda1', 'xfs_growfs /', []],
      ['btrfs', '/dev/sda2', 'btrfs filesystem resize max /', []],
      ['f2fs', '/dev/sda1', 'resize.f2fs /dev/sda1', []],
    ];
    for (const [fstype, source, want, disks] of cases) {
      const r = await runModule(resizefs, {}, { root: target({ fstype, source, majorMinor: '8:1' }, disks) });
      assert.deepEqual(r.commands, [want], `${fstype} on ${source}`);
    }
  });

  it('skips filesystems it does not grow, and resize_rootfs: false', async () => {
    const overlay = await runModule(resizefs, {}, { root: target({ fstype: 'overlay', source: 'overlay', majorMinor: '0:30' }, []) });
    assert.deepEqual(overlay.commands, []);
    assert.match(overlay.logText, /overlay filesystem .* not one stratus resizes/);
    const off = await runModule(resizefs, { resize_rootfs: false }, { root: target({ fstype: 'ext4', source: '/dev/sda1', majorMinor: '8:1' }, []) });
    assert.deepEqual(off.commands, []);
    const noblock = await runModule(resizefs, { resize_rootfs: 'noblock' }, { root: target({ fstype: 'xfs', source: '/dev/sda1', majorMinor: '8:1' }, []) });
    assert.deepEqual(noblock.commands, ['xfs_growfs /']);
    const bad = await runModule(resizefs, { resize_rootfs: 'sometimes' }, { root: target({ fstype: 'xfs', source: '/dev/sda1', majorMinor: '8:1' }, []) });
    assert.deepEqual(bad.commands, []);
    assert.match(bad.logText, /WARNING: resize_rootfs: "sometimes"/);
  });
});
