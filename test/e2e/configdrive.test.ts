/**
 * The ConfigDrive datasource, booted for real through all four stages into
 * temporary target roots: drives as unpacked seed directories and as real
 * ISO9660 images (genisoimage) attached as <root>/dev/vdb. What a user would
 * check: hostname, instance id, SSH keys, instance-data, injected files and
 * their modes, the random seed, log lines for what was refused, and that a
 * cached instance is confirmed from DMI without reading the drive again.
 *
 * The network side (the DHCP fallback of a drive without network_data.json,
 * network_data.json per renderer, missing NICs, v1 drives) is in
 * configdrive-network.test.ts.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildCli, listFiles, type Cli } from '../cli/cli.ts';
import { fatImage, genisoimage, run, type Tree } from '../media/images.ts';
import { boot, describeRuns, fakeNics, targetRoot, type StageResult, type TargetRoot } from './harness.ts';

let cli: Cli;
before(() => {
  cli = buildCli();
});
after(() => cli?.dispose());

const SEED_DIR = '/var/lib/cloud/seed/config_drive';
const UUID = '6f3c2a4e-1b7d-4c55-9e0a-2d8b7f1c9a01';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq1n0p0mY0ZbCv2Zp3s5dUuB8cQk7oR8c0cNq3QX6Qe alice@laptop';

/** A root whose datasource_list holds only ConfigDrive (and None). */
function configDriveRoot(): TargetRoot {
  const root = targetRoot(cli);
  root.write('/etc/cloud/cloud.cfg', 'datasource_list: [ ConfigDrive, None ]\n');
  return root;
}

function metaData(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ uuid: UUID, hostname: 'cd-host', name: 'cd-host', public_keys: { alice: KEY }, ...extra });
}

/** Put an unpacked drive at the config_drive seed. */
function seedDrive(root: TargetRoot, tree: Tree): void {
  for (const [path, content] of Object.entries(tree)) root.write(`${SEED_DIR}/${path}`, content, 0o600);
}

/** A disk image as <root>/dev/<name>, with its /sys/class/block entry (copied, not read into memory: images can be 110 MB). */
function attach(root: TargetRoot, image: string, name = 'vdb'): void {
  mkdirSync(join(root.dir, 'sys/class/block', name), { recursive: true });
  mkdirSync(join(root.dir, 'dev'), { recursive: true });
  copyFileSync(image, join(root.dir, 'dev', name));
}

const MIB = 1024 * 1024;

/** A sparse file of `bytes` bytes (instant, takes no disk space). */
function sparseFile(path: string, bytes: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, '');
  truncateSync(path, bytes);
}

/** Regular files under the root (relative to it; symlinks not followed: sysfs links loop) larger than `bytes`. */
function filesLargerThan(root: TargetRoot, bytes: number): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root.dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && statSync(join(root.dir, p)).size > bytes) out.push(p);
    }
  };
  walk('');
  return out.sort();
}

async function bootOk(root: TargetRoot): Promise<StageResult[]> {
  const runs = await boot(cli, root);
  assert.deepEqual(runs.map((r) => r.status), [0, 0, 0, 0], describeRuns(runs));
  return runs;
}

function log(root: TargetRoot): string {
  return root.read('/var/log/cloud-init.log');
}

/** The log of the last boot only (from its init-local start). */
function lastBootLog(root: TargetRoot): string {
  const text = log(root);
  return text.slice(text.lastIndexOf("running 'init-local'"));
}

function v1(root: TargetRoot): Record<string, unknown> {
  return root.json('/run/cloud-init/instance-data.json')['v1'] as Record<string, unknown>;
}

