/**
 * NoCloud seeds on cidata filesystems, read without mounting: real images
 * made by genisoimage and mkfs.vfat + mtools, put under the target root as
 * block devices (<root>/dev/vdb with <root>/sys/class/block/vdb), booted
 * through all four stages. A corrupted image gives a located message, and
 * the boot goes on without it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildCli, type Cli } from '../cli/cli.ts';
import { fatImage, genisoimage, patch } from '../media/images.ts';
import { boot, describeRuns, targetRoot, type TargetRoot } from './harness.ts';

let cli: Cli;
before(() => {
  cli = buildCli();
});
after(() => cli?.dispose());

const SEED = {
  'meta-data': 'instance-id: iid-media-1\nlocal-hostname: media-host\n',
  'user-data': '#cloud-config\n{}\n',
  'network-config': 'version: 2\nethernets:\n  eth0:\n    dhcp4: true\n',
};

function attach(root: TargetRoot, image: string, name = 'vdb'): void {
  mkdirSync(join(root.dir, 'sys/class/block', name), { recursive: true });
  root.write(`/dev/${name}`, readFileSync(image));
}

async function bootWith(image: string): Promise<TargetRoot> {
  const root = targetRoot(cli);
  attach(root, image);
  const runs = await boot(cli, root);
  assert.deepEqual(runs.map((r) => r.status), [0, 0, 0, 0], describeRuns(runs));
  return root;
}

function assertSeededFrom(root: TargetRoot, device: string): void {
  assert.equal(root.read('/var/lib/cloud/data/instance-id'), 'iid-media-1\n');
  assert.equal(root.read('/etc/hostname'), 'media-host\n');
  const v1 = root.json('/run/cloud-init/instance-data.json')['v1'] as Record<string, unknown>;
  assert.equal(v1['subplatform'], `config-disk (${device})`);
  assert.match(root.read('/run/cloud-init/cloud.cfg'), /datasource_list: \[ NoCloud, None \]/);
  assert.match(root.read('/etc/netplan/50-cloud-init.yaml'), /eth0:\n\s+dhcp4: true/);
}

describe('cidata filesystems', () => {
  test('ISO9660 with Rock Ridge and Joliet (genisoimage -volid cidata -joliet -rock)', async () => {
    const work = cli.tempDir('iso');
    const image = genisoimage(work, SEED, ['-volid', 'cidata', '-joliet', '-rock']);
    assertSeededFrom(await bootWith(image), '/dev/vdb');
  });

  test('ISO9660 labelled CIDATA with Joliet names only (no Rock Ridge)', async () => {
    const work = cli.tempDir('iso');
    const image = genisoimage(work, SEED, ['-volid', 'CIDATA', '-joliet']);
    assertSeededFrom(await bootWith(image), '/dev/vdb');
  });

  test('FAT (mkfs.vfat -n CIDATA, files copied with mtools)', async () => {
    const work = cli.tempDir('fat');
    const image = fatImage(work, SEED, 2048, ['-n', 'CIDATA']);
    assertSeededFrom(await bootWith(image), '/dev/vdb');
  });

  test('the same instance on the next boot is read again from the disk (its id cannot be confirmed otherwise) and stays the same instance', async () => {
    const work = cli.tempDir('fat');
    const image = fatImage(work, SEED, 2048, ['-n', 'cidata']);
    const root = await bootWith(image);
    root.reboot();
    const runs = await boot(cli, root);
    assert.deepEqual(runs.map((r) => r.status), [0, 0, 0, 0], describeRuns(runs));
    const log = root.read('/var/log/cloud-init.log');
    const second = log.slice(log.lastIndexOf("running 'init-local'"));
    assert.match(second, /found datasource DataSourceNoCloud \[seed=\/dev\/vdb\]/);
    assert.equal(root.read('/var/lib/cloud/data/previous-instance-id'), 'NO_PREVIOUS_INSTANCE_ID\n');
  });

  test('a corrupted cidata ISO: a located message in the log and status, and no datasource from it', async () => {
    const work = cli.tempDir('iso');
    const image = genisoimage(work, SEED, ['-volid', 'cidata', '-joliet', '-rock']);
    // The root directory record of the primary volume descriptor (at 16*2048+156): its extent points far outside the image.
    patch(image, 16 * 2048 + 156 + 2, [0xff, 0xff, 0xff, 0x0f, 0x0f, 0xff, 0xff, 0xff]);
    const root = targetRoot(cli);
    attach(root, image);
    const runs = await boot(cli, root);
    // No datasource: the network stage says so (exit 1), the local one does not fail.
    assert.equal(runs[0]?.status, 0, describeRuns(runs));
    assert.equal(runs[1]?.status, 1, describeRuns(runs));
    const status = root.json('/run/cloud-init/status.json') as { v1: Record<string, { errors: string[]; recoverable_errors: Record<string, string[]> }> };
    const localErrors = status.v1['init-local']?.recoverable_errors['ERROR'] ?? [];
    assert.ok(localErrors.some((m) => m.includes('/dev/vdb') && m.includes('iso9660')), JSON.stringify(status.v1['init-local']));
    assert.deepEqual(status.v1['init']?.errors, ['No instance datasource found.']);
    assert.ok(!root.exists('/var/lib/cloud/instance'));
  });

  test('a device with the label but no meta-data is skipped with a warning', async () => {
    const work = cli.tempDir('iso');
    const image = genisoimage(work, { 'user-data': '#cloud-config\n{}\n' }, ['-volid', 'cidata', '-rock']);
    const root = targetRoot(cli);
    attach(root, image);
    const runs = await boot(cli, root, [['init-local', ['init', '--local']]]);
    assert.equal(runs[0]?.status, 0);
    assert.match(runs[0]?.stderr ?? '', /\/dev\/vdb is labelled cidata but has no meta-data file; ignored/);
  });
});

describe('identify sees filesystems without mounting', () => {
  test('a non-cidata disk next to the seed disk changes nothing', async () => {
    const work = cli.tempDir('mixed');
    const other = fatImage(work, { 'README.txt': 'data\n' }, 2048, ['-n', 'DATA'], 'other.img');
    const seed = genisoimage(work, SEED, ['-volid', 'cidata', '-joliet', '-rock']);
    const root = targetRoot(cli);
    attach(root, other, 'vda');
    attach(root, seed, 'sr0');
    writeFileSync(join(root.dir, 'dev/zero-disk'), Buffer.alloc(4096));
    mkdirSync(join(root.dir, 'sys/class/block/zero-disk'), { recursive: true });
    const runs = await boot(cli, root);
    assert.deepEqual(runs.map((r) => r.status), [0, 0, 0, 0], describeRuns(runs));
    assertSeededFrom(root, '/dev/sr0');
  });
});
