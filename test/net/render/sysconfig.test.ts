/**
 * The sysconfig renderer beyond cloud-init's fixtures: resolv.conf merging,
 * the RHEL control file, route options and policy rules, SUSE keys and what
 * SUSE cannot express, and that every variable file is shell a real shell
 * (and the readers that parse them as KEY=VALUE) accepts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { readNetworkInput } from '../../../src/net/input.ts';
import { renderSysconfig, type SysconfigOptions } from '../../../src/net/render/sysconfig.ts';
import { shellFile } from '../../../src/net/render/sysconfig/shell.ts';
import type { RenderResult } from '../../../src/net/render/types.ts';
import { CONFORMANCE_DIR } from '../conformance/run.ts';
import { loadShellContent } from '../conformance/compare.ts';
import { withTempDir } from '../validators/sandbox.ts';
import { validateSysconfig } from '../validators/sysconfig.ts';
import { stateOf } from './helpers.ts';

const HEADER = '# Created by cloud-init automatically, do not edit.\n#\n';

function render(yaml: string, opts: SysconfigOptions): { files: Map<string, string>; notes: string[]; result: RenderResult } {
  const result = renderSysconfig(stateOf(yaml), opts);
  return { files: new Map(result.files.map((f) => [f.path, f.content])), notes: result.notes, result };
}

/** KEY → value of a rendered variable file, as a POSIX shell word splitter reads it. */
function vars(files: Map<string, string>, path: string): Record<string, string> {
  const text = files.get(path);
  assert.ok(text !== undefined, `${path} not rendered (got ${[...files.keys()].join(', ')})`);
  assert.ok(text.startsWith(HEADER), `${path} lacks the header`);
  const parsed = loadShellContent(text);
  assert.ok(parsed, `${path} is not shell assignments`);
  return Object.fromEntries(parsed);
}

const RHEL: SysconfigOptions = { flavor: 'rhel' };
const SUSE: SysconfigOptions = { flavor: 'suse' };
const SCRIPTS = 'etc/sysconfig/network-scripts';

const STATIC_WITH_DNS = `
version: 2
ethernets:
  eth0:
    addresses: [192.168.1.10/24]
    gateway4: 192.168.1.1
    nameservers:
      addresses: [192.168.1.53, 9.9.9.9]
      search: [corp.example]
`;

describe('resolv.conf', () => {
  test('is not written, nor the NetworkManager drop-in, when the config has no DNS', () => {
    const existing = '# from the image\nnameserver 10.0.2.3\n';
    const { files } = render('version: 2\nethernets:\n  eth0: {dhcp4: true}\n', { flavor: 'rhel', existing: (p) => (p === 'etc/resolv.conf' ? existing : undefined) });
    assert.equal(files.has('etc/resolv.conf'), false);
    assert.equal(files.has('etc/NetworkManager/conf.d/99-cloud-init.conf'), false);
  });

  test('is written fresh with the header, nameservers, then one search line', () => {
    const { files } = render(STATIC_WITH_DNS, RHEL);
    assert.equal(files.get('etc/resolv.conf'), '; Created by cloud-init automatically, do not edit.\n;\nnameserver 192.168.1.53\nnameserver 9.9.9.9\nsearch corp.example\n');
    assert.equal(files.get('etc/NetworkManager/conf.d/99-cloud-init.conf'), `${HEADER}[main]\ndns = none\n`);
  });

  test('merges into an existing file: its comments and options stay, the config comes first', () => {
    const existing = '# written by the image build\noptions rotate timeout:1\nnameserver 10.0.2.3\nnameserver 9.9.9.9\nsearch build.local\n';
    const { files } = render(STATIC_WITH_DNS, { flavor: 'rhel', existing: (p) => (p === 'etc/resolv.conf' ? existing : undefined) });
    assert.equal(
      files.get('etc/resolv.conf'),
      '; Created by cloud-init automatically, do not edit.\n;\n# written by the image build\noptions rotate timeout:1\n' +
        'nameserver 192.168.1.53\nnameserver 9.9.9.9\nnameserver 10.0.2.3\nsearch corp.example build.local\n',
    );
  });

  test('replaces the servers of a file it wrote before instead of accumulating them', () => {
    const earlier = '; Created by cloud-init automatically, do not edit.\n;\noptions edns0\nnameserver 172.16.0.2\nsearch old.example\n';
    const { files } = render(STATIC_WITH_DNS, { flavor: 'rhel', existing: (p) => (p === 'etc/resolv.conf' ? earlier : undefined) });
    assert.equal(files.get('etc/resolv.conf'), '; Created by cloud-init automatically, do not edit.\n;\noptions edns0\nnameserver 192.168.1.53\nnameserver 9.9.9.9\nsearch corp.example\n');
  });

  test('is the same for SUSE, which has no DNS keys in ifcfg', () => {
    const { files } = render(STATIC_WITH_DNS, SUSE);
    assert.match(files.get('etc/resolv.conf') ?? '', /nameserver 192\.168\.1\.53\nnameserver 9\.9\.9\.9\nsearch corp\.example\n$/);
    const ifcfg = vars(files, 'etc/sysconfig/network/ifcfg-eth0');
    assert.equal(ifcfg['DNS1'], undefined);
    assert.equal(ifcfg['DOMAIN'], undefined);
  });
});

