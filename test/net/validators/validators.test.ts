/**
 * The real-tool validators must be able to fail: for each tool, a file it
 * accepts passes, and deliberately broken files are rejected with the tool's
 * own message. Without these, a validator that silently checked nothing
 * would make every renderer look correct.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeFilesAtomically } from '../../../src/host/fs.ts';
import { eniAddresses, validateEni } from './eni.ts';
import { validateNetplan } from './netplan.ts';
import { nmAddresses, nmDevice, validateNmKeyfiles } from './network-manager.ts';
import { validateNetworkd } from './networkd.ts';
import { requireTools, ToolMissingError, withTempDir } from './sandbox.ts';
import { validateSysconfig } from './sysconfig.ts';

type Files = Record<string, string | { content: string; mode: number }>;

/** Lay files out under a temp root (deleted afterwards) and hand the root to fn. */
function tree<T>(files: Files, fn: (root: string) => Promise<T>): Promise<T> {
  return withTempDir('validator', async (root) => {
    writeFilesAtomically(
      root,
      Object.entries(files).map(([path, f]) => (typeof f === 'string' ? { path, content: f, mode: 0o644 } : { path, ...f })),
    );
    return fn(root);
  });
}

function has(messages: readonly string[], pattern: RegExp): boolean {
  return messages.some((m) => pattern.test(m));
}

const NETPLAN = 'etc/netplan/50-cloud-init.yaml';
const NM_DIR = 'etc/NetworkManager/system-connections';
const ND_DIR = 'etc/systemd/network';
const ENI = 'etc/network/interfaces.d/50-cloud-init';
const IFCFG_DIR = 'etc/sysconfig/network-scripts';

const NETPLAN_GOOD = `network:
  version: 2
  ethernets:
    eth0:
      match: {macaddress: "52:54:00:12:34:56"}
      set-name: eth0
      addresses: [10.0.0.2/24]
      routes: [{to: default, via: 10.0.0.1}]
`;

const KEYFILE_GOOD = `[connection]
id=cloud-init eth0
uuid=1dd9a779-d327-56e1-8454-c65e2556c12c
type=ethernet
interface-name=eth0

[ethernet]
mac-address=52:54:00:12:34:56

[ipv4]
method=manual
address1=192.168.1.10/24
gateway=192.168.1.1

[ipv6]
method=manual
address1=2001:db8::10/64
`;

