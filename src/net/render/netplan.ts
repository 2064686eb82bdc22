/**
 * NetworkState → netplan YAML (/etc/netplan/50-cloud-init.yaml, 0600).
 *
 * v2 input is written back as given (netplan reads its own format best),
 * as cloud-init does. Other input is converted to netplan v2 the way
 * cloud-init's netplan renderer does, so files stay compatible, but it
 * also writes what cloud-init drops: interface-level nameservers, global
 * routes, route table/on-link/mtu, routing policy, DHCP overrides,
 * wakeonlan/optional, and members of bonds and bridges that the config
 * only named (netplan rejects references to undefined devices).
 * The text is formatted like PyYAML's output (indent 4, sorted keys).
 */
import { inNetwork, ipFamily } from '../ip.ts';
import { isStatic, subnetFamily, type DhcpOverrides, type Interface, type NetworkState, type Route, type RoutingPolicyRule, type Subnet } from '../state.ts';
import { bondParameters, bridgeParameters } from './netplan/params.ts';
import { dependencyOrder, hasForwardReference, hasPerPortBridgeOptions, isDeviceSection } from './netplan/order.ts';
import { compareKeys, emitYaml, type YamlValue } from './netplan/yaml.ts';
import type { RenderResult } from './types.ts';
import { placeGlobalRoutes } from './global-routes.ts';

export interface NetplanOptions {
  /** Output path relative to the root (default etc/netplan/50-cloud-init.yaml). */
  path?: string;
  /** Text written before the YAML (default none). */
  header?: string;
  /**
   * netplan features of the target's netplan (e.g. "ipv6-mtu"), as `netplan info` lists them;
   * "ra-overrides" stands for netplan >= 1.1, which reads `ra-overrides`.
   */
  features?: readonly string[];
}

export const NETPLAN_PATH = 'etc/netplan/50-cloud-init.yaml';

type Entry = Record<string, YamlValue>;
type Section = 'ethernets' | 'bonds' | 'bridges' | 'vlans';
const SECTIONS: readonly Section[] = ['ethernets', 'bonds', 'bridges', 'vlans'];

export function renderNetplan(state: NetworkState, opts: NetplanOptions = {}): RenderResult {
  const notes: string[] = [];
  const features = new Set(opts.features ?? []);
  const body = state.passthrough
    ? passthrough(withoutUnsupported(plainData(state.passthrough), features, notes), notes)
    : convert(state, features, notes);
  // cloud-init always ends the header with a newline, so a missing header becomes an empty first line.
  let header = opts.header ?? '';
  if (!header.endsWith('\n')) header += '\n';
  return { files: [{ path: (opts.path ?? NETPLAN_PATH).replace(/^\/+/, ''), content: header + body, mode: 0o600 }], notes };
}

/** Loaded YAML/JSON data as emitter input (anything else becomes its string form). */
function plainData(v: unknown): YamlValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(plainData);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainData(x)]));
  return String(v);
}

/**
 * The document without the device keys the target's netplan would reject
 * (it refuses a whole file for one unknown key): `ra-overrides` before
 * netplan 1.1. Each one dropped is noted.
 */
function withoutUnsupported(doc: YamlValue, features: ReadonlySet<string>, notes: string[]): YamlValue {
  if (features.has('ra-overrides') || !isMap(doc)) return doc;
  const out: Record<string, YamlValue> = { ...doc };
  for (const [section, devices] of Object.entries(out)) {
    if (!isMap(devices)) continue;
    const kept: Record<string, YamlValue> = { ...devices };
    let dropped = false;
    for (const [id, device] of Object.entries(devices)) {
      if (!isMap(device) || !('ra-overrides' in device)) continue;
      const { 'ra-overrides': _ra, ...rest } = device;
      kept[id] = rest;
      dropped = true;
      notes.push(`${id}: ra-overrides are not written (the target netplan predates 1.1); routes from router advertisements stay in the main table`);
    }
    if (dropped) out[section] = kept;
  }
  return out;
}

