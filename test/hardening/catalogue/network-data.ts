/**
 * OpenStack network_data.json (and its EC2 sibling, the metadata tree's
 * network/interfaces/macs) through readNetworkInput, as the ConfigDrive,
 * OpenStack and EC2 datasources hand them on. Each document is one JSON
 * line, so every location is line 1 and the key path says where.
 */
import assert from 'node:assert/strict';
import { readNetworkInput, type InputKind } from '../../../src/net/input.ts';
import { renderNetplan } from '../../../src/net/render/index.ts';
import type { NetworkState } from '../../../src/net/state.ts';
import { lines, type Area, type Row } from './row.ts';

const MAC = 'fa:16:3e:00:00:01';
const LOCAL = new Map([[MAC, 'eth0']]);
const SRC = 'network_data.json';
const at = (path: string, msg: string) => `${SRC} line 1: ${path}: ${msg}`;
const warnAt = (path: string, msg: string) => `${SRC} line 1: warning: ${path}: ${msg}`;
const link = (extra: Record<string, unknown> = {}) => ({ id: 'tap1', type: 'phy', ethernet_mac_address: MAC, mtu: 1500, ...extra });
const net4 = (extra: Record<string, unknown> = {}) => ({ id: 'n1', type: 'ipv4', link: 'tap1', ip_address: '10.0.0.5', netmask: '255.255.255.0', ...extra });
const doc = (o: Record<string, unknown>) => JSON.stringify(o);
const one = (l: Record<string, unknown> = {}, n: Record<string, unknown> | null = null, extra: Record<string, unknown> = {}) =>
  doc({ links: [link(l)], networks: n ? [net4(n)] : [], ...extra });

function netplan(s: NetworkState): string {
  return renderNetplan(s).files.map((f) => f.content).join('\n');
}