describe('RHEL control file /etc/sysconfig/network', () => {
  const v6 = 'version: 2\nethernets:\n  eth0: {dhcp6: true}\n';
  const v4 = 'version: 2\nethernets:\n  eth0: {dhcp4: true}\n';

  test('keeps the lines it does not manage and replaces the ones it does', () => {
    const existing = `${HEADER}NETWORKING=no\nNOZEROCONF=yes\n# keep me\nHOSTNAME=box\n`;
    const { files } = render(v6, { flavor: 'rhel', existing: (p) => (p === 'etc/sysconfig/network' ? existing : undefined) });
    assert.equal(files.get('etc/sysconfig/network'), `${HEADER}NETWORKING=yes\nNETWORKING_IPV6=yes\nIPV6_AUTOCONF=no\nNOZEROCONF=yes\n# keep me\nHOSTNAME=box\n`);
  });

  test('leaves IPv6 keys of the image alone when the config has no IPv6', () => {
    const existing = 'NETWORKING_IPV6=yes\n';
    const { files } = render(v4, { flavor: 'rhel', existing: (p) => (p === 'etc/sysconfig/network' ? existing : undefined) });
    assert.equal(files.get('etc/sysconfig/network'), `${HEADER}NETWORKING=yes\nNETWORKING_IPV6=yes\n`);
  });

  test('is not written for SUSE (its control file holds unrelated settings)', () => {
    const { files } = render(v4, SUSE);
    assert.equal([...files.keys()].some((p) => p === 'etc/sysconfig/network/config'), false);
  });
});

