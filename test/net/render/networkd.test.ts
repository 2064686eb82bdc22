/**
 * systemd-networkd renderer behaviour beyond cloud-init's fixtures: .netdev
 * files, member files, policy routing, route options, .link renaming, file
 * names and modes, and the notes for what networkd cannot express.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderNetworkd, type NetworkdOptions } from '../../../src/net/render/networkd.ts';
import { stateOf } from './helpers.ts';

function render(yaml: string, opts?: NetworkdOptions): { files: Map<string, string>; notes: string[] } {
  const out = renderNetworkd(stateOf(yaml), opts);
  return { files: new Map(out.files.map((f) => [f.path.replace('etc/systemd/network/10-cloud-init-', ''), f.content])), notes: out.notes };
}

function file(files: Map<string, string>, name: string): string {
  const content = files.get(name);
  assert.ok(content !== undefined, `${name} not rendered; rendered: ${[...files.keys()].join(', ')}`);
  return content;
}

/** Every section in file order, repeated ones kept apart (unlike the fixture comparison). */
function sections(content: string): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (const line of content.split('\n')) {
    const header = /^\[(.+)\]$/.exec(line);
    if (header) out.push([header[1]!, []]);
    else if (line !== '') out.at(-1)![1].push(line);
  }
  return out;
}

function section(content: string, name: string): string[] {
  const found = sections(content).filter(([n]) => n === name);
  assert.equal(found.length, 1, `expected one [${name}] in:\n${content}`);
  return found[0]![1];
}

test('file names, directory and mode', () => {
  const yaml = `
version: 2
ethernets:
  eth0: {dhcp4: true}
vlans:
  eth0.7: {id: 7, link: eth0}
`;
  const out = renderNetworkd(stateOf(yaml));
  assert.deepEqual(
    out.files.map((f) => [f.path, f.mode]),
    [
      ['etc/systemd/network/10-cloud-init-eth0.network', 0o644],
      ['etc/systemd/network/10-cloud-init-eth0.7.netdev', 0o644],
      ['etc/systemd/network/10-cloud-init-eth0.7.network', 0o644],
    ],
  );
  const moved = renderNetworkd(stateOf(yaml), { dir: '/run/systemd/network/' });
  assert.deepEqual(
    moved.files.map((f) => f.path),
    ['run/systemd/network/10-cloud-init-eth0.network', 'run/systemd/network/10-cloud-init-eth0.7.netdev', 'run/systemd/network/10-cloud-init-eth0.7.network'],
  );
  // Sections and keys in name order, one blank line between sections, one final newline.
  assert.equal(file(render(yaml).files, 'eth0.network'), '[Match]\nName=eth0\n\n[Network]\nDHCP=ipv4\nVLAN=eth0.7\n');
});

test('bond: .netdev with translated options, member files with Bond= and PrimarySlave=', () => {
  const { files } = render(`
version: 2
ethernets:
  eno1: {match: {macaddress: "52:54:00:00:00:01"}, set-name: eno1}
  eno2: {match: {macaddress: "52:54:00:00:00:02"}, set-name: eno2}
bonds:
  bond0:
    interfaces: [eno1, eno2]
    macaddress: "52:54:00:00:00:AA"
    mtu: 9000
    parameters:
      mode: active-backup
      primary: eno2
      mii-monitor-interval: 100
      up-delay: 200
      learn-packet-interval: 12
      all-slaves-active: true
      arp-ip-targets: [10.0.0.1, 10.0.0.2]
    dhcp4: true
`);
  assert.equal(
    file(files, 'bond0.netdev'),
    '[Bond]\nARPIPTargets=10.0.0.1 10.0.0.2\nAllSlavesActive=true\nLearnPacketIntervalSec=12\nMIIMonitorSec=100ms\nMode=active-backup\nUpDelaySec=200ms\n\n' +
      '[NetDev]\nKind=bond\nMACAddress=52:54:00:00:00:aa\nMTUBytes=9000\nName=bond0\n',
  );
  assert.deepEqual(section(file(files, 'bond0.network'), 'Link'), ['MACAddress=52:54:00:00:00:aa', 'MTUBytes=9000']);
  assert.deepEqual(section(file(files, 'eno1.network'), 'Network'), ['Bond=bond0', 'DHCP=no']);
  assert.deepEqual(section(file(files, 'eno2.network'), 'Network'), ['Bond=bond0', 'DHCP=no', 'PrimarySlave=yes']);
});

