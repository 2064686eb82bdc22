/**
 * ConfigDrive network config, booted for real through all four stages into
 * temporary target roots with hand-made NICs in the root's sysfs, each case
 * rendered for every renderer (netplan, systemd-networkd, NetworkManager,
 * sysconfig on a RHEL 9 root, ENI) and checked by the real tool that reads
 * those files (test/net/validators) plus what the case is about in that
 * renderer's own syntax:
 * (a) a 2012-08-10-only ISO drive without network_data.json on two and three
 *     NICs: DHCP on every NIC, the lowest ifindex preferred by route metric;
 * (b) network_data.json with a bond, a VLAN on it and static IPv4/IPv6 from a
 *     FAT drive labelled CONFIG-2 (latest + 2018-08-27 + 2015-10-15);
 * (c) a NIC that network_data.json names but the machine lacks;
 * (d) a legacy v1 drive's ENI file;
 * and link names that could escape the network directories.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildCli, listFiles, type Cli } from '../cli/cli.ts';
import { fatImage, genisoimage, type Tree } from '../media/images.ts';
import { eniAddresses, validateEni, type EniResult } from '../net/validators/eni.ts';
import { validateNetplan, type NetplanResult } from '../net/validators/netplan.ts';
import { nmAddresses, nmDevice, validateNmKeyfiles, type NmResult, type NmSettings } from '../net/validators/network-manager.ts';
import { validateNetworkd, type NetworkdResult, type Nic } from '../net/validators/networkd.ts';
import { validateSysconfig, type SysconfigResult } from '../net/validators/sysconfig.ts';
import type { ValidationResult } from '../net/validators/sandbox.ts';
import { loadYaml } from '../../src/text/yaml.ts';
import { boot, describeRuns, fakeNics, targetRoot, type FakeNic, type StageResult, type TargetRoot } from './harness.ts';

let cli: Cli;
before(() => {
  cli = buildCli();
});
after(() => cli?.dispose());

type Renderer = 'netplan' | 'networkd' | 'network-manager' | 'eni' | 'sysconfig';
const RENDERERS: readonly Renderer[] = ['netplan', 'networkd', 'network-manager', 'sysconfig', 'eni'];

const SEED_DIR = '/var/lib/cloud/seed/config_drive';
const UUID = '0b8f5a3e-7c21-4e0d-a6b4-93f1d2c8e777';

/** sysconfig is what RHEL uses: its roots say so (the Debian root of targetRoot would pick Debian's paths for the others). */
const RHEL9_OS_RELEASE = [
  'NAME="Red Hat Enterprise Linux"',
  'VERSION="9.4 (Plow)"',
  'ID="rhel"',
  'ID_LIKE="fedora"',
  'VERSION_ID="9.4"',
  'PLATFORM_ID="platform:el9"',
  '',
].join('\n');

function configDriveRoot(renderer: Renderer = 'netplan'): TargetRoot {
  const root = targetRoot(cli, { renderer });
  root.write('/etc/cloud/cloud.cfg', 'datasource_list: [ ConfigDrive, None ]\n');
  if (renderer === 'sysconfig') root.write('/etc/os-release', RHEL9_OS_RELEASE);
  return root;
}

function seedDrive(root: TargetRoot, tree: Tree): void {
  for (const [path, content] of Object.entries(tree)) root.write(`${SEED_DIR}/${path}`, content, 0o600);
}

function attach(root: TargetRoot, image: string, name = 'vdb'): void {
  mkdirSync(join(root.dir, 'sys/class/block', name), { recursive: true });
  root.write(`/dev/${name}`, readFileSync(image));
}

async function bootOk(root: TargetRoot): Promise<StageResult[]> {
  const runs = await boot(cli, root);
  assert.deepEqual(runs.map((r) => r.status), [0, 0, 0, 0], describeRuns(runs));
  return runs;
}

/** bootOk, and the network config (from `source`) was rendered by that renderer for the root's distro. */
async function bootFor(root: TargetRoot, renderer: Renderer, source: RegExp): Promise<void> {
  await bootOk(root);
  const distro = renderer === 'sysconfig' ? 'rhel' : 'debian';
  const line = log(root).split('\n').find((l) => l.includes(`rendered for ${renderer} (${distro})`));
  assert.ok(line, log(root));
  assert.match(line, source);
}

function log(root: TargetRoot): string {
  return root.read('/var/log/cloud-init.log');
}

function assertValid(what: string, r: ValidationResult): void {
  assert.ok(r.ok, `${what}: ${r.messages.join('\n')}`);
}

/** Every file the boot wrote under the network directories of all renderers, with its text. */
function networkFiles(root: TargetRoot): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of ['etc/netplan', 'etc/systemd/network', 'etc/NetworkManager/system-connections', 'etc/network', 'etc/sysconfig']) {
    let files: string[];
    try {
      files = listFiles(join(root.dir, dir));
    } catch {
      continue;
    }
    for (const f of files) out.set(`${dir}/${f}`, root.read(`${dir}/${f}`));
  }
  if (root.exists('/etc/resolv.conf')) out.set('etc/resolv.conf', root.read('/etc/resolv.conf'));
  return out;
}

function allText(files: Map<string, string>): string {
  return [...files].map(([path, text]) => `### ${path}\n${text}`).join('\n');
}

