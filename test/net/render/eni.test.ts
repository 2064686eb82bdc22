/**
 * ENI renderer behaviour beyond cloud-init's fixtures: file path, header and
 * mode, udev rules, stanza layout, DNS placement, route commands in both
 * forms (including link-local gateways), v2 route placement, policy routing,
 * and the notes for what ENI cannot express.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderEni, type EniOptions } from '../../../src/net/render/eni.ts';
import { DEBIAN_HEADER } from '../../../src/net/render/types.ts';
import { stateOf } from './helpers.ts';

function render(yaml: string, opts?: EniOptions): { text: string; notes: string[] } {
  const out = renderEni(stateOf(yaml), opts);
  return { text: out.files[0]!.content, notes: out.notes };
}

/** The stanza (lines up to the next blank line) that starts with `head`, e.g. "iface eth0 inet dhcp". */
function stanza(text: string, head: string): string[] {
  const blocks = text.replace(/\n$/, '').split('\n\n').map((b) => b.split('\n'));
  const found = blocks.find((b) => b.some((l) => l === head));
  assert.ok(found, `no stanza "${head}" in:\n${text}`);
  return found;
}

test('default path, mode, header and no udev rules unless asked', () => {
  const out = renderEni(stateOf('version: 2\nethernets: {eth0: {dhcp4: true}}'));
  assert.equal(out.files.length, 1);
  assert.equal(out.files[0]!.path, 'etc/network/interfaces.d/50-cloud-init');
  assert.equal(out.files[0]!.mode, 0o644);
  assert.equal(out.files[0]!.content, 'auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet dhcp\n');

  const withHeader = renderEni(stateOf('version: 2\nethernets: {eth0: {dhcp4: true}}'), { header: DEBIAN_HEADER, path: 'etc/network/interfaces' });
  assert.equal(withHeader.files[0]!.path, 'etc/network/interfaces');
  assert.ok(withHeader.files[0]!.content.startsWith(`${DEBIAN_HEADER}auto lo\n`));
});

test('persistent-net rules pin v1 names and v2 set-name, with the driver when known', () => {
  const v1 = renderEni(
    stateOf(`version: 1
config:
  - {type: physical, name: eth0, mac_address: "52:54:00:12:34:00", params: {driver: virtio_net}}
  - {type: physical, name: eth1, mac_address: "52:54:00:12:34:01"}
  - {type: physical, name: eth2}
  - {type: bond, name: bond0, mac_address: "52:54:00:12:34:99", bond_interfaces: [eth0, eth1]}
`),
    { netrulesPath: 'etc/udev/rules.d/70-persistent-net.rules' },
  );
  const rules = v1.files.find((f) => f.path === 'etc/udev/rules.d/70-persistent-net.rules');
  assert.ok(rules);
  assert.equal(
    rules.content,
    'SUBSYSTEM=="net", ACTION=="add", DRIVERS=="virtio_net", ATTR{address}=="52:54:00:12:34:00", NAME="eth0"\n' +
      'SUBSYSTEM=="net", ACTION=="add", DRIVERS=="?*", ATTR{address}=="52:54:00:12:34:01", NAME="eth1"\n',
  );
  const v2 = renderEni(
    stateOf(`version: 2
ethernets:
  lan: {match: {macaddress: "52:54:00:00:00:01"}, set-name: lan0, dhcp4: true}
  wan: {match: {macaddress: "52:54:00:00:00:02"}, dhcp4: true}
`),
    { netrulesPath: 'etc/udev/rules.d/70-persistent-net.rules' },
  );
  assert.equal(v2.files[1]!.content, 'SUBSYSTEM=="net", ACTION=="add", DRIVERS=="?*", ATTR{address}=="52:54:00:00:00:01", NAME="lan0"\n');
  assert.ok(v2.notes.some((n) => n.startsWith('wan: ENI cannot match a device by MAC address')));
});

