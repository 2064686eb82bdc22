/**
 * Reading interfaces from sysfs.
 *
 * Part 1: a hand-made tree under a temp root (symlinked class entries as the
 * kernel lays them out, and the odd cases: unreadable attributes, stray
 * files, vanished devices).
 *
 * Part 2: the real kernel. Veth pairs and a bridge are created in a fresh
 * network namespace and read through that namespace's own sysfs, then fed to
 * the fallback. Everything runs in one child under `unshare --mount --net
 * --pid --kill-child` (see validators/sandbox.ts): the namespaces, the sysfs
 * mount and the helper namespace holding the far ends of the veth pairs die
 * with that child, even if this test process is killed, and nothing is
 * created or mounted in the host's namespaces.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fallbackNetworkConfig } from '../../src/net/convert/fallback.ts';
import { readInterfaces, type NetInterface } from '../../src/net/sysfs.ts';
import { requireTools, runSandboxed, TOOLS, withTempDir } from './validators/sandbox.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');

function byName(nics: readonly NetInterface[], name: string): NetInterface {
  const n = nics.find((x) => x.name === name);
  assert.ok(n, `${name} not read; read: ${nics.map((x) => x.name).join(', ')}`);
  return n;
}

// ---------------------------------------------------------------- part 1: a hand-made tree

describe('sysfs tree under a root', () => {
  let root = '';

  /** A device directory with attributes, and its /sys/class/net link (relative, as the kernel's). */
  function device(devPath: string, name: string, attrs: Record<string, string>): string {
    const dir = join(root, 'sys/devices', devPath, 'net', name);
    mkdirSync(dir, { recursive: true });
    for (const [file, value] of Object.entries(attrs)) writeFileSync(join(dir, file), `${value}\n`);
    symlinkSync(`../../devices/${devPath}/net/${name}`, join(root, 'sys/class/net', name));
    return dir;
  }

  const common = { operstate: 'up', dormant: '0', type: '1', mtu: '1500', carrier: '1', addr_assign_type: '0', name_assign_type: '4' };

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'stratus-sysfs-'));
    mkdirSync(join(root, 'sys/class/net'), { recursive: true });
    device('virtual', 'lo', { ...common, address: '00:00:00:00:00:00', ifindex: '1', type: '772', operstate: 'unknown', name_assign_type: '' });

    const ens3 = device('pci0000:00/0000:00:03.0/virtio0', 'ens3', { ...common, address: '52:54:00:AB:CD:EF', ifindex: '2', mtu: '9000' });
    symlinkSync('../../../virtio0', join(ens3, 'device'));
    // The driver link dangles here (no /sys/bus in the tree): only its name is read.
    symlinkSync('../../../../bus/virtio/drivers/virtio_net', join(root, 'sys/devices/pci0000:00/0000:00:03.0/virtio0/driver'));

    // Link down: the kernel refuses to read carrier (EINVAL); a directory fails the read the same way.
    const ens4 = device('pci0000:00/0000:00:04.0/virtio1', 'ens4', { ...common, address: '52:54:00:00:00:04', ifindex: '3', operstate: 'down', dormant: '1' });
    rmSync(join(ens4, 'carrier'));
    mkdirSync(join(ens4, 'carrier'));
    symlinkSync('../../../virtio1', join(ens4, 'device'));

    mkdirSync(join(device('virtual', 'br0', { ...common, address: '52:54:00:00:00:10', ifindex: '4', uevent: 'DEVTYPE=bridge\nINTERFACE=br0\nIFINDEX=4' }), 'bridge'));
    mkdirSync(join(device('virtual', 'bond0', { ...common, address: '52:54:00:00:00:11', ifindex: '5' }), 'bonding'));
    device('virtual', 'ens3.7', { ...common, address: '52:54:00:ab:cd:ef', ifindex: '6', addr_assign_type: '2' });
    mkdirSync(join(root, 'proc/net/vlan'), { recursive: true });
    writeFileSync(join(root, 'proc/net/vlan/ens3.7'), '');
    device('virtual', 'v8', { ...common, address: '52:54:00:00:00:12', ifindex: '7', uevent: 'DEVTYPE=vlan\nINTERFACE=v8' });
    const port = device('virtual', 'veth1', { ...common, address: '52:54:00:00:00:13', ifindex: '8' });
    symlinkSync('../br0', join(port, 'master'));
    device('virtual', 'tun0', { ...common, address: '', ifindex: '9', type: '65534', name_assign_type: 'garbage' });

    // Not interfaces: the bonding driver's control file, and a device that vanished after the listing.
    writeFileSync(join(root, 'sys/class/net/bonding_masters'), 'bond0\n');
    symlinkSync('../../devices/virtual/net/gone0', join(root, 'sys/class/net/gone0'));
  });

  after(() => rmSync(root, { recursive: true, force: true }));

  test('every interface, sorted by name; stray files and vanished devices left out', () => {
    assert.deepEqual(
      readInterfaces(root).map((n) => n.name),
      ['bond0', 'br0', 'ens3', 'ens3.7', 'ens4', 'lo', 'tun0', 'v8', 'veth1'],
    );
  });

  test('a NIC backed by a device: all attributes, MAC lower case, driver from device/driver', () => {
    assert.deepEqual(byName(readInterfaces(root), 'ens3'), {
      name: 'ens3',
      mac: '52:54:00:ab:cd:ef',
      ifindex: 2,
      carrier: 1,
      operstate: 'up',
      dormant: 0,
      type: 1,
      mtu: 9000,
      addrAssignType: 0,
      nameAssignType: 4,
      driver: 'virtio_net',
      kind: 'plain',
      master: null,
      hasDevice: true,
    });
  });

  test('unreadable carrier reads as 0; dormant; no driver bound', () => {
    const ens4 = byName(readInterfaces(root), 'ens4');
    assert.equal(ens4.carrier, 0);
    assert.equal(ens4.dormant, 1);
    assert.equal(ens4.operstate, 'down');
    assert.equal(ens4.driver, null);
    assert.equal(ens4.hasDevice, true);
  });

  test('classification: loopback, bridge, bond, vlan (from /proc/net/vlan and from uevent), member, software-only', () => {
    const nics = readInterfaces(root);
    const kinds = Object.fromEntries(nics.map((n) => [n.name, [n.kind, n.master, n.hasDevice]]));
    assert.deepEqual(kinds, {
      bond0: ['bond', null, false],
      br0: ['bridge', null, false],
      ens3: ['plain', null, true],
      'ens3.7': ['vlan', null, false],
      ens4: ['plain', null, true],
      lo: ['loopback', null, false],
      tun0: ['plain', null, false],
      v8: ['vlan', null, false],
      veth1: ['plain', 'br0', false],
    });
  });

  test('empty or unparsable attributes are null', () => {
    const lo = byName(readInterfaces(root), 'lo');
    assert.equal(lo.nameAssignType, null);
    const tun = byName(readInterfaces(root), 'tun0');
    assert.equal(tun.mac, null);
    assert.equal(tun.nameAssignType, null);
    assert.equal(tun.type, 65534);
  });

  test('a root without /sys/class/net has no interfaces', () => {
    assert.deepEqual(readInterfaces(join(root, 'proc')), []);
  });

  test('the tree feeds the fallback: only ens3 (ens4 has no carrier; the rest are not NICs)', () => {
    const r = fallbackNetworkConfig(readInterfaces(root));
    assert.deepEqual(r.chosen, ['ens3']);
  });
});

