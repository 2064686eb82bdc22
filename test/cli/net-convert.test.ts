/**
 * `stratus net-convert` as a user runs it: flags, exit codes, where files go
 * (cloud-init's paths, only under -d), -D, -m, disabled configs and atomic
 * replacement of existing files.
 */
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildCli, listFiles, REPO, type Cli } from './cli.ts';

const EXAMPLE = join(REPO, 'examples/nocloud/network-config');

/** A v2 config with one NIC matched by MAC and no set-name: -m decides its name. */
const MATCH_BY_MAC = `version: 2
ethernets:
  nic0:
    match:
      macaddress: "52:54:00:12:34:56"
    dhcp4: true
`;

let cli: Cli;
before(() => {
  cli = buildCli();
});
after(() => cli?.dispose());

function inputFile(text: string, name = 'network-config'): string {
  const file = join(cli.tempDir('in'), name);
  writeFileSync(file, text);
  return file;
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

describe('usage', () => {
  const cases: [string, string[], RegExp][] = [
    ['no arguments', [], /--network-data \(-p\) is required/],
    ['no --kind', ['-p', 'x', '-O', 'eni', '-d', 'out'], /--kind \(-k\) is required \(one of eni, network_data.json, yaml\)/],
    ['a bad --kind', ['-p', 'x', '-k', 'json', '-O', 'eni', '-d', 'out'], /--kind \(-k\) "json" is not one of eni, network_data.json, yaml/],
    ['no --output-kind', ['-p', 'x', '-k', 'yaml', '-d', 'out'], /--output-kind \(-O\) is required/],
    ['a bad --output-kind', ['-p', 'x', '-k', 'yaml', '-O', 'ifupdown', '-d', 'out'], /--output-kind \(-O\) "ifupdown" is not one of eni, netplan, networkd, sysconfig, network-manager/],
    ['no --directory', ['-p', 'x', '-k', 'yaml', '-O', 'eni'], /--directory \(-d\) is required/],
    ['an unknown --distro', ['-p', 'x', '-k', 'yaml', '-O', 'eni', '-d', 'out', '-D', 'windows'], /--distro \(-D\) "windows" is not a known distro/],
    ['a --mac without a comma', ['-p', 'x', '-k', 'yaml', '-O', 'eni', '-d', 'out', '-m', '52:54:00:12:34:56'], /--mac "52:54:00:12:34:56" must be NAME,MAC/],
    ['a --mac with a bad MAC', ['-p', 'x', '-k', 'yaml', '-O', 'eni', '-d', 'out', '-m', 'eth0,52:54:00'], /--mac "eth0,52:54:00" must be NAME,MAC/],
    ['a --mac with a bad name', ['-p', 'x', '-k', 'yaml', '-O', 'eni', '-d', 'out', '-m', 'eth/0,52:54:00:12:34:56'], /--mac "eth\/0,52:54:00:12:34:56" must be NAME,MAC/],
    ['an unknown option', ['-p', 'x', '-k', 'yaml', '-O', 'eni', '-d', 'out', '--frobnicate'], /Unknown option '--frobnicate'/],
    ['a positional argument', ['-p', 'x', '-k', 'yaml', '-O', 'eni', '-d', 'out', 'extra'], /Unexpected argument 'extra'/],
    ['an option without its value', ['-k', 'yaml', '-O', 'eni', '-d', 'out', '-p'], /argument missing/],
  ];
  for (const [name, args, message] of cases) {
    test(`${name}: exit 2 with a message and the usage`, async () => {
      const cwd = cli.tempDir('cwd');
      const r = await cli.run(['net-convert', ...args], { cwd });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /^stratus net-convert: /);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /usage: stratus net-convert -p PATH/);
      assert.equal(r.stdout, '');
      assert.deepEqual(readdirSync(cwd), [], 'nothing created');
    });
  }

  test('--help prints the usage on stdout and exits 0', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await cli.run(['net-convert', flag]);
      assert.equal(r.status, 0);
      assert.match(r.stdout, /^usage: stratus net-convert -p PATH -k KIND -O OUTPUT_KIND -d DIR/);
      assert.match(r.stdout, /Exit status: 0 written \(or network config disabled\), 1 invalid input, 2 usage error\./);
      assert.equal(r.stderr, '');
    }
  });

  test('stratus without a verb, with an unknown verb, --help and --version', async () => {
    const none = await cli.run([]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /usage: stratus/);
    const unknown = await cli.run(['net-frobnicate']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown verb "net-frobnicate"/);
    const help = await cli.run(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /net-convert/);
    const version = await cli.run(['--version']);
    assert.equal(version.status, 0);
    assert.match(version.stdout, /^stratus \d+\.\d+\.\d+/);
  });

  test('"devel net-convert" is accepted as cloud-init spells it', async () => {
    const out = cli.tempDir();
    const r = await cli.run(['devel', 'net-convert', '-p', EXAMPLE, '-k', 'yaml', '-O', 'netplan', '-d', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(listFiles(out), ['etc/netplan/50-cloud-init.yaml']);
  });
});