test('one stanza per subnet: auto once, then control-alias; manual and hotplug controls', () => {
  const { text } = render(`version: 1
config:
  - type: physical
    name: eth0
    subnets:
      - {type: dhcp4}
      - {type: static, address: 10.0.0.5/24, gateway: 10.0.0.1}
      - {type: static6, address: "2001:db8::5/64"}
  - type: physical
    name: eth1
    subnets: [{type: dhcp4, control: hotplug}]
  - type: physical
    name: eth2
    subnets: [{type: static, address: 10.2.0.5/24, control: manual}]
`);
  assert.deepEqual(stanza(text, 'iface eth0 inet dhcp'), ['auto eth0', 'iface eth0 inet dhcp']);
  assert.deepEqual(stanza(text, 'iface eth0 inet static'), ['# control-alias eth0', 'iface eth0 inet static', '    address 10.0.0.5/24', '    gateway 10.0.0.1']);
  assert.deepEqual(stanza(text, 'iface eth0 inet6 static'), ['# control-alias eth0', 'iface eth0 inet6 static', '    address 2001:db8::5/64']);
  assert.deepEqual(stanza(text, 'iface eth1 inet dhcp'), ['allow-hotplug eth1', 'iface eth1 inet dhcp']);
  assert.deepEqual(stanza(text, 'iface eth2 inet static'), ['# control-manual eth2', 'iface eth2 inet static', '    address 10.2.0.5/24']);
});

test('interfaces are ordered physical, infiniband, bond, bridge, vlan, then by name', () => {
  const { text } = render(`version: 1
config:
  - {type: vlan, name: eth0.10, vlan_link: eth0, vlan_id: 10}
  - {type: bridge, name: br0, bridge_interfaces: [eth2]}
  - {type: bond, name: bond0, bond_interfaces: [eth1]}
  - {type: physical, name: eth2}
  - {type: physical, name: eth0}
`);
  const order = text.split('\n').filter((l) => l.startsWith('iface ')).map((l) => l.split(' ')[1]);
  assert.deepEqual(order, ['lo', 'eth0', 'eth1', 'eth2', 'bond0', 'br0', 'eth0.10']);
});

test('bond members carry bond-master and the bond options; the bond says bond-slaves none', () => {
  const { text } = render(`version: 2
ethernets: {eth0: {}, eth1: {}}
bonds:
  bond0:
    interfaces: [eth0, eth1]
    parameters: {mode: 802.3ad, mii-monitor-interval: 100, lacp-rate: fast}
    macaddress: "52:54:00:00:00:10"
    mtu: 9000
    dhcp4: true
`);
  assert.deepEqual(stanza(text, 'iface eth0 inet manual'), [
    'auto eth0',
    'iface eth0 inet manual',
    '    bond-lacp-rate fast',
    '    bond-master bond0',
    '    bond-miimon 100',
    '    bond-mode 802.3ad',
  ]);
  assert.deepEqual(stanza(text, 'iface bond0 inet dhcp'), [
    'auto bond0',
    'iface bond0 inet dhcp',
    '    bond-lacp-rate fast',
    '    bond-miimon 100',
    '    bond-mode 802.3ad',
    '    bond-slaves none',
    '    hwaddress 52:54:00:00:00:10',
    '    mtu 9000',
  ]);
});

test('bridge options: per-port values one per line, booleans on/off, ports none when empty', () => {
  const { text } = render(`version: 2
ethernets: {eth0: {}, eth1: {}}
bridges:
  br0:
    interfaces: [eth0, eth1]
    addresses: [10.0.0.2/24]
    parameters: {stp: true, forward-delay: 4, path-cost: {eth0: 10, eth1: 20}, port-priority: {eth1: 3}}
  br1:
    interfaces: []
    dhcp4: true
`);
  assert.deepEqual(stanza(text, 'iface br0 inet static'), [
    'auto br0',
    'iface br0 inet static',
    '    address 10.0.0.2/24',
    '    bridge-fd 4',
    '    bridge-pathcost eth0 10',
    '    bridge-pathcost eth1 20',
    '    bridge-portprio eth1 3',
    '    bridge-ports eth0 eth1',
    '    bridge-stp on',
  ]);
  assert.ok(stanza(text, 'iface br1 inet dhcp').includes('    bridge-ports none'));
});

test('vlan stanzas name their raw device and id', () => {
  const { text } = render(`version: 2
ethernets: {eth0: {}}
vlans:
  vlan100: {id: 100, link: eth0, addresses: [10.100.0.5/24]}
`);
  assert.deepEqual(stanza(text, 'iface vlan100 inet static'), [
    'auto vlan100',
    'iface vlan100 inet static',
    '    address 10.100.0.5/24',
    '    vlan-id 100',
    '    vlan-raw-device eth0',
  ]);
});

