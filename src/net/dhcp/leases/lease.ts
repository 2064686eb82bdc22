/**
 * One DHCPv4 lease, whichever client obtained it. Every reader fills this
 * shape, so the code that needs a lease (CloudStack's virtual-router
 * discovery, a domain for the FQDN, ephemeral networking) never looks at a
 * client's file format.
 */
import type { Diagnostic } from '../../../text/diagnostics.ts';
import { ipv4MaskToPrefix, isIPv4, prefixToIPv4Mask } from '../../ip.ts';

export type LeaseSource = 'dhclient' | 'dhcpcd' | 'networkd' | 'networkmanager';

/** A classless static route (RFC 3442, option 121, or Microsoft's option 249). */
export interface StaticRoute {
  /** "192.168.50.0/24"; "0.0.0.0/0" is a default route. */
  destination: string;
  gateway: string;
}

export interface Lease {
  source: LeaseSource;
  /** The file (target path) or command the lease came from. */
  sourcePath?: string;
  interface?: string;
  address?: string;
  prefix?: number;
  netmask?: string;
  routers: string[];
  /** Option 121, else option 249; when present, RFC 3442 says the routers are to be ignored. */
  staticRoutes: StaticRoute[];
  serverIdentifier?: string;
  dns: string[];
  domain?: string;
  /** Option 119, without the trailing root dot dhclient writes. */
  domainSearch: string[];
  /** Seconds (option 51). */
  leaseTime?: number;
  /** Seconds after the lease was obtained (T1, T2), when the client records them. */
  renewAfter?: number;
  rebindAfter?: number;
  /** Absolute times (Unix seconds), when the client records them. */
  renewAt?: number;
  rebindAt?: number;
  expireAt?: number;
  /**
   * Every option as the client named and wrote it (quotes removed), for the
   * few callers that need one this shape does not model (e.g. Azure's
   * option 245).
   */
  options: Record<string, string>;
}

export interface LeaseParse {
  leases: Lease[];
  diagnostics: Diagnostic[];
}

export function emptyLease(source: LeaseSource, sourcePath?: string): Lease {
  return {
    source,
    ...(sourcePath !== undefined ? { sourcePath } : {}),
    routers: [],
    staticRoutes: [],
    dns: [],
    domainSearch: [],
    options: {},
  };
}

/** IPv4 addresses in a list written with commas and/or spaces; anything else is dropped. */
export function ipv4List(text: string): string[] {
  return text.split(/[\s,]+/).filter((w) => w !== '' && isIPv4(w));
}