test('bond: v1 numeric option values become names, undeclared members get files', () => {
  const { files, notes } = render(`
version: 1
config:
  - type: bond
    name: bond0
    bond_interfaces: [ens3, ens4]
    params: {bond-mode: 4, bond-lacp-rate: 1, bond_miimon: 50, bond-xmit-hash-policy: layer3+4, bond-use-carrier: 1}
`);
  assert.deepEqual(section(file(files, 'bond0.netdev'), 'Bond'), ['LACPTransmitRate=fast', 'MIIMonitorSec=50ms', 'Mode=802.3ad', 'TransmitHashPolicy=layer3+4']);
  assert.deepEqual(section(file(files, 'ens3.network'), 'Network'), ['Bond=bond0', 'DHCP=no']);
  assert.deepEqual(section(file(files, 'ens4.network'), 'Match'), ['Name=ens4']);
  assert.deepEqual(notes, ['bond0: bond option bond-use-carrier has no systemd-networkd equivalent; not rendered']);
});

test('bridge: .netdev, and port costs and priorities in the ports (v2 maps, v1 lists)', () => {
  const v2 = render(`
version: 2
ethernets:
  eth3: {}
  eth4: {}
bridges:
  br0:
    interfaces: [eth3, eth4]
    addresses: [172.16.1.10/24]
    parameters: {stp: true, forward-delay: 4, hello-time: 2, max-age: 20, priority: 0, ageing-time: 300, path-cost: {eth3: 30}, port-priority: {eth3: 32, eth4: 60}}
`);
  assert.equal(
    file(v2.files, 'br0.netdev'),
    '[Bridge]\nAgeingTimeSec=300\nForwardDelaySec=4\nHelloTimeSec=2\nMaxAgeSec=20\nPriority=0\nSTP=yes\n\n[NetDev]\nKind=bridge\nName=br0\n',
  );
  assert.deepEqual(section(file(v2.files, 'eth3.network'), 'Bridge'), ['Cost=30', 'Priority=32']);
  assert.deepEqual(section(file(v2.files, 'eth4.network'), 'Bridge'), ['Priority=60']);
  assert.deepEqual(section(file(v2.files, 'eth4.network'), 'Network'), ['Bridge=br0', 'DHCP=no']);
  assert.deepEqual(v2.notes, ['br0: systemd-networkd (252 at least) reads bridge Priority=0 as unset and keeps the kernel default 32768']);

  const v1 = render(`
version: 1
config:
  - {type: physical, name: eth0}
  - type: bridge
    name: br0
    bridge_interfaces: [eth0]
    params: {bridge_stp: 'off', bridge_fd: 0, bridge_pathcost: ["eth0 50"], bridge_portprio: ["eth0 28"], bridge_waitport: ["1 eth0"]}
`);
  // STP off and a zero forward delay are the kernel's defaults without STP: no lines.
  assert.deepEqual(sections(file(v1.files, 'br0.netdev')), [['NetDev', ['Kind=bridge', 'Name=br0']]]);
  assert.deepEqual(section(file(v1.files, 'eth0.network'), 'Bridge'), ['Cost=50', 'Priority=28']);
  assert.deepEqual(v1.notes, ['br0: bridge option bridge_waitport has no systemd-networkd equivalent; not rendered']);
});

