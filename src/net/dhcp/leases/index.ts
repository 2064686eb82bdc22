/**
 * Every DHCPv4 lease the target's clients left behind, newest first: what
 * CloudStack's virtual-router discovery and the FQDN's domain are looked up
 * in. Files are read through the rooted filesystem (so this works under
 * --root); the clients' commands (dhcpcd --dumplease, nmcli) are asked only
 * when the caller passes command options and names interfaces, and
 * runCommand itself refuses them under another root or when planning.
 */
import type { CommandOptions } from '../../../host/exec.ts';
import type { RootFs } from '../../../host/root-fs.ts';
import { parseDhclientLeases } from './dhclient.ts';
import { dumpDhcpcdLease, readDhcpcdLeaseFiles } from './dhcpcd.ts';
import { latestPerInterface, type Lease, type LeaseParse } from './lease.ts';
import { readNetworkManagerLeases, nmcliDhcp4Lease } from './network-manager.ts';
import { readNetworkdLeases } from './networkd.ts';

export type { Lease, LeaseParse, LeaseSource, StaticRoute } from './lease.ts';
export { latestPerInterface, routesFromByteText, routesFromBytes, routesFromPairs } from './lease.ts';
export { parseDhclientLeases } from './dhclient.ts';
export { dhcpcdLeaseInterface, dumpDhcpcdLease, parseDhcpcdDump, parseDhcpMessage, readDhcpcdLeaseFiles } from './dhcpcd.ts';
export { interfacesByIndex, parseNetworkdLease, readNetworkdLeases } from './networkd.ts';
export { nmcliDhcp4Lease, parseNmcliConnectedDevices, parseNmcliDhcp4, readNetworkManagerLeases } from './network-manager.ts';

/**
 * Where distributions keep dhclient's leases: Debian/Ubuntu
 * /var/lib/dhcp/dhclient[.<if>].leases, RHEL and SUSE /var/lib/dhclient/*.lease(s).
 * NetworkManager's dhclient files are read by readNetworkManagerLeases.
 */
const DHCLIENT_DIRS: readonly { dir: string; name: RegExp }[] = [
  { dir: '/var/lib/dhcp', name: /^dhclient(?:[.-].+)?\.leases?$/ },
  { dir: '/var/lib/dhclient', name: /\.leases?$/ },
];

/** dhclient's own lease files on the target; of each file, the last lease per interface. */
export function readDhclientLeaseFiles(fs: RootFs): LeaseParse {
  const out: LeaseParse = { leases: [], diagnostics: [] };
  for (const { dir, name } of DHCLIENT_DIRS) {
    for (const file of fs.list(dir)) {
      // dhclient6 files hold lease6 blocks only.
      if (!name.test(file) || file.startsWith('dhclient6')) continue;
      const path = `${dir}/${file}`;
      const text = fs.readText(path);
      if (text === null) continue;
      const r = parseDhclientLeases(text, path, path);
      out.leases.push(...latestPerInterface(r.leases));
      out.diagnostics.push(...r.diagnostics);
    }
  }
  return out;
}

export interface ReadAllLeasesOptions {
  /**
   * When a lease file was last written (Unix ms), for the newest-first
   * order. The default asks `fs.stat`; a file with no time (one only a
   * planning overlay holds) falls back to the leases' own expiry times, then
   * to the order the sources are read in.
   */
  modified?: (path: string) => number | undefined;
  /** Ask the running clients about these interfaces too (dhcpcd --dumplease, nmcli). */
  interfaces?: readonly string[];
  /** How to run those commands; without it no command is run. */
  commands?: CommandOptions;
}

function diskModified(fs: RootFs): (path: string) => number | undefined {
  return (path) => fs.stat(path)?.mtimeMs ?? undefined;
}

/**
 * All leases, newest first. A lease a command reported counts as the newest
 * (it is what the client holds now); a lease of the same client and
 * interface read from a file as well is then left out.
 */
export function readAllLeases(fs: RootFs, opts: ReadAllLeasesOptions = {}): LeaseParse {
  const modified = opts.modified ?? diskModified(fs);
  const live: LeaseParse = { leases: [], diagnostics: [] };
  if (opts.commands) {
    for (const iface of opts.interfaces ?? []) {
      for (const r of [dumpDhcpcdLease(iface, opts.commands), nmcliDhcp4Lease(iface, opts.commands)]) {
        live.leases.push(...r.leases);
        live.diagnostics.push(...r.diagnostics);
      }
    }
  }
  const parts = [readNetworkdLeases(fs), readDhclientLeaseFiles(fs), readNetworkManagerLeases(fs), readDhcpcdLeaseFiles(fs)];
  const liveKeys = new Set(live.leases.map((l) => `${l.source}\0${l.interface ?? ''}`));
  const files = parts.flatMap((p) => p.leases).filter((l) => !liveKeys.has(`${l.source}\0${l.interface ?? ''}`));
  const when = (l: Lease): number => {
    const m = l.sourcePath !== undefined ? modified(l.sourcePath) : undefined;
    if (m !== undefined) return m;
    return l.expireAt !== undefined ? l.expireAt * 1000 : -Infinity;
  };
  // Array.prototype.sort is stable: equal times keep the reading order.
  const sorted = files.map((l) => ({ l, t: when(l) })).sort((a, b) => b.t - a.t).map((x) => x.l);
  return {
    leases: [...live.leases, ...sorted],
    diagnostics: [...live.diagnostics, ...parts.flatMap((p) => p.diagnostics)],
  };
}
