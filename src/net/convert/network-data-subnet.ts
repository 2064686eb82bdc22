/**
 * One network of network_data.json → one v1 subnet, and `services` → DNS.
 * The subnet keeps cloud-init's keys and values (so `net-convert` output can
 * be diffed with cloud-init's), but every value is checked here, against its
 * place in network_data.json, so the v1 parser never has to report a problem
 * against the converted document, where the user could not find it.
 */
import { show, type PathSegment } from '../../text/diagnostics.ts';
import type { Mapping, Reader } from '../../text/reader.ts';
import { ipFamily } from '../ip.ts';
import { present, readAddress, readIP, readNameservers, readRoute, readSearchDomains } from '../parse/fields.ts';

/** Upper bound for every list in network_data.json: real clouds stay far below, hostile input gets an error, not a long run. */
export const MAX_ITEMS = 4096;

/** Network keys carried over into the subnet as they are. */
const SUBNET_KEYS = ['type', 'address', 'netmask', 'broadcast', 'metric', 'gateway', 'pointopoint', 'scope', 'dns_nameservers', 'dns_search'];
/** Route keys carried over; others (route-level `services`) are consumed or dropped. */
const ROUTE_KEYS = ['network', 'destination', 'netmask', 'gateway', 'metric'];

/**
 * network `type` → v1 subnet type. `ipv4`/`ipv6` also mark the subnet (`ipv4: true`), as cloud-init does.
 * A Map, not an object literal, so that types such as "constructor" are not found on Object.prototype.
 */
const SUBNET_TYPES = new Map<string, string>([
  ['ipv4_dhcp', 'dhcp4'],
  ['ipv6_dhcp', 'dhcp6'],
  ['ipv6_slaac', 'ipv6_slaac'],
  ['ipv6_dhcpv6-stateless', 'ipv6_dhcpv6-stateless'],
  ['ipv6_dhcpv6-stateful', 'ipv6_dhcpv6-stateful'],
  ['ipv4', 'static'],
  ['static', 'static'],
  ['ipv6', 'static6'],
  ['static6', 'static6'],
]);

export interface ConvertedSubnet {
  subnet: Record<string, unknown>;
  /**
   * What this network asks of the link's accept-ra: static IPv6 turns router
   * advertisements off, stateful DHCPv6 (and legacy ipv6_dhcp) needs them on.
   * The last network of a link that says something wins, as in cloud-init.
   */
  acceptRa?: boolean;
}

/** A list that may be absent (null counts as absent) and is bounded. */
export function optionalList(r: Reader, value: unknown, path: readonly PathSegment[]): unknown[] {
  if (value === undefined || value === null) return [];
  const list = r.list(value, path);
  if (!list) return [];
  if (list.length > MAX_ITEMS) {
    r.error(path, `has ${list.length} entries; at most ${MAX_ITEMS} are accepted`);
    return [];
  }
  return list;
}