test('vlan: .netdev with id, MAC and MTU; the parent lists every VLAN on it', () => {
  const { files } = render(`
version: 2
ethernets:
  eth0: {}
vlans:
  vlan100: {id: 100, link: eth0, macaddress: "00:11:22:33:44:66", mtu: 901, dhcp4: true}
  vlan200: {id: 200, link: eth0}
`);
  assert.equal(file(files, 'vlan100.netdev'), '[NetDev]\nKind=vlan\nMACAddress=00:11:22:33:44:66\nMTUBytes=901\nName=vlan100\n\n[VLAN]\nId=100\n');
  assert.deepEqual(section(file(files, 'eth0.network'), 'Network'), ['DHCP=no', 'VLAN=vlan100', 'VLAN=vlan200']);
  assert.deepEqual(section(file(files, 'vlan100.network'), 'Link'), ['MACAddress=00:11:22:33:44:66', 'MTUBytes=901']);
});

test('routing policy is rendered for every interface that has it', () => {
  const { files } = render(`
version: 2
ethernets:
  eth0:
    addresses: [10.0.1.10/24]
    routing-policy:
      - {from: 10.0.1.10, table: 101, priority: 100}
      - {to: 172.16.0.0/12, table: 101, mark: 5, type-of-service: 8}
  eth1:
    addresses: [10.0.2.10/24]
    routing-policy:
      - {from: "2001:db8:1::/64", table: 102}
`);
  const rules = (name: string) => sections(file(files, name)).filter(([n]) => n === 'RoutingPolicyRule').map(([, l]) => l);
  assert.deepEqual(rules('eth0.network'), [
    ['From=10.0.1.10', 'Priority=100', 'Table=101'],
    ['FirewallMark=5', 'Table=101', 'To=172.16.0.0/12', 'TypeOfService=8'],
  ]);
  assert.deepEqual(rules('eth1.network'), [['From=2001:db8:1::/64', 'Table=102']]);
});

test('routes: each [Route] section is complete, with table, on-link, metric, MTU, source, scope and type', () => {
  const { files } = render(`
version: 2
ethernets:
  eth1:
    addresses: [198.51.100.10/32]
    routes:
      - {to: default, via: 198.51.100.1, on-link: true, metric: 200, table: 7}
      - {to: 203.0.113.0/24, via: 198.51.100.1, on-link: true, mtu: 1400, from: 198.51.100.10, scope: global}
      - {to: 10.9.9.0/24, type: unreachable}
`);
  assert.deepEqual(
    sections(file(files, 'eth1.network')).filter(([n]) => n === 'Route'),
    [
      ['Route', ['Destination=0.0.0.0/0', 'Gateway=198.51.100.1', 'GatewayOnLink=yes', 'Metric=200', 'Table=7']],
      ['Route', ['Destination=203.0.113.0/24', 'Gateway=198.51.100.1', 'GatewayOnLink=yes', 'MTUBytes=1400', 'PreferredSource=198.51.100.10', 'Scope=global']],
      ['Route', ['Destination=10.9.9.0/24', 'Type=unreachable']],
    ],
  );
});

test('subnet gateways: on-link only when no address of the interface reaches them', () => {
  const { files } = render(`
version: 1
config:
  - type: physical
    name: eth0
    subnets:
      - {type: static, address: 10.0.0.2/32, gateway: 10.0.0.1}
      - {type: static, address: 10.0.1.2/24}
      - {type: static6, address: "2001:db8::4/64", gateway: "fe80::1"}
  - type: physical
    name: eth1
    subnets:
      - {type: static, address: 192.168.1.5/24, gateway: 192.168.1.1, metric: 50}
`);
  const routes = (name: string) => sections(file(files, name)).filter(([n]) => n === 'Route').map(([, l]) => l);
  assert.deepEqual(routes('eth0.network'), [['Gateway=10.0.0.1', 'GatewayOnLink=yes'], ['Gateway=fe80::1']]);
  assert.deepEqual(routes('eth1.network'), [['Gateway=192.168.1.1', 'Metric=50']]);
});

