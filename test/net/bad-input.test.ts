/**
 * Malformed network configs through the real CLI: for every row and every
 * output kind, `stratus net-convert` must exit 1, name the problem with the
 * input's line and key path on stderr, and write nothing. Unknown keys are
 * warnings, not errors.
 */
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildCli, inParallel, type Cli } from '../cli/cli.ts';

const OUTPUT_KINDS = ['netplan', 'networkd', 'network-manager', 'sysconfig', 'eni'] as const;

interface BadCase {
  name: string;
  /** File content. */
  text: string | Buffer;
  /** Expected in the same stderr line as the location. */
  message: string;
  /** `FILE line N: PATH: message`; line undefined = the message has no line, path undefined = no key path. */
  line?: number;
  path?: string;
  /** For errors about the file as a whole: the exact prefix instead of "FILE line N: PATH:". */
  whole?: true;
}

const v2 = (body: string) => `version: 2\n${body}`;
const v1 = (body: string) => `version: 1\nconfig:\n${body}`;

const CASES: BadCase[] = [
  // --- the document as a whole
  { name: 'empty file', text: '', message: 'the network config is empty' },
  { name: 'only comments', text: '# nothing here\n# at all\n', message: 'the network config is empty' },
  { name: 'not YAML (unclosed flow sequence)', text: 'version: 2\nethernets: {eth0: {addresses: [10.0.0.1/24}}\n', message: 'not valid YAML', line: 2 },
  { name: 'not YAML (tab indentation)', text: 'version: 2\nethernets:\n\teth0: {}\n', message: 'not valid YAML: Tabs are not allowed', line: 3 },
  { name: 'two YAML documents', text: 'version: 2\n---\nversion: 1\n', message: 'more than one YAML document', line: 2 },
  { name: 'top level is a list', text: '- version: 2\n- ethernets: {}\n', message: 'the network config must be a mapping, not a list', line: 1 },
  { name: 'top level is a string', text: 'just some words\n', message: 'the network config must be a mapping, not "just some words"', line: 1 },
  { name: 'missing version', text: 'ethernets:\n  eth0:\n    dhcp4: true\n', message: 'has no "version" key', line: 1 },
  { name: 'unsupported version', text: 'version: 3\nethernets: {}\n', message: 'unsupported network config version 3', line: 1, path: 'version' },
  { name: 'version as a string', text: 'version: "2"\nethernets: {}\n', message: 'the number 1 or 2', line: 1, path: 'version' },
  { name: 'duplicate key', text: v2('ethernets:\n  eth0:\n    dhcp4: true\n  eth0:\n    dhcp6: true\n'), message: 'duplicate key "eth0" (first given on line 3)', line: 5, path: 'ethernets.eth0' },
  {
    name: 'alias bomb',
    text: ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`), 'version: 2'].join('\n'),
    message: 'aliases expand to too many values',
  },
  { name: 'deeply nested junk', text: `version: 2\nethernets: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, message: 'nested more than 64 levels deep', line: 2 },
  { name: 'nested beyond the depth limit', text: `version: 2\nethernets:\n  eth0: ${'{a: '.repeat(70)}1${'}'.repeat(70)}\n`, message: 'nested more than 64 levels deep', line: 3 },
  { name: 'huge file', text: `version: 2\n# ${'x'.repeat(1100 * 1024)}\n`, message: 'is larger than 1 MiB, too large for a network config', whole: true },
  { name: 'binary junk', text: Buffer.from([0x76, 0x65, 0x72, 0xff, 0xfe, 0x00, 0x01, 0x80, 0x0a]), message: 'is not UTF-8 text', whole: true },
  { name: 'network wrapper is not a mapping', text: 'network: [version, 2]\n', message: 'must be a mapping, not a list', line: 1, path: 'network' },

  // --- wrong types
  { name: 'ethernets is a list', text: v2('ethernets:\n  - eth0\n'), message: 'must be a mapping, not a list', line: 2, path: 'ethernets' },
  { name: 'dhcp4 is not a boolean', text: v2('ethernets:\n  eth0:\n    dhcp4: sometimes\n'), message: 'must be true or false, not "sometimes"', line: 4, path: 'ethernets.eth0.dhcp4' },
  { name: 'addresses is a string', text: v2('ethernets:\n  eth0:\n    addresses: 10.0.0.5/24\n'), message: 'must be a list, not "10.0.0.5/24"', line: 4, path: 'ethernets.eth0.addresses' },
  { name: 'mtu is not a number', text: v2('ethernets:\n  eth0:\n    mtu: jumbo\n'), message: 'must be an integer, not "jumbo"', line: 4, path: 'ethernets.eth0.mtu' },
  { name: 'v1 config is a mapping', text: 'version: 1\nconfig:\n  eth0: {type: physical}\n', message: 'must be a list, not a mapping', line: 2, path: 'config' },
  { name: 'v1 entry of unknown type', text: v1('  - type: ethernet\n    name: eth0\n'), message: 'unknown entry type "ethernet"', line: 3, path: 'config[0].type' },
  { name: 'v1 entry without name', text: v1('  - type: physical\n    mac_address: "52:54:00:12:34:56"\n'), message: 'physical entry has no "name"', line: 3, path: 'config[0]' },
  { name: 'v1 subnet of unknown type', text: v1('  - type: physical\n    name: eth0\n    subnets:\n      - type: dhcp5\n'), message: 'unknown subnet type "dhcp5"', line: 6, path: 'config[0].subnets[0].type' },
  { name: 'v1 static subnet without address', text: v1('  - type: physical\n    name: eth0\n    subnets:\n      - type: static\n        gateway: 10.0.0.1\n'), message: 'static subnet has no "address"', line: 6, path: 'config[0].subnets[0]' },
  { name: 'route metric is negative', text: v2('ethernets:\n  eth0:\n    addresses: [10.0.0.5/24]\n    routes:\n      - to: 10.1.0.0/16\n        via: 10.0.0.1\n        metric: -5\n'), message: '-5 is out of range', line: 8, path: 'ethernets.eth0.routes[0].metric' },

  // --- addresses and prefixes
  { name: 'IPv4 octet over 255', text: v2('ethernets:\n  eth0:\n    addresses:\n      - 10.0.0.5/24\n      - 10.0.0.300/24\n'), message: '"10.0.0.300/24" is not an IP address', line: 6, path: 'ethernets.eth0.addresses[1]' },
  { name: 'IPv4 prefix over 32', text: v2('ethernets:\n  eth0:\n    addresses: [10.0.0.5/33]\n'), message: '"10.0.0.5/33" has an invalid prefix length (IPv4 allows 0 to 32, or a netmask', line: 4, path: 'ethernets.eth0.addresses[0]' },
  { name: 'IPv6 with a bad group', text: v2('ethernets:\n  eth0:\n    addresses: ["2001:db8::g1/64"]\n'), message: '"2001:db8::g1/64" is not an IP address', line: 4, path: 'ethernets.eth0.addresses[0]' },
  { name: 'IPv6 prefix over 128', text: v2('ethernets:\n  eth0:\n    addresses: ["2001:db8::1/129"]\n'), message: '"2001:db8::1/129" has an invalid prefix length (IPv6 allows 0 to 128)', line: 4, path: 'ethernets.eth0.addresses[0]' },
  { name: 'v2 address without prefix', text: v2('ethernets:\n  eth0:\n    addresses: [10.0.0.5]\n'), message: '"10.0.0.5" has no prefix length; write it as address/prefix, e.g. "10.0.0.5/24"', line: 4, path: 'ethernets.eth0.addresses[0]' },
  { name: 'v1 netmask not contiguous', text: v1('  - type: physical\n    name: eth0\n    subnets:\n      - type: static\n        address: 10.0.0.5\n        netmask: 255.0.255.0\n'), message: '"255.0.255.0" is not a valid netmask', line: 8, path: 'config[0].subnets[0].netmask' },
  { name: 'nameserver is not an IP', text: v2('ethernets:\n  eth0:\n    dhcp4: true\n    nameservers:\n      addresses: [dns.example.com]\n'), message: '"dns.example.com" is not an IP address', line: 6, path: 'ethernets.eth0.nameservers.addresses[0]' },
  { name: 'nameserver with a prefix length', text: v2('ethernets:\n  eth0:\n    dhcp4: true\n    nameservers:\n      addresses: [10.0.0.2/24]\n'), message: '"10.0.0.2/24" is not an IP address (a nameserver has no prefix length)', line: 6, path: 'ethernets.eth0.nameservers.addresses[0]' },
  { name: 'v1 nameserver is not an IP', text: v1('  - type: nameserver\n    address: [8.8.8.8, 8.8.8]\n'), message: '"8.8.8" is not an IP address', line: 4, path: 'config[0].address[1]' },
  { name: 'gateway4 is IPv6', text: v2('ethernets:\n  eth0:\n    addresses: [10.0.0.5/24]\n    gateway4: "2001:db8::1"\n'), message: 'gateway4 must be an IPv4 address, not "2001:db8::1" (use gateway6', line: 5, path: 'ethernets.eth0.gateway4' },
  { name: 'v1 gateway of the other family', text: v1('  - type: physical\n    name: eth0\n    subnets:\n      - type: static\n        address: 10.0.0.5/24\n        gateway: "2001:db8::1"\n'), message: 'gateway "2001:db8::1" is not in the same IP family as address "10.0.0.5" (IPv6 gateway, IPv4 address)', line: 8, path: 'config[0].subnets[0].gateway' },
  { name: 'route via of the other family', text: v2('ethernets:\n  eth0:\n    addresses: [10.0.0.5/24]\n    routes:\n      - to: 10.1.0.0/16\n        via: "2001:db8::1"\n'), message: 'gateway "2001:db8::1" is not in the same IP family as destination "10.1.0.0/16" (IPv6 gateway, IPv4 destination)', line: 7, path: 'ethernets.eth0.routes[0].via' },
  { name: 'route without destination', text: v2('ethernets:\n  eth0:\n    addresses: [10.0.0.5/24]\n    routes:\n      - via: 10.0.0.1\n'), message: 'route has no destination', line: 6, path: 'ethernets.eth0.routes[0]' },
  { name: 'v1 route entry without destination', text: v1('  - type: route\n    gateway: 10.0.0.1\n'), message: 'route has no destination', line: 3, path: 'config[0]' },

  // --- MACs
  { name: 'MAC with five bytes', text: v2('ethernets:\n  nic0:\n    match:\n      macaddress: "52:54:00:12:34"\n    set-name: eth0\n'), message: '"52:54:00:12:34" is not a MAC address', line: 5, path: 'ethernets.nic0.match.macaddress' },
  { name: 'v1 MAC with non-hex digits', text: v1('  - type: physical\n    name: eth0\n    mac_address: "52:54:00:zz:34:56"\n'), message: '"52:54:00:zz:34:56" is not a MAC address', line: 5, path: 'config[0].mac_address' },

  // --- references between devices
  { name: 'vlan link not defined (v2)', text: v2('ethernets:\n  eth0: {dhcp4: true}\nvlans:\n  vlan10:\n    id: 10\n    link: eth1\n'), message: 'vlan "vlan10" refers to "eth1", which is not defined', line: 7, path: 'vlans.vlan10.link' },
  { name: 'vlan link not defined (v1)', text: v1('  - type: vlan\n    name: eth0.10\n    vlan_link: eth0\n    vlan_id: 10\n'), message: 'refers to "eth0", which is not defined', line: 5, path: 'config[0].vlan_link' },
  { name: 'bond member not defined', text: v2('ethernets:\n  eth0: {}\nbonds:\n  bond0:\n    interfaces: [eth0, eth1]\n'), message: 'bond "bond0" refers to "eth1", which is not defined', line: 6, path: 'bonds.bond0.interfaces[1]' },
  { name: 'bridge port not defined', text: v2('bridges:\n  br0:\n    interfaces: [eth9]\n    dhcp4: true\n'), message: 'bridge "br0" refers to "eth9", which is not defined', line: 4, path: 'bridges.br0.interfaces[0]' },
  { name: 'nameserver interface not defined', text: v1('  - type: physical\n    name: eth0\n  - type: nameserver\n    address: 10.0.0.2\n    interface: eth1\n'), message: 'refers to interface "eth1", which is not defined', line: 7, path: 'config[1].interface' },

  // --- duplicates
  { name: 'v1 interface defined twice', text: v1('  - type: physical\n    name: eth0\n  - type: physical\n    name: eth0\n'), message: 'interface "eth0" is defined more than once (first in config[0])', line: 6, path: 'config[1].name' },
  { name: 'v2 id in two sections', text: v2('ethernets:\n  eth0: {}\n  eth1: {}\nbonds:\n  eth0:\n    interfaces: [eth1]\n'), message: 'device id "eth0" is already defined in ethernets; ids must be unique', line: 6, path: 'bonds.eth0' },
  { name: 'v2 two devices renamed alike', text: v2('ethernets:\n  a:\n    match: {macaddress: "52:54:00:00:00:01"}\n    set-name: eth0\n  b:\n    match: {macaddress: "52:54:00:00:00:02"}\n    set-name: eth0\n'), message: 'device name "eth0" is already used by ethernets.a', line: 8, path: 'ethernets.b.set-name' },
  { name: 'v2 port in two bridges', text: v2('ethernets:\n  eth0: {}\nbridges:\n  br0: {interfaces: [eth0]}\n  br1: {interfaces: [eth0]}\n'), message: '"eth0" is already a port of bridge "br0"', line: 6, path: 'bridges.br1.interfaces[0]' },

  // --- bonds and vlans
  { name: 'bond without members (v2)', text: v2('bonds:\n  bond0:\n    dhcp4: true\n'), message: 'bond "bond0" has no "interfaces"', line: 3, path: 'bonds.bond0' },
  { name: 'bond without members (v1)', text: v1('  - type: bond\n    name: bond0\n    bond_interfaces: []\n'), message: 'bond "bond0" has no member interfaces', line: 5, path: 'config[0].bond_interfaces' },
  { name: 'vlan id out of range', text: v2('ethernets:\n  eth0: {}\nvlans:\n  eth0.4095:\n    id: 4095\n    link: eth0\n'), message: '4095 is out of range (must be between 0 and 4094)', line: 6, path: 'vlans["eth0.4095"].id' },
  { name: 'vlan id missing (v1)', text: v1('  - type: physical\n    name: eth0\n  - type: vlan\n    name: eth0.10\n    vlan_link: eth0\n'), message: 'vlan "eth0.10" has no vlan_id', line: 5, path: 'config[1]' },
  { name: 'vlan id missing (v2)', text: v2('ethernets:\n  eth0: {}\nvlans:\n  vlan10:\n    link: eth0\n'), message: 'vlan "vlan10" has no "id" (the VLAN number, 0 to 4094)', line: 5, path: 'vlans.vlan10' },
  { name: 'bridge_stp not a boolean', text: v1('  - type: bridge\n    name: br0\n    bridge_interfaces: [eth0]\n    params:\n      bridge_stp: maybe\n'), message: '"maybe" is not a valid bridge_stp value', line: 7, path: 'config[0].params.bridge_stp' },

  // --- names
  { name: 'interface name with "/"', text: v1('  - type: physical\n    name: eth/0\n'), message: 'must not contain whitespace, "/" or ":"', line: 4, path: 'config[0].name' },
  { name: 'interface name over 15 bytes', text: v2('ethernets:\n  nic0:\n    match: {macaddress: "52:54:00:12:34:56"}\n    set-name: averyverylongname0\n'), message: 'is longer than 15 bytes', line: 5, path: 'ethernets.nic0.set-name' },
  { name: 'interface name of 15 bytes in multibyte characters', text: v2('ethernets:\n  nic0:\n    match: {macaddress: "52:54:00:12:34:56"}\n    set-name: "ethéééééééé"\n'), message: 'is longer than 15 bytes', line: 5, path: 'ethernets.nic0.set-name' },
  { name: 'interface name with CR/LF', text: v1('  - type: physical\n    name: "eth0\\r\\n"\n'), message: '"eth0\\r\\n" contains a line break', line: 4, path: 'config[0].name' },
  { name: 'v2 key with a space used as name', text: v2('ethernets:\n  "eth 0":\n    dhcp4: true\n'), message: 'not a valid device id', line: 3, path: 'ethernets["eth 0"]' },
  { name: 'search domain with a space', text: v2('ethernets:\n  eth0:\n    dhcp4: true\n    nameservers:\n      search: ["example.com corp.example"]\n'), message: '"example.com corp.example" is not a DNS domain name (it contains whitespace; give each domain as its own list item)', line: 6, path: 'ethernets.eth0.nameservers.search[0]' },
  { name: 'search domain with a newline', text: v2('ethernets:\n  eth0:\n    dhcp4: true\n    nameservers:\n      search: ["example.com\\nnameserver 6.6.6.6"]\n'), message: 'contains a line break', line: 6, path: 'ethernets.eth0.nameservers.search[0]' },

  // --- ranges and enumerations
  { name: 'mtu too large', text: v2('ethernets:\n  eth0:\n    mtu: 70000\n'), message: '70000 is out of range', line: 4, path: 'ethernets.eth0.mtu' },
  { name: 'mtu too small', text: v1('  - type: physical\n    name: eth0\n    mtu: 20\n'), message: '20 is out of range (must be between 68 and 65535)', line: 5, path: 'config[0].mtu' },
  { name: 'unknown renderer', text: v2('renderer: systemd\nethernets:\n  eth0: {dhcp4: true}\n'), message: '"systemd" is not a netplan renderer', line: 2, path: 'renderer' },
  { name: 'errors inside the network: wrapper', text: 'network:\n  version: 2\n  ethernets:\n    eth0:\n      addresses: [10.0.0.1/40]\n', message: '"10.0.0.1/40"', line: 5, path: 'network.ethernets.eth0.addresses[0]' },
];

