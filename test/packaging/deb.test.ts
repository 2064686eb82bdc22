/**
 * The Debian package as built by scripts/build-deb.sh: its contents and
 * control data, its systemd units loaded by the real systemd-analyze
 * (together with this machine's units, NetworkManager's among them) with no
 * warning and no ordering cycle, the generator's decisions, and the
 * `identify` verb the generator runs. Installing and purging it on a
 * debootstrapped root is checked by the VM suite (test/vm).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO } from '../cli/cli.ts';

let work: string;
let deb: string;
let root: string;

const UNITS = ['cloud-init-local.service', 'cloud-init-network.service', 'cloud-config.service', 'cloud-final.service', 'cloud-init-main.socket', 'cloud-init-main.service', 'cloud-init.target', 'cloud-config.target', 'cloud-init-hotplugd.socket', 'cloud-init-hotplugd.service'];

function sh(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', cwd: opts.cwd ?? REPO, env: { ...process.env, ...opts.env }, timeout: 120_000 });
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'stratus-deb-test-'));
  const b = sh('sh', ['scripts/build-deb.sh', join(work, 'out')]);
  assert.equal(b.status, 0, b.stderr);
  deb = b.stdout.trim().split('\n').pop() ?? '';
  root = join(work, 'root');
  const x = sh('dpkg-deb', ['-x', deb, root]);
  assert.equal(x.status, 0, x.stderr);
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('the package', () => {
  test('control: nodejs >= 18, and it stands in for cloud-init', () => {
    const f = (name: string) => sh('dpkg-deb', ['-f', deb, name]).stdout.trim();
    assert.equal(f('Package'), 'stratus');
    assert.equal(f('Architecture'), 'all');
    assert.match(f('Depends'), /nodejs \(>= 18\)/);
    for (const k of ['Provides', 'Conflicts', 'Replaces']) assert.equal(f(k), 'cloud-init', k);
    assert.equal(sh('dpkg-deb', ['--ctrl-tarfile', deb]).status, 0);
    const conffiles = sh('sh', ['-c', `dpkg-deb -e "${deb}" "${work}/ctrl" && cat "${work}/ctrl/conffiles"`]).stdout;
    assert.equal(conffiles, '/etc/cloud/cloud.cfg\n');
  });

  test('contents: the bundle, both commands, units with cloud-init\'s names and their wants links, generator, udev rule, config, man page', () => {
    const list = sh('dpkg-deb', ['-c', deb]).stdout;
    for (const p of [
      './usr/lib/stratus/stratus.js',
      './usr/lib/stratus/stratus.js.bundle',
      './usr/lib/systemd/system-generators/cloud-init-generator',
      './usr/lib/udev/rules.d/90-stratus-hotplug.rules',
      './etc/cloud/cloud.cfg',
      './usr/share/man/man1/stratus.1.gz',
      ...UNITS.map((u) => `./usr/lib/systemd/system/${u}`),
    ]) {
      assert.match(list, new RegExp(` ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\n| ->)`), p);
    }
    assert.equal(readlinkSync(join(root, 'usr/bin/stratus')), '../lib/stratus/stratus.js');
    assert.equal(readlinkSync(join(root, 'usr/bin/cloud-init')), '../lib/stratus/stratus.js');
    assert.equal(readlinkSync(join(root, 'usr/lib/systemd/system/cloud-init.service')), 'cloud-init-network.service');
    for (const u of ['cloud-init-local.service', 'cloud-init-network.service', 'cloud-config.service', 'cloud-final.service', 'cloud-init-main.socket', 'cloud-init-main.service']) {
      assert.equal(readlinkSync(join(root, 'usr/lib/systemd/system/cloud-init.target.wants', u)), `../${u}`);
    }
    assert.equal(lstatSync(join(root, 'usr/lib/stratus/stage-shim')).mode & 0o777, 0o755);
    assert.equal(lstatSync(join(root, 'usr/lib/systemd/system-generators/cloud-init-generator')).mode & 0o777, 0o755);
    // Made at install time for the target's node, never shipped.
    assert.ok(!existsSync(join(root, 'usr/lib/stratus/stratus.js.cache')));
  });

  test('the packaged command runs and its cloud.cfg is valid', () => {
    const v = sh(process.execPath, [join(root, 'usr/lib/stratus/stratus.js'), '--version']);
    assert.equal(v.status, 0, v.stderr);
    const s = sh(process.execPath, [join(root, 'usr/lib/stratus/stratus.js'), 'schema', '-c', join(root, 'etc/cloud/cloud.cfg')]);
    assert.equal(s.status, 0, s.stdout + s.stderr);
  });
});

/** The package's units beside this machine's (NetworkManager, networkd, ssh …), as one root for systemd-analyze. */
function unitRoot(extra: (dir: string) => void = () => {}): string {
  const r = mkdtempSync(join(work, 'units-'));
  mkdirSync(join(r, 'usr/lib/systemd'), { recursive: true });
  // This machine's units, but not a cloud-init of its own (the package's stand in for them).
  const ours = /^cloud-(init|config|final)/;
  cpSync('/usr/lib/systemd/system', join(r, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true, filter: (src) => !ours.test(src.slice(src.lastIndexOf('/') + 1)) });
  cpSync(join(root, 'usr/lib/systemd/system'), join(r, 'usr/lib/systemd/system'), { recursive: true, force: true, verbatimSymlinks: true });
  cpSync(join(root, 'usr'), join(r, 'usr'), { recursive: true, force: true, verbatimSymlinks: true });
  extra(r);
  return r;
}