function isMap(v: YamlValue): v is Record<string, YamlValue> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The v2 document with sorted keys, as cloud-init writes it, except that
 * device sections move so that netplan can read the file in one pass when it
 * has to (see ./netplan/order.ts).
 */
function passthrough(doc: YamlValue, notes: string[]): string {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return emitYaml({ network: doc });
  const config = doc as Record<string, YamlValue>;
  let keys = Object.keys(config).sort(compareKeys);
  if (keys.length === 0) return emitYaml({ network: config });
  if (hasPerPortBridgeOptions(config)) {
    const devices = keys.filter((k) => isDeviceSection(k, config[k]));
    if (hasForwardReference(config, devices)) {
      const ordered = dependencyOrder(config, devices);
      let i = 0;
      keys = keys.map((k) => (isDeviceSection(k, config[k]) ? ordered[i++]! : k));
      if (hasForwardReference(config, ordered)) notes.push(MULTI_PASS_NOTE);
    }
  }
  return `network:\n${keys.map((k) => emitYaml({ [k]: config[k]! }, 4)).join('')}`;
}

const MULTI_PASS_NOTE =
  'a device refers to one defined after it and a bridge sets path-cost or port-priority: netplan rejects such a file ("already has a path cost")';

function convert(state: NetworkState, features: ReadonlySet<string>, notes: string[]): string {
  const sections: Record<Section, Record<string, Entry>> = { ethernets: {}, bonds: {}, bridges: {}, vlans: {} };
  const keyOf = netplanIds(state);
  // netplan cannot render infiniband devices, so they cannot carry routes either.
  const global = placeGlobalRoutes(state, (i) => i.type !== 'infiniband');
  notes.push(...global.notes);
  for (const iface of state.interfaces) {
    const section = sectionOf(iface, notes);
    if (!section) continue;
    const entry = deviceEntry(iface, state.interfaces, keyOf, notes);
    addAddressing(entry, iface, global.byInterface.get(iface.name) ?? [], features, notes);
    addDeviceOptions(entry, iface);
    sections[section][keyOf(iface.name)] = entry;
  }
  addGlobalDns(state, sections, notes);
  const present = SECTIONS.filter((name) => Object.keys(sections[name]).length > 0);
  const order = dependencyOrder(sections, present);
  if (hasPerPortBridgeOptions(sections) && hasForwardReference(sections, order)) notes.push(MULTI_PASS_NOTE);
  return `network:\n    version: 2\n${order.map((name) => emitYaml({ [name]: sections[name] }, 4)).join('')}`;
}

/**
 * The netplan id of each device: its name, except a device matched without
 * set-name, which keeps its config key (netplan would not rename it).
 */
function netplanIds(state: NetworkState): (name: string) => string {
  const ids = new Map<string, string>();
  for (const i of state.interfaces) ids.set(i.name, i.match && !i.setName ? i.configId : i.name);
  return (name) => ids.get(name) ?? name;
}

function sectionOf(iface: Interface, notes: string[]): Section | undefined {
  switch (iface.type) {
    case 'physical':
      return 'ethernets';
    case 'bond':
      return 'bonds';
    case 'bridge':
      return 'bridges';
    case 'vlan':
      return 'vlans';
    case 'infiniband':
      notes.push(`${iface.name}: infiniband devices are not written to netplan (netplan has no infiniband device type)`);
      return undefined;
    case 'loopback':
      if (iface.subnets.some((s) => s.type !== 'loopback')) notes.push(`${iface.name}: loopback configuration is not written to netplan`);
      return undefined;
  }
}