describe('net-convert rejects malformed network configs', () => {
  let cli: Cli;
  before(() => {
    cli = buildCli();
  });
  after(() => cli?.dispose());

  test('the table has at least 30 distinct cases', () => {
    assert.ok(CASES.length >= 30);
    assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length);
    assert.equal(new Set(CASES.map((c) => c.text.toString())).size, CASES.length);
  });

  for (const c of CASES) {
    test(c.name, async () => {
      const dir = cli.tempDir('case');
      const file = join(dir, 'network-config');
      writeFileSync(file, c.text);
      const runs = await inParallel(
        5,
        OUTPUT_KINDS.map((kind) => async () => {
          const out = join(dir, `out-${kind}`);
          const r = await cli.run(['net-convert', '-p', file, '-k', 'yaml', '-O', kind, '-d', out]);
          return { kind, out, r };
        }),
      );
      // STRATUS_SHOW_STDERR=1 prints what a user sees, to review the wording.
      if (process.env['STRATUS_SHOW_STDERR']) process.stdout.write(`\n## ${c.name}\n${runs[0]!.r.stderr.replaceAll(dir, 'DIR')}`);
      const expectedPrefix = c.whole
        ? `stratus net-convert: ${file} `
        : `${file}${c.line === undefined ? '' : ` line ${c.line}`}: ${c.path === undefined ? '' : `${c.path}: `}`;
      for (const { kind, out, r } of runs) {
        const context = `-O ${kind}\nstderr:\n${r.stderr}`;
        assert.equal(r.status, 1, `exit status, ${context}`);
        const lines = r.stderr.split('\n');
        assert.ok(
          lines.some((l) => l.startsWith(expectedPrefix) && l.includes(c.message)),
          `expected a line starting with ${JSON.stringify(expectedPrefix)} containing ${JSON.stringify(c.message)}; ${context}`,
        );
        assert.ok(!/internal error|    at /.test(r.stderr), `no stack trace, ${context}`);
        assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('out-')), [], `nothing written under -d (${kind})`);
        void out;
      }
    });
  }
});