// ---------------------------------------------------------------- every renderer, its real validator, per-case checks

interface Results {
  netplan: NetplanResult;
  networkd: NetworkdResult;
  'network-manager': NmResult;
  sysconfig: SysconfigResult;
  eni: EniResult;
}

const TOOL: Record<Renderer, string> = {
  netplan: 'netplan generate',
  networkd: 'systemd-networkd',
  'network-manager': 'libnm keyfile reader',
  sysconfig: 'bash (sysconfig)',
  eni: 'ifupdown',
};

/** The real tool for each renderer; networkd also gets sandbox NICs (veth) to match and configure. */
const VALIDATORS: { [R in Renderer]: (root: TargetRoot, nics: readonly Nic[]) => Promise<Results[R]> } = {
  netplan: (root) => validateNetplan(root.dir),
  networkd: (root, nics) => validateNetworkd(root.dir, { nics }),
  'network-manager': (root) => validateNmKeyfiles(root.dir),
  sysconfig: (root) => validateSysconfig(root.dir),
  eni: (root) => validateEni(root.dir),
};

/** What a case asserts about each renderer's files, given what the real tool made of them. */
type Checks = { [R in Renderer]: (r: Results[R], root: TargetRoot, files: Map<string, string>) => void };

/** Run `renderer`'s real validator on the root (it must accept the files), then the case's checks for it. */
async function validated<R extends Renderer>(renderer: R, root: TargetRoot, nics: readonly Nic[], checks: Checks): Promise<void> {
  const r = await VALIDATORS[renderer](root, nics);
  assertValid(TOOL[renderer], r);
  checks[renderer](r, root, networkFiles(root));
}

type NetplanEthernet = {
  dhcp4?: boolean;
  addresses?: string[];
  routes?: { to: string; via: string }[];
  match?: { macaddress?: string };
  'dhcp4-overrides'?: { 'route-metric'?: number };
  nameservers?: { addresses?: string[] };
  mtu?: number;
};
type NetplanDoc = {
  network: {
    ethernets?: Record<string, NetplanEthernet>;
    bonds?: Record<string, { interfaces: string[]; parameters: Record<string, unknown>; addresses: string[] }>;
    vlans?: Record<string, { id: number; link: string; addresses: string[] }>;
  };
};

function netplanDoc(root: TargetRoot): NetplanDoc {
  return loadYaml(root.read('/etc/netplan/50-cloud-init.yaml'), 'netplan').doc?.value as NetplanDoc;
}

/** A systemd unit or NetworkManager key file as "Section.Key" → values, in order. */
function iniEntries(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const head = /^\[(.+)\]$/.exec(line);
    if (head?.[1]) section = head[1];
    else if (line && !line.startsWith('#') && line.includes('=')) {
      const key = `${section}.${line.slice(0, line.indexOf('=')).trim()}`;
      out.set(key, [...(out.get(key) ?? []), line.slice(line.indexOf('=') + 1).trim()]);
    }
  }
  return out;
}

/** The value of one key of a libnm setting. */
function nm(c: NmSettings | undefined, setting: string, key: string): unknown {
  return c?.[setting]?.[key];
}

function nmConnection(r: NmResult, name: string): NmSettings {
  const c = r.connections.get(`etc/NetworkManager/system-connections/cloud-init-${name}.nmconnection`);
  assert.ok(c, `no connection for ${name}: ${JSON.stringify([...r.connections.keys()])}`);
  return c;
}

/** Files under the root's /etc (relative to the root) whose content names `needle`, case-insensitively. */
function etcFilesNaming(root: TargetRoot, needle: string): string[] {
  const out: string[] = [];
  const lower = needle.toLowerCase();
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root.dir, rel), { withFileTypes: true })) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && readFileSync(join(root.dir, p), 'utf8').toLowerCase().includes(lower)) out.push(p);
    }
  };
  walk('etc');
  return out;
}

// ---------------------------------------------------------------- (a) only 2012-08-10, no network_data.json: DHCP on every NIC