const rows: Row<string, NetworkState>[] = [
  { name: 'not JSON at all', input: '{"links": [', expect: { rejected: `${SRC} line 1: not valid YAML` } },
  { name: 'a JSON list at the top', input: '[1, 2]', expect: { rejected: `${SRC} line 1: must be a mapping, not a list` } },
  { name: 'links a string', input: doc({ links: 'tap1' }), expect: { rejected: at('links', 'must be a list, not "tap1"') } },
  { name: 'link a number', input: doc({ links: [7] }), expect: { rejected: at('links[0]', 'must be a mapping, not 7') } },
  { name: 'link without id', input: doc({ links: [{ type: 'phy', ethernet_mac_address: MAC }] }), expect: { rejected: at('links[0]', 'link has no id') } },
  { name: 'link id a mapping', input: doc({ links: [link({ id: { x: 1 } })] }), expect: { rejected: at('links[0].id', 'must be a string, not a mapping') } },
  { name: 'two links with one id', input: doc({ links: [link(), link({ ethernet_mac_address: 'fa:16:3e:00:00:02' })] }), expect: { rejected: at('links[1].id', 'link id "tap1" is already used by links[0]') } },
  { name: 'link MAC of 5 bytes', input: one({ ethernet_mac_address: 'fa:16:3e:00:01' }), expect: { rejected: at('links[0].ethernet_mac_address', '"fa:16:3e:00:01" is not a MAC address') } },
  { name: 'link MAC with a newline', input: one({ ethernet_mac_address: `${MAC}\n` }), expect: { rejected: at('links[0].ethernet_mac_address', `"${MAC}\\n" contains a line break`) } },
  { name: 'link mtu 1e9', input: one({ mtu: 1e9 }), expect: { rejected: at('links[0].mtu', '1000000000 is out of range') } },
  { name: 'link mtu a string of words', input: one({ mtu: 'jumbo frames' }), expect: { rejected: at('links[0].mtu', 'must be an integer, not "jumbo frames"') } },
  { name: 'link name with "/"', input: one({ name: 'eth/1' }), expect: { rejected: at('links[0].name', 'interface name "eth/1" must not contain whitespace, "/" or ":"') } },
  { name: 'link name with a newline', input: one({ name: 'eth1\nDNS=1.1.1.1' }), expect: { rejected: at('links[0].name', '"eth1\\nDNS=1.1.1.1" contains a line break') } },
  { name: 'link name "..": not a device name', input: one({ name: '..' }), expect: { rejected: at('links[0].name', '".." is not a valid interface name') } },
  { name: 'link name of 16 bytes', input: one({ name: 'abcdefghijklmnop' }), expect: { rejected: at('links[0].name', 'interface name "abcdefghijklmnop" is longer than 15 bytes') } },
  { name: 'unknown link type: physical, with a warning', input: one({ type: 'warp-drive' }), expect: { accepted: (s) => assert.equal(s.interfaces[0]?.type, 'physical'), warns: [warnAt('links[0].type', 'unknown link type "warp-drive"')] } },
  { name: 'vlan id 4096', input: doc({ links: [link(), { id: 'v1', type: 'vlan', vlan_link: 'tap1', vlan_id: 4096, vlan_mac_address: MAC }] }), expect: { rejected: at('links[1].vlan_id', '4096 is out of range') } },
  { name: 'vlan id a float', input: doc({ links: [link(), { id: 'v1', type: 'vlan', vlan_link: 'tap1', vlan_id: 10.5, vlan_mac_address: MAC }] }), expect: { rejected: at('links[1].vlan_id', 'must be an integer, not 10.5') } },
  { name: 'vlan link to an unknown id', input: doc({ links: [link(), { id: 'v1', type: 'vlan', vlan_link: 'nope', vlan_id: 10, vlan_mac_address: MAC }] }), expect: { rejected: at('links[1].vlan_link', '"nope" is not a link id') } },
  { name: 'bond mode unknown', input: doc({ links: [link(), { id: 'b1', type: 'bond', bond_links: ['tap1'], bond_mode: 'turbo', ethernet_mac_address: 'fa:16:3e:00:00:09' }] }), expect: { rejected: at('links[1].bond_mode', '"turbo" is not a bond mode') } },
  { name: 'bond links a string', input: doc({ links: [link(), { id: 'b1', type: 'bond', bond_links: 'tap1', bond_mode: 'active-backup', ethernet_mac_address: 'fa:16:3e:00:00:09' }] }), expect: { rejected: at('links[1].bond_links', 'must be a list, not "tap1"') } },
  { name: 'network on an unknown link', input: doc({ links: [link()], networks: [net4({ link: 'tap9' })] }), expect: { rejected: at('networks[0].link', '"tap9" is not a link id') } },
  { name: 'network without link', input: doc({ links: [link()], networks: [{ id: 'n1', type: 'ipv4', ip_address: '10.0.0.5', netmask: '255.255.255.0' }] }), expect: { rejected: at('networks[0]', 'network has no link') } },
  { name: 'network address with octet 999', input: one({}, { ip_address: '10.0.0.999' }), expect: { rejected: at('networks[0].ip_address', '"10.0.0.999" is not an IP address') } },
  { name: 'network netmask not contiguous', input: one({}, { netmask: '255.0.255.0' }), expect: { rejected: at('networks[0].netmask', '"255.0.255.0" is not a valid netmask') } },
  { name: 'network type unknown: that network is left out, with a warning', input: one({}, { type: 'ipv5' }), expect: { accepted: (s) => assert.deepEqual(s.interfaces[0]?.subnets, []), warns: [warnAt('networks[0].type', 'unknown network type "ipv5"; this network is not configured')] } },
  { name: 'route gateway with shell text', input: one({}, { routes: [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: '10.0.0.1 && reboot' }] }), expect: { rejected: at('networks[0].routes[0].gateway', '"10.0.0.1 && reboot" is not an IP address') } },
  { name: 'route network with prefix 40', input: one({}, { routes: [{ network: '10.1.0.0/40', netmask: '255.255.0.0', gateway: '10.0.0.1' }] }), expect: { rejected: at('networks[0].routes[0].network', '"10.1.0.0/40" has an invalid prefix length') } },
  { name: 'routes a mapping', input: one({}, { routes: { network: '0.0.0.0' } }), expect: { rejected: at('networks[0].routes', 'must be a list, not a mapping') } },
  { name: 'dns service address not an IP', input: one({}, null, { services: [{ type: 'dns', address: 'evil.example' }] }), expect: { rejected: at('services[0].address', '"evil.example" is not an IP address') } },
  { name: 'dns service address with a newline', input: one({}, null, { services: [{ type: 'dns', address: '8.8.8.8\nsearch evil' }] }), expect: { rejected: at('services[0].address', '"8.8.8.8\\nsearch evil" contains a line break') } },
  { name: 'network dns_search with CR/LF', input: one({}, { services: [{ type: 'dns', address: '8.8.8.8' }], dns_search: ['ok.example\r\nnameserver 6.6.6.6'] }), expect: { rejected: at('networks[0].dns_search[0]', '"ok.example\\r\\nnameserver 6.6.6.6" contains a line break') } },
  { name: 'services a string', input: one({}, null, { services: 'dns' }), expect: { rejected: at('services', 'must be a list, not "dns"') } },
  { name: '5000 links: more than it reads', input: doc({ links: Array.from({ length: 5000 }, (_, i) => ({ id: `l${i}`, type: 'phy', ethernet_mac_address: `fa:16:3e:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}` })) }), expect: { rejected: at('links', 'has 5000 entries; at most 4096 are accepted') } },
  { name: 'no link matches a local NIC', input: doc({ links: [link({ ethernet_mac_address: 'fa:16:3e:99:99:99' })] }), expect: { rejected: at('links', 'no link matches a local NIC') } },
  { name: '__proto__ as a link id does not reach Object.prototype', input: `{"links": [{"id": "__proto__", "type": "phy", "ethernet_mac_address": "${MAC}"}], "networks": [{"id": "n", "type": "ipv4_dhcp", "link": "__proto__"}]}`, expect: { accepted: (s) => { assert.equal(s.interfaces[0]?.name, 'eth0'); assert.equal(({} as Record<string, unknown>)['type'], undefined); } } },
  { name: 'a null network list is none', input: doc({ links: [link()], networks: null }), expect: { accepted: (s) => assert.match(netplan(s), /eth0/) } },
];

