// A guest network on a tap inside a private network namespace (netns.ts): the tap carries the server's
// address, a real dnsmasq answers DHCP and DNS on it, and host-side services listen inside the namespace.
// QEMU runs in the same namespace (boot.ts) and attaches a NIC to the tap. Unlike slirp, the guest can reach
// the DHCP server's own address (a CloudStack virtual router). Nothing here touches the host's network.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createNetns, type Netns, type NsProcess } from './netns.ts';
import { tail } from './exec.ts';

/** A host-side service started inside the namespace; ready once `port` is listening there. */
export interface VmService {
  /** names its log files: <name>.out / <name>.err in the network's directory */
  name: string;
  argv: readonly string[];
  /** TCP port it listens on inside the namespace */
  port: number;
  cwd?: string;
}

export interface VmNetworkOptions {
  /** where the logs go (dnsmasq.log, setup.log, <service>.out/.err) */
  dir: string;
  /** IPv4 subnet of the tap, e.g. 10.9.8.0/24 */
  subnet: string;
  /** the tap's (server's) address inside the subnet: DHCP server, router, DNS server, services */
  serverAddress: string;
  dhcpRange: { start: string; end: string };
  /** fixed DHCP addresses by MAC (dnsmasq otherwise picks one from the range by a hash of the MAC) */
  dhcpHosts?: readonly { mac: string; address: string }[];
  /** DNS names dnsmasq answers (name -> IPv4); with `domain` each also answers as name.domain */
  dnsNames?: Readonly<Record<string, string>>;
  /** DHCP option 15 (domain name). dnsmasq has no upstream: names it does not know are NXDOMAIN */
  domain?: string;
  services?: readonly VmService[];
  /** seconds to wait for dnsmasq and for each service (default 20) */
  readySeconds?: number;
}

export interface DhcpAck {
  address: string;
  mac: string;
}

/** What the network saw since a mark(): dnsmasq's DHCPACKs and each service's stdout. */
export interface NetworkFacts {
  dhcpAcks: DhcpAck[];
  serviceOutput: Record<string, string>;
}

/** Byte offsets of the logs, to read what one boot produced. */
export type LogMark = Readonly<Record<string, number>>;

export interface VmNetwork {
  netns: Netns;
  /** the tap QEMU attaches to */
  tap: string;
  options: VmNetworkOptions;
  /** runs argv inside the namespace to completion (output to setup.log) */
  exec(argv: readonly string[]): Promise<void>;
  mark(): LogMark;
  factsSince(mark: LogMark): NetworkFacts;
  /** stops the services and dnsmasq, ends the namespace (and with it the tap) */
  close(): Promise<void>;
}

export const TAP = 'tap0';

function ipv4(a: string): number {
  const p = a.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new Error(`not an IPv4 address: ${a}`);
  return p.reduce((n, x) => n * 256 + x, 0);
}

function dotted(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** Prefix length and netmask of `subnet`; throws unless every address given lies inside it. */
function checkSubnet(subnet: string, addrs: readonly string[]): { prefix: number; netmask: string } {
  const [net, len] = subnet.split('/');
  const prefix = Number(len);
  if (!net || !Number.isInteger(prefix) || prefix < 8 || prefix > 30) throw new Error(`bad subnet ${subnet}`);
  const size = 2 ** (32 - prefix);
  const base = ipv4(net);
  if (base % size !== 0) throw new Error(`${subnet} is not a network address`);
  for (const a of addrs) {
    const n = ipv4(a);
    if (n <= base || n >= base + size - 1) throw new Error(`${a} is not a host address in ${subnet}`);
  }
  return { prefix, netmask: dotted(2 ** 32 - size) };
}

function dnsmasqArgs(o: VmNetworkOptions, netmask: string): string[] {
  const args = [
    'dnsmasq', '--keep-in-foreground', '--no-daemon', '--conf-file=/dev/null', '--no-resolv', '--no-hosts',
    '--bind-interfaces', `--interface=${TAP}`, '--except-interface=lo', '--leasefile-ro', '--no-ping',
    '--dhcp-authoritative', '--log-dhcp', '--log-queries', '--log-facility=-',
    `--dhcp-range=${o.dhcpRange.start},${o.dhcpRange.end},${netmask},1h`,
  ];
  for (const h of o.dhcpHosts ?? []) args.push(`--dhcp-host=${h.mac},${h.address}`);
  for (const [name, addr] of Object.entries(o.dnsNames ?? {})) {
    ipv4(addr);
    args.push(`--host-record=${name}${o.domain ? `,${name}.${o.domain}` : ''},${addr}`);
  }
  if (o.domain) args.push(`--dhcp-option=option:domain-name,${o.domain}`);
  args.push('--local=/#/'); // no upstream: any other name is NXDOMAIN (not REFUSED, which resolvers retry)
  return args;
}

const ACK = /DHCPACK\([^)]*\) (\d+\.\d+\.\d+\.\d+) ([0-9a-f:]{17})/i;