test('global routes go to the interface whose subnet holds the gateway', () => {
  const { files, notes } = render(`
version: 1
config:
  - {type: physical, name: eth0, subnets: [{type: static, address: 10.0.0.5/24}]}
  - {type: physical, name: eth1, subnets: [{type: static, address: 192.168.1.5/24}]}
  - {type: route, destination: 172.16.0.0/12, gateway: 192.168.1.1, metric: 3}
  - {type: route, destination: 10.99.0.0/16, gateway: 172.31.0.1}
`);
  assert.equal(sections(file(files, 'eth0.network')).filter(([n]) => n === 'Route').length, 0);
  assert.deepEqual(section(file(files, 'eth1.network'), 'Route'), ['Destination=172.16.0.0/12', 'Gateway=192.168.1.1', 'Metric=3']);
  assert.deepEqual(notes, ["route 10.99.0.0/16 via 172.31.0.1: no interface has a static address in the gateway's network; not written"]);
});

test('set-name with a match: a .link renames the device by permanent MAC, name glob or driver', () => {
  const { files, notes } = render(`
version: 2
ethernets:
  lan:
    match: {macaddress: "00:11:22:33:44:55"}
    set-name: lan0
    wakeonlan: true
  data:
    match: {name: "enp*", driver: virtio_net}
    set-name: data0
  plain:
    match: {macaddress: "00:11:22:33:44:66"}
    wakeonlan: true
`);
  assert.equal(file(files, 'lan0.link'), '[Link]\nName=lan0\nWakeOnLan=magic\n\n[Match]\nPermanentMACAddress=00:11:22:33:44:55\n');
  assert.deepEqual(section(file(files, 'lan0.network'), 'Match'), ['MACAddress=00:11:22:33:44:55', 'Name=lan0']);
  assert.deepEqual(section(file(files, 'data0.link'), 'Match'), ['Driver=virtio_net', 'OriginalName=enp*']);
  assert.deepEqual(section(file(files, 'data0.network'), 'Match'), ['Driver=virtio_net', 'Name=data0']);
  assert.ok(!files.has('plain.link'));
  assert.deepEqual(notes, ['plain: wakeonlan is rendered only for devices renamed with set-name (in their .link file)']);
});

test('match without set-name: a name glob or a driver alone selects the device', () => {
  const { files } = render(`
version: 2
ethernets:
  any-en: {match: {name: "en*"}, dhcp4: true}
  fast: {match: {driver: ixgbe}, dhcp4: true}
  bymac: {match: {macaddress: "00:11:22:33:44:77"}, dhcp4: true}
`);
  assert.deepEqual(section(file(files, 'any-en.network'), 'Match'), ['Name=en*']);
  assert.deepEqual(section(file(files, 'fast.network'), 'Match'), ['Driver=ixgbe']);
  assert.deepEqual(section(file(files, 'bymac.network'), 'Match'), ['MACAddress=00:11:22:33:44:77', 'Name=bymac']);
});

test('DHCP overrides: v4 in [DHCPv4]; v6 in [DHCPv6] and [IPv6AcceptRA]; the rest noted', () => {
  const { files, notes } = render(`
version: 2
ethernets:
  eth0:
    dhcp4: true
    dhcp6: true
    dhcp4-overrides: {use-dns: false, use-domains: route, route-metric: 200, hostname: box, send-hostname: true}
    dhcp6-overrides: {use-ntp: false, route-metric: 300, use-mtu: false, use-routes: false}
`);
  const eth0 = file(files, 'eth0.network');
  assert.deepEqual(section(eth0, 'Network'), ['DHCP=yes']);
  assert.deepEqual(section(eth0, 'DHCPv4'), ['Hostname=box', 'RouteMetric=200', 'SendHostname=True', 'UseDNS=False', 'UseDomains=route']);
  assert.deepEqual(section(eth0, 'DHCPv6'), ['RouteMetric=300', 'UseNTP=False']);
  assert.deepEqual(section(eth0, 'IPv6AcceptRA'), ['RouteMetric=300', 'UseMTU=False']);
  assert.deepEqual(notes, ['eth0: dhcp6-overrides use-routes has no systemd-networkd equivalent; not rendered']);
});