/** A non-negative whole number of seconds, or undefined. */
export function seconds(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  const n = Number(text.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Set netmask and prefix together from whichever the client gave. */
export function setMask(lease: Lease, mask: string | undefined, prefix?: number): void {
  if (mask !== undefined && isIPv4(mask)) {
    const p = ipv4MaskToPrefix(mask);
    if (p !== undefined) {
      lease.netmask = mask;
      lease.prefix = p;
    }
  } else if (prefix !== undefined && Number.isInteger(prefix) && prefix >= 0 && prefix <= 32) {
    lease.prefix = prefix;
    lease.netmask = prefixToIPv4Mask(prefix);
  }
}

export interface RouteParse {
  routes: StaticRoute[];
  /** Why parsing stopped early; the routes before that point are kept. */
  error?: string;
}

/**
 * RFC 3442 option data as bytes: for each route, the prefix width, the
 * significant octets of the destination (width/8 rounded up), then the
 * four octets of the gateway.
 */
export function routesFromBytes(bytes: readonly number[]): RouteParse {
  const routes: StaticRoute[] = [];
  let i = 0;
  while (i < bytes.length) {
    const width = bytes[i] ?? -1;
    if (width < 0 || width > 32) return { routes, error: `route ${routes.length + 1}: prefix width ${width} is over 32` };
    const significant = Math.ceil(width / 8);
    if (i + 1 + significant + 4 > bytes.length) return { routes, error: `route ${routes.length + 1}: ${bytes.length - i} bytes left, ${1 + significant + 4} needed` };
    const dest = [0, 0, 0, 0];
    for (let k = 0; k < significant; k++) dest[k] = bytes[i + 1 + k] ?? 0;
    const gw = bytes.slice(i + 1 + significant, i + 5 + significant);
    routes.push({ destination: `${dest.join('.')}/${width}`, gateway: gw.join('.') });
    i += 5 + significant;
  }
  return { routes };
}

/**
 * RFC 3442 data written as text: decimal bytes separated by commas, spaces
 * or dots (dhclient's `rfc3442-classless-static-routes`, NetworkManager's
 * dhclient backend), or colon-separated hex (dhclient's `unknown-121`).
 */
export function routesFromByteText(text: string): RouteParse {
  const t = text.trim();
  if (t === '') return { routes: [] };
  const hex = t.includes(':');
  const words = t.split(hex ? ':' : /[\s,.]+/);
  const bytes: number[] = [];
  for (const w of words) {
    const ok = hex ? /^[0-9a-fA-F]{1,2}$/.test(w) : /^\d{1,3}$/.test(w);
    const n = ok ? parseInt(w, hex ? 16 : 10) : NaN;
    if (!(n >= 0 && n <= 255)) return { routes: [], error: `${JSON.stringify(w)} is not a byte` };
    bytes.push(n);
  }
  return routesFromBytes(bytes);
}

/**
 * Routes written as "destination/width gateway" pairs, separated by spaces
 * or commas: dhcpcd's and NetworkManager's internal client's
 * "192.168.50.0/24 10.0.0.254 0.0.0.0/0 10.0.0.1" and networkd's
 * "192.168.50.0/24,10.0.0.254 0.0.0.0/0,10.0.0.1".
 */
export function routesFromPairs(text: string): RouteParse {
  const words = text.split(/[\s,]+/).filter((w) => w !== '');
  const routes: StaticRoute[] = [];
  for (let i = 0; i < words.length; i += 2) {
    const dest = words[i] ?? '';
    const gw = words[i + 1];
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(dest);
    if (!m || !isIPv4(m[1] ?? '') || Number(m[2]) > 32) return { routes, error: `${JSON.stringify(dest)} is not an IPv4 destination/width` };
    if (gw === undefined || !isIPv4(gw)) return { routes, error: `route to ${dest} has no IPv4 gateway` };
    routes.push({ destination: `${m[1]}/${Number(m[2])}`, gateway: gw });
  }
  return { routes };
}

/** Either text form: pairs when a destination has a "/width", bytes otherwise. */
export function routesFromText(text: string): RouteParse {
  return text.includes('/') ? routesFromPairs(text) : routesFromByteText(text);
}

/** A search list, without empty names and trailing root dots. */
export function searchList(words: readonly string[]): string[] {
  return words.map((w) => w.replace(/\.$/, '')).filter((w) => w !== '');
}

/**
 * Of several leases, the last one seen for each interface (files list
 * leases oldest first), in the order of their last appearance.
 */
export function latestPerInterface(leases: readonly Lease[]): Lease[] {
  const byIf = new Map<string, Lease>();
  for (const l of leases) {
    const key = l.interface ?? '';
    byIf.delete(key);
    byIf.set(key, l);
  }
  return [...byIf.values()];
}

const CONTROL = /[\0-\x1f\x7f]/;

/** Drop fields a reader set to undefined (a value it could not read), so a lease holds only what is known. */
export function tidy(lease: Lease): Lease {
  // A domain may reach resolv.conf, /etc/hosts or a DNS query: a NUL or a line break from a
  // hostile server (or a corrupt file) would add lines there, so such names are not kept.
  if (lease.domain !== undefined && CONTROL.test(lease.domain)) delete lease.domain;
  lease.domainSearch = lease.domainSearch.filter((d) => !CONTROL.test(d));
  for (const k of Object.keys(lease) as (keyof Lease)[]) if (lease[k] === undefined) delete lease[k];
  return lease;
}

/** DHCP options by the names dhcpcd and NetworkManager both use (dhclient's names without `new_`), with the line each came from. */
export type NamedOptions = Map<string, { value: string; line: number }>;

/**
 * The lease fields both dhcpcd's dump and NetworkManager's option list give
 * under the same names. `routeKeys` are tried in order; the first present
 * gives the classless routes (a bad one is a warning, the routes before it
 * are kept).
 */
export function fillFromNamedOptions(lease: Lease, values: NamedOptions, routeKeys: readonly string[], source: string, diagnostics: Diagnostic[], prefix?: number): void {
  const get = (k: string) => values.get(k)?.value;
  const address = get('ip_address');
  if (address !== undefined && isIPv4(address)) lease.address = address;
  setMask(lease, get('subnet_mask'), prefix);
  lease.routers = ipv4List(get('routers') ?? '');
  lease.dns = ipv4List(get('domain_name_servers') ?? '');
  const server = get('dhcp_server_identifier');
  if (server !== undefined && isIPv4(server)) lease.serverIdentifier = server;
  const domain = get('domain_name');
  if (domain) lease.domain = domain;
  lease.domainSearch = searchList((get('domain_search') ?? '').split(/\s+/));
  lease.leaseTime = seconds(get('dhcp_lease_time'));
  lease.renewAfter = seconds(get('dhcp_renewal_time'));
  lease.rebindAfter = seconds(get('dhcp_rebinding_time'));
  for (const key of routeKeys) {
    const text = get(key);
    if (text === undefined) continue;
    const r = routesFromText(text);
    lease.staticRoutes = r.routes;
    if (r.error !== undefined) {
      diagnostics.push({ severity: 'warning', source, path: [key], line: values.get(key)?.line ?? 0, message: `${r.error}; the routes before it are kept` });
    }
    break;
  }
}

/**
 * A lease file's interface name as the kernel would take it: the name is used with `ip` and under
 * /sys/class/net, so never a path, a line break or another control character, and at most 15 bytes.
 */
export function isInterfaceName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && Buffer.byteLength(name) <= 15 && !/[\s/:\0-\x1f\x7f]/.test(name);
}
