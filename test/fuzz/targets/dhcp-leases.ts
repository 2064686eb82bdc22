/**
 * DHCP lease readers: dhclient lease files, `dhcpcd --dumplease` text and
 * dhcpcd's binary lease (a DHCP message), networkd lease files and nmcli
 * output. They never throw; problems are located warnings. What they hand
 * on must be safe to use: addresses are IPv4 addresses, prefixes 0..32,
 * and no domain or search entry carries a control character (it would
 * reach resolv.conf or a hostname).
 */
import { join } from 'node:path';
import { parseDhclientLeases, parseDhcpcdDump, parseDhcpMessage, parseNetworkdLease, parseNmcliDhcp4, type Lease, type LeaseParse } from '../../../src/net/dhcp/leases/index.ts';
import { isIPv4 } from '../../../src/net/ip.ts';
import { mutateDhcpMessage } from '../mutate-binary.ts';
import { ACCEPTED, crash, describeError, diagnosticsProblem, REJECTED, type Verdict } from '../oracle.ts';
import { filesUnder, OWN_SEEDS, readAll, REPO_DIR } from '../seeds.ts';
import { textGenerator, type FuzzTarget } from '../target.ts';

const REAL = join(REPO_DIR, 'test/net/dhcp/fixtures/real');
const CONTROL = /[\u0000-\u001f\u007f]/;

function leaseProblem(l: Lease): string | undefined {
  const ips: [string, string | undefined][] = [
    ['address', l.address],
    ['netmask', l.netmask],
    ['serverIdentifier', l.serverIdentifier],
    ...l.routers.map((r): [string, string] => ['routers', r]),
    ...l.dns.map((r): [string, string] => ['dns', r]),
    ...l.staticRoutes.map((r): [string, string] => ['staticRoutes.gateway', r.gateway]),
  ];
  for (const [k, v] of ips) if (v !== undefined && !isIPv4(v)) return `lease ${k} is not an IPv4 address: ${JSON.stringify(v)}`;
  for (const r of l.staticRoutes) {
    const [net, len, ...rest] = r.destination.split('/');
    if (rest.length || !net || !isIPv4(net) || !/^\d+$/.test(len ?? '') || Number(len) > 32) return `lease static route destination is not a prefix: ${JSON.stringify(r.destination)}`;
  }
  if (l.prefix !== undefined && !(Number.isInteger(l.prefix) && l.prefix >= 0 && l.prefix <= 32)) return `lease prefix out of range: ${l.prefix}`;
  for (const [k, v] of [['domain', l.domain], ['interface', l.interface], ...l.domainSearch.map((d) => ['domainSearch', d])] as const) {
    if (v !== undefined && CONTROL.test(v)) return `lease ${k} carries a control character: ${JSON.stringify(v)}`;
  }
  for (const k of ['leaseTime', 'renewAfter', 'rebindAfter', 'renewAt', 'rebindAt', 'expireAt'] as const) {
    const v = l[k];
    if (v !== undefined && !Number.isFinite(v)) return `lease ${k} is not a finite number: ${v}`;
  }
  return undefined;
}

function judge(parse: () => LeaseParse, source: string): Verdict {
  let r: LeaseParse;
  try {
    r = parse();
  } catch (e) {
    return crash(describeError(e));
  }
  const p = diagnosticsProblem(r.diagnostics, source);
  if (p) return crash(p);
  for (const l of r.leases) {
    const lp = leaseProblem(l);
    if (lp) return crash(lp);
  }
  return r.leases.length > 0 ? ACCEPTED : REJECTED;
}

export const dhclientLease: FuzzTarget = {
  name: 'dhclient-lease',
  description: 'dhclient lease files: parseDhclientLeases',
  code: ['src/net/dhcp/leases/'],
  seeds: () => readAll([...filesUnder(REAL, /dhclient.*\.leases?$/), ...filesUnder(OWN_SEEDS, /dhclient.*\.leases?$/)]),
  generator: (seeds) => textGenerator(seeds),
  run: (input) => judge(() => parseDhclientLeases(input.toString('utf8'), 'dhclient.leases'), 'dhclient.leases'),
};

export const dhcpcdDump: FuzzTarget = {
  name: 'dhcpcd-dump',
  description: '`dhcpcd --dumplease` output: parseDhcpcdDump',
  code: ['src/net/dhcp/leases/'],
  seeds: () => readAll([...filesUnder(REAL, /dhcpcd-dumplease.*\.txt$/), ...filesUnder(OWN_SEEDS, /dhcpcd-dump.*\.txt$/)]),
  generator: (seeds) => textGenerator(seeds),
  run: (input) => judge(() => parseDhcpcdDump(input.toString('utf8'), { iface: 'eth0', source: 'dhcpcd --dumplease' }), 'dhcpcd --dumplease'),
};

export const dhcpMessage: FuzzTarget = {
  name: 'dhcp-message',
  description: "dhcpcd's binary lease file (a DHCP message): parseDhcpMessage",
  code: ['src/net/dhcp/leases/'],
  seeds: () => readAll([...filesUnder(REAL, /dhcpcd\/.*\.lease$/), ...filesUnder(OWN_SEEDS, /\.dhcp$/)]),
  generator: () => mutateDhcpMessage,
  run: (input) => judge(() => parseDhcpMessage(input, { iface: 'eth0', source: 'eth0.lease' }), 'eth0.lease'),
};

export const networkdLease: FuzzTarget = {
  name: 'networkd-lease',
  description: 'systemd-networkd lease files: parseNetworkdLease',
  code: ['src/net/dhcp/leases/'],
  seeds: () => readAll([...filesUnder(join(REAL, 'run/systemd/netif/leases'), /./), ...filesUnder(OWN_SEEDS, /networkd-lease/)]),
  generator: (seeds) => textGenerator(seeds),
  run: (input) => judge(() => parseNetworkdLease(input.toString('utf8'), { source: 'networkd lease', iface: 'eth0' }), 'networkd lease'),
};

export const nmcliDhcp4: FuzzTarget = {
  name: 'nmcli-dhcp4',
  description: '`nmcli -f DHCP4 device show` output: parseNmcliDhcp4',
  code: ['src/net/dhcp/leases/'],
  seeds: () => readAll(filesUnder(join(REAL, 'out'), /nmcli-.*\.txt$/)),
  generator: (seeds) => textGenerator(seeds),
  run: (input) => judge(() => parseNmcliDhcp4(input.toString('utf8'), { iface: 'eth0', source: 'nmcli DHCP4' }), 'nmcli DHCP4'),
};