test('global DNS goes to lo (IPv4 nameservers only); v2 device DNS stays on the device', () => {
  const v1 = render(`version: 1
config:
  - {type: physical, name: eth0, subnets: [{type: dhcp4}]}
  - {type: nameserver, address: [192.0.2.53, "2001:db8::53"], search: [example.com]}
`);
  assert.deepEqual(stanza(v1.text, 'iface lo inet loopback'), [
    'auto lo',
    'iface lo inet loopback',
    '    dns-nameservers 192.0.2.53',
    '    dns-search example.com',
  ]);
  assert.ok(v1.notes.some((n) => n.includes('2001:db8::53')));

  const v2 = render(`version: 2
ethernets:
  eth0:
    addresses: [10.0.0.5/24, "2001:db8::5/64"]
    nameservers: {addresses: [10.0.0.53, "2001:db8::53"], search: [lab]}
`);
  assert.deepEqual(stanza(v2.text, 'iface lo inet loopback'), ['auto lo', 'iface lo inet loopback']);
  assert.deepEqual(stanza(v2.text, 'iface eth0 inet static'), [
    'auto eth0',
    'iface eth0 inet static',
    '    address 10.0.0.5/24',
    '    dns-nameservers 10.0.0.53',
    '    dns-search lab',
  ]);
  assert.deepEqual(stanza(v2.text, 'iface eth0 inet6 static'), [
    '# control-alias eth0',
    'iface eth0 inet6 static',
    '    address 2001:db8::5/64',
    '    dns-nameservers 2001:db8::53',
    '    dns-search lab',
  ]);
});

test('interface-level v1 nameservers reach the static stanzas (cloud-init GH-4219)', () => {
  const { text } = render(`version: 1
config:
  - type: physical
    name: eth0
    subnets: [{type: static, address: 10.0.0.5/24, dns_nameservers: [10.0.0.2]}]
  - {type: nameserver, interface: eth0, address: [10.0.0.1], search: [corp]}
`);
  assert.ok(stanza(text, 'iface eth0 inet static').includes('    dns-nameservers 10.0.0.1 10.0.0.2'));
  assert.ok(stanza(text, 'iface eth0 inet static').includes('    dns-search corp'));
});

test('nameservers on a DHCP-only v2 device are dropped with a note, as cloud-init does', () => {
  const { text, notes } = render(`version: 2
ethernets:
  eth0: {dhcp4: true, nameservers: {addresses: [192.0.2.53]}}
`);
  assert.ok(!text.includes('dns-nameservers'));
  assert.ok(notes.some((n) => n.startsWith('eth0: nameservers 192.0.2.53 are not rendered')));
});

test('route lines with the ip command and with net-tools route', () => {
  const yaml = `version: 1
config:
  - type: physical
    name: eth0
    subnets:
      - type: static
        address: 10.0.0.5/24
        routes:
          - {network: 0.0.0.0, netmask: 0.0.0.0, gateway: 10.0.0.1, metric: 100}
          - {network: 10.8.0.0, prefix: 16, gateway: 10.0.0.2}
          - {network: 10.9.9.9, prefix: 32, gateway: 10.0.0.3}
          - {network: 10.7.0.0, prefix: 16}
      - type: static6
        address: "2001:db8::5/64"
        routes:
          - {network: "::", prefix: 0, gateway: "2001:db8::1"}
          - {network: "2001:db8:1::", prefix: 48, gateway: "2001:db8::2", metric: 5}
`;
  const ip = stanza(render(yaml).text, 'iface eth0 inet static').filter((l) => l.includes('post-up'));
  assert.deepEqual(ip, [
    '    post-up ip route add default via 10.0.0.1 metric 100 || true',
    '    post-up ip route add 10.8.0.0/16 via 10.0.0.2 || true',
    '    post-up ip route add 10.9.9.9/32 via 10.0.0.3 || true',
    '    post-up ip route add 10.7.0.0/16 dev eth0 || true',
  ]);
  const ip6 = stanza(render(yaml).text, 'iface eth0 inet6 static').filter((l) => l.includes('route'));
  assert.deepEqual(ip6, [
    '    post-up ip -family inet6 route add default via 2001:db8::1 || true',
    '    pre-down ip -family inet6 route del default via 2001:db8::1 || true',
    '    post-up ip -family inet6 route add 2001:db8:1::/48 via 2001:db8::2 metric 5 || true',
    '    pre-down ip -family inet6 route del 2001:db8:1::/48 via 2001:db8::2 metric 5 || true',
  ]);
  const text = render(yaml, { ipCommand: false }).text;
  assert.deepEqual(
    stanza(text, 'iface eth0 inet static').filter((l) => l.includes('post-up')),
    [
      '    post-up route add default gw 10.0.0.1 metric 100 || true',
      '    post-up route add -net 10.8.0.0/16 gw 10.0.0.2 || true',
      '    post-up route add -host 10.9.9.9/32 gw 10.0.0.3 || true',
      '    post-up route add -net 10.7.0.0/16 dev eth0 || true',
    ],
  );
  assert.deepEqual(
    stanza(text, 'iface eth0 inet6 static').filter((l) => l.includes('post-up')),
    ['    post-up route add -A inet6 default gw 2001:db8::1 || true', '    post-up route add -A inet6 2001:db8:1::/48 gw 2001:db8::2 metric 5 || true'],
  );
});