describe('ConfigDrive: an ISO9660 config-2 drive with only openstack/2012-08-10 and no network_data.json (fallback on every NIC)', () => {
  const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq1n0p0mY0ZbCv2Zp3s5dUuB8cQk7oR8c0cNq3QX6Qe alice@laptop';
  const A_UUID = '6f3c2a4e-1b7d-4c55-9e0a-2d8b7f1c9a01';
  const tree: Tree = {
    'openstack/2012-08-10/meta_data.json': JSON.stringify({ uuid: A_UUID, hostname: 'cd-host', name: 'cd-host', public_keys: { alice: KEY } }),
    'openstack/2012-08-10/user_data': '#cloud-config\nbootcmd: [[true]]\n',
  };
  // ifindex order differs from name order: the metric must follow the ifindex.
  const NICS: FakeNic[] = [
    { name: 'ens10', mac: '52:54:00:0a:00:10', ifindex: 2 },
    { name: 'ens7', mac: '52:54:00:0a:00:07', ifindex: 3 },
    { name: 'ens3', mac: '52:54:00:0a:00:03', ifindex: 4 },
  ];

  /** NICs in ifindex order with the DHCP route metric each must get: 100 for the lowest ifindex, then 200, 300. */
  function ranked(nics: readonly FakeNic[]): { nic: FakeNic; metric: number }[] {
    return [...nics].sort((x, y) => x.ifindex - y.ifindex).map((nic, i) => ({ nic, metric: 100 * (i + 1) }));
  }

  function checks(nics: readonly FakeNic[]): Checks {
    const names = nics.map((n) => n.name).sort();
    return {
      netplan(r, root) {
        const eth = netplanDoc(root).network.ethernets ?? {};
        assert.deepEqual(Object.keys(eth).sort(), names);
        for (const { nic, metric } of ranked(nics)) {
          assert.equal(eth[nic.name]?.dhcp4, true, nic.name);
          assert.equal(eth[nic.name]?.match?.macaddress, nic.mac, nic.name);
          assert.equal(eth[nic.name]?.['dhcp4-overrides']?.['route-metric'], metric, `${nic.name} (ifindex ${nic.ifindex})`);
          // What netplan made of it: the networkd file it generates for the NIC.
          const gen = r.generated.get(`run/systemd/network/10-netplan-${nic.name}.network`);
          assert.ok(gen, JSON.stringify([...r.generated.keys()]));
          const ini = iniEntries(gen);
          // netplan 0.106 (Debian 12) still writes networkd's older [DHCP] section, which networkd reads as [DHCPv4].
          assert.deepEqual(ini.get('DHCPv4.RouteMetric') ?? ini.get('DHCP.RouteMetric'), [String(metric)], `${nic.name}:\n${gen}`);
          assert.match(ini.get('Network.DHCP')?.[0] ?? '', /^(yes|ipv4)$/, gen);
        }
      },
      networkd(r, _root, files) {
        const dir = 'etc/systemd/network';
        const networks = [...files.keys()].filter((f) => f.endsWith('.network')).sort();
        assert.deepEqual(networks, names.map((n) => `${dir}/10-cloud-init-${n}.network`).sort());
        for (const { nic, metric } of ranked(nics)) {
          const file = `${dir}/10-cloud-init-${nic.name}.network`;
          const ini = iniEntries(files.get(file) ?? '');
          assert.deepEqual(ini.get('Network.DHCP'), ['yes'], file);
          assert.deepEqual(ini.get('Match.MACAddress'), [nic.mac], file);
          assert.deepEqual(ini.get('DHCPv4.RouteMetric'), [String(metric)], `${file} (ifindex ${nic.ifindex})`);
          // networkd picked this file for the sandbox NIC with that name and MAC.
          assert.equal(r.networkFor.get(nic.name), file, r.log);
        }
      },
      'network-manager'(r) {
        assert.deepEqual(
          [...r.connections.keys()].sort(),
          names.map((n) => `etc/NetworkManager/system-connections/cloud-init-${n}.nmconnection`).sort(),
        );
        for (const { nic, metric } of ranked(nics)) {
          const c = nmConnection(r, nic.name);
          assert.equal(nmDevice(c).mac, nic.mac, nic.name);
          assert.equal(nm(c, 'ipv4', 'method'), 'auto', nic.name);
          assert.equal(nm(c, 'ipv4', 'route-metric'), metric, `${nic.name} (ifindex ${nic.ifindex})`);
        }
      },
      sysconfig(r) {
        const dir = 'etc/sysconfig/network-scripts';
        assert.deepEqual(r.files.filter((f) => f.startsWith(`${dir}/ifcfg-`)).sort(), names.map((n) => `${dir}/ifcfg-${n}`).sort());
        for (const { nic, metric } of ranked(nics)) {
          const vars = r.variables.get(`${dir}/ifcfg-${nic.name}`);
          assert.equal(vars?.get('DEVICE'), nic.name);
          assert.equal(vars?.get('BOOTPROTO'), 'dhcp', nic.name);
          assert.equal(vars?.get('ONBOOT'), 'yes', nic.name);
          assert.equal(vars?.get('HWADDR'), nic.mac, nic.name);
          // RHEL 9 reads ifcfg files with NetworkManager's ifcfg-rh plugin, whose DHCP route metric key is
          // IPV4_ROUTE_METRIC (initscripts' METRIC= is not written).
          assert.equal(vars?.get('IPV4_ROUTE_METRIC'), String(metric), `${nic.name} (ifindex ${nic.ifindex})`);
        }
      },
      eni(r) {
        assert.deepEqual(r.auto.filter((n) => n !== 'lo').sort(), names);
        for (const { nic, metric } of ranked(nics)) {
          // The inet and the inet6 dhcp stanza each carry "metric"; ifupdown uses it only for IPv4 (dhclient -4 gets
          // IF_METRIC, which its hook puts on the routes): its inet6 dhcp method has no metric option and ignores it.
          assert.deepEqual(r.options.get(nic.name)?.get('metric'), [String(metric), String(metric)], `${nic.name} (ifindex ${nic.ifindex})`);
          const commands = r.commands.get(nic.name) ?? [];
          const dhclient4 = commands.filter((c) => /\bdhclient -4\b/.test(c) && c.includes(` ${nic.name} `));
          assert.equal(dhclient4.length, 1, commands.join('\n'));
          assert.match(dhclient4[0] ?? '', new RegExp(`-e IF_METRIC=${metric}$`), `${nic.name} (ifindex ${nic.ifindex})`);
          assert.ok(commands.some((c) => /\bdhclient -6\b/.test(c)), commands.join('\n'));
        }
      },
    };
  }

  for (const count of [2, 3]) {
    for (const renderer of RENDERERS) {
      test(`${count} NICs, ${renderer}: DHCP on every one, the lowest ifindex gets the lowest route metric, the real tool accepts it; hostname, instance id and SSH key from the drive`, async () => {
        const image = genisoimage(cli.tempDir('iso'), tree, ['-R', '-J', '-V', 'config-2']);
        const root = configDriveRoot(renderer);
        attach(root, image);
        const nics = NICS.slice(0, count);
        fakeNics(root, nics);
        await bootFor(root, renderer, /network config from fallback network config/);
        assert.match(log(root), new RegExp(`fallback network config: DHCP on ${nics.map((n) => n.name).join(', ')}$`, 'm'));
        await validated(renderer, root, nics.map((n) => ({ name: n.name, mac: n.mac })), checks(nics));

        assert.equal(root.read('/etc/hostname'), 'cd-host\n');
        assert.equal(root.read('/var/lib/cloud/data/instance-id'), `${A_UUID}\n`);
        const v1 = root.json('/run/cloud-init/instance-data.json')['v1'] as Record<string, unknown>;
        assert.deepEqual(v1['public_ssh_keys'], [KEY]);
        assert.equal(v1['subplatform'], 'config-disk (/dev/vdb)');
        assert.ok(root.read('/root/.ssh/authorized_keys').includes(KEY));
        assert.match(root.read(`/var/lib/cloud/instances/${A_UUID}/user-data.txt`), /bootcmd/);
        assert.match(log(root), /found datasource DataSourceConfigDrive \[net,ver=2\]\[source=\/dev\/vdb\]/);
      });
    }
  }
});