describe('RHEL routes and policy rules', () => {
  const yaml = `
version: 2
ethernets:
  eth0:
    addresses: [10.0.0.5/24, "2001:db8::5/64"]
    gateway4: 10.0.0.1
    routes:
      - {to: 192.168.0.0/16, via: 10.0.0.2, table: 100, on-link: true}
      - {to: 0.0.0.0/0, via: 10.0.0.1, table: 100}
      - {to: 172.16.0.0/12, scope: link}
      - {to: "2001:db9::/32", via: "2001:db8::1", metric: 50, table: 101}
    routing-policy:
      - {from: 10.0.0.0/24, table: 100, priority: 100}
      - {to: 8.8.8.8, table: 100, mark: 3}
      - {from: "2001:db8::/64", table: 101}
`;

  test('route-<if> carries table, on-link and gateway-less routes; the main default stays in ifcfg', () => {
    const { files } = render(yaml, RHEL);
    assert.deepEqual(vars(files, `${SCRIPTS}/route-eth0`), {
      ADDRESS0: '192.168.0.0', GATEWAY0: '10.0.0.2', NETMASK0: '255.255.0.0', OPTIONS0: 'table 100 onlink',
      ADDRESS1: '0.0.0.0', GATEWAY1: '10.0.0.1', NETMASK1: '0.0.0.0', OPTIONS1: 'table 100',
      ADDRESS2: '172.16.0.0', NETMASK2: '255.240.0.0',
    });
    const ifcfg = vars(files, `${SCRIPTS}/ifcfg-eth0`);
    assert.equal(ifcfg['GATEWAY'], '10.0.0.1');
    assert.equal(ifcfg['DEFROUTE'], 'yes');
    assert.equal(files.get(`${SCRIPTS}/route6-eth0`), `${HEADER}2001:db9::/32 via 2001:db8::1 metric 50 dev eth0 table 101\n`);
  });

  test('rule-<if> and rule6-<if> hold `ip rule` arguments', () => {
    const { files, notes } = render(yaml, RHEL);
    assert.equal(files.get(`${SCRIPTS}/rule-eth0`), `${HEADER}from 10.0.0.0/24 table 100 priority 100\nto 8.8.8.8 fwmark 3 table 100\n`);
    assert.equal(files.get(`${SCRIPTS}/rule6-eth0`), `${HEADER}from 2001:db8::/64 table 101\n`);
    assert.deepEqual(notes, []);
  });

  test('a v1 global route goes to the interface whose subnet holds its gateway', () => {
    const { files, notes } = render(
      `
version: 1
config:
  - {type: physical, name: eth0, subnets: [{type: static, address: 10.1.0.5/16}]}
  - {type: physical, name: eth1, subnets: [{type: static, address: 192.168.7.5/24}]}
  - {type: route, destination: 172.20.0.0/16, gateway: 192.168.7.1, metric: 5}
  - {type: route, destination: 172.21.0.0/16, gateway: 11.0.0.1}
`,
      RHEL,
    );
    assert.deepEqual(vars(files, `${SCRIPTS}/route-eth1`), { ADDRESS0: '172.20.0.0', GATEWAY0: '192.168.7.1', NETMASK0: '255.255.0.0', METRIC0: '5' });
    assert.equal(files.has(`${SCRIPTS}/route-eth0`), false);
    assert.deepEqual(notes, ["route 172.21.0.0/16 via 11.0.0.1: no interface has a static address in the gateway's network; not written"]);
  });

  test('two default routes that cannot coexist are rejected; with distinct metrics the second goes to route-<if>', () => {
    const twoDefaults = (extra: string) => `version: 2\nethernets:\n  eth0:\n    addresses: [10.0.0.5/24]\n    routes:\n      - {to: default, via: 10.0.0.1}\n      - {to: default, via: 10.0.0.2${extra}}\n`;
    assert.throws(() => render(twoDefaults(''), RHEL), (e: Error) => e.name === 'InputError' && /eth0 has two IPv4 default routes with the same metric/.test(e.message));
    const { files } = render(twoDefaults(', metric: 200'), RHEL);
    assert.equal(vars(files, `${SCRIPTS}/ifcfg-eth0`)['GATEWAY'], '10.0.0.1');
    assert.deepEqual(vars(files, `${SCRIPTS}/route-eth0`), { ADDRESS0: '0.0.0.0', GATEWAY0: '10.0.0.2', NETMASK0: '0.0.0.0', METRIC0: '200' });
    // SUSE writes no routes unless asked to, so there is nothing to reject.
    assert.doesNotThrow(() => render(twoDefaults(''), SUSE));
  });

  test('route files are written only for the families that have routes', () => {
    const { files } = render('version: 2\nethernets:\n  eth0:\n    addresses: [10.0.0.5/24]\n    routes: [{to: 10.9.0.0/16, via: 10.0.0.1}]\n', RHEL);
    assert.ok(files.has(`${SCRIPTS}/route-eth0`));
    assert.equal(files.has(`${SCRIPTS}/route6-eth0`), false);
  });
});