function deviceEntry(iface: Interface, all: readonly Interface[], keyOf: (name: string) => string, notes: string[]): Entry {
  const entry: Entry = {};
  const noteUnsupported = (names: string[]): void => {
    if (names.length > 0) notes.push(`${iface.name}: netplan has no equivalent for ${names.join(', ')}`);
  };
  switch (iface.type) {
    case 'physical': {
      if (iface.match) {
        const match: Entry = {};
        if (iface.match.macAddress !== undefined) match['macaddress'] = netplanMac(iface.match.macAddress);
        if (iface.match.name !== undefined) match['name'] = iface.match.name;
        if (iface.match.driver !== undefined) match['driver'] = iface.match.driver;
        entry['match'] = match;
        if (iface.setName) entry['set-name'] = iface.name;
      } else if (iface.macAddress !== undefined) {
        // v1 names a device and its MAC: match the MAC and give it that name.
        entry['match'] = { macaddress: netplanMac(iface.macAddress) };
        entry['set-name'] = iface.name;
      }
      break;
    }
    case 'bond': {
      const members = new Set(iface.bondInterfaces ?? []);
      for (const i of all) if (i.bondMaster === iface.name) members.add(i.name);
      const parameters = bondParameters(iface.bondParams ?? {});
      if (members.size > 0) entry['interfaces'] = [...members].map(keyOf).sort();
      if (Object.keys(parameters.parameters).length > 0) entry['parameters'] = parameters.parameters;
      noteUnsupported(parameters.unsupported);
      break;
    }
    case 'bridge': {
      const parameters = bridgeParameters(iface.bridgeParams ?? {});
      entry['interfaces'] = (iface.bridgePorts ?? []).map(keyOf).sort();
      if (Object.keys(parameters.parameters).length > 0) entry['parameters'] = parameters.parameters;
      noteUnsupported(parameters.unsupported);
      break;
    }
    case 'vlan':
      if (iface.vlanId !== undefined) entry['id'] = iface.vlanId;
      if (iface.vlanLink !== undefined) entry['link'] = keyOf(iface.vlanLink);
      break;
    default:
      break;
  }
  if (iface.type !== 'physical' && iface.macAddress !== undefined) entry['macaddress'] = netplanMac(iface.macAddress);
  return entry;
}

/** Addresses, DHCP, gateways, routes, subnet DNS and MTU, in subnet order as cloud-init writes them. */
function addAddressing(entry: Entry, iface: Interface, extraRoutes: readonly Route[], features: ReadonlySet<string>, notes: string[]): void {
  const addresses: string[] = [];
  const routes: Entry[] = [];
  const nameservers = [...(iface.dns?.nameservers ?? [])];
  const search = [...(iface.dns?.search ?? [])];
  let dhcp4Metric: number | undefined;
  let dhcp6Metric: number | undefined;
  let subnetMtu: number | undefined;
  for (const subnet of iface.subnets) {
    const family = subnetFamily(subnet);
    if (subnet.type === 'dhcp4') {
      entry['dhcp4'] = true;
      dhcp4Metric = subnet.metric ?? dhcp4Metric;
    } else if (family === 6 && !isStatic(subnet)) {
      // netplan has no SLAAC-only or stateless switch; like cloud-init, every dynamic IPv6 mode is dhcp6.
      entry['dhcp6'] = true;
      dhcp6Metric = subnet.metric ?? dhcp6Metric;
    } else if (isStatic(subnet) && subnet.address !== undefined) {
      const cidr = subnet.prefix === undefined ? subnet.address : `${subnet.address}/${subnet.prefix}`;
      addresses.push(cidr);
      if (subnet.gateway !== undefined) routes.push(gatewayRoute(subnet));
      noteBroadcast(iface, subnet, notes);
    }
    if (subnet.control === 'manual' || subnet.control === 'hotplug') {
      notes.push(`${iface.name}: "control: ${subnet.control}" has no netplan equivalent; netplan brings the device up at boot`);
    }
    nameservers.push(...subnet.dnsNameservers);
    search.push(...subnet.dnsSearch);
    routes.push(...subnet.routes.map(routeEntry));
    if (subnet.mtu !== undefined) {
      if (family === 6 && features.has('ipv6-mtu')) entry['ipv6-mtu'] = subnet.mtu;
      else {
        if (family === 6) notes.push(`${iface.name}: IPv6 MTU ${subnet.mtu} is written as the link MTU (the target netplan lacks the ipv6-mtu feature)`);
        subnetMtu = subnet.mtu;
      }
    }
  }
  routes.push(...iface.routes.map(routeEntry), ...extraRoutes.map(routeEntry));

  if (subnetMtu !== undefined) {
    entry['mtu'] = subnetMtu;
    if (iface.mtu !== undefined && iface.mtu !== subnetMtu) {
      notes.push(`${iface.name}: device MTU ${iface.mtu} is ignored because a subnet sets MTU ${subnetMtu}`);
    }
  } else if (iface.mtu !== undefined) entry['mtu'] = iface.mtu;
  if (addresses.length > 0) entry['addresses'] = addresses;
  if (routes.length > 0) entry['routes'] = routes;
  const ns = nameserversEntry(unique(nameservers), unique(search));
  if (ns) entry['nameservers'] = ns;
  addOverrides(entry, 'dhcp4-overrides', iface.dhcp4Overrides, dhcp4Metric, features, iface, notes);
  addOverrides(entry, 'dhcp6-overrides', iface.dhcp6Overrides, dhcp6Metric, features, iface, notes);
  noteOverrideConflicts(entry, iface, notes);
}