// ---------------------------------------------------------------- part 2: the real kernel

interface NamespaceRead {
  nics: NetInterface[];
}

/**
 * In fresh namespaces: eth0..eth2 and port0 are veths whose far ends live in
 * a second namespace ("sw", the switch side), so only our ends show here.
 * eth0 and eth1 get carrier; eth2's far end stays down; port0 is a member
 * of br0. Then this namespace's sysfs is mounted at ROOT/sys (and /proc
 * bound at ROOT/proc) and the reader prints what it sees.
 * eth2's operstate is "down" or "lowerlayerdown" depending on the kernel and
 * timing; both mean "possibly connected" to the fallback.
 */
const SCRIPT = `
root="$1"; node="$2"; dump="$3"; repo="$4"
ip netns add sw
ip link add eth0 address 52:54:00:12:34:01 type veth peer name peer0 netns sw
ip link add eth1 address 52:54:00:12:34:02 type veth peer name peer1 netns sw
ip link add eth2 address 52:54:00:12:34:03 type veth peer name peer2 netns sw
ip link add br0 address 52:54:00:12:34:10 type bridge
ip link add port0 address 52:54:00:12:34:04 type veth peer name peerp0 netns sw
ip link set port0 master br0
for l in eth0 eth1 eth2 port0 br0; do ip link set "$l" up; done
for l in peer0 peer1 peerp0; do ip -n sw link set "$l" up; done
mkdir -p "$root/sys" "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /proc "$root/proc"
# operstate follows carrier asynchronously (the kernel's linkwatch): wait for it, up to 5 s.
for i in $(seq 50); do
  [ "$(cat "$root/sys/class/net/eth0/operstate") $(cat "$root/sys/class/net/eth1/operstate")" = "up up" ] && break
  sleep 0.1
done
cd "$repo"
"$node" --import tsx "$dump" "$root"
`;