describe('RHEL interface keys cloud-init gets wrong', () => {
  test('interface-level DNS is written before the subnet DNS (cloud-init drops it)', () => {
    const { files } = render(
      `
version: 1
config:
  - {type: physical, name: eth0, subnets: [{type: static, address: 10.0.0.5/24, dns_nameservers: [3.3.3.3], dns_search: [c.example]}]}
  - {type: nameserver, interface: eth0, address: [1.1.1.1], search: [a.example]}
`,
      RHEL,
    );
    const ifcfg = vars(files, `${SCRIPTS}/ifcfg-eth0`);
    assert.equal(ifcfg['DNS1'], '1.1.1.1');
    assert.equal(ifcfg['DNS2'], '3.3.3.3');
    assert.equal(ifcfg['DOMAIN'], 'a.example c.example');
  });

  test('bond options in any v1 spelling reach BONDING_OPTS; several ARP targets are comma-separated', () => {
    const { files } = render(
      `
version: 1
config:
  - {type: physical, name: ens3}
  - {type: physical, name: ens4}
  - type: bond
    name: bond0
    bond_interfaces: [ens4, ens3]
    params: {bond-mode: active-backup, bond-xmit_hash_policy: layer3+4, bond_arp_interval: 100, bond-arp-ip-target: "10.0.0.1 10.0.0.2"}
`,
      RHEL,
    );
    const bond = vars(files, `${SCRIPTS}/ifcfg-bond0`);
    assert.equal(bond['BONDING_OPTS'], 'mode=active-backup xmit_hash_policy=layer3+4 arp_interval=100 arp_ip_target=10.0.0.1,10.0.0.2');
    // Members are numbered in name order, as cloud-init does.
    assert.equal(bond['BONDING_SLAVE0'], 'ens3');
    assert.equal(bond['BONDING_SLAVE1'], 'ens4');
    assert.equal(vars(files, `${SCRIPTS}/ifcfg-ens4`)['MASTER'], 'bond0');
  });

  test('v2 bond and bridge MAC addresses are written', () => {
    const { files } = render(
      `
version: 2
ethernets: {eth0: {}, eth1: {}}
bonds: {bond0: {interfaces: [eth0], macaddress: "aa:bb:cc:dd:ee:01"}}
bridges: {br0: {interfaces: [eth1], macaddress: "aa:bb:cc:dd:ee:02"}}
`,
      RHEL,
    );
    assert.equal(vars(files, `${SCRIPTS}/ifcfg-bond0`)['MACADDR'], 'aa:bb:cc:dd:ee:01');
    assert.equal(vars(files, `${SCRIPTS}/ifcfg-br0`)['MACADDR'], 'aa:bb:cc:dd:ee:02');
    assert.equal(vars(files, `${SCRIPTS}/ifcfg-eth1`)['BRIDGE'], 'br0');
  });

  test('static IPv6 honours an explicit accept-ra: true', () => {
    const { files } = render('version: 2\nethernets:\n  eth0:\n    accept-ra: true\n    addresses: ["2001:db8::5/64"]\n', RHEL);
    assert.equal(vars(files, `${SCRIPTS}/ifcfg-eth0`)['IPV6_FORCE_ACCEPT_RA'], 'yes');
  });

  test('DHCP overrides become the ifcfg-rh keys', () => {
    const { files } = render('version: 2\nethernets:\n  eth0:\n    dhcp4: true\n    dhcp4-overrides: {use-dns: false, use-routes: false, hostname: web1}\n', RHEL);
    const ifcfg = vars(files, `${SCRIPTS}/ifcfg-eth0`);
    assert.equal(ifcfg['PEERDNS'], 'no');
    assert.equal(ifcfg['PEERROUTES'], 'no');
    assert.equal(ifcfg['DHCP_HOSTNAME'], 'web1');
  });
});