test('global routes follow the interfaces, unindented', () => {
  const { text } = render(`version: 1
config:
  - {type: physical, name: eth0, subnets: [{type: static, address: 10.0.0.5/24}]}
  - {type: route, destination: 10.10.0.0/16, gateway: 10.0.0.1, metric: 3}
`);
  assert.ok(text.endsWith('\n\npost-up ip route add 10.10.0.0/16 via 10.0.0.1 metric 3 || true\npre-down ip route del 10.10.0.0/16 via 10.0.0.1 metric 3 || true\n'));
});

test('a link-local IPv6 gateway names the device (the kernel rejects the route otherwise)', () => {
  const yaml = `version: 2
ethernets:
  eth0:
    dhcp6: true
    routes: [{to: "::/0", via: "fe80::1"}]
`;
  assert.ok(render(yaml).text.includes('    post-up ip -family inet6 route add default via fe80::1 dev eth0 || true'));
  assert.ok(render(yaml, { ipCommand: false }).text.includes('    post-up route add -A inet6 default gw fe80::1 dev eth0 || true'));
});

test('v2 routes go to the first stanza of their family; a family without one gets a manual stanza', () => {
  const { text } = render(`version: 2
ethernets:
  eth0:
    dhcp4: true
    addresses: [192.168.1.20/16]
    routes:
      - {to: 10.0.0.0/8, via: 192.168.0.1}
      - {to: "::/0", via: "2001:db8::1"}
  eth1:
    routes: [{to: 172.16.0.0/12, via: 10.1.0.1, on-link: true}]
`);
  assert.deepEqual(stanza(text, 'iface eth0 inet dhcp'), [
    'auto eth0',
    'iface eth0 inet dhcp',
    '    post-up ip route add 10.0.0.0/8 via 192.168.0.1 || true',
    '    pre-down ip route del 10.0.0.0/8 via 192.168.0.1 || true',
  ]);
  assert.deepEqual(stanza(text, 'iface eth0 inet6 manual'), [
    '# control-alias eth0',
    'iface eth0 inet6 manual',
    '    post-up ip -family inet6 route add default via 2001:db8::1 || true',
    '    pre-down ip -family inet6 route del default via 2001:db8::1 || true',
  ]);
  assert.deepEqual(stanza(text, 'iface eth1 inet manual'), [
    'auto eth1',
    'iface eth1 inet manual',
    '    post-up ip route add 172.16.0.0/12 via 10.1.0.1 dev eth1 onlink || true',
    '    pre-down ip route del 172.16.0.0/12 via 10.1.0.1 dev eth1 onlink || true',
  ]);
});