async function readInNamespace(): Promise<NamespaceRead> {
  requireTools(TOOLS.ip);
  return withTempDir('sysfs-ns', async (dir) => {
    const root = join(dir, 'root');
    mkdirSync(root);
    const dump = join(dir, 'dump.ts');
    writeFileSync(dump, `import { readInterfaces } from ${JSON.stringify(join(REPO, 'src/net/sysfs.ts'))};\nconsole.log(JSON.stringify(readInterfaces(process.argv[2]!)));\n`);
    const r = await runSandboxed(SCRIPT, [root, process.execPath, dump, REPO], { timeoutMs: 60_000 });
    assert.equal(r.timedOut, false, `timed out:\n${r.stderr}`);
    assert.equal(r.code, 0, `sandbox failed (${r.code ?? r.signal}):\n${r.stderr}\n${r.stdout}`);
    return { nics: JSON.parse(r.stdout) as NetInterface[] };
  });
}

describe('a network namespace with veth pairs and a bridge', () => {
  let read: NamespaceRead = { nics: [] };
  before(async () => {
    read = await readInNamespace();
  });

  test('only the namespace\'s interfaces, none of the host\'s', () => {
    assert.deepEqual(read.nics.map((n) => n.name), ['br0', 'eth0', 'eth1', 'eth2', 'lo', 'port0']);
  });

  test('MACs, carrier, state and type as configured', () => {
    const facts = read.nics
      .filter((n) => n.name.startsWith('eth'))
      .map((n) => [n.name, n.mac, n.carrier, n.type, n.kind, n.hasDevice, n.master]);
    assert.deepEqual(facts, [
      ['eth0', '52:54:00:12:34:01', 1, 1, 'plain', false, null],
      ['eth1', '52:54:00:12:34:02', 1, 1, 'plain', false, null],
      ['eth2', '52:54:00:12:34:03', 0, 1, 'plain', false, null],
    ]);
    assert.equal(byName(read.nics, 'eth0').operstate, 'up');
    assert.equal(byName(read.nics, 'eth1').operstate, 'up');
    assert.ok(['down', 'lowerlayerdown'].includes(byName(read.nics, 'eth2').operstate ?? ''), String(byName(read.nics, 'eth2').operstate));
    const eth0 = byName(read.nics, 'eth0');
    const eth1 = byName(read.nics, 'eth1');
    assert.ok(eth0.ifindex !== null && eth1.ifindex !== null && eth0.ifindex < eth1.ifindex);
    assert.equal(eth0.mtu, 1500);
    assert.equal(eth0.nameAssignType, 3, 'named by user space (ip link add)');
    assert.equal(eth0.addrAssignType, 3, 'address set by user space');
    assert.equal(eth0.driver, null, 'veth has no device, so no driver link');
  });

  test('the bridge, its member and loopback are classified', () => {
    assert.equal(byName(read.nics, 'br0').kind, 'bridge');
    assert.equal(byName(read.nics, 'port0').master, 'br0');
    assert.equal(byName(read.nics, 'lo').kind, 'loopback');
  });

  test('fallback with allowVirtual: eth0 (metric 100) and eth1 (metric 200); eth2, br0 and port0 left out', () => {
    const r = fallbackNetworkConfig(read.nics, { allowVirtual: true });
    assert.deepEqual(r.chosen, ['eth0', 'eth1']);
    assert.deepEqual(r.config, {
      version: 2,
      ethernets: {
        eth0: {
          dhcp4: true,
          dhcp6: true,
          'dhcp4-overrides': { 'route-metric': 100 },
          'dhcp6-overrides': { 'route-metric': 100 },
          match: { macaddress: '52:54:00:12:34:01' },
          'set-name': 'eth0',
        },
        eth1: {
          dhcp4: true,
          dhcp6: true,
          'dhcp4-overrides': { 'route-metric': 200 },
          'dhcp6-overrides': { 'route-metric': 200 },
          match: { macaddress: '52:54:00:12:34:02' },
          'set-name': 'eth1',
        },
      },
    });
    assert.ok(r.reasons.includes('br0: left out: a bridge'), r.reasons.join('\n'));
    assert.ok(r.reasons.includes('port0: left out: a member of br0'), r.reasons.join('\n'));
  });

  test('fallback when only eth2 (no carrier) is left: cloud-init\'s single "possibly connected" NIC', () => {
    const r = fallbackNetworkConfig(read.nics.filter((n) => n.name !== 'eth0' && n.name !== 'eth1'), { allowVirtual: true });
    assert.deepEqual(r.config, {
      version: 2,
      ethernets: { eth2: { dhcp4: true, dhcp6: true, match: { macaddress: '52:54:00:12:34:03' }, 'set-name': 'eth2' } },
    });
  });

  test('fallback without allowVirtual: veths named like NICs count (a container\'s eth0 is one), host-side names do not', () => {
    const r = fallbackNetworkConfig(read.nics);
    assert.deepEqual(r.chosen, ['eth0', 'eth1']);
    const renamed = read.nics.map((n) => (n.name === 'eth0' ? { ...n, name: 'veth0' } : n));
    const r2 = fallbackNetworkConfig(renamed);
    assert.deepEqual(r2.chosen, ['eth1']);
    assert.ok(r2.reasons.some((l) => l.startsWith('veth0: left out: host-side software interface')), r2.reasons.join('\n'));
  });
});
