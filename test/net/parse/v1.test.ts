/** Network config v1 → NetworkState, with cloud-init's normalization. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errorsOf, iface, stateOf, subnet } from './helpers.ts';

const v1 = (entries: string) => `version: 1\nconfig:\n${entries}`;

describe('v1 physical devices and subnets', () => {
  test('name, lower-cased MAC, mtu, flags, driver', () => {
    const s = stateOf(v1(`  - type: physical
    name: eth0
    mac_address: "52:54:00:AB:CD:EF"
    mtu: 9000
    accept-ra: "true"
    wakeonlan: yes
    optional: true
    keep_configuration: false
    params: {driver: virtio_net, device_id: "0x1af4"}
    subnets: [{type: dhcp}]
`));
    const e = iface(s, 'eth0');
    assert.equal(s.version, 1);
    assert.equal(e.type, 'physical');
    assert.equal(e.configId, 'eth0');
    assert.equal(e.macAddress, '52:54:00:ab:cd:ef');
    assert.equal(e.mtu, 9000);
    assert.equal(e.acceptRa, true);
    assert.equal(e.wakeOnLan, true);
    assert.equal(e.optional, true);
    assert.equal(e.keepConfiguration, false);
    assert.equal(e.driver, 'virtio_net');
    assert.deepEqual(e.extraParams, { device_id: '0x1af4' });
    assert.deepEqual(e.subnets, [subnet({ type: 'dhcp4' })], '"dhcp" is dhcp4');
  });

  test('static addresses are split into address and prefix; default /24 and /64', () => {
    const s = stateOf(v1(`  - type: physical
    name: eth0
    subnets:
      - {type: static, address: 10.0.0.5/16}
      - {type: static, address: 10.0.1.5, netmask: 255.255.252.0}
      - {type: static, address: 10.0.2.5, prefix: 20}
      - {type: static, address: 10.0.3.5}
      - {type: static6, address: "2001:db8::5/48"}
      - {type: static6, address: "2001:db8:1::5"}
      - {type: static, address: "2001:db8:2::5/ffff:ffff:ffff:ff00::"}
      - {type: static, ip_address: 10.0.4.5/8}
`));
    assert.deepEqual(
      iface(s, 'eth0').subnets.map((x) => [x.type, x.address, x.prefix]),
      [
        ['static', '10.0.0.5', 16],
        ['static', '10.0.1.5', 22],
        ['static', '10.0.2.5', 20],
        ['static', '10.0.3.5', 24],
        ['static6', '2001:db8::5', 48],
        ['static6', '2001:db8:1::5', 64],
        ['static', '2001:db8:2::5', 56],
        ['static', '10.0.4.5', 8],
      ],
    );
    assert.equal(s.useIpv6, true);
  });

  test('use_ipv6 is set by subnet types ending in 6 and by IPv6 addresses, as cloud-init', () => {
    assert.equal(stateOf(v1('  - {type: physical, name: eth0, subnets: [{type: dhcp4}]}\n')).useIpv6, false);
    assert.equal(stateOf(v1('  - {type: physical, name: eth0, subnets: [{type: dhcp6}]}\n')).useIpv6, true);
    assert.equal(stateOf(v1('  - {type: physical, name: eth0, subnets: [{type: static6, address: "fd00::1"}]}\n')).useIpv6, true);
    // cloud-init tests type.endswith("6"): the ipv6_* types alone do not set it, and renderers depend on that.
    assert.equal(stateOf(v1('  - {type: physical, name: eth0, subnets: [{type: ipv6_slaac}]}\n')).useIpv6, false);
    assert.equal(stateOf(v1('  - {type: physical, name: eth0, subnets: [{type: static, address: "fd00::1/64"}]}\n')).useIpv6, true);
  });

  test('gateway, DNS (strings split on whitespace), routes, metric, mtu, control', () => {
    const s = stateOf(v1(`  - type: physical
    name: eth0
    subnets:
      - type: static
        address: 10.0.0.5/24
        gateway: 10.0.0.1
        broadcast: 10.0.0.255
        dns_nameservers: 10.0.0.2 10.0.0.3
        dns_search: a.example  b.example
        metric: 10
        mtu: 1400
        control: manual
        routes:
          - {network: 10.9.0.0, netmask: 255.255.0.0, gateway: 10.0.0.254, metric: 3}
          - {destination: 10.10.0.0/16, gateway: 10.0.0.253}
          - {network: 10.11.0.0, prefix: 16, gateway: 10.0.0.252}
`));
    assert.deepEqual(iface(s, 'eth0').subnets, [
      subnet({
        type: 'static',
        address: '10.0.0.5',
        prefix: 24,
        gateway: '10.0.0.1',
        broadcast: '10.0.0.255',
        dnsNameservers: ['10.0.0.2', '10.0.0.3'],
        dnsSearch: ['a.example', 'b.example'],
        metric: 10,
        mtu: 1400,
        control: 'manual',
        routes: [
          { network: '10.9.0.0', prefix: 16, gateway: '10.0.0.254', metric: 3 },
          { network: '10.10.0.0', prefix: 16, gateway: '10.0.0.253' },
          { network: '10.11.0.0', prefix: 16, gateway: '10.0.0.252' },
        ],
      }),
    ]);
  });

  test('every IPv6 subnet type', () => {
    const s = stateOf(v1(`  - type: physical
    name: eth0
    subnets:
      - {type: dhcp6}
      - {type: ipv6_slaac}
      - {type: ipv6_dhcpv6-stateless}
      - {type: ipv6_dhcpv6-stateful}
      - {type: manual}
`));
    assert.deepEqual(iface(s, 'eth0').subnets.map((x) => x.type), ['dhcp6', 'ipv6_slaac', 'ipv6_dhcpv6-stateless', 'ipv6_dhcpv6-stateful', 'manual']);
  });

  test('empty values are pruned like absent ones', () => {
    const s = stateOf(v1('  - {type: physical, name: eth0, mac_address: "", mtu: null, subnets: [{type: dhcp, gateway: ""}]}\n'));
    assert.equal(iface(s, 'eth0').macAddress, undefined);
    assert.equal(iface(s, 'eth0').mtu, undefined);
  });

  test('infiniband and loopback', () => {
    const s = stateOf(v1(`  - type: infiniband
    name: ib0
    mac_address: "a0:00:02:20:fe:80:00:00:00:00:00:00:ec:0d:9a:03:00:15:e2:c1"
  - type: loopback
    name: lo
`));
    assert.equal(iface(s, 'ib0').type, 'infiniband');
    assert.equal(iface(s, 'ib0').macAddress, 'a0:00:02:20:fe:80:00:00:00:00:00:00:ec:0d:9a:03:00:15:e2:c1');
    assert.equal(iface(s, 'lo').type, 'loopback');
  });
});

describe('v1 bonds, bridges and vlans', () => {
  test('bond members are created implicitly as physical devices; option spellings are normalized', () => {
    const s = stateOf(v1(`  - type: bond
    name: bond0
    mac_address: "AA:BB:CC:00:00:01"
    bond_interfaces: [eth0, eth1]
    params:
      bond_mode: active-backup
      bond-miimon: 100
      bond_xmit_hash_policy: layer2
      bond-primary: eth0
    subnets: [{type: static, address: 10.0.0.5/24}]
  - type: physical
    name: eth1
    mac_address: "52:54:00:00:00:02"
`));
    assert.deepEqual(s.interfaces.map((i) => [i.name, i.type, i.implicit ?? false, i.bondMaster]), [
      ['bond0', 'bond', false, undefined],
      ['eth0', 'physical', true, 'bond0'],
      ['eth1', 'physical', false, 'bond0'],
    ]);
    const b = iface(s, 'bond0');
    assert.deepEqual(b.bondInterfaces, ['eth0', 'eth1']);
    assert.equal(b.macAddress, 'aa:bb:cc:00:00:01');
    assert.deepEqual(b.bondParams, { 'bond-mode': 'active-backup', 'bond-miimon': 100, 'bond-xmit-hash-policy': 'layer2', 'bond-primary': 'eth0' });
    assert.equal(iface(s, 'eth1').macAddress, '52:54:00:00:00:02', 'a later definition replaces the placeholder');
  });

  test('bridge ports are created implicitly; bridge_stp on/off becomes a boolean', () => {
    const s = stateOf(v1(`  - type: bridge
    name: br0
    bridge_interfaces: [eth0]
    params:
      bridge_stp: "on"
      bridge_fd: 0
      bridge_ageing: 250
      bridge-bridgeprio: 22
      bridge_maxwait: 5
    subnets: [{type: dhcp4}]
`));
    assert.deepEqual(s.interfaces.map((i) => [i.name, i.type, i.implicit ?? false]), [
      ['eth0', 'physical', true],
      ['br0', 'bridge', false],
    ]);
    assert.deepEqual(iface(s, 'br0').bridgePorts, ['eth0']);
    assert.deepEqual(iface(s, 'br0').bridgeParams, { bridge_stp: true, bridge_fd: 0, bridge_ageing: 250, bridge_bridgeprio: 22, bridge_maxwait: 5 });
    for (const [text, want] of [['off', false], ['0', false], ['1', true], ['true', true]] as const) {
      const st = stateOf(v1(`  - {type: bridge, name: br0, bridge_interfaces: [], params: {bridge_stp: "${text}"}}\n`));
      assert.equal(iface(st, 'br0').bridgeParams!['bridge_stp'], want, text);
    }
  });

  test('a bond option on a physical entry is a warning', () => {
    const s = stateOf(v1('  - {type: physical, name: eth0, params: {bond-mode: active-backup}}\n'));
    assert.deepEqual(s.warnings, ['network-config line 3: warning: config[0].params.bond-mode: bond option on a physical entry, ignored']);
  });

  test('vlans', () => {
    const s = stateOf(v1(`  - {type: physical, name: eth0}
  - type: vlan
    name: eth0.100
    vlan_link: eth0
    vlan_id: 100
    mtu: 1400
    subnets: [{type: dhcp6}]
`));
    const v = iface(s, 'eth0.100');
    assert.equal(v.type, 'vlan');
    assert.equal(v.vlanLink, 'eth0');
    assert.equal(v.vlanId, 100);
    assert.equal(v.mtu, 1400);
  });

  test('a vlan may refer to a device defined after it', () => {
    const s = stateOf(v1('  - {type: vlan, name: bond0.5, vlan_link: bond0, vlan_id: 5}\n  - {type: bond, name: bond0, bond_interfaces: [eth0]}\n'));
    assert.equal(iface(s, 'bond0.5').vlanLink, 'bond0');
  });
});

describe('v1 nameservers and routes', () => {
  test('global nameservers and search domains accumulate', () => {
    const s = stateOf(v1(`  - {type: physical, name: eth0, subnets: [{type: dhcp}]}
  - type: nameserver
    address: [8.8.8.8, "2001:4860:4860::8888"]
    search: [a.example]
  - type: nameserver
    address: 1.1.1.1
    search: b.example c.example
`));
    assert.deepEqual(s.dns, { nameservers: ['8.8.8.8', '2001:4860:4860::8888', '1.1.1.1'], search: ['a.example', 'b.example', 'c.example'] });
  });

  test('a nameserver with an interface is interface-level DNS (the interface may come later)', () => {
    const s = stateOf(v1(`  - type: nameserver
    address: 10.0.0.2
    search: [corp.example]
    interface: eth0
  - {type: physical, name: eth0}
`));
    assert.deepEqual(iface(s, 'eth0').dns, { nameservers: ['10.0.0.2'], search: ['corp.example'] });
    assert.deepEqual(s.dns, { nameservers: [], search: [] });
  });

  test('route entries are global routes; "default" by the gateway family', () => {
    const s = stateOf(v1(`  - {type: route, destination: default, gateway: 10.0.0.1}
  - {type: route, destination: default, gateway: "2001:db8::1"}
  - {type: route, destination: 192.168.0.0/16, gateway: 10.0.0.2, metric: 7}
  - {type: route, network: 172.16.0.0, netmask: 255.240.0.0, gateway: 10.0.0.3}
  - {type: route, destination: 0.0.0.0/0, gateway: 10.0.0.4}
`));
    assert.deepEqual(s.routes, [
      { network: '0.0.0.0', prefix: 0, gateway: '10.0.0.1' },
      { network: '::', prefix: 0, gateway: '2001:db8::1' },
      { network: '192.168.0.0', prefix: 16, gateway: '10.0.0.2', metric: 7 },
      { network: '172.16.0.0', prefix: 12, gateway: '10.0.0.3' },
      { network: '0.0.0.0', prefix: 0, gateway: '10.0.0.4' },
    ]);
  });
});

describe('v1 errors', () => {
  test('a bond member in two bonds', () => {
    assert.deepEqual(errorsOf(v1('  - {type: bond, name: bond0, bond_interfaces: [eth0]}\n  - {type: bond, name: bond1, bond_interfaces: [eth0]}\n')), [
      'network-config line 4: config[1].bond_interfaces: "eth0" is already a member of bond "bond0"',
    ]);
  });
  test('a bond or bridge that lists itself', () => {
    assert.deepEqual(errorsOf(v1('  - {type: bond, name: bond0, bond_interfaces: [bond0]}\n')), [
      'network-config line 3: config[0].bond_interfaces: bond "bond0" lists itself as a member',
    ]);
    assert.deepEqual(errorsOf(v1('  - {type: bridge, name: br0, bridge_interfaces: [br0]}\n')), [
      'network-config line 3: config[0].bridge_interfaces: bridge "br0" lists itself as a port',
    ]);
  });
  test('a static6 subnet with an IPv4 address', () => {
    assert.deepEqual(errorsOf(v1('  - {type: physical, name: eth0, subnets: [{type: static6, address: 10.0.0.5/24}]}\n')), [
      'network-config line 3: config[0].subnets[0].address: static6 subnet has an IPv4 address "10.0.0.5"',
    ]);
  });
  test('an entry that is not a mapping', () => {
    assert.deepEqual(errorsOf(v1('  - physical eth0\n')), ['network-config line 3: config[0]: must be a mapping, not "physical eth0"']);
  });
  test('an entry or subnet without a type', () => {
    assert.deepEqual(errorsOf(v1('  - {name: eth0}\n')), [
      'network-config line 3: config[0]: entry has no "type" (physical, bond, bridge, vlan, infiniband, loopback, nameserver or route)',
    ]);
    assert.match(errorsOf(v1('  - {type: physical, name: eth0, subnets: [{address: 10.0.0.1}]}\n'))[0]!, /^network-config line 3: config\[0\]\.subnets\[0\]: subnet has no "type" \(dhcp, dhcp4, /);
  });
  test('a nameserver with neither address nor search', () => {
    assert.deepEqual(errorsOf(v1('  - {type: nameserver}\n')), ['network-config line 3: config[0]: nameserver entry has neither address nor search']);
  });
});