describe('SUSE', () => {
  const yaml = `
version: 1
config:
  - {type: physical, name: eth0, mac_address: "52:54:00:00:00:01"}
  - {type: physical, name: eth1, mac_address: "52:54:00:00:00:02"}
  - type: bond
    name: bond0
    bond_interfaces: [eth0, eth1]
    params: {bond-mode: 802.3ad, bond-miimon: 100}
    subnets: [{type: dhcp4}, {type: dhcp6}]
  - type: vlan
    name: infra0
    vlan_link: bond0
    vlan_id: 42
    subnets:
      - {type: static, address: 10.42.0.5/24, gateway: 10.42.0.1, routes: [{network: 172.16.0.0, netmask: 255.240.0.0, gateway: 10.42.0.2, metric: 7}]}
      - {type: static6, address: "2001:db8:42::5/64"}
  - {type: physical, name: eth2, subnets: [{type: dhcp4, control: hotplug}]}
`;

  test('uses SUSE keys and values', () => {
    const { files } = render(yaml, SUSE);
    const dir = 'etc/sysconfig/network';
    assert.deepEqual(vars(files, `${dir}/ifcfg-bond0`), {
      BONDING_MASTER: 'yes',
      BONDING_MODULE_OPTS: 'mode=802.3ad miimon=100',
      BONDING_SLAVE_0: 'eth0',
      BONDING_SLAVE_1: 'eth1',
      BOOTPROTO: 'dhcp',
      DHCLIENT6_MODE: 'managed',
      STARTMODE: 'auto',
    });
    assert.deepEqual(vars(files, `${dir}/ifcfg-eth0`), { BOOTPROTO: 'none', LLADDR: '52:54:00:00:00:01', STARTMODE: 'hotplug' });
    // The parent comes from vlan_link, not from the text before the last "." of the name.
    assert.deepEqual(vars(files, `${dir}/ifcfg-infra0`), {
      BOOTPROTO: 'static',
      ETHERDEVICE: 'bond0',
      IPADDR: '10.42.0.5',
      IPADDR6: '2001:db8:42::5/64',
      NETMASK: '255.255.255.0',
      STARTMODE: 'auto',
      VLAN_ID: '42',
    });
    assert.equal(vars(files, `${dir}/ifcfg-eth2`)['STARTMODE'], 'hotplug');
    assert.ok(files.has('etc/udev/rules.d/85-persistent-net-cloud-init.rules'));
  });

  test('routes are reported, not written, unless ifroute files are asked for', () => {
    const { files, notes } = render(yaml, SUSE);
    assert.equal([...files.keys()].some((p) => p.includes('ifroute-')), false);
    assert.deepEqual(notes, ['infra0: routes not written (SUSE ifcfg has no route keys; enable ifroute files to write them): 0.0.0.0/0 via 10.42.0.1, 172.16.0.0/12 via 10.42.0.2 metric 7']);
    const withRoutes = render(yaml, { flavor: 'suse', suseIfroute: true });
    assert.equal(withRoutes.files.get('etc/sysconfig/network/ifroute-infra0'), `${HEADER}default 10.42.0.1 - infra0\n172.16.0.0/12 10.42.0.2 - infra0 metric 7\n`);
    assert.deepEqual(withRoutes.notes, []);
  });

  test('policy routing is reported as not expressible', () => {
    const { files, notes } = render('version: 2\nethernets:\n  eth0:\n    addresses: [10.0.0.5/24]\n    routing-policy: [{from: 10.0.0.0/24, table: 100}]\n', SUSE);
    assert.equal([...files.keys()].some((p) => /\/(if)?rule6?-/.test(p)), false);
    assert.deepEqual(notes, ['eth0: 1 routing-policy rule(s) cannot be expressed in SUSE sysconfig; not written']);
  });
});

test('rendering is deterministic and every file has mode 0644', () => {
  const a = renderSysconfig(stateOf(STATIC_WITH_DNS), RHEL);
  const b = renderSysconfig(stateOf(STATIC_WITH_DNS), RHEL);
  assert.deepEqual(a, b);
  for (const f of a.files) assert.equal(f.mode, 0o644, f.path);
});

/** Rendered outputs to put through real shells: the inputs above plus every conformance input. */
function samples(): { name: string; result: RenderResult }[] {
  const out: { name: string; result: RenderResult }[] = [];
  const quoting = new Map<string, string | number | boolean>([
    ['PLAIN', 'a.b-c:d/e'],
    ['SPACES', 'wol g'],
    ['DOLLAR', 'x$HOME`id`"q"\\'],
  ]);
  out.push({ name: 'quoting', result: { files: [{ path: `${SCRIPTS}/ifcfg-quoting`, content: shellFile(quoting), mode: 0o644 }], notes: [] } });
  for (const flavor of ['rhel', 'suse'] as const) {
    for (const [name, yaml] of Object.entries({ STATIC_WITH_DNS })) out.push({ name: `${flavor}/${name}`, result: renderSysconfig(stateOf(yaml), { flavor, suseIfroute: true }) });
  }
  const renderers = join(CONFORMANCE_DIR, 'renderers');
  if (!existsSync(renderers)) return out;
  for (const name of readdirSync(renderers).sort()) {
    const input = join(renderers, name, 'input.json');
    if (!existsSync(input)) continue;
    const r = readNetworkInput(readFileSync(input, 'utf8').replace(/xx:xx:xx:xx:xx:/g, '0e:0e:0e:0e:0e:'), input, 'yaml');
    if (r.kind !== 'state') continue;
    for (const flavor of ['rhel', 'suse'] as const) {
      try {
        out.push({ name: `${flavor}/${name}`, result: renderSysconfig(r.state, { flavor, suseIfroute: true }) });
      } catch (e) {
        // A config the renderer rejects (two default routes that cannot coexist) has no files to check.
        if ((e as Error).name !== 'InputError') throw e;
      }
    }
  }
  return out;
}