// ---------------------------------------------------------------- (b) bond + VLAN + static v4/v6 from a CONFIG-2 FAT drive

const MAC_A = '52:54:00:12:00:01';
const MAC_B = '52:54:00:12:00:02';
const BOND_NICS: FakeNic[] = [
  { name: 'ens3', mac: MAC_A, ifindex: 2 },
  { name: 'ens4', mac: MAC_B, ifindex: 3 },
];

const NETWORK_DATA = {
  links: [
    { id: 'tap-a', type: 'phy', ethernet_mac_address: MAC_A, mtu: 9000 },
    { id: 'tap-b', type: 'phy', ethernet_mac_address: MAC_B, mtu: 9000 },
    {
      id: 'bond-x',
      type: 'bond',
      bond_links: ['tap-a', 'tap-b'],
      bond_mode: '802.3ad',
      bond_miimon: 100,
      bond_xmit_hash_policy: 'layer3+4',
      ethernet_mac_address: MAC_A,
      mtu: 9000,
    },
    { id: 'vlan-x', type: 'vlan', vlan_link: 'bond-x', vlan_id: 42, vlan_mac_address: MAC_A },
  ],
  networks: [
    {
      id: 'net-v4',
      type: 'ipv4',
      link: 'bond-x',
      ip_address: '10.20.0.5',
      netmask: '255.255.255.0',
      routes: [
        { network: '0.0.0.0', netmask: '0.0.0.0', gateway: '10.20.0.1' },
        { network: '192.168.77.0', netmask: '255.255.255.0', gateway: '10.20.0.254' },
      ],
      network_id: 'c9b1b1b2-0000-4000-8000-000000000001',
    },
    {
      id: 'net-v6',
      type: 'ipv6',
      link: 'vlan-x',
      ip_address: '2001:db8:42::5',
      netmask: 'ffff:ffff:ffff:ffff::',
      network_id: 'c9b1b1b2-0000-4000-8000-000000000002',
    },
  ],
  services: [
    { type: 'dns', address: '10.20.0.53' },
    { type: 'dns', address: '2001:db8:42::53' },
  ],
};

function meta(hostname: string): string {
  return JSON.stringify({ uuid: UUID, hostname, name: hostname });
}

/** latest, 2018-08-27 and 2015-10-15 with different hostnames: only 2018-08-27 may be read. */
const VERSIONED_TREE: Tree = {
  'openstack/latest/meta_data.json': meta('from-latest'),
  'openstack/latest/network_data.json': '{"links": [], "networks": [], "services": []}',
  'openstack/2018-08-27/meta_data.json': meta('from-2018'),
  'openstack/2018-08-27/network_data.json': JSON.stringify(NETWORK_DATA, null, 2),
  'openstack/2015-10-15/meta_data.json': meta('from-2015'),
  'openstack/2015-10-15/network_data.json': '{"links": [], "networks": [], "services": []}',
};