describe('unknown keys are warnings, not errors', () => {
  let cli: Cli;
  before(() => {
    cli = buildCli();
  });
  after(() => cli?.dispose());

  const WARNINGS: { name: string; text: string; line: number; path: string }[] = [
    { name: 'v2 device key', text: v2('ethernets:\n  eth0:\n    dhcp4: true\n    colour: blue\n'), line: 5, path: 'ethernets.eth0.colour' },
    { name: 'v2 top-level key', text: v2('flavour: vanilla\nethernets:\n  eth0: {dhcp4: true}\n'), line: 2, path: 'flavour' },
    { name: 'v1 entry key', text: v1('  - type: physical\n    name: eth0\n    speed: 1000\n    subnets: [{type: dhcp}]\n'), line: 5, path: 'config[0].speed' },
    { name: 'v1 subnet key', text: v1('  - type: physical\n    name: eth0\n    subnets:\n      - type: dhcp\n        lease: long\n'), line: 7, path: 'config[0].subnets[0].lease' },
  ];
  for (const w of WARNINGS) {
    test(w.name, async () => {
      const dir = cli.tempDir('warn');
      const file = join(dir, 'network-config');
      writeFileSync(file, w.text);
      for (const kind of OUTPUT_KINDS) {
        const r = await cli.run(['net-convert', '-p', file, '-k', 'yaml', '-O', kind, '-d', join(dir, `out-${kind}`)]);
        assert.equal(r.status, 0, `-O ${kind}: ${r.stderr}`);
        assert.ok(r.stderr.includes(`${file} line ${w.line}: warning: ${w.path}: unknown key`), `-O ${kind}: ${r.stderr}`);
      }
    });
  }
});