test('values with quotes, dollars and backslashes read back unchanged when sourced', async () => {
  const values = ['wol g', 'x$HOME`id`"q"\\', `it's "$x" \\n`, "a'b"];
  await withTempDir('sysconfig-quoting', async (dir) => {
    const file = join(dir, 'ifcfg-quoting');
    writeFileSync(file, shellFile(new Map(values.map((v, i) => [`V${i}`, v]))));
    const script = `. "$1"; ${values.map((_, i) => `printf '%s\\0' "$V${i}"`).join('; ')}`;
    const r = spawnSync('/bin/sh', ['-c', script, 'sh', file], { encoding: 'utf8', env: {} });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\0').slice(0, -1), values);
  });
});

describe('rendered files are valid shell', () => {
  const all = samples();

  test('every file under etc/sysconfig passes sh -n', () => {
    for (const { name, result } of all) {
      for (const f of result.files.filter((x) => x.path.startsWith('etc/sysconfig/'))) {
        // -n only parses: nothing in the file runs.
        const r = spawnSync('/bin/sh', ['-n', '-c', f.content], { encoding: 'utf8' });
        assert.equal(r.status, 0, `${name}: ${f.path}: ${r.stderr}`);
      }
    }
  });

  // One sandbox per file makes the real-shell check slow: the richest conformance inputs stand for the rest.
  const RICH = /^(quoting|(rhel|suse)\/(STATIC_WITH_DNS|large_v[12]|bond_v[12]|vlan_v1|v1-dns|v2-dns|manual|dhcpv6_stateless|test_net\.TestRhelSysConfigRendering\.test_from_v2_routes))$/;

  test('variable files source in bash to the values written, and hold only KEY=VALUE lines', { skip: process.getuid?.() !== 0 && 'the sandboxed validator needs root' }, async () => {
    for (const { name, result } of all.filter((s) => RICH.test(s.name))) {
      await withTempDir('sysconfig', async (root) => {
        for (const f of result.files) {
          mkdirSync(dirname(join(root, f.path)), { recursive: true });
          writeFileSync(join(root, f.path), f.content);
        }
        const v = await validateSysconfig(root);
        assert.ok(v.ok, `${name}: ${v.messages.join('\n')}`);
        for (const [rel, seen] of v.variables) {
          const mine = loadShellContent(readFileSync(join(root, rel), 'utf8'));
          assert.ok(mine, `${name}: ${rel}`);
          // Empty values are dropped by the word splitter; bash sees every key.
          for (const [k, value] of seen) if (value !== '') assert.equal(mine.get(k), value, `${name}: ${rel}: ${k}`);
        }
        if (name === 'quoting') {
          const q = v.variables.get(`${SCRIPTS}/ifcfg-quoting`);
          assert.equal(q?.get('DOLLAR'), 'x$HOME`id`"q"\\');
          assert.equal(q?.get('SPACES'), 'wol g');
        }
      });
    }
  });
});

test('DHCPv4 keeps its default route unless the config has an IPv4 default route in the main table', () => {
  const v6Default = `version: 2
ethernets:
  eth0: {dhcp4: true}
  eth1: {addresses: ["2001:db8::5/64"], routes: [{to: "::/0", via: "2001:db8::1"}]}
  eth2: {addresses: [10.0.0.5/24], routes: [{to: default, via: 10.0.0.1, table: 100}]}
`;
  const withoutV4Default = render(v6Default, { flavor: 'rhel' });
  assert.equal(vars(withoutV4Default.files, 'etc/sysconfig/network-scripts/ifcfg-eth0')['DHCLIENT_SET_DEFAULT_ROUTE'], undefined);
  const v4Default = render(`version: 2
ethernets:
  eth0: {dhcp4: true}
  eth2: {addresses: [10.0.0.5/24], routes: [{to: default, via: 10.0.0.1}]}
`, { flavor: 'rhel' });
  assert.equal(vars(v4Default.files, 'etc/sysconfig/network-scripts/ifcfg-eth0')['DHCLIENT_SET_DEFAULT_ROUTE'], 'no');
});
