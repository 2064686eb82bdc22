/**
 * The network config used when no source provides one: DHCP on the NICs that
 * have a link, as a network config v2 document (which the v2 parser reads and
 * every renderer writes).
 *
 * Pure: the interfaces come from net/sysfs.ts (or a test).
 *
 * Where this differs from cloud-init (docs/differences.md, "Fallback network
 * config"): every NIC with carrier is configured, not only one, so an instance
 * whose metadata lacks network config still reaches every network it is
 * plugged into; the one with the lowest ifindex (the first the kernel found)
 * gets the lowest route metric, so the default route stays predictable.
 * Duplicate MACs leave out the later NIC with a reason instead of failing.
 * NICs attached while the instance runs (hotplug) come after the others, so
 * a new NIC never takes the default route from one that has it.
 */
import { ARPHRD_INFINIBAND, type NetInterface } from '../sysfs.ts';

export interface FallbackOptions {
  /** The kernel command line; `net.ifnames=0` means names are final without waiting for udev. */
  cmdline?: string;
  /**
   * Also consider software interfaces with the names of host-side plumbing
   * (veth*, tap*, docker0 …). Software interfaces with other names are
   * always considered: a container's eth0 is the far end of a veth pair.
   */
  allowVirtual?: boolean;
  /**
   * MACs of NICs just attached (hotplug): configured as if they had carrier,
   * after the NICs that have it. A new NIC's link is down until the network
   * service brings it up for its config, so it has no carrier to show yet.
   */
  attached?: readonly string[];
}

export interface DhcpRouteMetric {
  'route-metric': number;
}

/** One v2 `ethernets` entry as the fallback writes it. */
export interface FallbackEthernet {
  dhcp4: true;
  dhcp6: true;
  'dhcp4-overrides'?: DhcpRouteMetric;
  'dhcp6-overrides'?: DhcpRouteMetric;
  match: { macaddress: string };
  'set-name': string;
}

export interface FallbackNetworkConfig {
  version: 2;
  /** In preference order (lowest route metric first). */
  ethernets: Record<string, FallbackEthernet>;
}

export interface FallbackResult {
  config: FallbackNetworkConfig | null;
  /** Configured interface names, in preference order. */
  chosen: string[];
  /** One line per decision: what was left out and why, what was chosen and with which metric. */
  reasons: string[];
}

/** Route metric of the preferred NIC; the next ones get 200, 300, … */
const BASE_METRIC = 100;
/** cloud-init's "possibly connected": the link may come up once DHCP or the peer starts. */
const MAYBE_CONNECTED_STATES = new Set(['dormant', 'down', 'lowerlayerdown', 'unknown']);
const PREFERRED_NAME = 'eth0';

/**
 * DHCP (v4 and v6) on every candidate NIC with carrier, ordered by ifindex,
 * route metrics 100, 200, …; when none has carrier, on the single NIC most
 * likely to get one (cloud-init's rule); null when nothing qualifies.
 */
export function fallbackNetworkConfig(nics: readonly NetInterface[], opts: FallbackOptions = {}): FallbackResult {
  const reasons: string[] = [];
  if (hasIfnamesOff(opts.cmdline)) reasons.push('net.ifnames=0 on the kernel command line: interface names are the kernel\'s');
  const candidates = pickCandidates([...nics].sort(byIfindex), opts.allowVirtual === true, reasons);

  const attached = new Set((opts.attached ?? []).map((m) => m.toLowerCase()));
  const isAttached = (n: NetInterface) => attached.has((n.mac ?? '').toLowerCase());
  const connected = [...candidates.filter((n) => n.carrier === 1 && !isAttached(n)), ...candidates.filter(isAttached)];
  if (connected.length > 0) {
    const ethernets: Record<string, FallbackEthernet> = {};
    if (connected.length === 1) {
      // One NIC: exactly cloud-init's fallback, no metric to rank it by.
      const nic = connected[0] as NetInterface;
      ethernets[nic.name] = dhcpEntry(nic);
      reasons.push(`${nic.name}: ${isAttached(nic) ? 'just attached' : 'has carrier'}: DHCP`);
    } else {
      connected.forEach((nic, rank) => {
        const metric = BASE_METRIC * (rank + 1);
        ethernets[nic.name] = {
          ...dhcpEntry(nic),
          'dhcp4-overrides': { 'route-metric': metric },
          'dhcp6-overrides': { 'route-metric': metric },
        };
        const why = isAttached(nic) ? 'just attached' : 'has carrier';
        reasons.push(`${nic.name}: ${why}: DHCP with route metric ${metric}${rank === 0 ? ' (preferred for the default route: lowest ifindex)' : ''}`);
      });
    }
    return { config: { version: 2, ethernets }, chosen: connected.map((n) => n.name), reasons };
  }

  // Nothing has a link yet: configure the one NIC most likely to get one, as cloud-init does.
  const maybe = candidates.filter((n) => n.dormant === 1 || (n.operstate !== null && MAYBE_CONNECTED_STATES.has(n.operstate)));
  maybe.sort((a, b) => Number(b.name === PREFERRED_NAME) - Number(a.name === PREFERRED_NAME) || naturalCompare(a.name, b.name));
  const first = maybe[0];
  if (first) {
    reasons.push(`${first.name}: no interface has carrier; ${first.name} may get one (operstate ${first.operstate ?? 'unknown'}${first.dormant === 1 ? ', dormant' : ''}): DHCP on it alone`);
    return { config: { version: 2, ethernets: { [first.name]: dhcpEntry(first) } }, chosen: [first.name], reasons };
  }
  reasons.push(
    candidates.length === 0
      ? 'no interface qualifies for the fallback network config'
      : `no interface has carrier or may get one (${candidates.map((n) => `${n.name}: operstate ${n.operstate ?? 'unreadable'}`).join(', ')})`,
  );
  return { config: null, chosen: [], reasons };
}

