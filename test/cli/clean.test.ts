/**
 * `stratus clean` on temporary roots: exactly the manifest's files of the
 * chosen categories go (and nothing it does not list), the state under
 * /var/lib/cloud goes but the seed (unless --seed), /run/cloud-init stays,
 * --logs, --machine-id with and without systemd, the fallback for a target
 * without a manifest, failures named by path, and what is not done under
 * a root other than "/" (clean.d scripts, reboot).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { runClean, type CleanIo } from '../../src/cli/clean.ts';
import { DiskRoot, type RootFs } from '../../src/host/root-fs.ts';
import { stripMarkedFstabLines } from '../../src/modules/fstab-marks.ts';
import { cleanArtifacts } from '../../src/stages/clean.ts';
import { capture, runVerbProcess, tempRoots, type Entry } from '../report/helpers.ts';

const roots = tempRoots('stratus-clean-test-');
after(() => roots.dispose());

const FSTAB = `# /etc/fstab: static file system information.
UUID=abc / ext4 defaults 0 1
/dev/vdb /mnt auto defaults,nofail,x-systemd.after=cloud-init.service,_netdev,comment=cloudconfig 0 2
/dev/vdc none swap sw,comment=cloudconfig 0 0
`;

const MANIFEST = {
  version: 1,
  files: {
    '/etc/netplan/50-cloud-init.yaml': { category: 'network', stage: 'init-local', created: true },
    '/etc/systemd/network/10-cloud-init-eth0.netdev': { category: 'network', stage: 'init-local', created: true },
    '/etc/sysconfig/network-scripts/ifcfg-eth0': { category: 'network', stage: 'init-local', created: true },
    '/etc/sysconfig/network-scripts/route-eth0': { category: 'network', stage: 'init-local', created: true },
    '/etc/ssh/sshd_config.d/50-cloud-init.conf': { category: 'ssh_config', stage: 'modules-config', created: true },
    '/etc/hosts': { category: 'system', stage: 'modules-config', created: false },
    '/etc/fstab': { category: 'fstab', stage: 'modules-config', created: false },
    '/etc/stratus-ds-cache': { category: 'datasource', stage: 'init', created: true },
  },
};

const NETWORK = [
  'etc/netplan/50-cloud-init.yaml',
  'etc/systemd/network/10-cloud-init-eth0.netdev',
  'etc/sysconfig/network-scripts/ifcfg-eth0',
  'etc/sysconfig/network-scripts/route-eth0',
];
const KEEP_ALWAYS = [
  'etc/netplan/01-custom.yaml',
  // Looks like cloud-init's, but the manifest does not list it: stratus did not write it.
  'etc/NetworkManager/system-connections/cloud-init-eth9.nmconnection',
  'etc/hosts',
  'var/log/syslog',
  'run/cloud-init/status.json',
  'run/cloud-init/instance-data.json',
];
const STATE = [
  'var/lib/cloud/instance',
  'var/lib/cloud/instances/iid-1/user-data.txt',
  'var/lib/cloud/instances/iid-1/sem/config_ssh',
  'var/lib/cloud/data/status.json',
  'var/lib/cloud/data/stratus-manifest.json',
  'var/lib/cloud/sem/config_x.once',
];
const SEED = ['var/lib/cloud/seed/nocloud/user-data', 'var/lib/cloud/seed/nocloud/meta-data'];
const LOGS = ['var/log/cloud-init.log', 'var/log/cloud-init-output.log'];

function target(extra: Record<string, Entry> = {}): Record<string, Entry> {
  const files: Record<string, Entry> = {};
  for (const f of [...NETWORK, ...KEEP_ALWAYS, ...STATE, ...SEED, ...LOGS]) files[`/${f}`] = `${f}\n`;
  return {
    ...files,
    '/etc/ssh/sshd_config.d/50-cloud-init.conf': 'PasswordAuthentication no\n',
    '/etc/fstab': FSTAB,
    '/etc/stratus-ds-cache': 'x',
    '/etc/machine-id': '0123456789abcdef0123456789abcdef\n',
    '/var/lib/cloud/instance': { link: '/var/lib/cloud/instances/iid-1' },
    '/var/lib/cloud/data/stratus-manifest.json': JSON.stringify(MANIFEST),
    ...extra,
  };
}

/** Files and links under root, relative, sorted. */
function listing(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else out.push(relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

const NOT_RUN: CleanIo['run'] = (argv) => assert.fail(`ran ${argv.join(' ')}`);

async function clean(argv: string[], files: Record<string, Entry> = target(), run: CleanIo['run'] = NOT_RUN) {
  const root = roots.make(files);
  const before = listing(root);
  const c = capture();
  const code = await runClean(argv, { root, debug: false, force: false }, { ...c.io, run });
  const now = listing(root);
  return { code, out: c.out, err: c.err, root, gone: before.filter((f) => !now.includes(f)), now };
}

const ALL_STATE = [...STATE].sort();

describe('what goes', () => {
  test('no flags: the state under /var/lib/cloud, not the seed, configs, logs or /run/cloud-init', async () => {
    const r = await clean([]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    assert.deepEqual(r.gone, ALL_STATE);
    assert.deepEqual(readdirSync(join(r.root, 'var/lib/cloud')), ['seed']);
  });

  test('-c network: exactly the network files of the manifest', async () => {
    const r = await clean(['-c', 'network']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.gone, [...NETWORK, ...STATE].sort());
    for (const f of KEEP_ALWAYS) assert.ok(r.now.includes(f), f);
    assert.ok(r.now.includes('etc/ssh/sshd_config.d/50-cloud-init.conf'));
    assert.equal(readFileSync(join(r.root, 'etc/fstab'), 'utf8'), FSTAB);
  });

  test('several types: repeated, comma-separated, or several words after one -c', async () => {
    const expected = [...NETWORK, 'etc/ssh/sshd_config.d/50-cloud-init.conf', ...STATE].sort();
    for (const argv of [['-c', 'network', '-c', 'ssh_config'], ['--configs=network,ssh_config'], ['-c', 'network', 'ssh_config', '--logs']]) {
      const r = await clean(argv);
      assert.equal(r.code, 0, r.err);
      const logs = argv.includes('--logs') ? LOGS : [];
      assert.deepEqual(r.gone, [...expected, ...logs].sort(), argv.join(' '));
    }
  });

  test('-c all: every category but system; fstab keeps its own lines', async () => {
    const r = await clean(['-c', 'all']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.gone, [...NETWORK, 'etc/ssh/sshd_config.d/50-cloud-init.conf', 'etc/stratus-ds-cache', ...STATE].sort());
    assert.ok(r.now.includes('etc/hosts'));
    assert.equal(readFileSync(join(r.root, 'etc/fstab'), 'utf8'), '# /etc/fstab: static file system information.\nUUID=abc / ext4 defaults 0 1\n');
  });

  test('--seed and --logs', async () => {
    const r = await clean(['--seed', '-l']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.gone, [...STATE, ...SEED, ...LOGS].sort());
    assert.deepEqual(readdirSync(join(r.root, 'var/lib/cloud')), []);
    assert.ok(r.now.includes('var/log/syslog'));
  });

  test('--logs leaves a log that is not a regular file (a fifo here, a console device in life)', async () => {
    const root = roots.make(target());
    spawnSync('rm', [join(root, LOGS[1]!)]);
    assert.equal(spawnSync('mkfifo', [join(root, LOGS[1]!)]).status, 0);
    const c = capture();
    const code = await runClean(['--logs'], { root, debug: false, force: false }, { ...c.io, run: NOT_RUN });
    assert.equal(code, 0, c.err);
    assert.ok(lstatSync(join(root, LOGS[1]!)).isFIFO());
    assert.throws(() => lstatSync(join(root, LOGS[0]!)));
    assert.match(c.err, /note: not removing \/var\/log\/cloud-init-output\.log: not a regular file/);
  });

  test('no manifest: -c network removes the files cloud-init is known to write', async () => {
    const files = target({
      '/etc/NetworkManager/conf.d/99-cloud-init.conf': 'x',
      '/etc/network/interfaces.d/50-cloud-init': 'x',
      '/etc/systemd/network/10-cloud-init-eth0.network': 'x',
    });
    delete files['/var/lib/cloud/data/stratus-manifest.json'];
    const r = await clean(['-c', 'network'], files);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /note: no \/var\/lib\/cloud\/data\/stratus-manifest\.json: removing the files cloud-init is known to write instead/);
    assert.deepEqual(
      r.gone,
      [
        'etc/NetworkManager/conf.d/99-cloud-init.conf',
        'etc/NetworkManager/system-connections/cloud-init-eth9.nmconnection',
        'etc/netplan/50-cloud-init.yaml',
        'etc/network/interfaces.d/50-cloud-init',
        'etc/systemd/network/10-cloud-init-eth0.netdev',
        'etc/systemd/network/10-cloud-init-eth0.network',
        ...STATE.filter((f) => !f.endsWith('stratus-manifest.json')),
      ].sort(),
    );
    assert.ok(r.now.includes('etc/sysconfig/network-scripts/ifcfg-eth0'), 'an ifcfg file cannot be told apart without the manifest');
  });

  test('a corrupt manifest: configs are not touched, exit 1 naming the file', async () => {
    const r = await clean(['-c', 'network'], target({ '/var/lib/cloud/data/stratus-manifest.json': '{"version": 1, "fil' }));
    assert.equal(r.code, 1);
    assert.match(r.err, /cannot tell which configs stratus wrote: \/var\/lib\/cloud\/data\/stratus-manifest\.json: /);
    for (const f of NETWORK) assert.ok(r.now.includes(f), f);
  });
});

describe('--machine-id', () => {
  test('systemd running (/run/systemd/system): "uninitialized", mode 0444', async () => {
    const r = await clean(['--machine-id'], target({ '/run/systemd/system': { dir: true } }));
    assert.equal(r.code, 0, r.err);
    assert.equal(readFileSync(join(r.root, 'etc/machine-id'), 'utf8'), 'uninitialized\n');
    assert.equal(statSync(join(r.root, 'etc/machine-id')).mode & 0o777, 0o444);
  });

  test('an image whose init is systemd: "uninitialized" too', async () => {
    const r = await clean(['--machine-id'], target({ '/usr/lib/systemd/systemd': 'ELF', '/lib': { link: 'usr/lib' } }));
    assert.equal(readFileSync(join(r.root, 'etc/machine-id'), 'utf8'), 'uninitialized\n');
  });

  test('no systemd: removed', async () => {
    const r = await clean(['--machine-id']);
    assert.equal(r.code, 0, r.err);
    assert.ok(r.gone.includes('etc/machine-id'));
  });
});

describe('under a root other than /', () => {
  test('clean.d scripts are listed, not run; --reboot says what it would do', async () => {
    const r = await clean(['--reboot'], target({ '/etc/cloud/clean.d/10-x': { content: '#!/bin/sh\ntouch /tmp/ran\n', mode: 0o755 } }));
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /note: not running \/etc\/cloud\/clean\.d under --root .*: its scripts would act on this machine \(\/etc\/cloud\/clean\.d\/10-x\)/);
    assert.match(r.err, /would reboot \(shutdown -r now\), but not for --root /);
  });
});

describe('failures', () => {
  test('a path that cannot be removed is named, the rest still goes, and there is no reboot', async () => {
    const root = roots.make(target());
    const disk = new DiskRoot(root);
    const failing: RootFs = Object.assign(Object.create(disk) as RootFs, {
      remove(path: string): boolean {
        if (path === '/var/lib/cloud/sem') throw new Error('EBUSY: resource busy');
        return disk.remove(path);
      },
    });
    const report = cleanArtifacts(failing, { logs: false, seed: false, configs: ['network'] });
    assert.deepEqual(report.problems, ['could not remove /var/lib/cloud/sem: EBUSY: resource busy']);
    assert.ok(report.removed.includes('/var/lib/cloud/instances'));
    assert.ok(report.removed.includes('/etc/netplan/50-cloud-init.yaml'));
  });

  test('usage errors: exit 2', async () => {
    const bad = await clean(['-c', 'bogus']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--configs "bogus" is not one of all, ssh_config, network, datasource, fstab/);
    assert.deepEqual(bad.gone, []);
    const stray = await clean(['stray']);
    assert.equal(stray.code, 2);
    assert.match(stray.err, /unexpected argument "stray"/);
  });
});

test('fstab: only the lines marked by cc_mounts go', () => {
  assert.equal(stripMarkedFstabLines('a / ext4 defaults 0 1\n# x comment=cloudconfig\nb /m auto comment=cloudconfig 0 2'), 'a / ext4 defaults 0 1\n# x comment=cloudconfig\n');
});

test('a real run', async () => {
  const root = roots.make(target());
  const r = await runVerbProcess('clean', 'clean', ['--logs', '-c', 'network'], root);
  assert.deepEqual(r, { status: 0, stdout: '', stderr: '' });
  assert.deepEqual(readdirSync(join(root, 'var/lib/cloud')), ['seed']);
  assert.deepEqual(readdirSync(join(root, 'etc/netplan')), ['01-custom.yaml']);
});