test('ra-overrides go to [IPv6AcceptRA]; with accept-ra false they are noted, not written', () => {
  const { files, notes } = render(`
version: 2
ethernets:
  eth0: {dhcp6: true, ra-overrides: {table: 101, use-dns: false, use-domains: route}}
  eth1: {dhcp6: true, accept-ra: false, ra-overrides: {table: 102}}
`);
  assert.deepEqual(section(file(files, 'eth0.network'), 'IPv6AcceptRA'), ['RouteTable=101', 'UseDNS=False', 'UseDomains=route']);
  assert.ok(!sections(file(files, 'eth1.network')).some(([n]) => n === 'IPv6AcceptRA'));
  assert.deepEqual(notes, ['eth1: ra-overrides are not rendered: accept-ra is false']);
});

test('IPv6 modes, optional links and kept configuration', () => {
  const { files } = render(`
version: 1
config:
  - {type: physical, name: eth0, subnets: [{type: ipv6_slaac}]}
  - {type: physical, name: eth1, subnets: [{type: ipv6_dhcpv6-stateful}, {type: dhcp4, metric: 99}]}
  - {type: physical, name: eth2, optional: true, keep_configuration: true, subnets: [{type: ipv6_dhcpv6-stateless}]}
`);
  assert.deepEqual(section(file(files, 'eth0.network'), 'Network'), ['DHCP=no', 'IPv6AcceptRA=yes']);
  assert.deepEqual(section(file(files, 'eth1.network'), 'Network'), ['DHCP=yes']);
  assert.deepEqual(section(file(files, 'eth1.network'), 'DHCPv4'), ['RouteMetric=99']);
  assert.deepEqual(section(file(files, 'eth2.network'), 'Network'), ['DHCP=no', 'IPv6AcceptRA=yes', 'KeepConfiguration=yes']);
  assert.deepEqual(section(file(files, 'eth2.network'), 'Link'), ['RequiredForOnline=no']);
});

test('DNS: the interface list (v1: else the global one) first, then the subnets; duplicates once', () => {
  const { files } = render(`
version: 1
config:
  - type: physical
    name: eth0
    subnets: [{type: static, address: 10.0.0.2/24, dns_nameservers: [10.0.0.53], dns_search: [a.example]}]
  - {type: physical, name: eth1, subnets: [{type: static, address: 10.0.1.2/24, dns_nameservers: [1.2.3.4]}]}
  - {type: nameserver, address: [1.2.3.4], search: [g.example]}
`);
  assert.deepEqual(section(file(files, 'eth0.network'), 'Network'), ['DHCP=no', 'DNS=1.2.3.4', 'DNS=10.0.0.53', 'Domains=g.example', 'Domains=a.example']);
  assert.deepEqual(section(file(files, 'eth1.network'), 'Network'), ['DHCP=no', 'DNS=1.2.3.4', 'Domains=g.example']);
});

test('rendering is deterministic and leaves the state alone', () => {
  const state = stateOf(`
version: 2
ethernets:
  eth0: {addresses: [10.0.0.2/24], routing-policy: [{from: 10.0.0.2, table: 5}]}
bonds:
  bond0: {interfaces: [eth0], parameters: {mode: balance-rr}}
`);
  const before = structuredClone(state);
  const a = renderNetworkd(state);
  const b = renderNetworkd(state);
  assert.deepEqual(a, b);
  assert.deepEqual(state, before);
});