describe('input files that cannot be read', () => {
  test('a missing file', async () => {
    const out = join(cli.tempDir(), 'out');
    const r = await cli.run(['net-convert', '-p', '/nonexistent/network-config', '-k', 'yaml', '-O', 'eni', '-d', out]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'stratus net-convert: cannot read /nonexistent/network-config: no such file; nothing written\n');
  });
  test('a directory', async () => {
    const dir = cli.tempDir();
    const r = await cli.run(['net-convert', '-p', dir, '-k', 'yaml', '-O', 'eni', '-d', join(dir, 'out')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot read .*: it is a directory; nothing written/);
    assert.deepEqual(readdirSync(dir), []);
  });
});

describe('output: cloud-init paths, only under -d', () => {
  const expected: Record<string, { required: string[]; allowed: RegExp; modes?: Record<string, number> }> = {
    netplan: {
      required: ['etc/netplan/50-cloud-init.yaml'],
      allowed: /^etc\/netplan\/50-cloud-init\.yaml$/,
      modes: { 'etc/netplan/50-cloud-init.yaml': 0o600 },
    },
    networkd: {
      required: [
        'etc/systemd/network/10-cloud-init-eth0.network',
        'etc/systemd/network/10-cloud-init-eth1.network',
        'etc/systemd/network/10-cloud-init-eth1.42.network',
        'etc/systemd/network/10-cloud-init-eth1.42.netdev',
      ],
      allowed: /^etc\/systemd\/network\/10-cloud-init-[^/]+\.(network|netdev|link)$/,
    },
    'network-manager': {
      required: [
        'etc/NetworkManager/system-connections/cloud-init-nic0.nmconnection',
        'etc/NetworkManager/system-connections/cloud-init-nic1.nmconnection',
        'etc/NetworkManager/system-connections/cloud-init-eth1.42.nmconnection',
        'etc/NetworkManager/conf.d/30-cloud-init-ip6-addr-gen-mode.conf',
      ],
      allowed: /^etc\/NetworkManager\/(system-connections\/cloud-init-[^/]+\.nmconnection|conf\.d\/30-cloud-init-ip6-addr-gen-mode\.conf)$/,
      modes: {
        'etc/NetworkManager/system-connections/cloud-init-nic0.nmconnection': 0o600,
        'etc/NetworkManager/conf.d/30-cloud-init-ip6-addr-gen-mode.conf': 0o600,
      },
    },
    sysconfig: {
      required: [
        'etc/sysconfig/network-scripts/ifcfg-eth0',
        'etc/sysconfig/network-scripts/ifcfg-eth1',
        'etc/sysconfig/network-scripts/ifcfg-eth1.42',
        'etc/sysconfig/network-scripts/route-eth1',
        'etc/sysconfig/network',
      ],
      allowed:
        /^etc\/(sysconfig\/network-scripts\/(ifcfg|route6?|rule6?)-[^/]+|sysconfig\/network|resolv\.conf|NetworkManager\/conf\.d\/99-cloud-init\.conf|udev\/rules\.d\/70-persistent-net\.rules)$/,
    },
    eni: {
      required: ['etc/network/interfaces.d/50-cloud-init.cfg', 'etc/udev/rules.d/70-persistent-net.rules'],
      allowed: /^etc\/(network\/interfaces\.d\/50-cloud-init\.cfg|udev\/rules\.d\/70-persistent-net\.rules)$/,
    },
  };

  for (const [kind, want] of Object.entries(expected)) {
    test(`-O ${kind}`, async () => {
      const cwd = cli.tempDir('cwd');
      const r = await cli.run(['net-convert', '-p', EXAMPLE, '-k', 'yaml', '-O', kind, '-d', 'target'], { cwd });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(readdirSync(cwd), ['target'], 'a relative -d is under the working directory, and nothing else is written there');
      const files = listFiles(join(cwd, 'target'));
      for (const f of want.required) assert.ok(files.includes(f), `${f} written; got ${files.join(', ')}`);
      for (const f of files) assert.match(f, want.allowed, 'only cloud-init paths');
      assert.ok(!files.some((f) => f.includes('stratus-tmp')), 'no temporary files left');
      for (const [f, m] of Object.entries(want.modes ?? {})) assert.equal(mode(join(cwd, 'target', f)).toString(8), m.toString(8), `mode of ${f}`);
      assert.match(r.stderr, new RegExp(`Read input format 'yaml' from '${EXAMPLE}'\\.\\nWrote output format '${kind}' to 'target'\\n$`));
    });
  }
});

describe('-D changes paths and headers', () => {
  const render = async (kind: string, distro: string, input = EXAMPLE) => {
    const out = cli.tempDir(`${kind}-${distro}`);
    const r = await cli.run(['net-convert', '-p', input, '-k', 'yaml', '-O', kind, '-D', distro, '-d', out]);
    assert.equal(r.status, 0, r.stderr);
    return { out, files: listFiles(out) };
  };

  test('ENI: 50-cloud-init.cfg on Ubuntu (the default), 50-cloud-init on Debian, both with the header', async () => {
    const ubuntu = await render('eni', 'ubuntu');
    assert.ok(ubuntu.files.includes('etc/network/interfaces.d/50-cloud-init.cfg'), ubuntu.files.join());
    const debian = await render('eni', 'debian');
    assert.ok(debian.files.includes('etc/network/interfaces.d/50-cloud-init'), debian.files.join());
    assert.ok(!debian.files.includes('etc/network/interfaces.d/50-cloud-init.cfg'));
    for (const [r, f] of [
      [ubuntu, 'etc/network/interfaces.d/50-cloud-init.cfg'],
      [debian, 'etc/network/interfaces.d/50-cloud-init'],
    ] as const) {
      assert.match(readFileSync(join(r.out, f), 'utf8'), /^# This file is generated from information provided by the datasource\.  Changes\n/);
    }
  });

  test('ENI elsewhere: /etc/network/interfaces, as cloud-init without a distro ENI config', async () => {
    const fedora = await render('eni', 'fedora');
    assert.ok(fedora.files.includes('etc/network/interfaces'), fedora.files.join());
  });

  test('netplan: the cloud-init header on Debian and Ubuntu only', async () => {
    const header = '# This file is generated from information provided by the datasource.  Changes\n';
    for (const distro of ['ubuntu', 'debian']) {
      const { out } = await render('netplan', distro);
      assert.ok(readFileSync(join(out, 'etc/netplan/50-cloud-init.yaml'), 'utf8').startsWith(header), distro);
    }
    for (const distro of ['fedora', 'rhel']) {
      const { out } = await render('netplan', distro);
      const text = readFileSync(join(out, 'etc/netplan/50-cloud-init.yaml'), 'utf8');
      assert.ok(!text.includes('This file is generated from information provided by the datasource'), distro);
      assert.match(text, /network:/);
    }
  });

  test('sysconfig: network-scripts on RHEL, sysconfig/network on SUSE', async () => {
    const rhel = await render('sysconfig', 'rhel');
    assert.ok(rhel.files.includes('etc/sysconfig/network-scripts/ifcfg-eth0'), rhel.files.join());
    const suse = await render('sysconfig', 'opensuse');
    assert.ok(suse.files.includes('etc/sysconfig/network/ifcfg-eth0'), suse.files.join());
    assert.ok(!suse.files.some((f) => f.includes('network-scripts')), suse.files.join());
    // SUSE images get their routes (upstream cloud-init drops them; SUSE's own package writes them).
    assert.ok(suse.files.includes('etc/sysconfig/network/ifroute-eth1'), suse.files.join());
    const routes = readFileSync(join(suse.out, 'etc/sysconfig/network/ifroute-eth1'), 'utf8');
    assert.match(routes, /^10\.30\.0\.0\/16 10\.20\.0\.1 - eth1 metric 100$/m);
  });
});

describe('-m names devices matched by MAC', () => {
  test('a v2 ethernet without set-name takes the name of the local NIC with its MAC', async () => {
    const input = inputFile(MATCH_BY_MAC);
    const named = cli.tempDir('named');
    const r = await cli.run(['net-convert', '-p', input, '-k', 'yaml', '-O', 'networkd', '-d', named, '-m', 'ens3,52:54:00:12:34:56', '-m', 'ens4,52:54:00:aa:bb:cc', '--debug']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(listFiles(named), ['etc/systemd/network/10-cloud-init-ens3.network']);
    assert.match(r.stderr, /"name": "ens3"/, '--debug prints the state');
    assert.match(r.stderr, /"configId": "nic0"/);

    const unnamed = cli.tempDir('unnamed');
    const r2 = await cli.run(['net-convert', '-p', input, '-k', 'yaml', '-O', 'networkd', '-d', unnamed]);
    assert.equal(r2.status, 0, r2.stderr);
    assert.deepEqual(listFiles(unnamed), ['etc/systemd/network/10-cloud-init-nic0.network']);
  });
  test('the MAC is matched case-insensitively', async () => {
    const input = inputFile(MATCH_BY_MAC.replace('52:54:00:12:34:56', '52:54:00:ab:cd:ef'));
    const out = cli.tempDir();
    const r = await cli.run(['net-convert', '-p', input, '-k', 'yaml', '-O', 'sysconfig', '-D', 'rhel', '-d', out, '-m', 'ens3,52:54:00:AB:CD:EF']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(listFiles(out).includes('etc/sysconfig/network-scripts/ifcfg-ens3'), listFiles(out).join());
  });
});

describe('config: disabled', () => {
  for (const text of ['network: {config: disabled}\n', 'config: disabled\n']) {
    test(JSON.stringify(text.trim()), async () => {
      const input = inputFile(text);
      for (const kind of ['netplan', 'networkd', 'network-manager', 'sysconfig', 'eni']) {
        const out = join(cli.tempDir(), 'out');
        const r = await cli.run(['net-convert', '-p', input, '-k', 'yaml', '-O', kind, '-d', out]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, /disables network configuration; nothing written/);
        assert.throws(() => statSync(out), /ENOENT/, 'the output directory is not even created');
      }
    });
  }
});

describe('writing', () => {
  test('an existing target file is replaced atomically (renamed over, never rewritten in place)', async () => {
    const out = cli.tempDir();
    const target = join(out, 'etc/netplan/50-cloud-init.yaml');
    mkdirSync(join(out, 'etc/netplan'), { recursive: true });
    writeFileSync(target, 'old content\n', { mode: 0o644 });
    // A second name for the old file: an in-place rewrite would change it too.
    linkSync(target, join(out, 'etc/netplan/old-copy'));
    const r = await cli.run(['net-convert', '-p', EXAMPLE, '-k', 'yaml', '-O', 'netplan', '-d', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(readFileSync(target, 'utf8'), /network:/);
    assert.equal(readFileSync(join(out, 'etc/netplan/old-copy'), 'utf8'), 'old content\n');
    assert.equal(mode(target), 0o600);
    assert.deepEqual(readdirSync(join(out, 'etc/netplan')).sort(), ['50-cloud-init.yaml', 'old-copy'], 'no temporary files left');
  });

  test('sysconfig merges into the resolv.conf already under -d', async () => {
    const out = cli.tempDir();
    mkdirSync(join(out, 'etc'), { recursive: true });
    writeFileSync(join(out, 'etc/resolv.conf'), 'options rotate\n');
    const r = await cli.run(['net-convert', '-p', EXAMPLE, '-k', 'yaml', '-O', 'sysconfig', '-D', 'rhel', '-d', out]);
    assert.equal(r.status, 0, r.stderr);
    const resolv = readFileSync(join(out, 'etc/resolv.conf'), 'utf8');
    assert.match(resolv, /options rotate/);
    assert.match(resolv, /nameserver 10\.20\.0\.2/);
  });

  test('when -d cannot be written, exit 1 and leave no temporary files', async () => {
    const out = cli.tempDir();
    writeFileSync(join(out, 'etc'), 'a file where a directory is needed\n');
    const r = await cli.run(['net-convert', '-p', EXAMPLE, '-k', 'yaml', '-O', 'networkd', '-d', out]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^stratus net-convert: cannot write under /m);
    assert.deepEqual(readdirSync(out), ['etc']);
  });

  test('running twice gives the same files', async () => {
    const out = cli.tempDir();
    for (const kind of ['netplan', 'networkd', 'network-manager', 'sysconfig', 'eni']) {
      const first = await cli.run(['net-convert', '-p', EXAMPLE, '-k', 'yaml', '-O', kind, '-d', join(out, kind)]);
      assert.equal(first.status, 0, first.stderr);
      const files = listFiles(join(out, kind));
      const before = files.map((f) => readFileSync(join(out, kind, f), 'utf8'));
      const second = await cli.run(['net-convert', '-p', EXAMPLE, '-k', 'yaml', '-O', kind, '-d', join(out, kind)]);
      assert.equal(second.status, 0, second.stderr);
      assert.deepEqual(listFiles(join(out, kind)), files, kind);
      assert.deepEqual(files.map((f) => readFileSync(join(out, kind, f), 'utf8')), before, kind);
    }
  });
});
