/**
 * Whole boots of the built `stratus` against temporary roots, one process
 * per stage: a NoCloud seed directory, a reboot of the same instance
 * (restored, not re-crawled), a new instance id on the same root (per-instance
 * work done again), a seed named on the kernel command line, and `plan`.
 */
import assert from 'node:assert/strict';
import { lstatSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildCli, type Cli } from '../cli/cli.ts';
import { boot, describeRuns, seedDir, targetRoot, type TargetRoot } from './harness.ts';
import { assertNoSecretLeaks, userDataSecrets } from './secrets-scan.ts';

let cli: Cli;
before(() => {
  cli = buildCli();
});
after(() => cli?.dispose());

const NETWORK_CONFIG = `version: 2
ethernets:
  nic0:
    match: {macaddress: "52:54:00:12:34:56"}
    set-name: eth0
    dhcp4: true
`;

const SEED = {
  'meta-data': 'instance-id: iid-e2e-1\nlocal-hostname: e2e-host\n',
  'user-data': '#cloud-config\nhostname: e2e-user-host\n',
  'network-config': NETWORK_CONFIG,
};

/** Every file and link under the root with its size and mtime: a fingerprint of the tree. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else out.set(relative(dir, p), `${st.size}:${st.mtimeMs}`);
    }
  };
  walk(dir);
  return out;
}

describe('first boot from a NoCloud seed directory', () => {
  let root: TargetRoot;
  let runs: Awaited<ReturnType<typeof boot>>;
  before(async () => {
    root = targetRoot(cli);
    seedDir(root, SEED);
    runs = await boot(cli, root);
  });

  test('every stage exits 0', () => {
    assert.deepEqual(runs.map((r) => r.status), [0, 0, 0, 0], describeRuns(runs));
  });

  test('the instance is current: link, id files, datasource', () => {
    assert.equal(root.link('/var/lib/cloud/instance'), 'instances/iid-e2e-1');
    assert.equal(root.read('/var/lib/cloud/data/instance-id'), 'iid-e2e-1\n');
    assert.equal(root.read('/var/lib/cloud/data/previous-instance-id'), 'NO_PREVIOUS_INSTANCE_ID\n');
    assert.equal(root.read('/run/cloud-init/.instance-id'), 'iid-e2e-1\n');
    assert.match(root.read('/var/lib/cloud/instances/iid-e2e-1/datasource'), /^DataSourceNoCloud: DataSourceNoCloud \[seed=\/var\/lib\/cloud\/seed\/nocloud\]\[dsmode=net\]\n$/);
    assert.match(root.read('/var/lib/cloud/data/previous-datasource'), /DataSourceNoCloud/);
    assert.match(root.read('/var/lib/cloud/instances/iid-e2e-1/boot-finished'), /^\d+\.\d+ - .+ - v\. \d/);
  });

  test('identify wrote the datasource list and the enabled marker', () => {
    assert.match(root.read('/run/cloud-init/cloud.cfg'), /^datasource_list: \[ NoCloud, None \]/m);
    assert.equal(root.read('/run/cloud-init/.ds-identify.result').trim(), '0');
    assert.ok(root.exists('/run/cloud-init/enabled'));
    assert.ok(!root.exists('/run/cloud-init/disabled'));
  });

  test('the network config is rendered for the stack on the target (netplan), 0600, and recorded in the manifest', () => {
    const netplan = root.read('/etc/netplan/50-cloud-init.yaml');
    assert.match(netplan, /macaddress: '52:54:00:12:34:56'/);
    assert.match(netplan, /set-name: eth0/);
    assert.equal(root.mode('/etc/netplan/50-cloud-init.yaml'), 0o600);
    const manifest = root.json('/var/lib/cloud/data/stratus-manifest.json') as { files: Record<string, { category: string }> };
    assert.deepEqual(Object.keys(manifest.files), ['/etc/netplan/50-cloud-init.yaml']);
    assert.equal(manifest.files['/etc/netplan/50-cloud-init.yaml']?.category, 'network');
    assert.ok(root.exists('/run/cloud-init/sem/apply_network_config.once'));
    assert.equal(root.mode('/var/lib/cloud/instances/iid-e2e-1/network-config.json'), 0o600);
  });

  test('the user cloud-config hostname wins over the metadata one', () => {
    assert.equal(root.read('/etc/hostname'), 'e2e-user-host\n');
    assert.ok(root.exists('/var/lib/cloud/instances/iid-e2e-1/sem/config_set_hostname'));
  });

  test('instance data: the world-readable copy is redacted, the full one is 0600', () => {
    assert.equal(root.mode('/run/cloud-init/instance-data.json'), 0o644);
    assert.equal(root.mode('/run/cloud-init/instance-data-sensitive.json'), 0o600);
    const pub = root.json('/run/cloud-init/instance-data.json');
    const full = root.json('/run/cloud-init/instance-data-sensitive.json');
    const v1 = pub['v1'] as Record<string, unknown>;
    assert.equal(v1['instance_id'], 'iid-e2e-1');
    assert.equal(v1['instance-id'], 'iid-e2e-1');
    assert.equal(v1['local_hostname'], 'e2e-host');
    assert.equal(v1['cloud_name'], 'nocloud');
    assert.equal(v1['platform'], 'nocloud');
    assert.equal(v1['subplatform'], 'seed-dir (/var/lib/cloud/seed/nocloud)');
    assert.equal(v1['distro'], 'debian');
    assert.equal(pub['merged_cfg'], 'redacted for non-root user');
    assert.equal(pub['combined_cloud_config'], 'redacted for non-root user');
    assert.notEqual(full['merged_cfg'], 'redacted for non-root user');
    assert.equal((full['combined_cloud_config'] as Record<string, unknown>)['hostname'], 'e2e-user-host');
    // user-data itself is in neither document.
    assert.doesNotMatch(root.read('/run/cloud-init/instance-data.json'), /e2e-user-host/);
    assert.equal(root.mode('/var/lib/cloud/instances/iid-e2e-1/user-data.txt'), 0o600);
    assert.equal(root.read('/var/lib/cloud/instances/iid-e2e-1/user-data.txt'), SEED['user-data']);
    assert.equal(root.mode('/var/lib/cloud/instances/iid-e2e-1/stratus-instance.json'), 0o600);
  });

  test('cloud-id and query answer from the instance data', async () => {
    assert.equal(root.link('/run/cloud-init/cloud-id'), 'cloud-id-nocloud');
    assert.equal(root.read('/run/cloud-init/cloud-id-nocloud'), 'nocloud\n');
    const id = await cli.run(['--root', root.dir, 'cloud-id']);
    assert.equal(id.stdout, 'nocloud\n');
    const q = await cli.run(['--root', root.dir, 'query', 'v1.local_hostname']);
    assert.equal(q.status, 0, q.stderr);
    assert.equal(q.stdout.trim(), 'e2e-host');
  });

  test('status.json and result.json: every stage started and finished, no errors', () => {
    const st = root.json('/run/cloud-init/status.json') as { v1: Record<string, { start: number; finished: number; errors: string[] } | string | null> };
    for (const stage of ['init-local', 'init', 'modules-config', 'modules-final']) {
      const s = st.v1[stage] as { start: number; finished: number; errors: string[] };
      assert.ok(s.start > 0 && s.finished >= s.start, `${stage}: ${JSON.stringify(s)}`);
      assert.deepEqual(s.errors, []);
    }
    assert.equal(st.v1['stage'], null);
    assert.equal(root.link('/run/cloud-init/status.json'), '../../var/lib/cloud/data/status.json');
    assert.deepEqual(root.json('/run/cloud-init/result.json'), {
      v1: { datasource: 'DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud][dsmode=net]', errors: [] },
    });
  });

  test('the log is on the target and holds no user-data', () => {
    const log = root.read('/var/log/cloud-init.log');
    assert.match(log, /found datasource DataSourceNoCloud/);
    assert.doesNotMatch(log, /#cloud-config/);
  });
});

describe('reboots', () => {
  test('same instance id: restored from the cache, not crawled; per-instance work not repeated', async () => {
    const root = targetRoot(cli);
    seedDir(root, SEED);
    const first = await boot(cli, root);
    assert.deepEqual(first.map((r) => r.status), [0, 0, 0, 0], describeRuns(first));
    const before = snapshot(root.dir);
    root.reboot();
    const second = await boot(cli, root);
    assert.deepEqual(second.map((r) => r.status), [0, 0, 0, 0], describeRuns(second));
    const after = snapshot(root.dir);
    const log = root.read('/var/log/cloud-init.log');
    const secondBoot = log.slice(log.lastIndexOf("running 'init-local'"));
    assert.match(secondBoot, /restored instance iid-e2e-1 from cache: NoCloud confirms the instance id locally/);
    assert.doesNotMatch(secondBoot, /found datasource/);
    for (const unchanged of [
      'var/lib/cloud/instances/iid-e2e-1/stratus-instance.json',
      'var/lib/cloud/instances/iid-e2e-1/sem/config_set_hostname',
      'etc/netplan/50-cloud-init.yaml',
      'etc/hostname',
    ]) {
      assert.equal(after.get(unchanged), before.get(unchanged), `${unchanged} was rewritten`);
    }
    assert.notEqual(after.get('var/lib/cloud/instances/iid-e2e-1/boot-finished'), undefined);
  });

  test('a new instance id on the same root: a new instance, per-instance work done again', async () => {
    const root = targetRoot(cli);
    seedDir(root, SEED);
    const first = await boot(cli, root);
    assert.deepEqual(first.map((r) => r.status), [0, 0, 0, 0], describeRuns(first));
    root.reboot();
    seedDir(root, {
      'meta-data': 'instance-id: iid-e2e-2\nlocal-hostname: second-host\n',
      'user-data': '#cloud-config\n{}\n',
      'network-config': NETWORK_CONFIG.replace('52:54:00:12:34:56', '52:54:00:12:34:99'),
    });
    const second = await boot(cli, root);
    assert.deepEqual(second.map((r) => r.status), [0, 0, 0, 0], describeRuns(second));
    assert.equal(root.link('/var/lib/cloud/instance'), 'instances/iid-e2e-2');
    assert.equal(root.read('/var/lib/cloud/data/previous-instance-id'), 'iid-e2e-1\n');
    assert.ok(root.exists('/var/lib/cloud/instances/iid-e2e-2/sem/config_set_hostname'));
    assert.ok(root.exists('/var/lib/cloud/instances/iid-e2e-1/sem/config_set_hostname'), 'the old instance dir is kept');
    assert.equal(root.read('/etc/hostname'), 'second-host\n');
    assert.match(root.read('/etc/netplan/50-cloud-init.yaml'), /52:54:00:12:34:99/);
  });
});

describe('kernel command line seed', () => {
  test('ds=nocloud;s=file://…;i=…;h=…: command-line keys win over the seed\'s meta-data', async () => {
    const root = targetRoot(cli);
    root.write('/proc/cmdline', 'BOOT_IMAGE=/vmlinuz root=/dev/vda1 ds=nocloud;s=file:///srv/seed/;i=iid-cmdline;h=cmdline-host quiet\n');
    seedDir(root, { 'meta-data': 'instance-id: iid-from-seed\nlocal-hostname: seed-host\n', 'user-data': '' }, '/srv/seed');
    const runs = await boot(cli, root);
    assert.deepEqual(runs.map((r) => r.status), [0, 0, 0, 0], describeRuns(runs));
    assert.equal(root.read('/var/lib/cloud/data/instance-id'), 'iid-cmdline\n');
    assert.equal(root.read('/etc/hostname'), 'cmdline-host\n');
    assert.match(root.read('/run/cloud-init/cloud.cfg'), /datasource_list: \[ NoCloud, None \]/);
    const v1 = root.json('/run/cloud-init/instance-data.json')['v1'] as Record<string, unknown>;
    assert.equal(v1['subplatform'], 'seed-dir (/srv/seed)');
    // No network-config anywhere: the fallback; this root has no NICs, so nothing is written.
    assert.ok(!root.exists('/etc/netplan/50-cloud-init.yaml'));
  });
});

describe('plan', () => {
  test('prints what the first boot would write, and changes nothing', async () => {
    const root = targetRoot(cli);
    root.write('/etc/hostname', 'old-name\n');
    const before = snapshot(root.dir);
    const seed = cli.tempDir('seed');
    const r = await cli.run(['--root', root.dir, 'plan', '--seed', seed]);
    assert.deepEqual(snapshot(root.dir), before, 'plan changed the target');
    // An empty seed dir: no datasource, the plan says so and exits 1.
    assert.equal(r.status, 1, r.stderr);

    const seedRoot = cli.tempDir('seed2');
    for (const [n, c] of Object.entries(SEED)) writeFileSync(join(seedRoot, n), c);
    const p = await cli.run(['--root', root.dir, 'plan', '--seed', seedRoot]);
    assert.equal(p.status, 0, p.stderr);
    assert.deepEqual(snapshot(root.dir), before, 'plan changed the target');
    assert.match(p.stdout, /^change \/etc\/hostname \(mode 0644\)\n--- a\/etc\/hostname\n\+\+\+ b\/etc\/hostname\n@@ -1 \+1 @@\n-old-name\n\+e2e-user-host\n/m);
    assert.match(p.stdout, /^create \/etc\/netplan\/50-cloud-init.yaml \(mode 0600, \d+ bytes; only root may read it/m);
    assert.match(p.stdout, /^symlink \/var\/lib\/cloud\/instance -> \/var\/lib\/cloud\/instances\/iid-e2e-1$/m);
    assert.doesNotMatch(p.stdout, /#cloud-config/, 'user-data is not shown without --show-secrets');
    // The seed is outside the root here: its user-data is the scan's secret by hand.
    await assertNoSecretLeaks(root, [r, p], { secrets: await userDataSecrets(SEED['user-data'], 'the plan\'s seed user-data') });
    // The target has no netplan generator binary: the CLI is named.
    assert.match(p.stdout, /commands the boot would run:\n {2}\[init-local\] netplan generate\n {2}\[init\] hostname e2e-user-host\n/);
  });
});

describe('clean after a boot', () => {
  test('clean --configs network --logs: the rendered network files go, the seed and /etc/hostname stay', async () => {
    const root = targetRoot(cli, { renderer: 'networkd' });
    seedDir(root, SEED);
    const runs = await boot(cli, root);
    assert.deepEqual(runs.map((r) => r.status), [0, 0, 0, 0], describeRuns(runs));
    assert.ok(root.exists('/etc/systemd/network/10-cloud-init-eth0.network'));
    const r = await cli.run(['--root', root.dir, 'clean', '--configs', 'network', '--logs']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!root.exists('/etc/systemd/network/10-cloud-init-eth0.network'));
    assert.ok(!root.exists('/var/log/cloud-init.log'));
    assert.ok(!root.exists('/var/lib/cloud/instance'));
    assert.ok(!root.exists('/var/lib/cloud/data'));
    assert.ok(root.exists('/var/lib/cloud/seed/nocloud/meta-data'));
    assert.equal(root.read('/etc/hostname'), 'e2e-user-host\n');
    assert.ok(root.exists('/etc/os-release'));
  });
});