/** netplan's networkd backend needs equal dhcp4 and dhcp6 overrides when both run (its NetworkManager backend does not). */
function noteOverrideConflicts(entry: Entry, iface: Interface, notes: string[]): void {
  if (entry['dhcp4'] !== true || entry['dhcp6'] !== true) return;
  const o4 = (entry['dhcp4-overrides'] ?? {}) as Entry;
  const o6 = (entry['dhcp6-overrides'] ?? {}) as Entry;
  const differ = [...new Set([...Object.keys(o4), ...Object.keys(o6)])].filter((k) => o4[k] !== o6[k]).sort();
  if (differ.length > 0) {
    notes.push(`${iface.name}: dhcp4 and dhcp6 overrides differ in ${differ.join(', ')}; netplan's networkd backend rejects that`);
  }
}

function gatewayRoute(subnet: Subnet): Entry {
  const route: Entry = { to: 'default', via: subnet.gateway! };
  if (subnet.metric !== undefined) route['metric'] = subnet.metric;
  // A gateway outside the subnet is only reachable as an on-link next hop.
  if (subnet.prefix !== undefined && !inNetwork(subnet.gateway!, subnet.address!, subnet.prefix)) route['on-link'] = true;
  return route;
}

function routeEntry(route: Route): Entry {
  const e: Entry = { to: `${route.network}/${route.prefix}` };
  if (route.gateway !== undefined) e['via'] = route.gateway;
  if (route.metric !== undefined) e['metric'] = route.metric;
  if (route.table !== undefined) e['table'] = route.table;
  if (route.onLink) e['on-link'] = true;
  if (route.mtu !== undefined) e['mtu'] = route.mtu;
  if (route.from !== undefined) e['from'] = route.from;
  if (route.scope !== undefined) e['scope'] = route.scope;
  if (route.type !== undefined && route.type !== 'unicast') e['type'] = route.type;
  return e;
}

function nameserversEntry(addresses: string[], search: string[]): Entry | undefined {
  if (addresses.length === 0 && search.length === 0) return undefined;
  const ns: Entry = {};
  if (addresses.length > 0) ns['addresses'] = addresses;
  if (search.length > 0) ns['search'] = search;
  return ns;
}