test('policy routing: ip rule lines and table routes with ip; notes and no lines without it', () => {
  const yaml = `version: 2
ethernets:
  eth1:
    addresses: [10.1.0.2/24]
    routes: [{to: 0.0.0.0/0, via: 10.1.0.1, table: 100}]
    routing-policy: [{from: 10.1.0.0/24, table: 100, priority: 1000}, {to: "2001:db8::/32", table: 200, mark: 4}]
`;
  const ip = render(yaml);
  assert.deepEqual(stanza(ip.text, 'iface eth1 inet static').slice(3), [
    '    post-up ip route add default via 10.1.0.1 table 100 || true',
    '    pre-down ip route del default via 10.1.0.1 table 100 || true',
    '    post-up ip rule add from 10.1.0.0/24 priority 1000 table 100 || true',
    '    pre-down ip rule del from 10.1.0.0/24 priority 1000 table 100 || true',
    '    post-up ip -family inet6 rule add to 2001:db8::/32 fwmark 4 table 200 || true',
    '    pre-down ip -family inet6 rule del to 2001:db8::/32 fwmark 4 table 200 || true',
  ]);
  assert.deepEqual(ip.notes, []);
  const legacy = render(yaml, { ipCommand: false });
  assert.ok(!legacy.text.includes('post-up'));
  assert.ok(legacy.notes.some((n) => n.includes('routing table 100')));
  assert.ok(legacy.notes.some((n) => n.startsWith('eth1: routing-policy rules')));
});

test('route MTU is not rendered (as cloud-init) and says so', () => {
  const { text, notes } = render(`version: 2
ethernets:
  eth0: {dhcp4: true, routes: [{to: 10.0.0.0/8, via: 192.168.0.1, mtu: 1400}]}
`);
  assert.ok(text.includes('post-up ip route add 10.0.0.0/8 via 192.168.0.1 || true'));
  assert.deepEqual(notes, ['eth0: route 10.0.0.0/8 via 192.168.0.1: mtu 1400 not rendered']);
});

test('inet6 method options: dhcp for SLAAC and stateless, accept-ra on dhcp and static inet6 stanzas', () => {
  const { text } = render(`version: 1
config:
  - type: physical
    name: eth0
    accept-ra: false
    subnets: [{type: dhcp4}, {type: dhcp6}]
  - type: physical
    name: eth1
    subnets: [{type: dhcp4}, {type: ipv6_dhcpv6-stateless}]
  - type: physical
    name: eth2
    subnets: [{type: ipv6_slaac}]
`);
  assert.deepEqual(stanza(text, 'iface eth0 inet dhcp'), ['auto eth0', 'iface eth0 inet dhcp']);
  assert.deepEqual(stanza(text, 'iface eth0 inet6 dhcp'), ['# control-alias eth0', 'iface eth0 inet6 dhcp', '    accept-ra 0']);
  assert.deepEqual(stanza(text, 'iface eth1 inet6 auto'), ['# control-alias eth1', 'iface eth1 inet6 auto', '    dhcp 1']);
  assert.deepEqual(stanza(text, 'iface eth2 inet6 auto'), ['auto eth2', 'iface eth2 inet6 auto', '    dhcp 0']);
});

test('an IPv4 subnet MTU replaces the device MTU on the first stanza', () => {
  const { text, notes } = render(`version: 1
config:
  - type: physical
    name: eth0
    mtu: 1500
    subnets: [{type: static, address: 10.0.0.5/24, mtu: 9000}]
`);
  assert.deepEqual(stanza(text, 'iface eth0 inet static'), ['auto eth0', 'iface eth0 inet static', '    address 10.0.0.5/24', '    mtu 9000']);
  assert.deepEqual(notes, ['eth0: device MTU 1500 is not rendered because its IPv4 subnet sets MTU 9000']);
});

test('Wake-on-LAN and extra v1 params become options; driver does not', () => {
  const { text } = render(`version: 1
config:
  - type: physical
    name: eth0
    wakeonlan: true
    params: {driver: e1000, ethtool_opts: "speed 1000"}
    subnets: [{type: dhcp4}]
`);
  assert.deepEqual(stanza(text, 'iface eth0 inet dhcp'), ['auto eth0', 'iface eth0 inet dhcp', '    ethernet-wol g', '    ethtool-opts speed 1000']);
});

test('rendering is deterministic and leaves the state untouched', () => {
  const state = stateOf(`version: 1
config:
  - {type: physical, name: eth1, subnets: [{type: dhcp4}]}
  - {type: physical, name: eth0, subnets: [{type: dhcp4}]}
  - {type: nameserver, address: [192.0.2.53]}
`);
  const before = structuredClone(state);
  const a = renderEni(state);
  const b = renderEni(state);
  assert.deepEqual(a, b);
  assert.deepEqual(state, before);
});