function verify(r: string): string {
  const v = sh('systemd-analyze', ['verify', '--man=no', `--root=${r}`, ...UNITS.filter((u) => !u.endsWith('.target')).map((u) => `usr/lib/systemd/system/${u}`)], {
    cwd: r,
    env: { SYSTEMD_LOG_LEVEL: 'notice' },
  });
  return `${v.stdout}${v.stderr}`.trim();
}

describe('systemd units', () => {
  test('systemd-analyze verify: no warning, no ordering cycle, with NetworkManager and networkd units present', { skip: existsSync('/usr/bin/systemd-analyze') ? false : 'systemd-analyze is missing (apt-get install systemd)' }, () => {
    assert.ok(existsSync('/usr/lib/systemd/system/NetworkManager.service'), 'NetworkManager\'s units must be present for this check (apt-get install network-manager)');
    assert.equal(verify(unitRoot()), '');
  });

  test('the check can fail: the known bad ordering (network stage after NetworkManager-wait-online) is an ordering cycle', () => {
    const r = unitRoot((dir) => {
      const d = join(dir, 'etc/systemd/system/cloud-init-network.service.d');
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'bad.conf'), '[Unit]\nWants=NetworkManager-wait-online.service\nAfter=NetworkManager-wait-online.service\n');
    });
    assert.match(verify(r), /ordering cycle/i);
  });

  test('no unit that runs before sysinit.target waits for NetworkManager or network-online.target', () => {
    for (const u of UNITS) {
      const text = readFileSync(join(root, 'usr/lib/systemd/system', u), 'utf8');
      const values = (key: string) => [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].flatMap((m) => (m[1] ?? '').split(/\s+/));
      if (!values('Before').includes('sysinit.target')) continue;
      const bad = values('After').filter((x) => /^NetworkManager|^network-online\.target$/.test(x));
      assert.deepEqual(bad, [], `${u} is before sysinit.target and after ${bad.join(', ')}`);
    }
  });
});