function addOverrides(
  entry: Entry,
  key: 'dhcp4-overrides' | 'dhcp6-overrides',
  o: DhcpOverrides | undefined,
  metric: number | undefined,
  features: ReadonlySet<string>,
  iface: Interface,
  notes: string[],
): void {
  const out: Entry = {};
  if (o?.useDns !== undefined) out['use-dns'] = o.useDns;
  if (o?.useDomains !== undefined) {
    if (features.has('dhcp-use-domains')) out['use-domains'] = o.useDomains;
    else notes.push(`${iface.name}: ${key}.use-domains is not written (the target netplan lacks the dhcp-use-domains feature)`);
  }
  if (o?.useHostname !== undefined) out['use-hostname'] = o.useHostname;
  if (o?.useMtu !== undefined) out['use-mtu'] = o.useMtu;
  if (o?.useNtp !== undefined) out['use-ntp'] = o.useNtp;
  if (o?.useRoutes !== undefined) out['use-routes'] = o.useRoutes;
  if (o?.sendHostname !== undefined) out['send-hostname'] = o.sendHostname;
  if (o?.hostname !== undefined) out['hostname'] = o.hostname;
  const routeMetric = metric ?? o?.routeMetric;
  if (routeMetric !== undefined) out['route-metric'] = routeMetric;
  if (Object.keys(out).length > 0) entry[key] = out;
}

function addDeviceOptions(entry: Entry, iface: Interface): void {
  if (iface.acceptRa !== undefined) entry['accept-ra'] = iface.acceptRa;
  if (iface.wakeOnLan) entry['wakeonlan'] = true;
  if (iface.optional) entry['optional'] = true;
  // v1 keep_configuration is documented as netplan's `critical`.
  if (iface.keepConfiguration) entry['critical'] = true;
  if (iface.routingPolicy.length > 0) entry['routing-policy'] = iface.routingPolicy.map(policyEntry);
}

function policyEntry(rule: RoutingPolicyRule): Entry {
  const e: Entry = {};
  if (rule.from !== undefined) e['from'] = rule.from;
  if (rule.to !== undefined) e['to'] = rule.to;
  if (rule.table !== undefined) e['table'] = rule.table;
  if (rule.priority !== undefined) e['priority'] = rule.priority;
  if (rule.mark !== undefined) e['mark'] = rule.mark;
  if (rule.typeOfService !== undefined) e['type-of-service'] = rule.typeOfService;
  return e;
}

/**
 * netplan has no global DNS either: like cloud-init, give it to every device
 * with static addresses and no DNS of its own.
 */
function addGlobalDns(state: NetworkState, sections: Record<Section, Record<string, Entry>>, notes: string[]): void {
  // v2 global DNS is only the union of the devices' own nameservers.
  if (state.version === 2) return;
  const ns = nameserversEntry(state.dns.nameservers, state.dns.search);
  if (!ns) return;
  let used = false;
  for (const section of SECTIONS) {
    for (const entry of Object.values(sections[section])) {
      if ('nameservers' in entry || !('addresses' in entry)) continue;
      entry['nameservers'] = ns;
      used = true;
    }
  }
  if (!used) notes.push('global nameservers are not written: no device without its own DNS has a static address');
}

function noteBroadcast(iface: Interface, subnet: Subnet, notes: string[]): void {
  if (subnet.broadcast === undefined || subnet.prefix === undefined || ipFamily(subnet.address!) !== 4) return;
  if (subnet.broadcast !== ipv4Broadcast(subnet.address!, subnet.prefix)) {
    notes.push(`${iface.name}: broadcast ${subnet.broadcast} is not written (netplan always uses the subnet's broadcast address)`);
  }
}

function ipv4Broadcast(address: string, prefix: number): string {
  const n = address.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
  const host = prefix >= 32 ? 0 : 0xffffffff >>> prefix;
  const b = (n | host) >>> 0;
  return [24, 16, 8, 0].map((s) => (b >>> s) & 255).join('.');
}

/** netplan accepts only colon-separated MACs. */
function netplanMac(mac: string): string {
  return mac.toLowerCase().replace(/-/g, ':');
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}