const BOND_CHECKS: Checks = {
  netplan(_r, root) {
    const doc = netplanDoc(root);
    const bond = doc.network.bonds?.['bond0'];
    assert.ok(bond, JSON.stringify(doc));
    assert.deepEqual([...bond.interfaces].sort(), ['ens3', 'ens4']);
    assert.equal(bond.parameters['mode'], '802.3ad');
    assert.equal(bond.parameters['mii-monitor-interval'], 100);
    assert.deepEqual(bond.addresses, ['10.20.0.5/24']);
    const vlan = doc.network.vlans?.['bond0.42'];
    assert.ok(vlan, JSON.stringify(doc));
    assert.equal(vlan.id, 42);
    assert.equal(vlan.link, 'bond0');
    assert.deepEqual(vlan.addresses, ['2001:db8:42::5/64']);
  },
  networkd(r, _root, files) {
    const dir = 'etc/systemd/network';
    const bondDev = files.get(`${dir}/10-cloud-init-bond0.netdev`) ?? '';
    assert.match(bondDev, /^Kind=bond$/m, bondDev);
    assert.match(bondDev, /^Mode=802\.3ad$/m);
    assert.match(bondDev, /^MIIMonitorSec=100ms$/m);
    const vlanDev = files.get(`${dir}/10-cloud-init-bond0.42.netdev`) ?? '';
    assert.match(vlanDev, /^Kind=vlan$/m, vlanDev);
    assert.match(vlanDev, /\[VLAN\]\nId=42$/m);
    for (const nic of BOND_NICS) assert.match(files.get(`${dir}/10-cloud-init-${nic.name}.network`) ?? '', /^Bond=bond0$/m, nic.name);
    assert.match(files.get(`${dir}/10-cloud-init-bond0.network`) ?? '', /^VLAN=bond0\.42$/m);
    assert.match(files.get(`${dir}/10-cloud-init-bond0.42.network`) ?? '', /^Address=2001:db8:42::5\/64$/m);
    // networkd matched each sandbox NIC with the .network file for it.
    for (const nic of BOND_NICS) assert.equal(r.networkFor.get(nic.name), `${dir}/10-cloud-init-${nic.name}.network`, r.log);
  },
  'network-manager'(r) {
    const conn = (name: string) => r.connections.get(`etc/NetworkManager/system-connections/cloud-init-${name}.nmconnection`);
    const bond = conn('bond0');
    assert.ok(bond, JSON.stringify([...r.connections.keys()]));
    assert.equal((bond['bond']?.['options'] as Record<string, string>)['mode'], '802.3ad');
    assert.equal((bond['bond']?.['options'] as Record<string, string>)['miimon'], '100');
    for (const nic of BOND_NICS) {
      const port = conn(nic.name);
      assert.ok(port, nic.name);
      assert.equal(port['connection']?.['slave-type'], 'bond', nic.name);
      assert.equal(port['connection']?.['master'], bond['connection']?.['uuid'], nic.name);
      const mac = Buffer.from(port['802-3-ethernet']?.['mac-address'] as number[]).toString('hex').replace(/(..)(?!$)/g, '$1:');
      assert.equal(mac, nic.mac, nic.name);
    }
    const vlan = conn('bond0.42');
    assert.ok(vlan);
    assert.equal(vlan['vlan']?.['id'], 42);
    assert.equal(vlan['vlan']?.['parent'], bond['connection']?.['uuid']);
    assert.deepEqual(vlan['ipv6']?.['address-data'], [{ address: '2001:db8:42::5', prefix: 64 }]);
  },
  eni(r) {
    const opt = (iface: string, key: string) => r.options.get(iface)?.get(key);
    assert.deepEqual(opt('bond0', 'bond-mode'), ['802.3ad']);
    assert.deepEqual(opt('bond0', 'bond-miimon'), ['100']);
    assert.deepEqual(opt('bond0', 'address'), ['10.20.0.5']);
    assert.deepEqual(opt('bond0', 'netmask'), ['255.255.255.0']);
    // ifenslave style: the members name their master.
    for (const nic of BOND_NICS) assert.deepEqual(opt(nic.name, 'bond-master'), ['bond0'], nic.name);
    assert.deepEqual(opt('bond0.42', 'vlan-raw-device'), ['bond0']);
    assert.deepEqual(opt('bond0.42', 'vlan-id'), ['42']);
    assert.deepEqual(opt('bond0.42', 'address'), ['2001:db8:42::5']);
    assert.deepEqual(opt('bond0.42', 'netmask'), ['64']);
    assert.ok(r.auto.includes('bond0') && r.auto.includes('bond0.42'), r.auto.join(' '));
  },
  sysconfig(r) {
    const vars = (file: string) => r.variables.get(`etc/sysconfig/network-scripts/${file}`);
    assert.match(vars('ifcfg-bond0')?.get('BONDING_OPTS') ?? '', /mode=802\.3ad/);
    assert.match(vars('ifcfg-bond0')?.get('BONDING_OPTS') ?? '', /miimon=100/);
    assert.equal(vars('ifcfg-bond0')?.get('IPADDR'), '10.20.0.5');
    assert.equal(vars('ifcfg-ens3')?.get('MASTER'), 'bond0');
    assert.equal(vars('ifcfg-ens4')?.get('MASTER'), 'bond0');
    assert.equal(vars('ifcfg-bond0.42')?.get('VLAN'), 'yes');
    assert.equal(vars('ifcfg-bond0.42')?.get('PHYSDEV'), 'bond0');
    assert.equal(vars('ifcfg-bond0.42')?.get('IPV6ADDR'), '2001:db8:42::5/64');
  },
};

