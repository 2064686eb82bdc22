/**
 * Where is CloudStack's virtual router (VR)? It serves the metadata (port
 * 80) and the password server (port 8080), and it is the DHCP server of the
 * guest network. Each way of finding it is tried in order, each logged, and
 * the first address that answers the metadata readiness check wins:
 *
 *   1. the server identifier of stratus's own ephemeral lease (local stage);
 *   2. the DNS name `data-server` (the VR's dnsmasq answers it);
 *   3. systemd-networkd's leases (SERVER_ADDRESS);
 *   4. dhclient's and dhcpcd's leases (option 54);
 *   5. NetworkManager's leases and DHCP options;
 *   6. the default gateway (the VR routes the guest network).
 *
 * cloud-init looks up the name and the clients' lease files before any
 * network exists and fails with "No virtual router found!" on images whose
 * DHCP client has not run yet; the ephemeral lease makes step 1 work in the
 * local stage on every image.
 */
import { readAllLeases, type Lease, type LeaseSource } from '../../net/dhcp/leases/index.ts';
import { isIPv4 } from '../../net/ip.ts';
import type { CrawlContext, NetworkAccess } from '../types.ts';

export type VrMethod = 'ephemeral lease' | 'dns data-server' | 'networkd lease' | 'dhclient lease' | 'dhcpcd lease' | 'NetworkManager lease' | 'default gateway';

export interface VrCandidate {
  address: string;
  method: VrMethod;
  /** Where the address came from (a lease file, the DNS server asked), for the log. */
  detail: string;
}

/** The methods in the order they are tried. */
export const VR_METHODS: readonly VrMethod[] = [
  'ephemeral lease',
  'dns data-server',
  'networkd lease',
  'dhclient lease',
  'dhcpcd lease',
  'NetworkManager lease',
  'default gateway',
];

const LEASE_METHOD: Record<LeaseSource, VrMethod> = {
  networkd: 'networkd lease',
  dhclient: 'dhclient lease',
  dhcpcd: 'dhcpcd lease',
  networkmanager: 'NetworkManager lease',
};

/** The name CloudStack's VR answers for itself. */
export const DATA_SERVER = 'data-server';

/** Nameservers of the target's /etc/resolv.conf (for the `data-server` lookup in the network stage). */
export function resolvConfNameservers(text: string | null): string[] {
  if (text === null) return [];
  return text
    .split('\n')
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((a): a is string => a !== undefined && isIPv4(a));
}

/** Server identifiers of the target's leases, newest first, for one lease method. */
export function leaseCandidates(leases: readonly Lease[], method: VrMethod): VrCandidate[] {
  return leases
    .filter((l) => LEASE_METHOD[l.source] === method && l.serverIdentifier !== undefined && isIPv4(l.serverIdentifier))
    .map((l) => ({ address: l.serverIdentifier as string, method, detail: l.sourcePath ?? l.source }));
}

/** The gateway of a lease: its classless default route (RFC 3442 replaces routers), else its first router. */
export function leaseGateway(lease: Pick<Lease, 'routers' | 'staticRoutes'>): string | undefined {
  if (lease.staticRoutes.length > 0) return lease.staticRoutes.find((r) => r.destination === '0.0.0.0/0')?.gateway;
  return lease.routers[0];
}

/**
 * The candidates of one method. DNS is asked of the ephemeral lease's
 * servers in the local stage and of the target's resolv.conf servers in the
 * network stage, for `data-server` and, with a domain, `data-server.<domain>`.
 */
export async function candidatesOf(ctx: CrawlContext, net: NetworkAccess, method: VrMethod, leases: () => readonly Lease[]): Promise<VrCandidate[]> {
  switch (method) {
    case 'ephemeral lease': {
      const id = net.lease?.serverIdentifier;
      return id && isIPv4(id) ? [{ address: id, method, detail: `lease on ${net.iface}` }] : [];
    }
    case 'dns data-server': {
      const servers = net.lease ? net.lease.dns : resolvConfNameservers(ctx.fs.readText('/etc/resolv.conf'));
      if (servers.length === 0) return [];
      const names = [DATA_SERVER, ...(net.lease?.domain ? [`${DATA_SERVER}.${net.lease.domain}`] : [])];
      const out: VrCandidate[] = [];
      for (const name of names) {
        const found = await ctx.resolve4(name, servers);
        for (const a of found) out.push({ address: a, method, detail: `${name} from ${servers.join(', ')}` });
        if (found.length > 0) break;
      }
      return out;
    }
    case 'default gateway': {
      const gw = net.lease ? leaseGateway(net.lease) : ctx.defaultGateway();
      return gw && isIPv4(gw) ? [{ address: gw, method, detail: net.lease ? `lease on ${net.iface}` : 'the default route' }] : [];
    }
    default:
      return leaseCandidates(leases(), method);
  }
}

/**
 * Try each method in order; within one, each new address once. `ready`
 * decides (the metadata readiness check): true, or false or why not (the
 * fault an operator needs to see: refused, no answer, an HTTP status).
 * Returns the first that answers,
 * or null with every attempt in `tried`.
 */
export async function discoverVirtualRouter(
  ctx: CrawlContext,
  net: NetworkAccess,
  ready: (address: string) => Promise<boolean | string>,
  opts: { deadline: number; now: () => number; /** A later round: misses are logged at debug level only. */ quiet?: boolean },
): Promise<{ found: VrCandidate | null; tried: string[] }> {
  const miss = (m: string) => (opts.quiet ? ctx.log.debug(m) : ctx.log.info(m));
  let cached: readonly Lease[] | undefined;
  const leases = () => (cached ??= readAllLeases(ctx.fs).leases);
  const seen = new Set<string>();
  const tried: string[] = [];
  for (const method of VR_METHODS) {
    if (opts.now() >= opts.deadline) {
      tried.push(`${method}: not tried, the time budget is spent`);
      break;
    }
    let candidates: VrCandidate[];
    try {
      candidates = await candidatesOf(ctx, net, method, leases);
    } catch (e) {
      ctx.log.debug(`CloudStack: virtual router by ${method}: ${(e as Error).message}`);
      tried.push(`${method}: ${(e as Error).message}`);
      continue;
    }
    if (candidates.length === 0) {
      ctx.log.debug(`CloudStack: virtual router by ${method}: no address`);
      tried.push(`${method}: no address`);
      continue;
    }
    for (const c of candidates) {
      if (seen.has(c.address)) continue;
      seen.add(c.address);
      const answer = await ready(c.address);
      if (answer === true) {
        ctx.log.info(`CloudStack: virtual router ${c.address} found by ${c.method} (${c.detail})`);
        return { found: c, tried };
      }
      const why = typeof answer === 'string' ? ` (${answer})` : '';
      miss(`CloudStack: virtual router candidate ${c.address} from ${c.method} (${c.detail}) does not answer; trying the next${why}`);
      tried.push(`${method}: ${c.address} does not answer${why}`);
    }
  }
  return { found: null, tried };
}