const EC2_MAC = '0a:00:00:00:00:01';
const EC2_LOCAL = new Map([[EC2_MAC, 'eth0']]);
const ESRC = 'ec2-metadata';
const eAt = (path: string, msg: string) => `${ESRC} line 1: ${path}: ${msg}`;
const eWarn = (path: string, msg: string) => `${ESRC} line 1: warning: ${path}: ${msg}`;
const nic = (extra: Record<string, unknown> = {}) => ({ 'device-number': 0, 'local-ipv4s': '10.0.0.5', 'subnet-ipv4-cidr-block': '10.0.0.0/24', ...extra });
const ec2 = (macs: Record<string, unknown>, top: Record<string, unknown> = {}) => JSON.stringify({ mac: EC2_MAC, network: { interfaces: { macs } }, ...top });
const M = 'network.interfaces.macs';
const N0 = `${M}["${EC2_MAC}"]`;

const ec2Rows: Row<string, NetworkState>[] = [
  { name: 'metadata a string', input: '"i-123"', expect: { rejected: `${ESRC} line 1: must be a mapping, not "i-123"` } },
  { name: 'no network key', input: JSON.stringify({ mac: EC2_MAC }), expect: { rejected: `${ESRC} line 1: the metadata has no network/interfaces/macs` } },
  { name: 'macs a list', input: JSON.stringify({ mac: EC2_MAC, network: { interfaces: { macs: [EC2_MAC] } } }), expect: { rejected: eAt(M, 'must be a mapping, not a list') } },
  { name: 'MAC key with "/" is left out', input: ec2({ [EC2_MAC]: nic(), '0a:00:00:00:00:02/../x': nic({ 'device-number': 1 }) }), expect: { accepted: (s) => assert.equal(s.interfaces.length, 1), warns: [eWarn(`${M}["0a:00:00:00:00:02/../x"]`, '"0a:00:00:00:00:02/../x" is not a MAC address')] } },
  { name: 'MAC key repeated in another case is left out', input: ec2({ [EC2_MAC]: nic(), [EC2_MAC.toUpperCase()]: nic() }), expect: { accepted: (s) => assert.equal(s.interfaces.length, 1), warns: [eWarn(`${M}["${EC2_MAC.toUpperCase()}"]`, `MAC ${EC2_MAC} is also the key`)] } },
  { name: 'NIC a string is left out', input: ec2({ [EC2_MAC]: nic(), '0a:00:00:00:00:02': 'eth1' }), expect: { accepted: (s) => assert.equal(s.interfaces.length, 1), warns: [eWarn(`${M}["0a:00:00:00:00:02"]`, 'must be a mapping, not "eth1"')] } },
  { name: 'device-number 100', input: ec2({ [EC2_MAC]: nic({ 'device-number': 100 }) }), expect: { rejected: eAt(M, 'no usable NIC in the metadata'), alsoWarns: [eWarn(`${N0}.device-number`, '100 is out of range (must be between 0 and 99); NIC 0a:00:00:00:00:01 is left out')] } },
  { name: 'local-ipv4s with an address of octet 300', input: ec2({ [EC2_MAC]: nic({ 'local-ipv4s': '10.0.0.5\n10.0.0.300' }) }), expect: { rejected: eAt(M, 'no usable NIC in the metadata'), alsoWarns: [eWarn(`${N0}.local-ipv4s`, '"10.0.0.300" is not an IPv4 address; NIC 0a:00:00:00:00:01 is left out')] } },
  { name: '300 addresses on one NIC', input: ec2({ [EC2_MAC]: nic({ 'local-ipv4s': Array.from({ length: 300 }, (_, i) => `10.0.${i >> 8}.${i & 255}`).join('\n') }) }), expect: { rejected: eAt(M, 'no usable NIC in the metadata'), alsoWarns: [eWarn(N0, '300 IPv4 and 0 IPv6 addresses, more than 256')] } },
  { name: 'ipv6s not IPv6', input: ec2({ [EC2_MAC]: nic({ ipv6s: '10.0.0.9' }) }), expect: { rejected: eAt(M, 'no usable NIC in the metadata'), alsoWarns: [eWarn(`${N0}.ipv6s`, '"10.0.0.9" is not an IPv6 address')] } },
  { name: 'subnet block with prefix 99', input: ec2({ [EC2_MAC]: nic({ 'subnet-ipv4-cidr-block': '10.0.0.0/99' }) }), expect: { rejected: eAt(M, 'no usable NIC in the metadata'), alsoWarns: [eWarn(`${N0}.subnet-ipv4-cidr-block`, '"10.0.0.0/99" is not an IPv4 subnet block')] } },
  { name: '70 NICs: only 64 read', input: ec2(Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`0a:00:00:00:01:${i.toString(16).padStart(2, '0')}`, nic({ 'device-number': i % 99 })]).concat([[EC2_MAC, nic()]]))), expect: { rejected: eAt(M, 'no NIC in the metadata is present on this machine'), alsoWarns: [eWarn(M, '71 NICs, more than the 64 any instance type has; only the first 64 are read')] } },
  { name: 'primary mac a number', input: ec2({ [EC2_MAC]: nic() }, { mac: 12 }), expect: { accepted: (s) => assert.equal(s.interfaces[0]?.name, 'eth0'), warns: [eWarn('mac', '12 is not a MAC address')] } },
  { name: 'no NIC of the metadata is on this machine', input: ec2({ '0a:00:00:00:00:77': nic() }), expect: { rejected: eAt(M, 'no NIC in the metadata is present on this machine') } },
];

function area(name: string, kind: InputKind, source: string, macs: ReadonlyMap<string, string>, list: Row<string, NetworkState>[]): Area<string, NetworkState> {
  return {
    area: name,
    rows: list,
    run(text) {
      const r = readNetworkInput(text, source, kind, { macToName: macs });
      return { ...lines(r.diagnostics), value: r.kind === 'state' ? r.state : undefined };
    },
  };
}

export const networkData = area('network-data', 'network_data.json', SRC, LOCAL, rows);
export const ec2Metadata = area('ec2-metadata', 'ec2', ESRC, EC2_LOCAL, ec2Rows);