/**
 * Interfaces whose names udev may still change (not set or renamed by user
 * space), unless `net.ifnames=0` keeps the kernel's names. A caller that
 * finds some should wait for udev to settle before reading interfaces for
 * the fallback, or the config may name an interface that is about to be renamed.
 */
export function unsettledNames(nics: readonly NetInterface[], cmdline?: string): string[] {
  if (hasIfnamesOff(cmdline)) return [];
  return nics.filter((n) => n.kind !== 'loopback' && n.nameAssignType !== 3 && n.nameAssignType !== 4).map((n) => n.name);
}

function pickCandidates(sorted: readonly NetInterface[], allowVirtual: boolean, reasons: string[]): NetInterface[] {
  const out: NetInterface[] = [];
  const macOwner = new Map<string, string>();
  for (const nic of sorted) {
    const why = exclusion(nic, allowVirtual);
    if (why !== null) {
      if (nic.kind !== 'loopback') reasons.push(`${nic.name}: left out: ${why}`);
      continue;
    }
    const mac = (nic.mac ?? '').toLowerCase();
    const owner = macOwner.get(mac);
    if (owner !== undefined) {
      reasons.push(`${nic.name}: left out: same MAC ${mac} as ${owner}, which comes first by ifindex`);
      continue;
    }
    macOwner.set(mac, nic.name);
    out.push(nic);
  }
  return out;
}

function exclusion(nic: NetInterface, allowVirtual: boolean): string | null {
  if (nic.kind !== 'plain') return nic.kind === 'loopback' ? 'loopback' : `a ${nic.kind}`;
  if (nic.master !== null) return `a member of ${nic.master}`;
  if (nic.type === ARPHRD_INFINIBAND) return 'InfiniBand is not configured by the fallback';
  if (nic.mac === null) return 'no MAC address';
  if (/^(00:)*00$/.test(nic.mac)) return 'all-zero MAC address';
  if (!nic.hasDevice && !allowVirtual && PLUMBING.test(nic.name)) return 'host-side software interface (no device link, named like veth, tap or a container bridge)';
  return null;
}

/** Names of software interfaces that connect other machines to this one, never its own uplink (cloud-init skips veth* only). */
const PLUMBING = /^(veth|tap|tun|vnet|ifb|virbr|docker|br-|cni|flannel|cali|lxcbr|lxdbr|vxlan|wg|dummy)/;

function dhcpEntry(nic: NetInterface): FallbackEthernet {
  return { dhcp4: true, dhcp6: true, match: { macaddress: (nic.mac ?? '').toLowerCase() }, 'set-name': nic.name };
}

function hasIfnamesOff(cmdline: string | undefined): boolean {
  return cmdline !== undefined && cmdline.split(/\s+/).includes('net.ifnames=0');
}

function byIfindex(a: NetInterface, b: NetInterface): number {
  const ia = a.ifindex ?? Number.MAX_SAFE_INTEGER;
  const ib = b.ifindex ?? Number.MAX_SAFE_INTEGER;
  return ia - ib || naturalCompare(a.name, b.name);
}

/** eth2 before eth10: digit runs compare as numbers. */
function naturalCompare(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) return Number(x) - Number(y) || x.length - y.length;
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}