describe('generator', () => {
  /**
   * The generator with /usr/bin/stratus standing in as a stub that exits
   * with `code` (identify's own decisions are tested below), in a private
   * mount namespace whose /run is a fresh tmpfs: nothing reaches the host.
   */
  function generate(code: number): { early: string; kmsg: string; status: number | null } {
    const dir = mkdtempSync(join(work, 'gen-'));
    const stub = join(dir, 'stub');
    writeFileSync(stub, `#!/bin/sh\nexit ${code}\n`);
    chmodSync(stub, 0o755);
    const script = [
      'set -eu',
      'mount -t tmpfs tmpfs /run',
      // /usr/bin with the stub added, as an overlay in this namespace only.
      `mkdir -p /run/ov/upper /run/ov/work && cp "${stub}" /run/ov/upper/stratus`,
      'mount -t overlay overlay -o lowerdir=/usr/bin,upperdir=/run/ov/upper,workdir=/run/ov/work /usr/bin',
      `"${join(root, 'usr/lib/systemd/system-generators/cloud-init-generator')}" /run/gen/normal /run/gen/early /run/gen/late`,
      'if [ -L /run/gen/early/multi-user.target.wants/cloud-init.target ]; then readlink /run/gen/early/multi-user.target.wants/cloud-init.target; else echo none; fi',
    ].join('\n');
    const r = sh('unshare', ['--mount', '--fork', 'sh', '-c', script]);
    return { early: r.stdout.trim(), kmsg: r.stderr, status: r.status };
  }

  test('links cloud-init.target into multi-user.target only when identify says enabled', () => {
    const on = generate(0);
    assert.equal(on.status, 0, on.kmsg);
    assert.equal(on.early, '/usr/lib/systemd/system/cloud-init.target');
    for (const code of [1, 2, 70]) {
      const off = generate(code);
      assert.equal(off.status, 0, `the generator never fails the boot (identify exit ${code})`);
      assert.equal(off.early, 'none', `identify exit ${code}`);
    }
  });
});

describe('stratus identify', () => {
  function identifyIn(files: Record<string, string>): { status: number | null; out: string; run: (p: string) => boolean } {
    const r = mkdtempSync(join(work, 'id-'));
    for (const [p, c] of Object.entries(files)) {
      mkdirSync(join(r, p, '..'), { recursive: true });
      writeFileSync(join(r, p), c);
    }
    const v = sh(process.execPath, [join(root, 'usr/lib/stratus/stratus.js'), '--root', r, 'identify']);
    return { status: v.status, out: v.stdout.trim(), run: (p) => existsSync(join(r, 'run/cloud-init', p)) };
  }
  const seed = { 'var/lib/cloud/seed/nocloud/meta-data': 'instance-id: i-1\n', 'var/lib/cloud/seed/nocloud/user-data': '' };

  test('a datasource applies: exit 0, enabled, the datasource list written', () => {
    const r = identifyIn({ ...seed, 'proc/cmdline': 'root=/dev/vda\n' });
    assert.equal(r.status, 0, r.out);
    assert.equal(r.out, 'enabled');
    assert.ok(r.run('enabled') && r.run('cloud.cfg') && !r.run('disabled'));
  });
  test('nothing applies: exit 1, disabled marker', () => {
    const r = identifyIn({ 'proc/cmdline': 'root=/dev/vda\n', 'etc/cloud/cloud.cfg': 'datasource_list: [NoCloud, ConfigDrive, None]\n' });
    assert.equal(r.status, 1, r.out);
    assert.ok(r.run('disabled') && !r.run('enabled'));
  });
  test('disabled by /etc/cloud/cloud-init.disabled or cloud-init=disabled: exit 2', () => {
    assert.equal(identifyIn({ ...seed, 'etc/cloud/cloud-init.disabled': '', 'proc/cmdline': '\n' }).status, 2);
    assert.equal(identifyIn({ ...seed, 'proc/cmdline': 'quiet cloud-init=disabled\n' }).status, 2);
  });
  test('cloud-init=enabled on the kernel command line: enabled without looking further', () => {
    const r = identifyIn({ 'proc/cmdline': 'cloud-init=enabled\n' });
    assert.equal(r.status, 0);
    assert.ok(r.run('enabled'));
  });
});
