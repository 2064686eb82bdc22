/**
 * Field readers shared by the v1 and v2 parsers: addresses, routes, DNS,
 * interface names and MACs, each validated with a located message.
 */
import { show, type PathSegment } from '../../text/diagnostics.ts';
import type { Mapping, Reader } from '../../text/reader.ts';
import { ipFamily, isMac, parsePrefix } from '../ip.ts';
import type { Route } from '../state.ts';

/**
 * `table[key]` for a key taken from the input: only the table's own entries,
 * so keys such as "constructor" or "__proto__" do not reach Object.prototype.
 */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Values that count as absent: null, undefined and the empty string (cloud-init prunes them). */
export function present(value: unknown): boolean {
  return value !== null && value !== undefined && value !== '';
}

/** The bonding driver's modes, by name or number (an unknown one makes the bond fail to come up at boot). */
const BOND_MODES = new Set(['balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb', '0', '1', '2', '3', '4', '5', '6']);

/** An error when a bond mode is not one the bonding driver knows; true when it is. */
export function checkBondMode(r: Reader, value: string | number | boolean, path: readonly PathSegment[]): boolean {
  if (BOND_MODES.has(String(value))) return true;
  r.error(path, `${show(value)} is not a bond mode (balance-rr, active-backup, balance-xor, broadcast, 802.3ad, balance-tlb or balance-alb)`);
  return false;
}

/** Kernel rules for a network device name (dev_valid_name) plus the 15-byte limit. */
export function readIfName(r: Reader, value: unknown, path: readonly PathSegment[]): string | undefined {
  const name = r.string(value, path);
  if (name === undefined) return undefined;
  if (name === '' || name === '.' || name === '..') return r.error(path, `${show(name)} is not a valid interface name`);
  if (Buffer.byteLength(name) > 15) return r.error(path, `interface name ${show(name)} is longer than 15 bytes`);
  if (/[\s/:]/.test(name)) return r.error(path, `interface name ${show(name)} must not contain whitespace, "/" or ":"`);
  return name;
}

/** A device id (v2 key, reference to another device): non-empty, no control characters or "/". */
export function readDeviceId(r: Reader, value: unknown, path: readonly PathSegment[]): string | undefined {
  const id = r.string(value, path);
  if (id === undefined) return undefined;
  if (id === '' || /[\s/]/.test(id) || id === '.' || id === '..') {
    return r.error(path, `${show(id)} is not a valid device id (it must not be empty, "." or "..", or contain whitespace or "/")`);
  }
  return id;
}

export function readMac(r: Reader, value: unknown, path: readonly PathSegment[]): string | undefined {
  const mac = r.string(value, path);
  if (mac === undefined) return undefined;
  if (!isMac(mac)) return r.error(path, `${show(mac)} is not a MAC address`);
  return mac.toLowerCase();
}

export function readIP(r: Reader, value: unknown, path: readonly PathSegment[], family?: 4 | 6): string | undefined {
  const ip = r.string(value, path);
  if (ip === undefined) return undefined;
  const f = ipFamily(ip);
  if (f === undefined) return r.error(path, `${show(ip)} is not an IP address`);
  if (family !== undefined && f !== family) {
    const key = path[path.length - 1];
    if (key === 'gateway4' || key === 'gateway6') {
      return r.error(path, `${key} must be an IPv${family} address, not ${show(ip)} (use gateway${f} for an IPv${f} gateway)`);
    }
    return r.error(path, `${show(ip)} is not an IPv${family} address`);
  }
  return ip;
}

/** Smallest MTU Linux accepts on an Ethernet device (ETH_MIN_MTU). */
export const MIN_MTU = 68;

/** An MTU; 0, which some datasources write for "unknown", means the device default. */
export function readMtu(r: Reader, value: unknown, path: readonly PathSegment[]): number | undefined {
  if (value === 0 || value === '0') {
    r.warn(path, 'an mtu of 0 is ignored (the device keeps its default MTU)');
    return undefined;
  }
  return r.int(value, path, MIN_MTU, 65535);
}

export function readNameservers(r: Reader, value: unknown, path: readonly PathSegment[]): string[] {
  const list = r.strings(value, path, true) ?? [];
  const out: string[] = [];
  list.forEach((ip, i) => {
    const at = Array.isArray(value) ? [...path, i] : path;
    if (ipFamily(ip) !== undefined) out.push(ip);
    else if (ip.includes('/') && ipFamily(ip.slice(0, ip.indexOf('/'))) !== undefined) r.error(at, `${show(ip)} is not an IP address (a nameserver has no prefix length)`);
    else r.error(at, `${show(ip)} is not an IP address`);
  });
  return out;
}

const DOMAIN = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/;

export function readSearchDomains(r: Reader, value: unknown, path: readonly PathSegment[]): string[] {
  const list = r.strings(value, path, true) ?? [];
  const out: string[] = [];
  list.forEach((d, i) => {
    const at = Array.isArray(value) ? [...path, i] : path;
    if (DOMAIN.test(d)) out.push(d);
    else if (/\s/.test(d)) r.error(at, `${show(d)} is not a DNS domain name (it contains whitespace; give each domain as its own list item)`);
    else r.error(at, `${show(d)} is not a DNS domain name`);
  });
  return out;
}

export interface AddressParts {
  address: string;
  prefix: number;
  family: 4 | 6;
}

/**
 * An interface address: "addr", "addr/len" or "addr/mask", with an optional
 * separate netmask or prefix. Without any prefix, /24 (IPv4) or /64 (IPv6), as cloud-init.
 */
