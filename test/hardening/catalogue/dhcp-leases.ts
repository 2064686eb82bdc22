/**
 * DHCP lease files and dumps of every client stratus reads (dhclient,
 * dhcpcd's dump and binary lease, systemd-networkd, NetworkManager's nmcli
 * output): truncated, garbage and hostile option values. A lease is never an
 * error that stops a boot: the safe result is that only well-formed values
 * are taken as addresses (routers, DNS servers and the lease address are
 * IPv4 addresses), a lease whose interface is not an interface name is not
 * taken, and a malformed block or line is passed over with a warning that
 * names its line.
 */
import assert from 'node:assert/strict';
import { parseDhclientLeases, parseDhcpcdDump, parseDhcpMessage, parseNetworkdLease, parseNmcliDhcp4, type Lease } from '../../../src/net/dhcp/leases/index.ts';
import { isIPv4 } from '../../../src/net/ip.ts';
import { lines, type Area, type Row } from './row.ts';

type Input = { client: 'dhclient' | 'dhcpcd' | 'networkd' | 'nmcli'; text: string } | { client: 'dhcpcd-binary'; bytes: Buffer };

const dhclientText = (body: string) => `lease {\n  interface "eth0";\n  fixed-address 10.0.0.5;\n  option subnet-mask 255.255.255.0;\n${body}}\n`;
const dhclient = (body: string): Input => ({ client: 'dhclient', text: `lease {\n  interface "eth0";\n  fixed-address 10.0.0.5;\n  option subnet-mask 255.255.255.0;\n${body}}\n` });
const networkd = (body: string): Input => ({ client: 'networkd', text: `ADDRESS=10.0.0.5\nNETMASK=255.255.255.0\n${body}` });
const dhcpcd = (body: string): Input => ({ client: 'dhcpcd', text: `ip_address=10.0.0.5\nsubnet_mask=255.255.255.0\n${body}` });
const nmcli = (body: string): Input => ({ client: 'nmcli', text: `DHCP4.OPTION[1]:ip_address = 10.0.0.5\nDHCP4.OPTION[2]:subnet_mask = 255.255.255.0\n${body}` });

const one = (check: (l: Lease) => void) => (ls: Lease[]) => {
  assert.equal(ls.length, 1, `one lease, got ${ls.length}`);
  check(ls[0]!);
};
const none = (ls: Lease[]) => assert.deepEqual(ls, []);
/**
 * A name from a lease is kept as the text the client wrote (a lease is a
 * record; its one consumer that builds a name from it, CloudStack's FQDN,
 * checks it there), but nothing hostile is ever taken as an address.
 */
const addressesOnly = (l: Lease) => {
  for (const a of [...l.routers, ...l.dns, ...(l.address ? [l.address] : []), ...(l.serverIdentifier ? [l.serverIdentifier] : [])]) assert.ok(isIPv4(a), `not an address: ${JSON.stringify(a)}`);
};

/** A DHCP message as dhcpcd stores it: BOOTP header, magic cookie, options. */
function dhcpMessage(options: number[]): Buffer {
  const b = Buffer.alloc(240);
  b[0] = 2;
  b.writeUInt32BE(0x0a000005, 16);
  b.writeUInt32BE(0x63825363, 236);
  return Buffer.concat([b, Buffer.from(options)]);
}

