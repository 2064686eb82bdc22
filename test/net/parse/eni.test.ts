/**
 * ENI text → network config v1 (`net-convert --kind eni`): cloud-init's
 * conversion, the devices it flattens (bonds, bridges, VLANs), inet6
 * methods, route commands, and located diagnostics.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readNetworkInput } from '../../../src/net/input.ts';
import { eniToV1 } from '../../../src/net/parse/eni.ts';
import { parseRouteCommand } from '../../../src/net/parse/eni/route-command.ts';
import { renderEni } from '../../../src/net/render/eni.ts';
import { formatDiagnostic } from '../../../src/text/diagnostics.ts';
import { Reader } from '../../../src/text/reader.ts';

function convert(text: string): { v1: Record<string, unknown> | undefined; messages: string[] } {
  const r = new Reader({ source: 'interfaces', locate: () => undefined });
  const v1 = eniToV1(r, text);
  return { v1, messages: r.diagnostics.map(formatDiagnostic) };
}

function entries(text: string): Record<string, unknown>[] {
  const { v1, messages } = convert(text);
  assert.ok(v1, messages.join('\n'));
  return v1['config'] as Record<string, unknown>[];
}

test("cloud-init's own example converts to the same v1 (less its _orig_eni_name bookkeeping)", () => {
  const config = entries(`auto lo
iface lo inet loopback
   dns-nameservers 10.0.0.1
   dns-search foo.com

auto eth0
iface eth0 inet static
        address 1.2.3.12
        netmask 255.255.255.248
        broadcast 1.2.3.15
        gateway 1.2.3.9
        dns-nameservers 69.9.160.191 69.9.191.4
auto eth1
iface eth1 inet static
        address 10.248.2.4
        netmask 255.255.255.248
        broadcast 10.248.2.7
`);
  assert.deepEqual(config, [
    {
      type: 'physical',
      name: 'eth0',
      subnets: [
        {
          type: 'static',
          control: 'auto',
          address: '1.2.3.12',
          netmask: '255.255.255.248',
          broadcast: '1.2.3.15',
          gateway: '1.2.3.9',
          dns_nameservers: ['69.9.160.191', '69.9.191.4'],
        },
      ],
    },
    { type: 'physical', name: 'eth1', subnets: [{ type: 'static', control: 'auto', address: '10.248.2.4', netmask: '255.255.255.248', broadcast: '10.248.2.7' }] },
    { type: 'loopback', name: 'lo', subnets: [{ type: 'loopback', control: 'auto', dns_nameservers: ['10.0.0.1'], dns_search: ['foo.com'] }] },
  ]);
});

test('aliases fold into their device; auto and allow-hotplug set the control; inet6 methods keep their family', () => {
  const [eth0] = entries(`allow-hotplug eth0
iface eth0 inet dhcp
iface eth0 inet6 auto
    dhcp 1
iface eth0:1 inet static
    address 10.9.9.9/32
auto eth0:1
iface eth0:2 inet6 static
    address 2001:db8::9/64
iface eth0:3 inet6 auto
iface eth0:4 inet6 dhcp
`);
  assert.deepEqual(eth0!['subnets'], [
    { type: 'dhcp', control: 'hotplug' },
    { type: 'ipv6_dhcpv6-stateless', control: 'hotplug' },
    { type: 'static', control: 'auto', address: '10.9.9.9/32' },
    { type: 'static6', control: 'manual', address: '2001:db8::9/64' },
    { type: 'ipv6_slaac', control: 'manual' },
    { type: 'dhcp6', control: 'manual' },
  ]);
});

test('bonds from bond-slaves or from bond-master on the members, with the bond options', () => {
  const config = entries(`auto eth1
iface eth1 inet manual
    bond-master bond0
    bond-mode 802.3ad
auto eth2
iface eth2 inet manual
    bond-master bond0
auto bond0
iface bond0 inet dhcp
    bond-slaves none
    bond_miimon 100
    bond-xmit-hash-policy layer3+4
    hwaddress ether 52:54:00:00:00:10
`);
  const bond = config.find((e) => e['name'] === 'bond0')!;
  assert.equal(bond['type'], 'bond');
  assert.deepEqual(bond['bond_interfaces'], ['eth1', 'eth2']);
  assert.deepEqual(bond['params'], { 'bond-miimon': '100', 'bond-xmit-hash-policy': 'layer3+4', 'bond-mode': '802.3ad' });
  assert.equal(bond['mac_address'], '52:54:00:00:00:10');
  assert.deepEqual(config.find((e) => e['name'] === 'eth1'), { type: 'physical', name: 'eth1', subnets: [{ type: 'manual', control: 'auto' }] });

  const listed = entries(`iface bond1 inet manual
    bond-slaves eth3 eth4
`).find((e) => e['name'] === 'bond1')!;
  assert.deepEqual(listed['bond_interfaces'], ['eth3', 'eth4']);
});

test('bridges with ports, hardware address and per-port options', () => {
  const [br0] = entries(`auto br0
iface br0 inet static
    address 10.0.0.2/24
    bridge_ports eth0 eth1
    bridge_stp off
    bridge-fd 0
    bridge_pathcost eth0 50
    bridge_pathcost eth1 75
    bridge_hw mac 52:54:00:00:00:20
`);
  assert.equal(br0!['type'], 'bridge');
  assert.deepEqual(br0!['bridge_interfaces'], ['eth0', 'eth1']);
  assert.equal(br0!['mac_address'], '52:54:00:00:00:20');
  assert.deepEqual(br0!['params'], { bridge_stp: 'off', bridge_fd: '0', bridge_pathcost: ['eth0 50', 'eth1 75'] });
});

test('VLANs from vlan-raw-device or a RAW.ID name; an undeclared raw device is added', () => {
  const config = entries(`auto eth0.100
iface eth0.100 inet dhcp
auto vlan7
iface vlan7 inet manual
    vlan-raw-device eth1
`);
  assert.deepEqual(
    config.map((e) => [e['name'], e['type'], e['vlan_link'], e['vlan_id']]),
    [
      ['eth0', 'physical', undefined, undefined],
      ['eth0.100', 'vlan', 'eth0', 100],
      ['eth1', 'physical', undefined, undefined],
      ['vlan7', 'vlan', 'eth1', 7],
    ],
  );
});

test('MTU goes to the device, later stanzas keep theirs; accept_ra, ethernet-wol and hwaddress are read', () => {
  const [eth0] = entries(`auto eth0
iface eth0 inet static
    address 10.0.0.5/24
    mtu 9000
iface eth0 inet6 static
    address 2001:db8::5/64
    mtu 1500
    accept_ra 0
    ethernet-wol g
    hwaddress 52:54:00:AB:CD:EF
`);
  assert.equal(eth0!['mtu'], 9000);
  assert.equal((eth0!['subnets'] as Record<string, unknown>[])[1]!['mtu'], 1500);
  assert.equal(eth0!['accept-ra'], false);
  assert.equal(eth0!['wakeonlan'], true);
  assert.equal(eth0!['mac_address'], '52:54:00:ab:cd:ef');
});

test('up/post-up route commands become subnet routes; their down mirrors are dropped silently', () => {
  const { v1, messages } = convert(`auto eth0
iface eth0 inet static
    address 10.0.0.5/24
    up ip route add 10.1.0.0/16 via 10.0.0.1 metric 5 || true
    post-up route add -net 10.2.0.0 netmask 255.255.0.0 gw 10.0.0.1
    post-up /sbin/ip -6 route add default via fe80::1 dev eth0
    post-up ip route add 10.3.0.0/16 dev eth0 table 7
    pre-down ip route del 10.1.0.0/16 via 10.0.0.1 metric 5 || true
    down route del -net 10.2.0.0 netmask 255.255.0.0 gw 10.0.0.1
`);
  assert.deepEqual(messages, []);
  const subnet = ((v1!['config'] as Record<string, unknown>[])[0]!['subnets'] as Record<string, unknown>[])[0]!;
  assert.deepEqual(subnet['routes'], [
    { destination: '10.1.0.0/16', gateway: '10.0.0.1', metric: 5 },
    { destination: '10.2.0.0/255.255.0.0', gateway: '10.0.0.1' },
    { destination: '::/0', gateway: 'fe80::1' },
    { destination: '10.3.0.0/16', table: 7 },
  ]);
});

test('commands, classes, mappings and source lines that cannot be converted are warnings with their line', () => {
  const { v1, messages } = convert(`source /etc/network/interfaces.d/*
allow-ovs br9
mapping eth9
    script /usr/local/bin/map-scheme
auto eth0
iface eth0 inet dhcp
    post-up echo up > /tmp/flag
    pre-up ip route add 10.0.0.0/8 via 10.0.0.1
    up ip route add blackhole 10.0.0.0/8
    wireless-essid home
`);
  assert.ok(v1);
  assert.deepEqual(messages, [
    'interfaces line 1: warning: "source /etc/network/interfaces.d/*" is not followed: a conversion reads only the text it is given',
    'interfaces line 2: warning: "allow-ovs" classes are not converted (only auto and allow-hotplug are)',
    'interfaces line 3: warning: mapping stanzas are not converted',
    'interfaces line 7: warning: eth0.post-up: command "echo up > /tmp/flag" is not converted',
    'interfaces line 8: warning: eth0.pre-up: command "ip route add 10.0.0.0/8 via 10.0.0.1" is not converted',
    'interfaces line 9: warning: eth0.up: command "ip route add blackhole 10.0.0.0/8" is not converted: blackhole routes cannot be expressed in network config v1',
    'interfaces line 10: warning: eth0.wireless-essid: option is not converted',
  ]);
});

test('errors name the line and the option', () => {
  const { v1, messages } = convert(`address 10.0.0.1
iface eth0 inet static
    netmask 255.0.255.0
iface eth1 inet ppp
iface eth2 ipx static
iface eth3 inet6 static
    address 2001:db8::3/64
    gateway 10.0.0.1
    dns-nameservers 10.0.0.53 nameserver.example
iface bond0 inet manual
    bond-slaves none
iface eth4 inet dhcp
    mtu big
`);
  assert.equal(v1, undefined);
  assert.deepEqual(messages, [
    'interfaces line 1: address: option outside of an iface stanza',
    'interfaces line 3: eth0.netmask: "255.0.255.0" is not a valid inet netmask',
    'interfaces line 4: eth1: method "ppp" of inet cannot be converted (static, dhcp, manual, loopback)',
    'interfaces line 5: eth2: address family "ipx" is not supported (inet or inet6)',
    'interfaces line 8: eth3.gateway: "10.0.0.1" is not an IPv6 address',
    'interfaces line 9: eth3.dns-nameservers[1]: "nameserver.example" is not an IP address',
    'interfaces line 13: eth4.mtu: must be an integer, not "big"',
    'interfaces line 10: bond0: bond has no members (bond-slaves, or bond-master on the members)',
    'interfaces line 2: eth0: a static inet stanza needs an address',
  ]);
});

test('continuation lines, comments and blank runs are read as ifupdown reads them', () => {
  const [eth0] = entries(`# a comment
auto   eth0
iface eth0 inet static
    # an indented comment
    address    10.0.0.5/24
    dns-nameservers 10.0.0.53 \\
        10.0.0.54
`);
  assert.deepEqual(eth0!['subnets'], [{ type: 'static', control: 'auto', address: '10.0.0.5/24', dns_nameservers: ['10.0.0.53', '10.0.0.54'] }]);
});

test('a manual stanza that is not brought up and sets nothing only declares the device', () => {
  const config = entries('iface eth1 inet manual\n');
  assert.deepEqual(config, [{ type: 'physical', name: 'eth1', subnets: [] }]);
});

test('route commands: both tools, defaults, hosts and what is not a route', () => {
  assert.deepEqual(parseRouteCommand('ip -family inet6 route add default via fe80::1 || true'), {
    kind: 'add',
    route: { destination: '::/0', family: 6, gateway: 'fe80::1', ignored: [] },
  });
  assert.deepEqual(parseRouteCommand('route add -host 10.0.0.100 gw 10.0.0.1 metric 1 eth0'), {
    kind: 'add',
    route: { destination: '10.0.0.100/32', family: 4, gateway: '10.0.0.1', metric: '1', device: 'eth0', ignored: [] },
  });
  assert.deepEqual(parseRouteCommand('route add -A inet6 default gw 2001:db8::1'), {
    kind: 'add',
    route: { destination: '::/0', family: 6, gateway: '2001:db8::1', ignored: [] },
  });
  assert.deepEqual(parseRouteCommand('ip r add 10.0.0.0/8 via 10.1.1.1 proto static onlink'), {
    kind: 'add',
    route: { destination: '10.0.0.0/8', family: 4, gateway: '10.1.1.1', ignored: ['proto static', 'onlink'] },
  });
  assert.deepEqual(parseRouteCommand('ip route del 10.0.0.0/8'), { kind: 'del' });
  assert.deepEqual(parseRouteCommand('ip rule add from 10.0.0.0/8 table 5'), { kind: 'other' });
  assert.deepEqual(parseRouteCommand('ip route add 10.0.0.0/8 via 10.0.0.1; echo hi'), { kind: 'other' });
});

test('ENI → state → ENI keeps what ifupdown sees', () => {
  const text = `auto lo
iface lo inet loopback

auto eth0
iface eth0 inet static
    address 192.168.1.5/24
    broadcast 192.168.1.255
    gateway 192.168.1.1
    post-up ip route add 10.0.0.0/8 via 192.168.1.254 || true
    pre-down ip route del 10.0.0.0/8 via 192.168.1.254 || true

# control-alias eth0
iface eth0 inet6 static
    address 2001:db8::5/64
    dns-nameservers 2001:db8::53

auto eth1
iface eth1 inet dhcp
`;
  const r = readNetworkInput(text, 'interfaces', 'eni');
  assert.equal(r.kind, 'state', r.diagnostics.map(formatDiagnostic).join('\n'));
  if (r.kind !== 'state') return;
  assert.equal(renderEni(r.state).files[0]!.content, text);
});

test('an address of the other family than the stanza is an error', () => {
  const { messages } = convert('iface eth0 inet static\n    address 2001:db8::1/64\n');
  assert.deepEqual(messages.slice(0, 1), ['interfaces line 2: eth0.address: "2001:db8::1/64" is not an IPv4 address, as inet needs']);
});