describe('ConfigDrive network_data.json: bond of two NICs, VLAN on the bond, static IPv4 + route and IPv6, from a FAT drive labelled CONFIG-2', () => {
  for (const renderer of RENDERERS) {
    test(`${renderer}: openstack/2018-08-27 is read (not latest, not 2015-10-15) and the rendered files pass the real tool`, async () => {
      const image = fatImage(cli.tempDir('fat'), VERSIONED_TREE, 2048, ['-n', 'CONFIG-2']);
      const root = configDriveRoot(renderer);
      attach(root, image);
      fakeNics(root, BOND_NICS);
      await bootFor(root, renderer, /network config from \/dev\/vdb: openstack\/2018-08-27\/network_data\.json/);
      assert.equal(root.read('/etc/hostname'), 'from-2018\n');
      assert.match(log(root), /config drive \/dev\/vdb: openstack 2018-08-27/);
      const files = networkFiles(root);
      assert.ok(files.size > 0, `${renderer} wrote no network files`);
      const text = allText(files);
      // The route and the name servers reach every renderer's files.
      assert.match(text, /192\.168\.77\.0/, text);
      assert.match(text, /10\.20\.0\.53/, text);
      if (renderer === 'eni') {
        // ENI puts the global name servers on "iface lo inet loopback", an IPv4 stanza: the IPv6 one is left
        // out of the ENI file (with a note in the log). With neither resolvconf nor NetworkManager on the
        // target nothing reads those lines anyway: stratus writes resolv.conf, and it has both.
        const eniText = allText(new Map([...files].filter(([p]) => p.startsWith('etc/network/'))));
        assert.doesNotMatch(eniText, /2001:db8:42::53/);
        assert.match(log(root), /\[WARNING\]: eni: lo: nameservers 2001:db8:42::53 are not rendered/);
        assert.match(root.read('/etc/resolv.conf'), /nameserver 10\.20\.0\.53\nnameserver 2001:db8:42::53/);
      } else assert.match(text, /2001:db8:42::53/, text);
      await validated(renderer, root, BOND_NICS.map((n) => ({ name: n.name, mac: n.mac })), BOND_CHECKS);
    });
  }
});

// ---------------------------------------------------------------- (c) a NIC named by MAC that the machine lacks

describe('ConfigDrive network_data.json naming a NIC that is not there', () => {
  const present: FakeNic = { name: 'ens3', mac: '52:54:00:33:00:03', ifindex: 2 };
  const missingMac = 'fa:16:3e:99:00:99';
  const NETWORK: Record<string, unknown> = {
    links: [
      // Upper case in the drive, lower case in sysfs: still the same NIC.
      { id: 'tap-present', type: 'ovs', ethernet_mac_address: present.mac.toUpperCase(), mtu: 1450 },
      { id: 'tap-missing', type: 'ovs', ethernet_mac_address: missingMac, mtu: 1450 },
    ],
    networks: [
      { id: 'n1', type: 'ipv4', link: 'tap-present', ip_address: '10.30.0.5', netmask: '255.255.255.0', gateway: '10.30.0.1' },
      { id: 'n2', type: 'ipv4', link: 'tap-missing', ip_address: '10.31.0.5', netmask: '255.255.255.0' },
    ],
    services: [],
  };

  const CHECKS: Checks = {
    netplan(r, root) {
      const eth = netplanDoc(root).network.ethernets ?? {};
      assert.deepEqual(Object.keys(eth), ['ens3']);
      assert.deepEqual(eth['ens3']?.addresses, ['10.30.0.5/24']);
      assert.deepEqual(eth['ens3']?.routes, [{ to: 'default', via: '10.30.0.1' }]);
      assert.equal(eth['ens3']?.match?.macaddress, present.mac);
      assert.equal(eth['ens3']?.mtu, 1450);
      const gen = [...r.generated.keys()].filter((f) => f.endsWith('.network'));
      assert.deepEqual(gen, ['run/systemd/network/10-netplan-ens3.network']);
    },
    networkd(r, _root, files) {
      const file = 'etc/systemd/network/10-cloud-init-ens3.network';
      assert.deepEqual([...files.keys()], [file]);
      const ini = iniEntries(files.get(file) ?? '');
      assert.deepEqual(ini.get('Match.MACAddress'), [present.mac]);
      assert.deepEqual(ini.get('Address.Address'), ['10.30.0.5/24']);
      assert.deepEqual(ini.get('Route.Gateway'), ['10.30.0.1']);
      // networkd configured the sandbox NIC with it: the address and the MTU are on the NIC.
      assert.equal(r.networkFor.get('ens3'), file, r.log);
      assert.deepEqual(r.addresses.get('ens3'), ['10.30.0.5/24'], r.log);
      assert.equal(r.mtu.get('ens3'), 1450, r.log);
    },
    'network-manager'(r) {
      assert.deepEqual([...r.connections.keys()], ['etc/NetworkManager/system-connections/cloud-init-ens3.nmconnection']);
      const c = nmConnection(r, 'ens3');
      assert.equal(nmDevice(c).mac, present.mac);
      assert.equal(nm(c, 'ipv4', 'method'), 'manual');
      assert.deepEqual(nmAddresses(c), ['10.30.0.5/24']);
      assert.equal(nm(c, 'ipv4', 'gateway'), '10.30.0.1');
    },
    sysconfig(r) {
      const dir = 'etc/sysconfig/network-scripts';
      assert.deepEqual(r.files.filter((f) => f.startsWith(`${dir}/ifcfg-`)), [`${dir}/ifcfg-ens3`]);
      const vars = r.variables.get(`${dir}/ifcfg-ens3`);
      assert.equal(vars?.get('BOOTPROTO'), 'none');
      assert.equal(vars?.get('HWADDR'), present.mac);
      assert.equal(vars?.get('IPADDR'), '10.30.0.5');
      assert.equal(vars?.get('NETMASK'), '255.255.255.0');
      assert.equal(vars?.get('GATEWAY'), '10.30.0.1');
      assert.equal(vars?.get('MTU'), '1450');
    },
    eni(r) {
      assert.deepEqual([...r.options.keys()].sort(), ['ens3', 'lo']);
      assert.deepEqual(r.options.get('ens3')?.get('gateway'), ['10.30.0.1']);
      assert.deepEqual(eniAddresses(r.commands.get('ens3') ?? [], 'ens3'), ['10.30.0.5/24']);
    },
  };

  for (const renderer of RENDERERS) {
    test(`${renderer}: the present NIC gets its static address, the missing one is left out with a warning naming its MAC, the real tool accepts the files`, async () => {
      const root = configDriveRoot(renderer);
      fakeNics(root, [present]);
      seedDrive(root, {
        'openstack/2018-08-27/meta_data.json': JSON.stringify({ uuid: UUID, hostname: 'missing-nic' }),
        'openstack/2018-08-27/network_data.json': JSON.stringify(NETWORK),
      });
      await bootFor(root, renderer, /network config from \/var\/lib\/cloud\/seed\/config_drive: openstack\/2018-08-27\/network_data\.json/);
      // Not the root filesystem: udev is not asked to settle (no wait of up to 10 s for a NIC that never comes).
      assert.match(log(root), new RegExp(`network_data\\.json names ${missingMac}, not present; udev is not asked to settle`));
      assert.doesNotMatch(log(root), /waited for udev/);
      assert.equal(root.read('/etc/hostname'), 'missing-nic\n');
      assert.match(log(root), new RegExp(`\\[WARNING\\]: .*network_data\\.json.*links\\[1\\]\\.ethernet_mac_address.*${missingMac}.*will not be configured`));

      await validated(renderer, root, [{ name: present.name, mac: present.mac, addresses: ['10.30.0.5/24'], mtu: 1450 }], CHECKS);
      // Nothing on the target names the missing NIC or its address (any spelling of the MAC).
      for (const needle of [missingMac, missingMac.replaceAll(':', ''), '10.31.0.5', 'tap-missing']) {
        assert.deepEqual(etcFilesNaming(root, needle), [], needle);
      }
    });
  }
});

