/**
 * What applying an ephemeral lease changes, decided from the lease and the
 * interface's current state: each change carries the command that makes it
 * and the one that undoes it, so teardown removes exactly what was added.
 * Pure: the `ip -j` output is parsed here, the commands run elsewhere.
 */
import { inNetwork, prefixToIPv4Mask } from '../ip.ts';
import type { BoundLease } from './client-env.ts';

export interface IpChange {
  what: string;
  add: string[];
  undo: string[];
}

/** The parts of an interface's state the plan depends on. */
export interface LinkState {
  exists: boolean;
  up: boolean;
  /** IPv4 addresses on the interface, as "a.b.c.d/len". */
  addresses: string[];
}

/** `ip -j link show dev X` and `ip -j -4 addr show dev X` output → LinkState. */
export function parseLinkState(linkJson: string, addrJson: string): LinkState {
  const link = parseJsonArray(linkJson)[0];
  if (link === undefined) return { exists: false, up: false, addresses: [] };
  const flags = Array.isArray(link['flags']) ? (link['flags'] as unknown[]) : [];
  const addresses: string[] = [];
  for (const entry of parseJsonArray(addrJson)) {
    const infos = Array.isArray(entry['addr_info']) ? (entry['addr_info'] as Record<string, unknown>[]) : [];
    for (const a of infos) if (a['family'] === 'inet') addresses.push(`${String(a['local'])}/${String(a['prefixlen'])}`);
  }
  return { exists: true, up: flags.includes('UP'), addresses };
}

/** `ip -j -4 route show default` output → whether a default route exists. */
export function hasDefaultRoute(routeJson: string): boolean {
  return parseJsonArray(routeJson).some((r) => r['dst'] === 'default');
}

function parseJsonArray(text: string): Record<string, unknown>[] {
  try {
    const v: unknown = JSON.parse(text.trim() === '' ? '[]' : text);
    return Array.isArray(v) ? (v.filter((x) => typeof x === 'object' && x !== null) as Record<string, unknown>[]) : [];
  } catch {
    return [];
  }
}

function broadcastOf(address: string, prefix: number): string {
  const a = address.split('.').map(Number);
  const m = prefixToIPv4Mask(prefix).split('.').map(Number);
  return a.map((o, i) => (o | (~(m[i] ?? 0) & 255)) >>> 0).join('.');
}

/**
 * The address, then the routes: RFC 3442 says a client that receives
 * classless static routes ignores the router option, so routers are used
 * only when there are none — and then only when no default route exists
 * already (ephemeral networking must not steal an existing default).
 */
export function planLease(lease: BoundLease, state: LinkState, defaultRouteExists: boolean): IpChange[] {
  const dev = lease.interface;
  const cidr = `${lease.address}/${lease.prefix}`;
  const changes: IpChange[] = [];
  if (!state.addresses.includes(cidr)) {
    const broadcast = lease.broadcast ?? broadcastOf(lease.address, lease.prefix);
    changes.push({
      what: `address ${cidr}`,
      add: ['ip', '-4', 'addr', 'add', cidr, 'broadcast', broadcast, 'dev', dev],
      undo: ['ip', '-4', 'addr', 'del', cidr, 'dev', dev],
    });
  }
  // A gateway outside the leased subnet is reachable only when told it is on the link.
  const onLink = (gw: string): string[] => (inNetwork(gw, lease.address, lease.prefix) ? [] : ['onlink']);
  if (lease.staticRoutes.length > 0) {
    for (const r of lease.staticRoutes) {
      const dst = r.destination.endsWith('/0') ? 'default' : r.destination;
      const via = r.gateway === '0.0.0.0' ? [] : ['via', r.gateway, ...onLink(r.gateway)];
      changes.push({
        what: `route ${dst}${r.gateway === '0.0.0.0' ? '' : ` via ${r.gateway}`}`,
        add: ['ip', '-4', 'route', 'add', dst, ...via, 'dev', dev],
        undo: ['ip', '-4', 'route', 'del', dst, ...(r.gateway === '0.0.0.0' ? [] : ['via', r.gateway]), 'dev', dev],
      });
    }
    return changes;
  }
  const router = lease.routers[0];
  if (router !== undefined && !defaultRouteExists) {
    changes.push({
      what: `route default via ${router}`,
      add: ['ip', '-4', 'route', 'add', 'default', 'via', router, ...onLink(router), 'dev', dev],
      undo: ['ip', '-4', 'route', 'del', 'default', 'via', router, 'dev', dev],
    });
  }
  return changes;
}