/** Reads `file` from byte `from` (the whole file when it shrank or is new). */
function readFrom(file: string, from: number): string {
  try {
    const buf = readFileSync(file);
    return buf.subarray(buf.length >= from ? from : 0).toString('utf8');
  } catch {
    return '';
  }
}

function size(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

async function waitFor(what: string, p: NsProcess, ready: () => boolean, seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    if (ready()) return;
    const ex = p.exited();
    if (ex) throw new Error(`${what} exited (code ${String(ex.code)}) before it was ready; ${p.stderrLog}:\n${tail(p.stderrLog, 15)}`);
    if (Date.now() > until) throw new Error(`${what} not ready within ${seconds} s; ${p.stderrLog}:\n${tail(p.stderrLog, 15)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Creates the namespace, the tap with the server's address, dnsmasq and the services; all undone on failure. */
export async function startVmNetwork(o: VmNetworkOptions): Promise<VmNetwork> {
  const fixed = (o.dhcpHosts ?? []).map((h) => h.address);
  const { prefix, netmask } = checkSubnet(o.subnet, [o.serverAddress, o.dhcpRange.start, o.dhcpRange.end, ...fixed]);
  if (ipv4(o.dhcpRange.start) > ipv4(o.dhcpRange.end)) throw new Error(`empty DHCP range ${o.dhcpRange.start}-${o.dhcpRange.end}`);
  const setupLog = join(o.dir, 'setup.log');
  const dnsmasqLog = join(o.dir, 'dnsmasq.log');
  const readySeconds = o.readySeconds ?? 20;
  const netns = await createNetns(setupLog);
  try {
    await netns.exec(['ip', 'tuntap', 'add', 'dev', TAP, 'mode', 'tap'], setupLog);
    await netns.exec(['ip', 'addr', 'add', `${o.serverAddress}/${prefix}`, 'dev', TAP], setupLog);
    await netns.exec(['ip', 'link', 'set', TAP, 'up'], setupLog);
    // dnsmasq logs to stderr only (--log-facility=-): no syslog, no lease file, no pid file on the host.
    const dnsmasq = netns.start('dnsmasq', dnsmasqArgs(o, netmask), { stdout: dnsmasqLog, stderr: dnsmasqLog });
    await waitFor('dnsmasq', dnsmasq, () => netns.boundPorts('udp').has(67) && netns.boundPorts('tcp').has(53), readySeconds);
    const logs: Record<string, string> = {};
    for (const s of o.services ?? []) {
      const out = join(o.dir, `${s.name}.out`);
      logs[s.name] = out;
      const p = netns.start(s.name, s.argv, { stdout: out, stderr: join(o.dir, `${s.name}.err`) }, s.cwd);
      // A listening socket in the namespace: from then on the kernel accepts connections to it.
      await waitFor(`service ${s.name}`, p, () => netns.boundPorts('tcp').has(s.port), readySeconds);
    }
    return {
      netns, tap: TAP, options: o,
      exec: (argv) => netns.exec(argv, setupLog),
      mark: () => Object.fromEntries([['dnsmasq', size(dnsmasqLog)], ...Object.entries(logs).map(([n, f]) => [n, size(f)])]),
      factsSince(mark) {
        const dhcpAcks = readFrom(dnsmasqLog, mark['dnsmasq'] ?? 0).split('\n').flatMap((l) => {
          const m = ACK.exec(l);
          return m?.[1] && m[2] ? [{ address: m[1], mac: m[2].toLowerCase() }] : [];
        });
        const serviceOutput = Object.fromEntries(Object.entries(logs).map(([n, f]) => [n, readFrom(f, mark[n] ?? 0)]));
        return { dhcpAcks, serviceOutput };
      },
      close: () => netns.close(),
    };
  } catch (e) {
    await netns.close();
    throw e;
  }
}