// ---------------------------------------------------------------- (d) a v1 drive

describe('ConfigDrive v1 drive (meta.js, etc/network/interfaces)', () => {
  const V1: Tree = {
    'meta.js': JSON.stringify({
      'instance-id': 'iid-v1-legacy',
      'local-hostname': 'v1-host',
      'user-data': '#cloud-config\nbootcmd: [[true]]\n',
    }),
    'etc/network/interfaces': [
      'auto lo',
      'iface lo inet loopback',
      '',
      'auto eth0',
      'iface eth0 inet static',
      '    address 192.168.90.10',
      '    netmask 255.255.255.0',
      '    gateway 192.168.90.1',
      '    dns-nameservers 192.168.90.2',
      '',
    ].join('\n'),
    'root/.ssh/authorized_keys': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBv1v1v1v1v1v1v1v1v1v1v1v1v1v1v1v1v1v1v1v1v1 legacy@v1\n',
  };
  const ETH0: FakeNic = { name: 'eth0', mac: '52:54:00:90:00:10', ifindex: 2 };

  const CHECKS: Checks = {
    netplan(r, root) {
      const eth0 = netplanDoc(root).network.ethernets?.['eth0'];
      assert.ok(eth0, root.read('/etc/netplan/50-cloud-init.yaml'));
      assert.deepEqual(eth0.addresses, ['192.168.90.10/24']);
      assert.deepEqual(eth0.routes, [{ to: 'default', via: '192.168.90.1' }]);
      assert.deepEqual(eth0.nameservers?.addresses, ['192.168.90.2']);
      const gen = iniEntries(r.generated.get('run/systemd/network/10-netplan-eth0.network') ?? '');
      assert.deepEqual(gen.get('Network.Address'), ['192.168.90.10/24'], JSON.stringify([...r.generated.keys()]));
    },
    networkd(r, _root, files) {
      const file = 'etc/systemd/network/10-cloud-init-eth0.network';
      const ini = iniEntries(files.get(file) ?? '');
      assert.deepEqual(ini.get('Route.Gateway'), ['192.168.90.1']);
      assert.deepEqual(ini.get('Network.DNS'), ['192.168.90.2']);
      // The same eth0 configured by systemd-networkd on a sandbox NIC.
      assert.equal(r.networkFor.get('eth0'), file, r.log);
      assert.deepEqual(r.addresses.get('eth0'), ['192.168.90.10/24'], r.log);
    },
    'network-manager'(r) {
      const c = nmConnection(r, 'eth0');
      assert.equal(nmDevice(c).interfaceName, 'eth0');
      assert.equal(nm(c, 'ipv4', 'method'), 'manual');
      assert.deepEqual(nmAddresses(c), ['192.168.90.10/24']);
      assert.equal(nm(c, 'ipv4', 'gateway'), '192.168.90.1');
    },
    sysconfig(r) {
      const vars = r.variables.get('etc/sysconfig/network-scripts/ifcfg-eth0');
      assert.ok(vars, r.files.join(' '));
      assert.equal(vars.get('DEVICE'), 'eth0');
      assert.equal(vars.get('BOOTPROTO'), 'none');
      assert.equal(vars.get('IPADDR'), '192.168.90.10');
      assert.equal(vars.get('NETMASK'), '255.255.255.0');
      assert.equal(vars.get('GATEWAY'), '192.168.90.1');
      assert.equal(vars.get('DNS1'), '192.168.90.2');
    },
    eni(r) {
      assert.ok(r.auto.includes('eth0'), r.auto.join(' '));
      assert.deepEqual(r.options.get('eth0')?.get('gateway'), ['192.168.90.1']);
      assert.deepEqual(r.options.get('eth0')?.get('dns-nameservers'), ['192.168.90.2']);
      assert.deepEqual(eniAddresses(r.commands.get('eth0') ?? [], 'eth0'), ['192.168.90.10/24']);
    },
  };

  for (const renderer of RENDERERS) {
    test(`${renderer}: the drive's ENI file becomes a static eth0 (address, gateway) that the real tool accepts; instance, hostname, user data and key from meta.js`, async () => {
      const root = configDriveRoot(renderer);
      fakeNics(root, [ETH0]);
      seedDrive(root, V1);
      await bootFor(root, renderer, /network config from \/var\/lib\/cloud\/seed\/config_drive: etc\/network\/interfaces/);
      assert.equal(root.read('/var/lib/cloud/data/instance-id'), 'iid-v1-legacy\n');
      assert.equal(root.read('/etc/hostname'), 'v1-host\n');
      assert.match(root.read(`/var/lib/cloud/instances/iid-v1-legacy/user-data.txt`), /bootcmd/);
      assert.match(root.read('/root/.ssh/authorized_keys'), /legacy@v1/);
      await validated(renderer, root, [{ name: ETH0.name, mac: ETH0.mac, addresses: ['192.168.90.10/24'] }], CHECKS);
    });
  }
});