const rows: Row<Input, Lease[]>[] = [
  // --- dhclient
  { name: 'dhclient: empty file', input: { client: 'dhclient', text: '' }, expect: { accepted: none } },
  { name: 'dhclient: binary garbage', input: { client: 'dhclient', text: '\u0000\u0001\u00ff{{{}}};;"' }, expect: { accepted: none, warns: ['dhclient.leases line 1: warning: unterminated string'] } },
  { name: 'dhclient: lease cut off in a string', input: { client: 'dhclient', text: 'lease {\n  interface "eth0;\n' }, expect: { accepted: none, warns: ['dhclient.leases line 1: warning: lease block is not closed with "}"; skipped'] } },
  { name: 'dhclient: fixed-address not an address', input: { client: 'dhclient', text: dhclientText('  option routers 10.0.0.1;\n').replace('10.0.0.5', '10.0.0.500') }, expect: { accepted: none, warns: ['dhclient.leases line 1: warning: lease skipped: line 3: fixed-address "10.0.0.500" is not an IPv4 address'] } },
  { name: 'dhclient: routers with junk between addresses', input: dhclient('  option routers 10.0.0.1, evil, 10.0.0.999, 10.0.0.2;\n'), expect: { accepted: one((l) => assert.deepEqual(l.routers, ['10.0.0.1', '10.0.0.2'])) } },
  { name: 'dhclient: DNS servers with $(…)', input: dhclient('  option domain-name-servers $(reboot), 10.0.0.53;\n'), expect: { accepted: one((l) => assert.deepEqual(l.dns, ['10.0.0.53'])) } },
  { name: 'dhclient: domain-search with an escaped newline', input: dhclient('  option domain-search "good.example.", "evil.example\\012nameserver 6.6.6.6";\n'), expect: { accepted: one(addressesOnly) } },
  { name: 'dhclient: domain-name with shell metacharacters', input: dhclient('  option domain-name "x.example; reboot";\n'), expect: { accepted: one(addressesOnly) } },
  { name: 'dhclient: domain-name with a NUL escape', input: dhclient('  option domain-name "x\\000.example";\n'), expect: { accepted: one(addressesOnly) } },
  { name: 'dhclient: interface name with "/"', input: { client: 'dhclient', text: 'lease {\n  interface "../../etc";\n  fixed-address 10.0.0.5;\n}\n' }, expect: { accepted: none, warns: ['dhclient.leases line 1: warning: lease skipped: line 2: interface "../../etc" is not an interface name'] } },
  { name: 'dhclient: lease time of 40 digits', input: dhclient(`  option dhcp-lease-time ${'9'.repeat(40)};\n`), expect: { accepted: one((l) => assert.equal(l.leaseTime, undefined)) } },
  { name: 'dhclient: subnet-mask not contiguous', input: { client: 'dhclient', text: dhclientText('  option routers 10.0.0.1;\n').replace('255.255.255.0', '255.0.255.0') }, expect: { accepted: none, warns: ['dhclient.leases line 1: warning: lease skipped: line 4: subnet-mask "255.0.255.0" is not a netmask'] } },
  { name: 'dhclient: classless routes with a width of 33', input: dhclient('  option rfc3442-classless-static-routes 33,10,0,0,0,0,10,0,0,1;\n'), expect: { accepted: one((l) => assert.deepEqual(l.staticRoutes, [])), warns: ['dhclient.leases line 1: warning: classless static routes: route 1: prefix width 33 is over 32; the routes before it are kept'] } },
  { name: 'dhclient: 10000 nested braces', input: { client: 'dhclient', text: `${'lease {\n'.repeat(10000)}${'}\n'.repeat(10000)}` }, expect: { accepted: (ls) => assert.ok(ls.every((l) => l.address === undefined)), warns: ['dhclient.leases line 1: warning: lease block is not closed with "}"; skipped'] } },
  { name: 'dhclient: 2000 leases for one interface, the last one wins', input: { client: 'dhclient', text: Array.from({ length: 2000 }, (_, i) => `lease {\n  interface "eth0";\n  fixed-address 10.0.${i >> 8}.${i & 255};\n}\n`).join('') }, expect: { accepted: (ls) => assert.equal(ls.at(-1)?.address, '10.0.7.207') } },

  // --- dhcpcd dump
  { name: 'dhcpcd: no "=" on a line', input: dhcpcd('routers 10.0.0.1\n'), expect: { accepted: one((l) => assert.deepEqual(l.routers, [])), warns: ['dhcpcd --dumplease line 3: warning: not KEY=VALUE: "routers 10.0.0.1"; ignored'] } },
  { name: 'dhcpcd: ip_address with shell text', input: { client: 'dhcpcd', text: "ip_address='10.0.0.5;reboot'\n" }, expect: { accepted: one((l) => assert.equal(l.address, undefined)) } },
  { name: 'dhcpcd: domain_search with a newline escape', input: dhcpcd("domain_search='ok.example\nnameserver 6.6.6.6'\n"), expect: { accepted: one(addressesOnly) } },
  { name: 'dhcpcd: domain_name with backticks', input: dhcpcd('domain_name=`id`.example\n'), expect: { accepted: one(addressesOnly) } },
  { name: 'dhcpcd: classless routes cut short', input: dhcpcd('classless_static_routes=10.1.0.0/16 10.0.0.1 10.2.0.0/16\n'), expect: { accepted: one((l) => assert.equal(l.staticRoutes.length, 1)), warns: ['dhcpcd --dumplease line 3: warning: classless_static_routes: route to 10.2.0.0/16 has no IPv4 gateway; the routes before it are kept'] } },
  { name: 'dhcpcd: unterminated quote', input: dhcpcd("domain_name='x.example\n"), expect: { accepted: one(addressesOnly) } },

  // --- dhcpcd binary lease
  { name: 'dhcpcd binary: 10 bytes', input: { client: 'dhcpcd-binary', bytes: Buffer.alloc(10, 0xff) }, expect: { accepted: none, warns: ['dhcpcd lease: warning: 10 bytes is too short for a DHCP message'] } },
  { name: 'dhcpcd binary: no magic cookie', input: { client: 'dhcpcd-binary', bytes: Buffer.alloc(300) }, expect: { accepted: none, warns: ['dhcpcd lease: warning: no DHCP magic cookie: not a DHCPv4 lease'] } },
  { name: 'dhcpcd binary: option length past the end', input: { client: 'dhcpcd-binary', bytes: dhcpMessage([1, 4, 255, 255, 255, 0, 3, 200, 10, 0]) }, expect: { accepted: none, warns: ['dhcpcd lease: warning: option 3 at byte 246 runs past the end'] } },
  { name: 'dhcpcd binary: domain name option with NUL and newline', input: { client: 'dhcpcd-binary', bytes: dhcpMessage([1, 4, 255, 255, 255, 0, 15, 6, 0x61, 0, 0x0a, 0x24, 0x28, 0x29, 255]) }, expect: { accepted: one(addressesOnly) } },
  { name: 'dhcpcd binary: option overload loop (pad forever)', input: { client: 'dhcpcd-binary', bytes: dhcpMessage(Array(5000).fill(0)) }, expect: { accepted: one((l) => assert.equal(l.address, '10.0.0.5')) } },

  // --- networkd
  { name: 'networkd: DNS with a newline-joined second line', input: networkd('DNS=10.0.0.53 evil\nROUTER=10.0.0.1\n'), expect: { accepted: one((l) => { assert.deepEqual(l.dns, ['10.0.0.53']); assert.deepEqual(l.routers, ['10.0.0.1']); }) } },
  { name: 'networkd: DOMAIN_SEARCH_LIST with shell text', input: networkd('DOMAIN_SEARCH_LIST=ok.example $(reboot) a|b\n'), expect: { accepted: one(addressesOnly) } },
  { name: 'networkd: DOMAINNAME with a semicolon', input: networkd('DOMAINNAME=x.example;reboot\n'), expect: { accepted: one(addressesOnly) } },
  { name: 'networkd: ADDRESS not an address', input: { client: 'networkd', text: 'ADDRESS=10.0.0.256\n' }, expect: { accepted: (ls) => assert.equal(ls[0]?.address, undefined) } },
  { name: 'networkd: CLASSLESS_ROUTES with a bad prefix', input: networkd('CLASSLESS_ROUTES=10.1.0.0/40,10.0.0.1\n'), expect: { accepted: one((l) => assert.deepEqual(l.staticRoutes, [])), warns: ['networkd lease line 3: warning: CLASSLESS_ROUTES: "10.1.0.0/40" is not an IPv4 destination/width; the routes before it are kept'] } },

  // --- nmcli
  { name: 'nmcli: option without " = "', input: nmcli('DHCP4.OPTION[3]:routers10.0.0.1\n'), expect: { accepted: one((l) => assert.deepEqual(l.routers, [])) } },
  { name: 'nmcli: domain_search with shell text', input: nmcli('DHCP4.OPTION[3]:domain_search = ok.example `id`\n'), expect: { accepted: one(addressesOnly) } },
  { name: 'nmcli: garbage only', input: { client: 'nmcli', text: 'Error: Device eth0 not found.\n' }, expect: { accepted: none } },
];

export const dhcpLeases: Area<Input, Lease[]> = {
  area: 'dhcp-leases',
  rows,
  run(input) {
    const r =
      input.client === 'dhclient' ? parseDhclientLeases(input.text)
      : input.client === 'dhcpcd' ? parseDhcpcdDump(input.text, { iface: 'eth0', source: 'dhcpcd --dumplease' })
      : input.client === 'dhcpcd-binary' ? parseDhcpMessage(input.bytes, { iface: 'eth0', source: 'dhcpcd lease' })
      : input.client === 'networkd' ? parseNetworkdLease(input.text, { iface: 'eth0' })
      : parseNmcliDhcp4(input.text, { iface: 'eth0', source: 'nmcli' });
    return { ...lines(r.diagnostics), value: r.leases };
  },
};