/** Returns undefined after an error, or with only a warning when the network type is unknown (the network is skipped). */
export function networkToSubnet(r: Reader, n: Mapping, path: readonly PathSegment[]): ConvertedSubnet | undefined {
  const type = r.string(n['type'], [...path, 'type']);
  if (type === undefined) return undefined;
  const subnetType = SUBNET_TYPES.get(type);
  if (subnetType === undefined) {
    r.warn([...path, 'type'], `unknown network type ${show(type)}; this network is not configured`);
    return undefined;
  }
  const failedBefore = errorCount(r);
  const subnet: Record<string, unknown> = {};
  for (const key of SUBNET_KEYS) if (key in n) subnet[key] = n[key];
  subnet['type'] = subnetType;

  let family: 4 | 6 | undefined;
  if (subnetType === 'static' || subnetType === 'static6') {
    if (!present(n['ip_address'])) return r.error(path, `${type} network has no ip_address`);
    const a = readAddress(r, n['ip_address'], [...path, 'ip_address'], { netmask: n['netmask'], netmaskPath: [...path, 'netmask'] });
    if (a && subnetType === 'static6' && a.family === 4) r.error([...path, 'ip_address'], `${type} network has an IPv4 address ${show(a.address)}`);
    family = a?.family;
    subnet['address'] = n['ip_address'];
  }
  if (present(n['gateway'])) {
    const gw = readIP(r, n['gateway'], [...path, 'gateway']);
    if (gw !== undefined && family !== undefined && ipFamily(gw) !== family) {
      r.error([...path, 'gateway'], `gateway ${show(gw)} is not in the same IP family as ip_address ${show(n['ip_address'])}`);
    }
  }
  if (present(n['broadcast'])) readIP(r, n['broadcast'], [...path, 'broadcast'], 4);
  if (present(n['metric'])) r.int(n['metric'], [...path, 'metric'], 0, 4294967295);
  if (present(n['dns_search'])) readSearchDomains(r, n['dns_search'], [...path, 'dns_search']);

  const routes: Record<string, unknown>[] = [];
  const routeDns: string[] = [];
  optionalList(r, n['routes'], [...path, 'routes']).forEach((raw, i) => {
    const rp = [...path, 'routes', i];
    const route = r.mapping(raw, rp);
    if (!route) return;
    const kept: Record<string, unknown> = {};
    for (const key of ROUTE_KEYS) if (key in route) kept[key] = route[key];
    readRoute(r, kept, rp, { dest: ['network', 'destination'], gw: 'gateway' });
    routeDns.push(...dnsServices(r, route['services'], [...rp, 'services']));
    routes.push(kept);
  });
  // cloud-init leaves an empty route list out of the subnet.
  if (routes.length > 0) subnet['routes'] = routes;

  // Name servers: the network's own list, then route-level, then network-level dns services; each once.
  const fromServices = [...routeDns, ...dnsServices(r, n['services'], [...path, 'services'])];
  const own = present(n['dns_nameservers']) ? readNameservers(r, n['dns_nameservers'], [...path, 'dns_nameservers']) : [];
  if (fromServices.length > 0) subnet['dns_nameservers'] = [...new Set([...own, ...fromServices])];

  if (type === 'ipv4') subnet['ipv4'] = true;
  if (type === 'ipv6') subnet['ipv6'] = true;
  if (errorCount(r) > failedBefore) return undefined;

  const out: ConvertedSubnet = { subnet };
  if (subnetType === 'static6') out.acceptRa = false;
  if (type === 'ipv6_dhcpv6-stateful' || type === 'ipv6_dhcp') out.acceptRa = true;
  return out;
}

export function errorCount(r: Reader): number {
  let n = 0;
  for (const d of r.diagnostics) if (d.severity === 'error') n++;
  return n;
}

/** Addresses of the `type: dns` entries of a `services` list; other service types carry no IP configuration. */
function dnsServices(r: Reader, value: unknown, path: readonly PathSegment[]): string[] {
  const out: string[] = [];
  optionalList(r, value, path).forEach((raw, i) => {
    const sp = [...path, i];
    const s = r.mapping(raw, sp);
    if (!s || s['type'] !== 'dns') return;
    if (!present(s['address'])) {
      r.error(sp, 'dns service has no address');
      return;
    }
    const ip = readIP(r, s['address'], [...sp, 'address']);
    if (ip !== undefined) out.push(ip);
  });
  return out;
}

/**
 * Top-level `services` → v1 nameserver entries. Only `dns` services are name
 * servers; cloud-init turns every service into one, whatever its type.
 */
export function servicesToNameservers(r: Reader, value: unknown, path: readonly PathSegment[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  optionalList(r, value, path).forEach((raw, i) => {
    const sp = [...path, i];
    const s = r.mapping(raw, sp);
    if (!s) return;
    const type = r.string(s['type'], [...sp, 'type']);
    if (type === undefined) return;
    if (type !== 'dns') {
      r.warn([...sp, 'type'], `service type ${show(type)} is not used (only dns services are)`);
      return;
    }
    if (!present(s['address']) && !present(s['search'])) {
      r.error(sp, 'dns service has neither address nor search');
      return;
    }
    const entry: Record<string, unknown> = { type: 'nameserver' };
    if (present(s['address'])) {
      readNameservers(r, s['address'], [...sp, 'address']);
      entry['address'] = s['address'];
    }
    if (present(s['search'])) {
      readSearchDomains(r, s['search'], [...sp, 'search']);
      entry['search'] = s['search'];
    }
    out.push(entry);
  });
  return out;
}