// ---------------------------------------------------------------- (f) link names that could leave the network directories

describe('ConfigDrive network_data.json with hostile link names', () => {
  for (const [what, name, message] of [
    ['a "/"', '../../etc/evil0', /links\[0\]\.name: interface name "\.\.\/\.\.\/etc\/evil0" must not contain whitespace, "\/" or ":"/],
    ['a newline', 'eth0\nDNS=6.6.6.6', /links\[0\]\.name: "eth0\\nDNS=6\.6\.6\.6" contains a line break, tab or other control character/],
  ] as const) {
    test(`a link name with ${what}: rejected with a located message, no network file holds it`, async () => {
      for (const renderer of ['netplan', 'networkd'] as const) {
        const root = configDriveRoot(renderer);
        fakeNics(root, [{ name: 'ens3', mac: '52:54:00:44:00:03', ifindex: 2 }]);
        seedDrive(root, {
          'openstack/2018-08-27/meta_data.json': JSON.stringify({ uuid: UUID, hostname: 'hostile' }),
          'openstack/2018-08-27/network_data.json': JSON.stringify({
            links: [{ id: 'l0', type: 'phy', name, ethernet_mac_address: '52:54:00:44:00:03' }],
            networks: [{ id: 'n0', type: 'ipv4', link: 'l0', ip_address: '10.44.0.5', netmask: '255.255.255.0' }],
            services: [{ type: 'dns', address: '6.6.6.6' }],
          }),
        });
        const runs = await boot(cli, root);
        // The datasource is fine; its network config is refused.
        assert.deepEqual(runs.map((r) => r.status), [0, 0, 0, 0], describeRuns(runs));
        assert.equal(root.read('/etc/hostname'), 'hostile\n');
        const text = log(root);
        const error = text.split('\n').find((l) => l.includes('[ERROR]') && message.test(l));
        assert.ok(error, text);
        assert.match(error, /openstack\/2018-08-27\/network_data\.json line 1: /);
        // The name is quoted in the log, never a line of its own.
        assert.doesNotMatch(text, /^DNS=/m);
        assert.match(text, /network_data\.json is not a valid network config/);
        const files = networkFiles(root);
        for (const [path, content] of files) {
          assert.doesNotMatch(path, /evil|\n/, `${renderer}: ${path}`);
          assert.doesNotMatch(content, /evil0|6\.6\.6\.6|10\.44\.0\.5/, `${renderer}: ${path}`);
        }
        assert.ok(!root.exists('/etc/evil0') && !root.exists('/evil0'));
        // A first boot has no earlier config to keep: the fallback (DHCP on the NIC with a link) keeps the instance reachable.
        assert.match(text, /cannot be used and no earlier network config is in place; the fallback network config is written instead/);
        const all = [...files.values()].join('\n');
        assert.match(all, renderer === 'netplan' ? /ens3:[\s\S]*dhcp4: true/ : /Name=ens3[\s\S]*DHCP=(yes|ipv4)/, `${renderer}: ${all}`);
      }
    });
  }
});