/** Every regular file under `dir` whose content contains `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && readFileSync(p).includes(needle)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

describe('ConfigDrive: injected files (meta_data.json files)', () => {
  test('written 0600 on the first boot; ".." in path or content_path refused with an ERROR; not rewritten on the next boot of the same instance', async () => {
    const root = configDriveRoot();
    // Outside the drive's openstack/ directory, and outside the target root: neither may be read or written.
    root.write('/var/lib/cloud/seed/drive-secret.txt', 'SECRET-OUTSIDE-OPENSTACK\n');
    const escapeName = `stratus-escape-${basename(root.dir)}`;
    seedDrive(root, {
      'openstack/2012-08-10/meta_data.json': metaData({
        files: [
          { path: '/etc/app/injected.conf', content_path: '/content/0000' },
          { path: `/../../${escapeName}`, content_path: '/content/0001' },
          { path: '/etc/app/../../escaped-too', content_path: '/content/0001' },
          { path: '/etc/app/stolen', content_path: '../../drive-secret.txt' },
          { path: '/etc/app/stolen2', content_path: '/content/../../drive-secret.txt' },
        ],
      }),
      'openstack/content/0000': 'injected=1\n',
      'openstack/content/0001': 'must not be written\n',
    });
    await bootOk(root);

    assert.equal(root.read('/etc/app/injected.conf'), 'injected=1\n');
    assert.equal(root.mode('/etc/app/injected.conf'), 0o600);
    const text = log(root);
    const errors = text.split('\n').filter((l) => /\[ERROR\]/.test(l));
    assert.ok(errors.some((l) => l.includes('files[1]') && l.includes(`/../../${escapeName}`)), text);
    assert.ok(errors.some((l) => l.includes('files[2]') && l.includes('/etc/app/../../escaped-too')), text);
    assert.ok(errors.some((l) => l.includes('files[3]') && l.includes('../../drive-secret.txt')), text);
    assert.ok(errors.some((l) => l.includes('files[4]') && l.includes('/content/../../drive-secret.txt')), text);
    assert.ok(!existsSync(join(dirname(dirname(root.dir)), escapeName)), 'written two levels above the root');
    assert.ok(!existsSync(join(dirname(root.dir), escapeName)), 'written above the root');
    assert.ok(!root.exists('/escaped-too') && !root.exists('/etc/escaped-too'));
    assert.ok(!root.exists('/etc/app/stolen') && !root.exists('/etc/app/stolen2'));
    assert.deepEqual(filesContaining(dirname(root.dir), 'must not be written'), [join(root.dir, SEED_DIR, 'openstack/content/0001')]);
    assert.deepEqual(filesContaining(join(root.dir, 'etc'), 'SECRET-OUTSIDE-OPENSTACK'), []);

    // The admin changes the file; the next boot (same instance, the drive is read again) leaves it alone.
    root.write('/etc/app/injected.conf', 'changed by the admin\n', 0o640);
    root.reboot();
    await bootOk(root);
    assert.match(lastBootLog(root), /found datasource DataSourceConfigDrive/);
    assert.equal(root.read('/etc/app/injected.conf'), 'changed by the admin\n');
    assert.equal(root.mode('/etc/app/injected.conf'), 0o640);
  });
  test('a link on the target pointing at an absolute path is followed inside the target root, never to the host', async () => {
    const root = configDriveRoot();
    // A directory on the host, next to the root: the link's absolute target names it.
    const hostDir = join(dirname(root.dir), `host-side-${basename(root.dir)}`);
    mkdirSync(hostDir);
    mkdirSync(join(root.dir, 'etc'), { recursive: true });
    symlinkSync(hostDir, join(root.dir, 'etc/linked'));
    seedDrive(root, {
      'openstack/2012-08-10/meta_data.json': metaData({ files: [{ path: '/etc/linked/app.conf', content_path: '/content/0000' }] }),
      'openstack/content/0000': 'through a link\n',
    });
    await bootOk(root);
    assert.deepEqual(readdirSync(hostDir), [], 'written on the host through the link');
    assert.equal(readFileSync(join(root.dir, hostDir, 'app.conf'), 'utf8'), 'through a link\n');
    assert.equal(statSync(join(root.dir, hostDir, 'app.conf')).mode & 0o777, 0o600);
  });
});

describe('ConfigDrive: hostile and broken drives', () => {
  test('meta_data.json that is not JSON: located message naming the file, the drive is not used, the boot completes', async () => {
    const root = configDriveRoot();
    seedDrive(root, {
      'openstack/2012-08-10/meta_data.json': `{\n  "uuid": "${UUID}",\n  "hostname": "broken"\n  "name": "x"\n}\n`,
    });
    const runs = await boot(cli, root);
    // Every stage runs; with no datasource the local stage goes on (exit 0) and the later ones report it (exit 1), as without any drive.
    assert.deepEqual(runs.map((r) => r.status), [0, 1, 1, 1], describeRuns(runs));
    assert.match(runs[3]?.stderr ?? '', /running 'modules-final'/);
    const text = log(root);
    assert.match(text, /\[ERROR\]: config drive \/var\/lib\/cloud\/seed\/config_drive cannot be used: \/var\/lib\/cloud\/seed\/config_drive: openstack\/2012-08-10\/meta_data\.json:4:3: not valid JSON/);
    assert.ok(!root.exists(`/var/lib/cloud/instances/${UUID}`));
    assert.ok(!root.exists('/var/lib/cloud/instance'));
    assert.ok(!root.exists('/var/lib/cloud/data/instance-id'));
    assert.ok(!root.exists('/etc/hostname'));

    const st = await cli.run(['--root', root.dir, 'status', '--format', 'json']);
    assert.equal(st.status, 1, st.stdout + st.stderr);
    const json = JSON.parse(st.stdout) as Record<string, { errors?: string[]; recoverable_errors?: Record<string, string[]> } | string>;
    assert.equal(json['status'], 'error');
    const local = json['init-local'] as { recoverable_errors: Record<string, string[]> };
    assert.ok((local.recoverable_errors['ERROR'] ?? []).some((m) => m.includes('openstack/2012-08-10/meta_data.json:4:3')), JSON.stringify(local));
    assert.deepEqual((json['init'] as { errors: string[] }).errors, ['No instance datasource found.']);
  });

  test('a broken seed directory is reported and the config-2 disk after it is used', async () => {
    const root = configDriveRoot();
    seedDrive(root, { 'openstack/2012-08-10/meta_data.json': '{"uuid": ' });
    const image = genisoimage(cli.tempDir('iso'), { 'openstack/2012-08-10/meta_data.json': metaData({ hostname: 'from-disk' }) }, ['-R', '-J', '-V', 'config-2']);
    attach(root, image);
    await bootOk(root);
    assert.match(log(root), /config drive \/var\/lib\/cloud\/seed\/config_drive cannot be used: .*meta_data\.json:1:\d+/);
    assert.equal(root.read('/etc/hostname'), 'from-disk\n');
    assert.equal(v1(root)['subplatform'], 'config-disk (/dev/vdb)');
  });

  test('a drive file larger than 16 MiB (user_data on a seed directory) is refused with a message naming it', async () => {
    const root = configDriveRoot();
    seedDrive(root, {
      'openstack/2012-08-10/meta_data.json': metaData(),
      'openstack/2012-08-10/user_data': Buffer.alloc(17 * 1024 * 1024, 0x61),
    });
    const runs = await boot(cli, root);
    assert.equal(runs[0]?.status, 0, describeRuns(runs));
    assert.match(log(root), /\[ERROR\]: .*openstack\/2012-08-10\/user_data is 17825792 bytes, more than the 16777216/);
    assert.ok(!root.exists(`/var/lib/cloud/instances/${UUID}`), 'the drive was used');
  });
  test('a drive file larger than 16 MiB on a CONFIG-2 FAT image is refused with a message naming the device and the file', async () => {
    const image = fatImage(
      cli.tempDir('fat'),
      { 'openstack/2012-08-10/meta_data.json': metaData(), 'openstack/2012-08-10/user_data': Buffer.alloc(17 * 1024 * 1024, 0x62) },
      20 * 1024,
      ['-n', 'CONFIG-2'],
    );
    const root = configDriveRoot();
    attach(root, image);
    const runs = await boot(cli, root);
    assert.equal(runs[0]?.status, 0, describeRuns(runs));
    assert.match(log(root), /\[ERROR\]: config drive \/dev\/vdb cannot be used: \/dev\/vdb: vfat: \/openstack\/2012-08-10\/user_data: file of 17825792 bytes exceeds the 16777216-byte limit/);
    assert.ok(!root.exists(`/var/lib/cloud/instances/${UUID}`), 'the drive was used');
  });

  // 100 MB: the drive is refused before anything is read from it; the boot goes on without a datasource and writes
  // only the fallback network config under /etc (the NIC keeps the machine reachable), nothing else anywhere.
  const BIG_NIC = { name: 'ens3', mac: '52:54:00:64:00:03', ifindex: 2 };
  const HUNDRED_MB = 100 * MIB;

  async function bootRefused(root: TargetRoot, message: RegExp, drive: string): Promise<void> {
    const etcBefore = listFiles(join(root.dir, 'etc'));
    const started = Date.now();
    const runs = await boot(cli, root);
    const took = Date.now() - started;
    // As without any drive: the local stage goes on (exit 0), the later ones report "no datasource" (exit 1), every stage runs.
    assert.deepEqual(runs.map((r) => r.status), [0, 1, 1, 1], describeRuns(runs));
    assert.match(runs[3]?.stderr ?? '', /running 'modules-final'/);
    // A hang guard, not a speed target (benchmarks measure speed): CI runs this next to other boots on 2 cores.
    assert.ok(took < 60_000, `the boot took ${took} ms`);
    const text = log(root);
    const error = text.split('\n').find((l) => l.includes('[ERROR]') && message.test(l));
    assert.ok(error, text);
    assert.doesNotMatch(text, /found datasource/);
    // No instance from the drive.
    assert.ok(!root.exists(`/var/lib/cloud/instances/${UUID}`));
    assert.ok(!root.exists('/var/lib/cloud/instance'));
    assert.ok(!root.exists('/var/lib/cloud/data/instance-id'));
    assert.ok(!root.exists('/etc/hostname'));
    assert.ok(!root.exists('/root/.ssh/authorized_keys'));
    // Under /etc only the fallback network config is new; the 100 MB exist only where the test put them.
    const etcNew = listFiles(join(root.dir, 'etc')).filter((f) => !etcBefore.includes(f));
    assert.deepEqual(etcNew, ['netplan/50-cloud-init.yaml']);
    assert.match(root.read('/etc/netplan/50-cloud-init.yaml'), /ens3:[\s\S]*dhcp4: true/);
    assert.deepEqual(filesLargerThan(root, 16 * MIB), [drive]);
  }

  test('a 100 MB user_data on a seed directory (openstack/latest, sparse): refused with a message naming the file and the limit, no instance, the boot completes', async () => {
    const root = configDriveRoot();
    fakeNics(root, [BIG_NIC]);
    seedDrive(root, { 'openstack/latest/meta_data.json': metaData() });
    sparseFile(join(root.dir, SEED_DIR, 'openstack/latest/user_data'), HUNDRED_MB);
    await bootRefused(
      root,
      /config drive \/var\/lib\/cloud\/seed\/config_drive cannot be used: \/var\/lib\/cloud\/seed\/config_drive: openstack\/latest\/user_data is 104857600 bytes, more than the 16777216 a config drive file may have/,
      `${SEED_DIR.slice(1)}/openstack/latest/user_data`,
    );
  });

  test('a 100 MB user_data on a 110 MB FAT image labelled CONFIG-2: refused with a message naming the device, the file and the limit, no instance, the boot completes', async () => {
    const work = cli.tempDir('fat');
    const image = fatImage(work, { 'openstack/latest/meta_data.json': metaData() }, 110 * 1024, ['-n', 'CONFIG-2']);
    const big = join(work, 'user_data');
    sparseFile(big, HUNDRED_MB);
    run('mcopy', ['-i', image, big, '::/openstack/latest/user_data']);
    // It is there, at full size.
    assert.match(run('mdir', ['-i', image, '::/openstack/latest']), /user_data\s+104857600\b|USER_DATA\s+104857600\b|104\s?857\s?600/);
    const root = configDriveRoot();
    fakeNics(root, [BIG_NIC]);
    attach(root, image);
    // The FAT reader refuses it from its directory entry, before reading a byte of it.
    await bootRefused(
      root,
      /config drive \/dev\/vdb cannot be used: \/dev\/vdb: vfat: \/openstack\/latest\/user_data: file of 104857600 bytes exceeds the 16777216-byte limit/,
      'dev/vdb',
    );
  });
});

describe('ConfigDrive: random_seed', () => {
  test('meta_data.json random_seed: listed as a base64 key in instance-data, its bytes appended to the target\'s /dev/urandom', async () => {
    const root = configDriveRoot();
    const bytes = Buffer.from([0x00, 0xff, 0x80, 0x01, 0xfe, 0xc3, 0x28, 0x7f, 0x10, 0x9a, 0x00, 0x42]);
    seedDrive(root, { 'openstack/2012-08-10/meta_data.json': metaData({ random_seed: bytes.toString('base64') }) });
    await bootOk(root);
    const data = root.json('/run/cloud-init/instance-data.json');
    assert.deepEqual(data['base64_encoded_keys'], ['ds/meta_data/random_seed']);
    assert.equal(((data['ds'] as Record<string, unknown>)['meta_data'] as Record<string, unknown>)['random_seed'], bytes.toString('base64'));
    // The target has no /dev/urandom device: the module makes a plain file there, holding exactly the decoded bytes.
    assert.deepEqual(readFileSync(join(root.dir, 'dev/urandom')), bytes);
    assert.equal(root.mode('/dev/urandom'), 0o600);
    assert.match(log(root), new RegExp(`random_seed: ${bytes.length} bytes added to /dev/urandom`));
  });
});

describe('ConfigDrive: the next boot', () => {
  test('DMI product_uuid equal to the uuid: the cached instance is confirmed locally and the drive is not read again', async () => {
    const root = configDriveRoot();
    seedDrive(root, { 'openstack/2012-08-10/meta_data.json': metaData() });
    root.write('/sys/class/dmi/id/product_uuid', `${UUID.toUpperCase()}\n`);
    await bootOk(root);
    assert.equal(root.read('/var/lib/cloud/data/instance-id'), `${UUID}\n`);

    // Were the drive read again, this would be an error (and a different hostname).
    seedDrive(root, { 'openstack/2012-08-10/meta_data.json': '{ not json' });
    root.reboot();
    await bootOk(root);
    const second = lastBootLog(root);
    assert.match(second, new RegExp(`restored instance ${UUID} from cache: ConfigDrive confirms the instance id locally`));
    assert.doesNotMatch(second, /config drive|found datasource|meta_data\.json/);
    assert.doesNotMatch(second, /\[ERROR\]/);
    assert.equal(root.read('/etc/hostname'), 'cd-host\n');
    assert.equal(root.read('/var/lib/cloud/data/instance-id'), `${UUID}\n`);
  });

  test('without a matching DMI product_uuid the drive is read again (the contrast)', async () => {
    const root = configDriveRoot();
    seedDrive(root, { 'openstack/2012-08-10/meta_data.json': metaData() });
    root.write('/sys/class/dmi/id/product_uuid', '00000000-0000-0000-0000-000000000000\n');
    await bootOk(root);
    root.reboot();
    await bootOk(root);
    const second = lastBootLog(root);
    assert.doesNotMatch(second, /confirms the instance id locally/);
    assert.match(second, /found datasource DataSourceConfigDrive/);
  });
});