export function readAddress(
  r: Reader,
  value: unknown,
  path: readonly PathSegment[],
  extra: { netmask?: unknown; prefix?: unknown; netmaskPath?: PathSegment[]; prefixPath?: PathSegment[] } = {},
): AddressParts | undefined {
  const text = r.string(value, path);
  if (text === undefined) return undefined;
  const parsed = parsePrefix(text.trim());
  if (!parsed) {
    const slash = text.indexOf('/');
    const family = slash >= 0 ? ipFamily(text.slice(0, slash).trim()) : undefined;
    if (family === 4) {
      return r.error(path, `${show(text)} has an invalid prefix length (IPv4 allows 0 to 32, or a netmask such as 255.255.255.0)`);
    }
    if (family === 6) return r.error(path, `${show(text)} has an invalid prefix length (IPv6 allows 0 to 128)`);
    return r.error(path, `${show(text)} is not an IP address or prefix`);
  }
  let prefix = parsed.prefix;
  if (prefix === undefined && present(extra.prefix)) {
    const max = parsed.family === 4 ? 32 : 128;
    prefix = r.int(extra.prefix, extra.prefixPath ?? path, 0, max);
    if (prefix === undefined) return undefined;
  }
  if (prefix === undefined && present(extra.netmask)) {
    const mask = r.string(extra.netmask, extra.netmaskPath ?? path);
    if (mask === undefined) return undefined;
    const p = parsePrefix(`${parsed.address}/${mask}`);
    if (!p || p.prefix === undefined) return r.error(extra.netmaskPath ?? path, `${show(mask)} is not a valid netmask for ${show(parsed.address)}`);
    prefix = p.prefix;
  }
  return { address: parsed.address, prefix: prefix ?? (parsed.family === 4 ? 24 : 64), family: parsed.family };
}

/**
 * A route. `raw` uses v1 keys (network|destination, netmask, prefix, gateway,
 * metric, mtu, table) or v2 keys (to, via, metric, mtu, table, on-link, from,
 * scope, type); `dest` and `gw` name the keys in use. "default" as destination
 * means 0.0.0.0/0 or ::/0 by the gateway's family.
 */
export function readRoute(
  r: Reader,
  raw: Mapping,
  path: readonly PathSegment[],
  keys: { dest: readonly string[]; gw: string },
): Route | undefined {
  const destKey = keys.dest.find((k) => present(raw[k]));
  const gwRaw = raw[keys.gw];
  let gateway: string | undefined;
  if (present(gwRaw)) {
    gateway = readIP(r, gwRaw, [...path, keys.gw]);
    if (gateway === undefined) return undefined;
  }
  if (destKey === undefined) {
    const names = keys.dest.map((k) => `"${k}"`).join(' or ');
    return r.error(path, `route has no destination: add ${names} (an address/prefix, or "default")`);
  }
  const destText = r.string(raw[destKey], [...path, destKey]);
  if (destText === undefined) return undefined;
  let network: string;
  let prefix: number;
  let family: 4 | 6;
  if (destText === 'default' || destText === 'default6') {
    family = destText === 'default6' || (gateway !== undefined && ipFamily(gateway) === 6) ? 6 : 4;
    network = family === 4 ? '0.0.0.0' : '::';
    prefix = 0;
  } else {
    const a = readAddress(r, destText, [...path, destKey], {
      netmask: raw['netmask'],
      prefix: raw['prefix'],
      netmaskPath: [...path, 'netmask'],
      prefixPath: [...path, 'prefix'],
    });
    if (!a) return undefined;
    ({ address: network, prefix, family } = a);
  }
  if (gateway !== undefined && ipFamily(gateway) !== family) {
    return r.error(
      [...path, keys.gw],
      `gateway ${show(gateway)} is not in the same IP family as destination ${show(destText)} (IPv${ipFamily(gateway)} gateway, IPv${family} destination)`,
    );
  }
  const route: Route = { network, prefix };
  if (gateway !== undefined) route.gateway = gateway;
  if (present(raw['metric'])) {
    const m = r.int(raw['metric'], [...path, 'metric'], 0, 4294967295);
    if (m !== undefined) route.metric = m;
  }
  if (present(raw['mtu'])) {
    const m = readMtu(r, raw['mtu'], [...path, 'mtu']);
    if (m !== undefined) route.mtu = m;
  }
  if (present(raw['table'])) {
    const t = r.int(raw['table'], [...path, 'table'], 0, 4294967295);
    if (t !== undefined) route.table = t;
  }
  if (present(raw['on-link'])) {
    const b = r.bool(raw['on-link'], [...path, 'on-link']);
    if (b !== undefined) route.onLink = b;
  }
  if (present(raw['from'])) {
    const f = readIP(r, raw['from'], [...path, 'from'], family);
    if (f !== undefined) route.from = f;
  }
  if (present(raw['scope'])) {
    const s = r.string(raw['scope'], [...path, 'scope']);
    if (s === 'global' || s === 'link' || s === 'host') route.scope = s;
    else if (s !== undefined) r.error([...path, 'scope'], `${show(s)} is not a route scope (global, link or host)`);
  }
  if (present(raw['type'])) {
    const t = r.string(raw['type'], [...path, 'type']);
    if (t === 'unicast' || t === 'unreachable' || t === 'blackhole' || t === 'prohibit') route.type = t;
    else if (t !== 'route') r.error([...path, 'type'], `${show(t)} is not a route type`);
  }
  return route;
}
