/**
 * Network config v1/v2 (YAML) through readNetworkInput, the parser every
 * datasource's network config goes through. Accepted rows render netplan
 * and check that nothing hostile reaches the file. Rows already in
 * test/net/bad-input.test.ts are not repeated.
 */
import assert from 'node:assert/strict';
import { readNetworkInput } from '../../../src/net/input.ts';
import { renderNetplan, renderSysconfig } from '../../../src/net/render/index.ts';
import type { NetworkState } from '../../../src/net/state.ts';
import { lines, type Area, type Row } from './row.ts';

const SRC = 'network-config';
const v2 = (body: string) => `version: 2\n${body}`;
const v1 = (body: string) => `version: 1\nconfig:\n${body}`;
const at = (line: number, path: string, msg: string) => `${SRC} line ${line}: ${path}: ${msg}`;
const warnAt = (line: number, path: string, msg: string) => `${SRC} line ${line}: warning: ${path}: ${msg}`;
const eth0 = (body: string) => v2(`ethernets:\n  eth0:\n${body}`);

function netplanText(state: NetworkState): string {
  return renderNetplan(state).files.map((f) => f.content).join('\n');
}

const rows: Row<string, NetworkState>[] = [
  // --- numbers out of range and of the wrong kind
  { name: 'v2 mtu 0 is ignored, the device keeps its MTU', input: eth0('    mtu: 0\n'), expect: { accepted: (s) => assert.equal(s.interfaces[0]?.mtu, undefined), warns: [warnAt(4, 'ethernets.eth0.mtu', 'an mtu of 0 is ignored')] } },
  { name: 'v2 mtu 2^53', input: eth0('    mtu: 9007199254740993\n'), expect: { rejected: at(4, 'ethernets.eth0.mtu', '9007199254740992 is out of range') } },
  { name: 'v2 mtu 1e400 (infinite float)', input: eth0('    mtu: 1e400\n'), expect: { rejected: at(4, 'ethernets.eth0.mtu', 'must be an integer, not Infinity') } },
  { name: 'v2 mtu .nan', input: eth0('    mtu: .nan\n'), expect: { rejected: at(4, 'ethernets.eth0.mtu', 'must be an integer, not NaN') } },
  { name: 'v2 mtu negative', input: eth0('    mtu: -1\n'), expect: { rejected: at(4, 'ethernets.eth0.mtu', '-1 is out of range') } },
  { name: 'v1 mtu 65536', input: v1('  - type: physical\n    name: eth0\n    mtu: 65536\n'), expect: { rejected: at(5, 'config[0].mtu', '65536 is out of range') } },
  { name: 'v2 vlan id -1', input: v2('ethernets:\n  eth0: {}\nvlans:\n  v1:\n    id: -1\n    link: eth0\n'), expect: { rejected: at(6, 'vlans.v1.id', '-1 is out of range') } },
  { name: 'v1 vlan_id 4095', input: v1('  - type: physical\n    name: eth0\n  - type: vlan\n    name: eth0.9\n    vlan_link: eth0\n    vlan_id: 4095\n'), expect: { rejected: at(8, 'config[1].vlan_id', '4095 is out of range') } },
  { name: 'v1 vlan_id a word', input: v1('  - type: physical\n    name: eth0\n  - type: vlan\n    name: eth0.9\n    vlan_link: eth0\n    vlan_id: ten\n'), expect: { rejected: at(8, 'config[1].vlan_id', 'must be an integer, not "ten"') } },
  { name: 'v2 vlan id of 20 digits', input: v2('ethernets:\n  eth0: {}\nvlans:\n  v1:\n    id: 99999999999999999999\n    link: eth0\n'), expect: { rejected: at(6, 'vlans.v1.id', '100000000000000000000 is out of range') } },
  { name: 'v2 route metric 2^32', input: eth0('    addresses: [10.0.0.5/24]\n    routes:\n      - to: 10.1.0.0/16\n        via: 10.0.0.1\n        metric: 4294967296\n'), expect: { rejected: at(8, 'ethernets.eth0.routes[0].metric', '4294967296 is out of range') } },
  { name: 'v2 route metric a word', input: eth0('    addresses: [10.0.0.5/24]\n    routes:\n      - to: 10.1.0.0/16\n        via: 10.0.0.1\n        metric: low\n'), expect: { rejected: at(8, 'ethernets.eth0.routes[0].metric', 'must be an integer, not "low"') } },
  { name: 'v2 route metric a fraction', input: eth0('    addresses: [10.0.0.5/24]\n    routes:\n      - to: 10.1.0.0/16\n        via: 10.0.0.1\n        metric: 1.5\n'), expect: { rejected: at(8, 'ethernets.eth0.routes[0].metric', 'must be an integer, not 1.5') } },
  { name: 'v1 route metric negative', input: v1('  - type: physical\n    name: eth0\n    subnets:\n      - type: static\n        address: 10.0.0.5/24\n        routes:\n          - network: 10.1.0.0/16\n            gateway: 10.0.0.1\n            metric: -1\n'), expect: { rejected: at(11, 'config[0].subnets[0].routes[0].metric', '-1 is out of range') } },
  { name: 'v2 dhcp4-overrides route-metric a list', input: eth0('    dhcp4: true\n    dhcp4-overrides:\n      route-metric: [1]\n'), expect: { rejected: at(6, 'ethernets.eth0.dhcp4-overrides.route-metric', 'must be an integer, not a list') } },

  // --- addresses, prefixes, gateways
  { name: 'v2 route to prefix 33', input: eth0('    addresses: [10.0.0.5/24]\n    routes:\n      - to: 0.0.0.0/33\n        via: 10.0.0.1\n'), expect: { rejected: at(6, 'ethernets.eth0.routes[0].to', '"0.0.0.0/33" has an invalid prefix length') } },
  { name: 'v2 route via octet 256', input: eth0('    addresses: [10.0.0.5/24]\n    routes:\n      - to: 10.1.0.0/16\n        via: 10.0.0.256\n'), expect: { rejected: at(7, 'ethernets.eth0.routes[0].via', '"10.0.0.256" is not an IP address') } },
  { name: 'v2 IPv4-mapped IPv6 prefix 129', input: eth0('    addresses: ["::ffff:1.2.3.4/129"]\n'), expect: { rejected: at(4, 'ethernets.eth0.addresses[0]', '"::ffff:1.2.3.4/129" has an invalid prefix length') } },
  { name: 'v2 address with a NUL byte', input: eth0('    addresses: ["10.0.0.1\\0/24"]\n'), expect: { rejected: at(4, 'ethernets.eth0.addresses[0]', '"10.0.0.1\\u0000/24"') } },
  { name: 'v2 address with a negative prefix', input: eth0('    addresses: [10.0.0.1/-1]\n'), expect: { rejected: at(4, 'ethernets.eth0.addresses[0]', '"10.0.0.1/-1"') } },
  { name: 'v2 address of 5 octets', input: eth0('    addresses: [10.0.0.0.1/24]\n'), expect: { rejected: at(4, 'ethernets.eth0.addresses[0]', '"10.0.0.0.1/24" is not an IP address') } },
  { name: 'v2 gateway4 with a shell command', input: eth0('    addresses: [10.0.0.5/24]\n    gateway4: "10.0.0.1; reboot"\n'), expect: { rejected: at(5, 'ethernets.eth0.gateway4', '"10.0.0.1; reboot"') } },
  { name: 'v2 nameserver with a trailing newline', input: eth0('    dhcp4: true\n    nameservers:\n      addresses: ["8.8.8.8\\n"]\n'), expect: { rejected: at(6, 'ethernets.eth0.nameservers.addresses[0]', '"8.8.8.8\\n"') } },
  { name: 'v1 static address of 2^40 as a number', input: v1('  - type: physical\n    name: eth0\n    subnets:\n      - type: static\n        address: 1099511627776\n'), expect: { rejected: at(7, 'config[0].subnets[0].address', '"1099511627776" is not an IP address') } },
  { name: 'v1 netmask over 255', input: v1('  - type: physical\n    name: eth0\n    subnets:\n      - type: static\n        address: 10.0.0.5\n        netmask: 255.255.255.256\n'), expect: { rejected: at(8, 'config[0].subnets[0].netmask', '"255.255.255.256" is not a valid netmask') } },

  // --- DNS search domains
  { name: 'v2 search domain with CR', input: eth0('    dhcp4: true\n    nameservers:\n      search: ["example.com\\roptions ndots:15"]\n'), expect: { rejected: at(6, 'ethernets.eth0.nameservers.search[0]', '"example.com\\roptions ndots:15" contains a line break') } },
  { name: 'v2 search domain with NUL', input: eth0('    dhcp4: true\n    nameservers:\n      search: ["exa\\0mple.com"]\n'), expect: { rejected: at(6, 'ethernets.eth0.nameservers.search[0]', '"exa\\u0000mple.com"') } },
  { name: 'v1 nameserver search with a newline', input: v1('  - type: physical\n    name: eth0\n  - type: nameserver\n    address: [10.0.0.2]\n    search: ["corp.example\\nnameserver 6.6.6.6"]\n'), expect: { rejected: at(7, 'config[1].search[0]', '"corp.example\\nnameserver 6.6.6.6" contains a line break') } },
  { name: 'v1 subnet dns_search with a tab', input: v1('  - type: physical\n    name: eth0\n    subnets:\n      - type: dhcp\n        dns_search: ["a.example\\tb.example"]\n'), expect: { rejected: at(7, 'config[0].subnets[0].dns_search[0]', '"a.example\\tb.example"') } },
  { name: 'v2 search domain label of 64 characters', input: eth0(`    dhcp4: true\n    nameservers:\n      search: [${'a'.repeat(64)}.example]\n`), expect: { rejected: at(6, 'ethernets.eth0.nameservers.search[0]', `"${'a'.repeat(64)}.example"`.slice(0, 77)) } },
  { name: 'v2 search domain of 300 characters', input: eth0(`    dhcp4: true\n    nameservers:\n      search: [${'abcdefghi.'.repeat(30)}com]\n`), expect: { rejected: at(6, 'ethernets.eth0.nameservers.search[0]', `"${'abcdefghi.'.repeat(30)}`.slice(0, 40)) } },
  { name: 'v2 search domain with $(…)', input: eth0('    dhcp4: true\n    nameservers:\n      search: ["$(reboot).example.com"]\n'), expect: { rejected: at(6, 'ethernets.eth0.nameservers.search[0]', '"$(reboot).example.com" is not a DNS domain name') } },
  { name: 'v2 search as one string: taken, with a warning', input: eth0('    dhcp4: true\n    nameservers:\n      search: example.com\n'), expect: { accepted: (s) => assert.match(netplanText(s), /search: example\.com/), warns: [warnAt(6, 'ethernets.eth0.nameservers.search', 'netplan requires a list here')] } },

  // --- interface names
  { name: 'v2 set-name with "/"', input: eth0('    match: {macaddress: "52:54:00:12:34:56"}\n    set-name: "../eth0"\n'), expect: { rejected: at(5, 'ethernets.eth0.set-name', 'interface name "../eth0" must not contain whitespace, "/" or ":"') } },
  { name: 'v2 set-name with NUL', input: eth0('    match: {macaddress: "52:54:00:12:34:56"}\n    set-name: "eth\\0x"\n'), expect: { rejected: at(5, 'ethernets.eth0.set-name', '"eth\\u0000x"') } },
  { name: 'v2 set-name ".."', input: eth0('    match: {macaddress: "52:54:00:12:34:56"}\n    set-name: ".."\n'), expect: { rejected: at(5, 'ethernets.eth0.set-name', '".."') } },
  { name: 'v2 device id with "/"', input: v2('ethernets:\n  "eth/0":\n    dhcp4: true\n'), expect: { rejected: at(3, 'ethernets["eth/0"]', '"eth/0" is not a valid device id') } },
  { name: 'v2 device id "."', input: v2('ethernets:\n  ".":\n    dhcp4: true\n'), expect: { rejected: at(3, 'ethernets["."]', '"." is not a valid device id') } },
  { name: 'v1 name with ":"', input: v1('  - type: physical\n    name: "eth0:1"\n'), expect: { rejected: at(4, 'config[0].name', 'interface name "eth0:1" must not contain') } },
  { name: 'v1 name with a tab', input: v1('  - type: physical\n    name: "eth\\t0"\n'), expect: { rejected: at(4, 'config[0].name', '"eth\\t0"') } },
  { name: 'v1 name empty', input: v1('  - type: physical\n    name: ""\n'), expect: { rejected: `${SRC} line 3: config[0]: physical entry has no "name"` } },
  { name: 'v1 name of 10000 characters', input: v1(`  - type: physical\n    name: ${'e'.repeat(10000)}\n`), expect: { rejected: at(4, 'config[0].name', `interface name "${'e'.repeat(20)}`) } },
  { name: 'v1 name with $(…): a valid kernel name, single-quoted in the shell-sourced ifcfg', input: v1('  - type: physical\n    name: "$(id)"\n    subnets: [{type: dhcp}]\n'), expect: { accepted: (s) => { const f = renderSysconfig(s, { flavor: 'rhel' }).files.find((x) => x.path.endsWith('ifcfg-$(id)')); assert.ok(f, 'ifcfg file'); assert.match(f.content, /^DEVICE='\$\(id\)'$/m); } } },

  // --- MACs
  { name: 'v2 MAC of seven bytes', input: eth0('    match: {macaddress: "52:54:00:12:34:56:78"}\n'), expect: { rejected: at(4, 'ethernets.eth0.match.macaddress', '"52:54:00:12:34:56:78" is not a MAC address') } },
  { name: 'v2 MAC as a YAML number', input: eth0('    match: {macaddress: 525400123456}\n'), expect: { rejected: at(4, 'ethernets.eth0.match.macaddress', '"525400123456" is not a MAC address') } },
  { name: 'v1 MAC empty counts as absent (cloud-init prunes empty values)', input: v1('  - type: physical\n    name: eth0\n    mac_address: ""\n'), expect: { accepted: (s) => assert.equal(s.interfaces[0]?.macAddress, undefined) } },
  { name: 'v1 MAC with a newline', input: v1('  - type: physical\n    name: eth0\n    mac_address: "52:54:00:12:34:56\\n"\n'), expect: { rejected: at(5, 'config[0].mac_address', '"52:54:00:12:34:56\\n"') } },
  { name: 'v2 MAC in the bond macaddress with a space', input: v2('ethernets:\n  eth0: {}\nbonds:\n  bond0:\n    interfaces: [eth0]\n    macaddress: "52:54:00 12:34:56"\n'), expect: { rejected: at(7, 'bonds.bond0.macaddress', '"52:54:00 12:34:56" is not a MAC address') } },

  // --- wrong types
  { name: 'v2 dhcp4 a list', input: eth0('    dhcp4: [true]\n'), expect: { rejected: at(4, 'ethernets.eth0.dhcp4', 'must be true or false, not a list') } },
  { name: 'v2 ethernets a string', input: v2('ethernets: eth0\n'), expect: { rejected: at(2, 'ethernets', 'must be a mapping, not "eth0"') } },
  { name: 'v2 device a number', input: v2('ethernets:\n  eth0: 5\n'), expect: { rejected: at(3, 'ethernets.eth0', 'must be a mapping, not 5') } },
  { name: 'v2 address a mapping', input: eth0('    addresses:\n      - {ip: 10.0.0.5}\n'), expect: { rejected: at(5, 'ethernets.eth0.addresses[0]', '"ip" is not an IP address') } },
  { name: 'v2 routes a mapping', input: eth0('    routes: {to: default}\n'), expect: { rejected: at(4, 'ethernets.eth0.routes', 'must be a list, not a mapping') } },
  { name: 'v2 nameservers a list', input: eth0('    nameservers: [8.8.8.8]\n'), expect: { rejected: at(4, 'ethernets.eth0.nameservers', 'must be a mapping, not a list') } },
  { name: 'v1 subnets a string', input: v1('  - type: physical\n    name: eth0\n    subnets: dhcp\n'), expect: { rejected: at(5, 'config[0].subnets', 'must be a list, not "dhcp"') } },
  { name: 'v1 entry a string', input: v1('  - physical eth0\n'), expect: { rejected: at(3, 'config[0]', 'must be a mapping, not "physical eth0"') } },
  { name: 'v2 !!binary as an address', input: eth0('    addresses: [!!binary AAAA]\n'), expect: { rejected: at(4, 'ethernets.eth0.addresses[0]', '"AAAA" is not an IP address') } },
  { name: 'v2 version 2.5', input: 'version: 2.5\nethernets: {}\n', expect: { rejected: `${SRC} line 1: version: ` } },

  // --- bonds, bridges, vlans
  { name: 'v2 bond mode unknown', input: v2('ethernets:\n  eth0: {}\nbonds:\n  bond0:\n    interfaces: [eth0]\n    parameters:\n      mode: fastest\n'), expect: { rejected: at(8, 'bonds.bond0.parameters.mode', '"fastest" is not a bond mode') } },
  { name: 'v1 bond-mode unknown', input: v1('  - type: physical\n    name: eth0\n  - type: bond\n    name: bond0\n    bond_interfaces: [eth0]\n    params:\n      bond-mode: turbo\n'), expect: { rejected: at(9, 'config[1].params.bond-mode', '"turbo" is not a bond mode') } },
  { name: 'v2 bond parameter with a line break (would start a new line in the netdev file)', input: v2('ethernets:\n  eth0: {}\nbonds:\n  bond0:\n    interfaces: [eth0]\n    parameters:\n      mode: "active-backup\\n[Network]\\nDNS=6.6.6.6"\n'), expect: { rejected: at(8, 'bonds.bond0.parameters.mode', '"active-backup\\n[Network]\\nDNS=6.6.6.6" contains a line break') } },
  { name: 'v2 bond transmit-hash-policy with a CR', input: v2('ethernets:\n  eth0: {}\nbonds:\n  bond0:\n    interfaces: [eth0]\n    parameters:\n      transmit-hash-policy: "layer2\\rX=1"\n'), expect: { rejected: at(8, 'bonds.bond0.parameters.transmit-hash-policy', '"layer2\\rX=1" contains a line break') } },
  { name: 'v2 bond mode a number out of the driver\'s range', input: v2('ethernets:\n  eth0: {}\nbonds:\n  bond0:\n    interfaces: [eth0]\n    parameters:\n      mode: 9\n'), expect: { rejected: at(8, 'bonds.bond0.parameters.mode', '9 is not a bond mode') } },
  { name: 'v1 vlan linked to itself', input: v1('  - type: vlan\n    name: v10\n    vlan_link: v10\n    vlan_id: 10\n'), expect: { rejected: at(5, 'config[0].vlan_link', 'vlan "v10" names itself as its vlan_link') } },
  { name: 'v2 bond with itself as a member', input: v2('bonds:\n  bond0:\n    interfaces: [bond0]\n'), expect: { rejected: `${SRC} line 4: bonds.bond0.interfaces[0]: ` } },
  { name: 'v2 bridge with itself as a port', input: v2('bridges:\n  br0:\n    interfaces: [br0]\n'), expect: { rejected: `${SRC} line 4: bridges.br0.interfaces[0]: ` } },
  { name: 'v2 vlan linked to itself', input: v2('vlans:\n  v10:\n    id: 10\n    link: v10\n'), expect: { rejected: at(5, 'vlans.v10.link', 'vlan "v10" names itself as its link') } },
  { name: 'v2 two vlans on each other', input: v2('ethernets:\n  eth0: {}\nvlans:\n  a: {id: 1, link: b}\n  b: {id: 2, link: a}\n'), expect: { rejected: at(6, 'vlans.b', 'devices are built on each other in a loop: "a" → "b" → "a"') } },
  { name: 'v2 two bonds each a member of the other', input: v2('ethernets:\n  eth0: {}\nbonds:\n  b1: {interfaces: [b2]}\n  b2: {interfaces: [b1]}\n'), expect: { rejected: at(6, 'bonds.b2', 'devices are built on each other in a loop: "b1" → "b2" → "b1"') } },
  { name: 'v2 a loop through a vlan, a bridge and a bond', input: v2('ethernets:\n  eth0: {}\nvlans:\n  a: {id: 1, link: b}\nbridges:\n  b: {interfaces: [c]}\nbonds:\n  c: {interfaces: [a]}\n'), expect: { rejected: at(9, 'bonds.c', 'devices are built on each other in a loop: "a" → "b" → "c" → "a"') } },
  { name: 'v2 a bridge on a vlan on a bond is no loop (the contrast)', input: v2('ethernets:\n  eth0: {}\nbonds:\n  bond0: {interfaces: [eth0]}\nvlans:\n  v1: {id: 1, link: bond0}\nbridges:\n  br0: {interfaces: [v1]}\n'), expect: { accepted: (s) => assert.equal(s.interfaces.length, 4) } },
  { name: 'v2 bridge stp a word', input: v2('ethernets:\n  eth0: {}\nbridges:\n  br0:\n    interfaces: [eth0]\n    parameters:\n      stp: maybe\n'), expect: { rejected: at(8, 'bridges.br0.parameters.stp', 'must be true or false, not "maybe"') } },
  { name: 'v2 bond of 5000 undefined members', input: v2(`bonds:\n  bond0:\n    interfaces: [${Array.from({ length: 5000 }, (_, i) => `m${i}`).join(', ')}]\n`), expect: { rejected: at(4, 'bonds.bond0.interfaces[0]', 'bond "bond0" refers to "m0", which is not defined') } },

  // --- duplicates
  { name: 'v2 same id in bridges and vlans', input: v2('ethernets:\n  eth0: {}\nbridges:\n  x0: {interfaces: [eth0]}\nvlans:\n  x0: {id: 5, link: eth0}\n'), expect: { rejected: `${SRC} line 7: vlans.x0: device id "x0" is already defined in bridges` } },
  { name: 'v1 vlan named like a physical', input: v1('  - type: physical\n    name: eth0\n  - type: vlan\n    name: eth0\n    vlan_link: eth0\n    vlan_id: 3\n'), expect: { rejected: at(6, 'config[1].name', 'interface "eth0" is defined more than once') } },

  // --- size and shape
  { name: 'v2 5000 ethernets: accepted, each rendered once', input: v2(`ethernets:\n${Array.from({ length: 5000 }, (_, i) => `  n${i}: {dhcp4: true}\n`).join('')}`), expect: { accepted: (s) => assert.equal(s.interfaces.length, 5000) } },
  { name: 'v2 key with a NUL byte', input: v2('ethernets:\n  "eth\\0":\n    dhcp4: true\n'), expect: { rejected: at(3, 'ethernets["eth\\u0000"]', '"eth\\u0000" contains a line break') } },
  { name: 'v2 routes nested 65 lists deep', input: eth0(`    routes: ${'['.repeat(65)}${']'.repeat(65)}\n`), expect: { rejected: `${SRC} line 4: not valid YAML: nested more than 64 levels deep` } },
  { name: 'v2 unknown keys with hostile text only warn; the shell-sourced ifcfg holds none of it', input: eth0('    dhcp4: true\n    "$(reboot)": "`id`"\n'), expect: { accepted: (s) => assert.doesNotMatch(renderSysconfig(s, { flavor: 'rhel' }).files.map((f) => f.content).join(''), /reboot|`id`/), warns: [warnAt(5, 'ethernets.eth0["$(reboot)"]', 'unknown key')] } },
  { name: 'v2 a raw BEL control character in a comment', input: eth0('    dhcp4: true # \u0007 bell\n'), expect: { rejected: `${SRC} line 4: not valid YAML: the character U+0007 is not allowed` } },
  { name: 'v2 wakeonlan a sentence', input: eth0('    wakeonlan: yes please\n'), expect: { rejected: at(4, 'ethernets.eth0.wakeonlan', 'must be true or false, not "yes please"') } },
];

export const networkConfig: Area<string, NetworkState> = {
  area: 'network-config',
  rows,
  run(text) {
    const r = readNetworkInput(text, SRC, 'yaml');
    return { ...lines(r.diagnostics), value: r.kind === 'state' ? r.state : undefined };
  },
};
