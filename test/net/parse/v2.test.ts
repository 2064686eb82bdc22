/** Network config v2 → NetworkState, with cloud-init's conversion semantics. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BOND_V2_TO_V1, BRIDGE_V2_TO_V1 } from '../../../src/net/parse/v2.ts';
import { errorsOf, iface, stateOf, subnet } from './helpers.ts';

describe('v2 device names', () => {
  const text = `version: 2
ethernets:
  nic0:
    match: {macaddress: "52:54:00:00:00:01"}
    set-name: eth0
  nic1:
    match: {macaddress: "52:54:00:00:00:02"}
  nic2:
    match: {macaddress: "52:54:00:00:00:03"}
  eth3: {}
  lan:
    match: {name: "enp*", driver: virtio_net}
`;
  const macToName = new Map([
    ['52:54:00:00:00:01', 'ens3'],
    ['52:54:00:00:00:02', 'ens4'],
  ]);

  test('set-name wins, then the local NIC with the MAC, then the key', () => {
    const s = stateOf(text, { macToName });
    assert.deepEqual(
      s.interfaces.map((i) => [i.configId, i.name]),
      [
        ['nic0', 'eth0'],
        ['nic1', 'ens4'],
        ['nic2', 'nic2'],
        ['eth3', 'eth3'],
        ['lan', 'lan'],
      ],
    );
    assert.equal(iface(s, 'eth0').setName, true);
    assert.equal(iface(s, 'ens4').setName, undefined);
  });
  test('without a MAC table the key names the device', () => {
    const s = stateOf(text);
    assert.deepEqual(s.interfaces.map((i) => i.name), ['eth0', 'nic1', 'nic2', 'eth3', 'lan']);
  });
  test('match rules are kept; MACs lower-cased; driver recorded', () => {
    const s = stateOf(text.replace('52:54:00:00:00:03', '52:54:00:AB:CD:EF'));
    assert.deepEqual(iface(s, 'nic2').match, { macAddress: '52:54:00:ab:cd:ef' });
    assert.equal(iface(s, 'nic2').macAddress, '52:54:00:ab:cd:ef');
    assert.deepEqual(iface(s, 'lan').match, { name: 'enp*', driver: 'virtio_net' });
    assert.equal(iface(s, 'lan').driver, 'virtio_net');
  });
  test('an unquoted driver such as e1000 is a string (not a YAML float)', () => {
    const s = stateOf('version: 2\nethernets:\n  nic0:\n    match:\n      driver: e1000\n    set-name: eth0\n');
    assert.equal(iface(s, 'eth0').driver, 'e1000');
  });
  test('an unquoted MAC is read as the string written', () => {
    const s = stateOf('version: 2\nethernets:\n  id0:\n    match:\n      macaddress: 52:54:00:12:34:56\n    set-name: eth0\n');
    assert.equal(iface(s, 'eth0').macAddress, '52:54:00:12:34:56');
  });
  test('set-name without a match rule is a warning', () => {
    const s = stateOf('version: 2\nethernets:\n  eth0:\n    set-name: lan0\n    dhcp4: true\n');
    assert.equal(s.interfaces[0]!.name, 'lan0');
    assert.deepEqual(s.warnings, ['network-config line 4: warning: ethernets.eth0.set-name: set-name needs a match rule to select the device; netplan ignores it otherwise']);
  });
});

describe('v2 addressing', () => {
  test('dhcp4 and dhcp6 become subnets; the route metric override goes to the subnet', () => {
    const s = stateOf(`version: 2
ethernets:
  eth0:
    dhcp4: yes
    dhcp4-overrides: {route-metric: 200, use-dns: false}
    dhcp6: "true"
  eth1:
    dhcp4: false
    dhcp6: no
`);
    assert.deepEqual(iface(s, 'eth0').subnets, [subnet({ type: 'dhcp4', metric: 200 }), subnet({ type: 'dhcp6' })]);
    assert.deepEqual(iface(s, 'eth0').dhcp4Overrides, { routeMetric: 200, useDns: false });
    assert.deepEqual(iface(s, 'eth1').subnets, []);
    assert.equal(s.useIpv6, true);
  });

  test('ra-overrides (netplan 1.1): use-dns, use-domains and the route table; unknown keys and bad tables are located', () => {
    const s = stateOf(`version: 2
ethernets:
  eth0:
    dhcp6: true
    ra-overrides: {use-dns: false, use-domains: route, table: 101, route-metric: 5}
`);
    assert.deepEqual(iface(s, 'eth0').raOverrides, { useDns: false, useDomains: 'route', table: 101 });
    assert.deepEqual(s.warnings, ['network-config line 5: warning: ethernets.eth0.ra-overrides.route-metric: unknown router advertisement override (netplan has use-dns, use-domains and table), ignored']);
    const errs = errorsOf('version: 2\nethernets:\n  eth0:\n    ra-overrides: {table: main}\n');
    assert.equal(errs.length, 1);
    assert.match(errs[0]!, /line 4.*ethernets\.eth0\.ra-overrides\.table/);
  });

  test('addresses become static subnets: first of each family gets its gateway, the first gets the nameservers', () => {
    const s = stateOf(`version: 2
ethernets:
  eth0:
    addresses:
      - 10.0.0.5/24
      - "2001:db8::5/64"
      - 10.0.1.5/16
      - "2001:db8:1::5/48"
    gateway4: 10.0.0.1
    gateway6: "2001:db8::1"
    nameservers:
      addresses: [10.0.0.2, "2001:db8::2"]
      search: [a.example, b.example]
`);
    assert.deepEqual(iface(s, 'eth0').subnets, [
      subnet({ type: 'static', address: '10.0.0.5', prefix: 24, gateway: '10.0.0.1', dnsNameservers: ['10.0.0.2', '2001:db8::2'], dnsSearch: ['a.example', 'b.example'] }),
      subnet({ type: 'static', address: '2001:db8::5', prefix: 64, gateway: '2001:db8::1' }),
      subnet({ type: 'static', address: '10.0.1.5', prefix: 16 }),
      subnet({ type: 'static', address: '2001:db8:1::5', prefix: 48 }),
    ]);
    assert.equal(s.useIpv6, true);
  });

  test('the IPv6 gateway goes to the first IPv6 address even when an IPv4 one comes first', () => {
    const s = stateOf('version: 2\nethernets:\n  eth0:\n    addresses: [10.0.0.5/24, "2001:db8::5/64"]\n    gateway6: "2001:db8::1"\n');
    assert.equal(iface(s, 'eth0').subnets[0]!.gateway, undefined);
    assert.equal(iface(s, 'eth0').subnets[1]!.gateway, '2001:db8::1');
  });

  test('dhcp subnets come before static ones', () => {
    const s = stateOf('version: 2\nethernets:\n  eth0:\n    addresses: [10.0.0.5/24]\n    dhcp6: true\n');
    assert.deepEqual(iface(s, 'eth0').subnets.map((x) => x.type), ['dhcp6', 'static']);
  });

  test('an address with lifetime/label options (netplan mapping form)', () => {
    const s = stateOf('version: 2\nethernets:\n  eth0:\n    addresses:\n      - 10.0.0.5/24:\n          lifetime: 0\n          label: eth0:1\n');
    assert.deepEqual(iface(s, 'eth0').subnets, [subnet({ type: 'static', address: '10.0.0.5', prefix: 24 })]);
  });

  test('a gateway without an address of its family is a warning', () => {
    const s = stateOf('version: 2\nethernets:\n  eth0:\n    dhcp4: true\n    gateway4: 10.0.0.1\n');
    assert.deepEqual(s.warnings, ['network-config line 5: warning: ethernets.eth0.gateway4: gateway4 is ignored: the device has no IPv4 address']);
  });

  test('interface-level DNS is kept on the interface and added to the global DNS', () => {
    const s = stateOf(`version: 2
ethernets:
  eth0:
    dhcp4: true
    nameservers: {addresses: [10.0.0.2], search: [a.example]}
  eth1:
    dhcp4: true
    nameservers: {addresses: ["2001:db8::2"]}
`);
    assert.deepEqual(iface(s, 'eth0').dns, { nameservers: ['10.0.0.2'], search: ['a.example'] });
    assert.deepEqual(iface(s, 'eth1').dns, { nameservers: ['2001:db8::2'], search: [] });
    assert.deepEqual(iface(s, 'eth0').subnets[0]!.dnsNameservers, [], 'no static subnet: DNS stays on the interface');
    assert.deepEqual(s.dns, { nameservers: ['10.0.0.2', '2001:db8::2'], search: ['a.example'] });
  });
});

describe('v2 routes', () => {
  test('routes go to the first subnet, whatever its type', () => {
    const s = stateOf(`version: 2
ethernets:
  eth0:
    dhcp4: true
    addresses: [10.0.0.5/24]
    routes:
      - to: 192.168.0.0/16
        via: 10.0.0.254
        metric: 50
`);
    const subnets = iface(s, 'eth0').subnets;
    assert.equal(subnets[0]!.type, 'dhcp4');
    assert.deepEqual(subnets[0]!.routes, [{ network: '192.168.0.0', prefix: 16, gateway: '10.0.0.254', metric: 50 }]);
    assert.deepEqual(subnets[1]!.routes, []);
    assert.deepEqual(iface(s, 'eth0').routes, []);
  });

  test('a device without subnets keeps its routes on the interface (cloud-init drops them)', () => {
    const s = stateOf('version: 2\nethernets:\n  eth0:\n    routes:\n      - {to: 10.9.0.0/16, via: 10.0.0.1}\n');
    assert.deepEqual(iface(s, 'eth0').subnets, []);
    assert.deepEqual(iface(s, 'eth0').routes, [{ network: '10.9.0.0', prefix: 16, gateway: '10.0.0.1' }]);
  });

  test('"default" means 0.0.0.0/0 or ::/0 by the gateway\'s family', () => {
    const s = stateOf(`version: 2
ethernets:
  eth0:
    addresses: [10.0.0.5/24, "2001:db8::5/64"]
    routes:
      - {to: default, via: 10.0.0.1}
      - {to: default, via: "2001:db8::1"}
      - {to: 0.0.0.0/0, via: 10.0.0.2, metric: 100}
      - {to: "::/0", via: "2001:db8::2"}
`);
    assert.deepEqual(iface(s, 'eth0').subnets[0]!.routes, [
      { network: '0.0.0.0', prefix: 0, gateway: '10.0.0.1' },
      { network: '::', prefix: 0, gateway: '2001:db8::1' },
      { network: '0.0.0.0', prefix: 0, gateway: '10.0.0.2', metric: 100 },
      { network: '::', prefix: 0, gateway: '2001:db8::2' },
    ]);
  });

  test('a destination without a prefix gets /24 or /64, as cloud-init', () => {
    const s = stateOf('version: 2\nethernets:\n  eth0:\n    addresses: [10.0.0.5/24]\n    routes:\n      - {to: 10.9.0.0, via: 10.0.0.1}\n      - {to: "2001:db8:9::", via: "fe80::1"}\n');
    assert.deepEqual(
      iface(s, 'eth0').subnets[0]!.routes.map((r) => `${r.network}/${r.prefix}`),
      ['10.9.0.0/24', '2001:db8:9::/64'],
    );
  });

  test('table, on-link, from, scope and type are kept', () => {
    const s = stateOf(`version: 2
ethernets:
  eth0:
    addresses: [10.0.0.5/24]
    routes:
      - {to: 10.9.0.0/16, via: 10.0.0.1, table: 100, on-link: true, from: 10.0.0.5, mtu: 1400}
      - {to: 10.10.0.0/16, scope: link}
      - {to: 10.11.0.0/16, type: blackhole}
    routing-policy:
      - {from: 10.0.0.0/24, table: 100, priority: 10}
      - {to: 10.9.0.0/16, table: 100, mark: 7, type-of-service: 4}
`);
    const e = iface(s, 'eth0');
    assert.deepEqual(e.subnets[0]!.routes, [
      { network: '10.9.0.0', prefix: 16, gateway: '10.0.0.1', table: 100, onLink: true, from: '10.0.0.5', mtu: 1400 },
      { network: '10.10.0.0', prefix: 16, scope: 'link' },
      { network: '10.11.0.0', prefix: 16, type: 'blackhole' },
    ]);
    assert.deepEqual(e.routingPolicy, [
      { from: '10.0.0.0/24', table: 100, priority: 10 },
      { to: '10.9.0.0/16', table: 100, mark: 7, typeOfService: 4 },
    ]);
  });
});

describe('v2 bonds, bridges and vlans', () => {
  test('bond parameters are mapped to cloud-init v1 names; members refer to the bond by name', () => {
    const s = stateOf(`version: 2
ethernets:
  nic0:
    match: {macaddress: "52:54:00:00:00:01"}
    set-name: eth0
  eth1: {}
bonds:
  bond0:
    interfaces: [nic0, eth1]
    macaddress: "AA:BB:CC:DD:EE:FF"
    mtu: 9000
    parameters:
      mode: 802.3ad
      mii-monitor-interval: 100
      transmit-hash-policy: layer3+4
      lacp-rate: fast
      gratuitious-arp: 3
      up-delay: 200
      down-delay: 0
      min-links: 1
      primary: nic0
      arp-ip-targets: [10.0.0.1, 10.0.0.2]
    dhcp4: true
`);
    const b = iface(s, 'bond0');
    assert.equal(b.type, 'bond');
    assert.deepEqual(b.bondInterfaces, ['eth0', 'eth1']);
    assert.equal(b.macAddress, 'aa:bb:cc:dd:ee:ff');
    assert.equal(b.mtu, 9000);
    assert.deepEqual(b.bondParams, {
      'bond-mode': '802.3ad',
      'bond-miimon': 100,
      'bond-xmit-hash-policy': 'layer3+4',
      'bond-lacp-rate': 'fast',
      'bond-num-grat-arp': 3,
      'bond-updelay': 200,
      'bond-downdelay': 0,
      'bond-min-links': 1,
      'bond-primary': 'nic0',
      'bond-arp-ip-target': ['10.0.0.1', '10.0.0.2'],
    });
    assert.equal(iface(s, 'eth0').bondMaster, 'bond0');
    assert.equal(iface(s, 'eth1').bondMaster, 'bond0');
    assert.deepEqual(b.subnets, [subnet({ type: 'dhcp4' })]);
  });

  test('both spellings of gratuitous-arp are accepted', () => {
    assert.equal(BOND_V2_TO_V1['gratuitous-arp'], 'bond-num-grat-arp');
    assert.equal(BOND_V2_TO_V1['gratuitious-arp'], 'bond-num-grat-arp');
  });

  test('bridge parameters are mapped to cloud-init v1 names', () => {
    const s = stateOf(`version: 2
ethernets:
  eth0: {}
  eth1: {}
bridges:
  br0:
    interfaces: [eth0, eth1]
    parameters:
      stp: false
      forward-delay: 15
      priority: 32768
      ageing-time: 300
      hello-time: 2
      max-age: 20
      path-cost: {eth0: 50}
      port-priority: {eth1: 28}
    addresses: [10.0.0.5/24]
`);
    const b = iface(s, 'br0');
    assert.deepEqual(b.bridgePorts, ['eth0', 'eth1']);
    assert.deepEqual(b.bridgeParams, {
      bridge_stp: false,
      bridge_fd: 15,
      bridge_bridgeprio: 32768,
      bridge_ageing: 300,
      bridge_hello: 2,
      bridge_maxage: 20,
      bridge_pathcost: { eth0: 50 },
      bridge_portprio: { eth1: 28 },
    });
    assert.equal(BRIDGE_V2_TO_V1['stp'], 'bridge_stp');
  });

  test('an empty bridge is allowed', () => {
    const s = stateOf('version: 2\nbridges:\n  br0:\n    addresses: [10.0.0.5/24]\n');
    assert.deepEqual(iface(s, 'br0').bridgePorts, []);
  });

  test('vlans: id and link, the link resolved to the device name', () => {
    const s = stateOf(`version: 2
ethernets:
  nic1:
    match: {macaddress: "52:54:00:00:00:02"}
    set-name: eth1
vlans:
  eth1.42:
    id: 42
    link: nic1
    addresses: [192.168.42.10/24]
`);
    const v = iface(s, 'eth1.42');
    assert.equal(v.type, 'vlan');
    assert.equal(v.vlanId, 42);
    assert.equal(v.vlanLink, 'eth1');
  });

  test('vlans may be on bonds, bonds may be on bridges', () => {
    const s = stateOf(`version: 2
ethernets: {eth0: {}, eth1: {}}
bonds: {bond0: {interfaces: [eth0, eth1]}}
vlans: {bond0.5: {id: 5, link: bond0}}
bridges: {br0: {interfaces: [bond0.5], dhcp4: true}}
`);
    assert.deepEqual(iface(s, 'br0').bridgePorts, ['bond0.5']);
    assert.equal(iface(s, 'bond0.5').vlanLink, 'bond0');
  });
});

describe('v2 document', () => {
  test('the original document is kept for netplan passthrough', () => {
    const s = stateOf('version: 2\nrenderer: networkd\nethernets:\n  eth0: {dhcp4: true, ipv6-privacy: true}\n');
    assert.equal(s.version, 2);
    assert.deepEqual(s.passthrough, { version: 2, renderer: 'networkd', ethernets: { eth0: { dhcp4: true, 'ipv6-privacy': true } } });
  });
  test('a null device is a device with no settings', () => {
    const s = stateOf('version: 2\nethernets:\n  eth0:\n');
    assert.deepEqual(s.interfaces.map((i) => i.name), ['eth0']);
  });
  test('wifis are a warning (rendered by netplan only)', () => {
    const s = stateOf('version: 2\nwifis:\n  wlan0:\n    access-points: {home: {password: secret}}\n');
    assert.deepEqual(s.warnings, ['network-config line 2: warning: wifis: wifis are rendered by the netplan renderer only; other renderers ignore them']);
  });
  test('unknown keys are warnings with their place', () => {
    const s = stateOf('version: 2\nethernets:\n  eth0:\n    dhcp4: true\n    dhcp-identifier: mac\n    frobnicate: 1\n');
    assert.deepEqual(s.warnings, ['network-config line 6: warning: ethernets.eth0.frobnicate: unknown key in a ethernet definition, ignored']);
  });
  test('keys that look like Object.prototype members are just unknown keys', () => {
    const s = stateOf('version: 2\nconstructor: {}\n__proto__: {eth9: {}}\nethernets:\n  eth0:\n    dhcp4-overrides: {toString: 1}\n');
    assert.deepEqual(s.interfaces.map((i) => i.name), ['eth0']);
    assert.equal(s.warnings.length, 3);
  });
  test('every error of a document is reported at once', () => {
    const errors = errorsOf(`version: 2
ethernets:
  eth0:
    addresses: [10.0.0.300/24]
    mtu: 10
  eth1:
    dhcp4: maybe
`);
    assert.deepEqual(errors, [
      'network-config line 5: ethernets.eth0.mtu: 10 is out of range (must be between 68 and 65535)',
      'network-config line 4: ethernets.eth0.addresses[0]: "10.0.0.300/24" is not an IP address or prefix',
      'network-config line 7: ethernets.eth1.dhcp4: must be true or false, not "maybe"',
    ]);
  });
  test('an mtu of 0 is ignored with a warning', () => {
    const s = stateOf('version: 2\nethernets:\n  eth0:\n    mtu: 0\n');
    assert.equal(iface(s, 'eth0').mtu, undefined);
    assert.equal(s.warnings.length, 1);
  });
});

test('critical is keep_configuration; netplan-only spellings warn', () => {
  const s = stateOf(`version: 2
ethernets:
  eth0:
    match: {macaddress: "52-54-00-12-34-56"}
    critical: true
    dhcp4: true
    nameservers: {addresses: 10.0.0.2}
`);
  assert.equal(iface(s, 'eth0').keepConfiguration, true);
  assert.ok(s.warnings.some((w) => /line 4: .*match\.macaddress: netplan requires ":"/.test(w)), s.warnings.join('\n'));
  assert.ok(s.warnings.some((w) => /line 7: .*nameservers\.addresses: netplan requires a list/.test(w)), s.warnings.join('\n'));
});