describe('real-tool validators accept good files and reject broken ones', { concurrency: 4 }, () => {
  it('a missing tool fails with the apt package to install', () => {
    assert.throws(() => requireTools({ path: '/nonexistent/netplan', aptPackage: 'netplan.io' }), (e: unknown) => {
      assert.ok(e instanceof ToolMissingError);
      assert.match(e.message, /apt-get install netplan\.io/);
      return true;
    });
  });

  it('netplan: accepts good YAML and shows what it generated', () =>
    tree({ [NETPLAN]: { content: NETPLAN_GOOD, mode: 0o600 } }, async (root) => {
      const r = await validateNetplan(root);
      assert.deepEqual(r.messages, []);
      assert.ok(r.ok);
      assert.match(r.generated.get('run/systemd/network/10-netplan-eth0.network') ?? '', /^Address=10\.0\.0\.2\/24$/m);
    }));

  it('netplan: rejects an unknown key', () =>
    tree({ [NETPLAN]: { content: NETPLAN_GOOD.replace('set-name: eth0', 'set-name: eth0\n      frobnicate: true'), mode: 0o600 } }, async (root) => {
      const r = await validateNetplan(root);
      assert.ok(!r.ok);
      assert.ok(has(r.messages, /50-cloud-init\.yaml:\d+:\d+: Error in network definition: unknown key 'frobnicate'/), r.messages.join('\n'));
    }));

  it('netplan: rejects a YAML readable by others (netplan warns) and deprecated keys', () =>
    tree({ [NETPLAN]: { content: NETPLAN_GOOD.replace('routes: [{to: default, via: 10.0.0.1}]', 'gateway4: 10.0.0.1'), mode: 0o644 } }, async (root) => {
      const r = await validateNetplan(root);
      assert.ok(!r.ok);
      assert.ok(has(r.messages, /Permissions for etc\/netplan\/50-cloud-init\.yaml are too open/), r.messages.join('\n'));
      assert.ok(has(r.messages, /`gateway4` has been deprecated/), r.messages.join('\n'));
    }));

  it('networkd: accepts good files and configures the NIC they match', () =>
    tree(
      {
        [`${ND_DIR}/10-cloud-init-eth0.network`]: '[Match]\nMACAddress=52:54:00:12:34:56\nName=eth0\n\n[Link]\nMTUBytes=1400\n\n[Network]\nAddress=10.0.0.2/24\nGateway=10.0.0.1\n',
        [`${ND_DIR}/10-cloud-init-eth0.link`]: '[Match]\nMACAddress=52:54:00:12:34:56\n\n[Link]\nName=eth0\n',
      },
      async (root) => {
        const r = await validateNetworkd(root, { nics: [{ name: 'eth0', mac: '52:54:00:12:34:56', addresses: ['10.0.0.2/24'], mtu: 1400 }] });
        assert.deepEqual(r.messages, []);
        assert.equal(r.networkFor.get('eth0'), `${ND_DIR}/10-cloud-init-eth0.network`);
        assert.deepEqual(r.linkFor.get('eth0'), { file: `${ND_DIR}/10-cloud-init-eth0.link`, name: 'eth0' });
        assert.deepEqual(r.addresses.get('eth0'), ['10.0.0.2/24']);
        assert.equal(r.mtu.get('eth0'), 1400);
      },
    ));

  it('networkd: rejects unknown keys and invalid values in .network, .netdev and .link files', () =>
    tree(
      {
        [`${ND_DIR}/10-cloud-init-eth0.network`]: '[Match]\nName=eth0\n\n[Network]\nDHCP=ipv4\nFrobnicate=yes\nAddress=10.0.0.300/24\n',
        [`${ND_DIR}/10-cloud-init-bond0.netdev`]: '[NetDev]\nName=bond0\nKind=bond\n\n[Bond]\nMode=active-backupp\n',
        [`${ND_DIR}/10-cloud-init-eth0.link`]: '[Match]\nMACAddress=52:54:00:12:34:56\n\n[Link]\nMTUBytes=big\n',
      },
      async (root) => {
        const r = await validateNetworkd(root);
        assert.ok(!r.ok);
        const all = r.messages.join('\n');
        assert.ok(has(r.messages, /10-cloud-init-eth0\.network:6: Unknown key 'Frobnicate' in section \[Network\]/), all);
        assert.ok(has(r.messages, /10-cloud-init-eth0\.network:7: Invalid address '10\.0\.0\.300\/24'/), all);
        assert.ok(has(r.messages, /10-cloud-init-bond0\.netdev:6: Failed to parse bond mode/), all);
        assert.ok(has(r.messages, /10-cloud-init-eth0\.link:5: Failed to parse MTU value 'big'/), all);
      },
    ));

  it('network-manager: accepts a good keyfile and shows the normalized connection', () =>
    tree({ [`${NM_DIR}/cloud-init-eth0.nmconnection`]: { content: KEYFILE_GOOD, mode: 0o600 } }, async (root) => {
      const r = await validateNmKeyfiles(root);
      assert.deepEqual(r.messages, []);
      const c = r.connections.get(`${NM_DIR}/cloud-init-eth0.nmconnection`);
      assert.ok(c);
      assert.deepEqual(nmDevice(c), { interfaceName: 'eth0', mac: '52:54:00:12:34:56' });
      assert.deepEqual(nmAddresses(c), ['192.168.1.10/24', '2001:db8::10/64']);
    }));

  it('network-manager: rejects invalid values, unknown keys, unverifiable profiles, unsafe modes', () =>
    tree(
      {
        [`${NM_DIR}/cloud-init-eth0.nmconnection`]: {
          content: KEYFILE_GOOD.replace('[ethernet]\n', '[ethernet]\nmtu=jumbo\n').replace('interface-name=eth0\n', 'interface-name=eth0\nfrobnicate=1\n'),
          mode: 0o600,
        },
        [`${NM_DIR}/cloud-init-eth1.nmconnection`]: {
          content: '[connection]\nid=cloud-init eth1\nuuid=1dd9a779-d327-56e1-8454-c65e2556c12d\ntype=ethernet\ninterface-name=eth1\n\n[ipv4]\nmethod=manual\n',
          mode: 0o644,
        },
      },
      async (root) => {
        const r = await validateNmKeyfiles(root);
        assert.ok(!r.ok);
        const all = r.messages.join('\n');
        assert.ok(has(r.messages, /cloud-init-eth0\.nmconnection: \[ethernet\] mtu: invalid setting/), all);
        assert.ok(has(r.messages, /cloud-init-eth0\.nmconnection: \[connection\] frobnicate: unknown key/), all);
        assert.ok(has(r.messages, /cloud-init-eth1\.nmconnection: verify: ipv4\.addresses: this property cannot be empty for 'method=manual'/), all);
        assert.ok(has(r.messages, /cloud-init-eth1\.nmconnection: mode 644: NetworkManager skips/), all);
      },
    ));

  it('eni: accepts a good file and shows what ifup would do', () =>
    tree(
      {
        [ENI]: 'auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet static\n    address 10.0.0.2/24\n    gateway 10.0.0.1\n    mtu 1400\n\niface eth0 inet6 static\n    address 2001:db8::2/64\n',
      },
      async (root) => {
        const r = await validateEni(root);
        assert.deepEqual(r.messages, []);
        assert.deepEqual(r.auto, ['lo', 'eth0']);
        assert.deepEqual(r.options.get('eth0')?.get('mtu'), ['1400']);
        assert.deepEqual(eniAddresses(r.commands.get('eth0') ?? [], 'eth0'), ['10.0.0.2/24', '2001:db8::2/64']);
      },
    ));

  it('eni: rejects an unknown method', () =>
    tree({ [ENI]: 'auto eth0\niface eth0 inet dhcpp\n' }, async (root) => {
      const r = await validateEni(root);
      assert.ok(!r.ok);
      assert.ok(has(r.messages, /50-cloud-init: ifquery --list: ifquery: etc\/network\/interfaces\.d\/50-cloud-init:2: unknown or no method/), r.messages.join('\n'));
    }));

  it('eni: rejects a static stanza without address, and addresses ip would refuse', () =>
    tree({ [ENI]: 'auto eth0\niface eth0 inet static\n    netmask 255.255.255.0\n\nauto eth1\niface eth1 inet6 static\n    address 2001:db8::1/129\n' }, async (root) => {
      const r = await validateEni(root);
      assert.ok(!r.ok);
      const all = r.messages.join('\n');
      assert.ok(has(r.messages, /ifup --no-act eth0: ifup: missing required variable: address/), all);
      assert.ok(has(r.messages, /ifup --no-act eth1: would run "ip -6 addr add 2001:db8::1\/129/), all);
    }));

  it('sysconfig: accepts plain assignments and reads them as bash does', () =>
    tree({ [`${IFCFG_DIR}/ifcfg-eth0`]: '# Created by cloud-init\nDEVICE=eth0\nBOOTPROTO=none\nIPADDR=10.0.0.2\nNETMASK=255.255.255.0\nBONDING_OPTS="mode=active-backup miimon=100"\n' }, async (root) => {
      const r = await validateSysconfig(root);
      assert.deepEqual(r.messages, []);
      const vars = r.variables.get(`${IFCFG_DIR}/ifcfg-eth0`);
      assert.equal(vars?.get('IPADDR'), '10.0.0.2');
      assert.equal(vars?.get('BONDING_OPTS'), 'mode=active-backup miimon=100');
    }));

  it('sysconfig: rejects shell syntax errors, unquoted words and expansions', () =>
    tree(
      {
        [`${IFCFG_DIR}/ifcfg-eth0`]: 'DEVICE=eth0\nDOMAIN=example.com example.org\nIPADDR=$(hostname -i)\n',
        [`${IFCFG_DIR}/ifcfg-eth1`]: 'DEVICE=eth1\nBONDING_OPTS="mode=1\n',
      },
      async (root) => {
        const r = await validateSysconfig(root);
        assert.ok(!r.ok);
        const all = r.messages.join('\n');
        assert.ok(has(r.messages, /ifcfg-eth0:2: not a KEY=VALUE assignment .*DOMAIN=example\.com example\.org/), all);
        assert.ok(has(r.messages, /ifcfg-eth0:3: not a KEY=VALUE assignment .*IPADDR=\$\(hostname -i\)/), all);
        assert.ok(has(r.messages, /ifcfg-eth1: line \d+: unexpected EOF while looking for matching `"'/), all);
        assert.equal(r.variables.size, 0, 'nothing is sourced from rejected files');
      },
    ));
});
