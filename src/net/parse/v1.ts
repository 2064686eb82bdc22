/** Network config version 1 (a list of typed entries) → NetworkState. */
import { formatPath, show, type PathSegment } from '../../text/diagnostics.ts';
import { toBool, type Mapping, type Reader } from '../../text/reader.ts';
import { ipFamily } from '../ip.ts';
import type { BondParams, BridgeParams, Interface, InterfaceType, NetworkState, Route, Subnet, SubnetType } from '../state.ts';
import {
  checkBondMode,
  lookup,
  present,
  readAddress,
  readDeviceId,
  readIfName,
  readIP,
  readMac,
  readMtu,
  readNameservers,
  readRoute,
  readSearchDomains,
} from './fields.ts';

const COMMON_KEYS = ['type', 'name', 'mac_address', 'mtu', 'subnets', 'accept-ra', 'params', 'wakeonlan', 'optional', 'keep_configuration'];
const KEYS: Record<string, ReadonlySet<string>> = {
  physical: new Set(COMMON_KEYS),
  infiniband: new Set(COMMON_KEYS),
  loopback: new Set(COMMON_KEYS),
  bond: new Set([...COMMON_KEYS, 'bond_interfaces']),
  bridge: new Set([...COMMON_KEYS, 'bridge_interfaces']),
  vlan: new Set([...COMMON_KEYS, 'vlan_link', 'vlan_id']),
  nameserver: new Set(['type', 'address', 'search', 'interface']),
  route: new Set(['type', 'destination', 'network', 'netmask', 'prefix', 'gateway', 'metric', 'mtu', 'table']),
};
const SUBNET_KEYS = new Set([
  'type', 'address', 'ip_address', 'netmask', 'prefix', 'gateway', 'broadcast', 'dns_nameservers', 'dns_search',
  'routes', 'metric', 'mtu', 'control', 'ipv4', 'ipv6', 'scope', 'interface',
]);
const ROUTE_KEYS = new Set(['destination', 'network', 'netmask', 'prefix', 'gateway', 'metric', 'mtu', 'table', 'type']);
const SUBNET_TYPES: Record<string, SubnetType> = {
  dhcp: 'dhcp4',
  dhcp4: 'dhcp4',
  dhcp6: 'dhcp6',
  static: 'static',
  static6: 'static6',
  ipv6_slaac: 'ipv6_slaac',
  'ipv6_dhcpv6-stateless': 'ipv6_dhcpv6-stateless',
  'ipv6_dhcpv6-stateful': 'ipv6_dhcpv6-stateful',
  manual: 'manual',
  loopback: 'loopback',
};

export function parseV1(r: Reader, root: Mapping, rootPath: PathSegment[]): NetworkState {
  const state: NetworkState = { version: 1, interfaces: [], routes: [], dns: { nameservers: [], search: [] }, useIpv6: false };
  const entries = present(root['config'])
    ? (r.list(root['config'], [...rootPath, 'config']) ?? [])
    : (r.error(rootPath, 'a version 1 network config needs a "config" key with the list of its entries') ?? []);
  /** Where each interface name was defined. */
  const defined = new Map<string, PathSegment[]>();
  const interfaceDns: { name: string; path: PathSegment[]; nameservers: string[]; search: string[] }[] = [];
  const pending: { iface: Interface; path: PathSegment[] }[] = [];

  const upsert = (iface: Interface, path: PathSegment[]): void => {
    const i = state.interfaces.findIndex((x) => x.name === iface.name);
    const first = defined.get(iface.name);
    if (first) {
      r.error([...path, 'name'], `interface ${show(iface.name)} is defined more than once (first in ${formatPath(first)})`);
      return;
    }
    defined.set(iface.name, path);
    if (i >= 0) {
      const old = state.interfaces[i]!;
      if (old.bondMaster !== undefined) iface.bondMaster = old.bondMaster;
      state.interfaces[i] = iface;
    } else {
      state.interfaces.push(iface);
    }
  };
  const placeholder = (name: string): Interface => {
    let iface = state.interfaces.find((x) => x.name === name);
    if (!iface) {
      iface = { name, configId: name, type: 'physical', subnets: [], routes: [], routingPolicy: [], implicit: true };
      state.interfaces.push(iface);
    }
    return iface;
  };

  entries.forEach((entry, index) => {
    const path = [...rootPath, 'config', index];
    const e = r.mapping(entry, path);
    if (!e) return;
    if (!present(e['type'])) {
      r.error(path, 'entry has no "type" (physical, bond, bridge, vlan, infiniband, loopback, nameserver or route)');
      return;
    }
    const type = r.string(e['type'], [...path, 'type']);
    if (type === undefined) return;
    const known = lookup(KEYS, type);
    if (!known) {
      r.error([...path, 'type'], `unknown entry type ${show(type)} (expected physical, bond, bridge, vlan, infiniband, loopback, nameserver or route)`);
      return;
    }
    r.checkKeys(e, path, known, `a ${type} entry`);
    if (type === 'nameserver') {
      const nameservers = present(e['address']) ? readNameservers(r, e['address'], [...path, 'address']) : [];
      const search = present(e['search']) ? readSearchDomains(r, e['search'], [...path, 'search']) : [];
      if (!present(e['address']) && !present(e['search'])) r.error(path, 'nameserver entry has neither address nor search');
      if (present(e['interface'])) {
        const name = readDeviceId(r, e['interface'], [...path, 'interface']);
        if (name !== undefined) interfaceDns.push({ name, path: [...path, 'interface'], nameservers, search });
      } else {
        state.dns.nameservers.push(...nameservers);
        state.dns.search.push(...search);
      }
      return;
    }
    if (type === 'route') {
      const route = readRoute(r, e, path, { dest: ['destination', 'network'], gw: 'gateway' });
      if (route) state.routes.push(route);
      return;
    }
    const iface = readInterface(r, e, path, type as InterfaceType);
    if (!iface) return;
    if (type === 'bond') {
      upsert(iface, path);
      for (const member of iface.bondInterfaces ?? []) {
        const m = placeholder(member);
        if (m === iface) r.error([...path, 'bond_interfaces'], `bond ${show(iface.name)} lists itself as a member`);
        else if (m.bondMaster !== undefined && m.bondMaster !== iface.name) {
          r.error([...path, 'bond_interfaces'], `${show(member)} is already a member of bond ${show(m.bondMaster)}`);
        } else m.bondMaster = iface.name;
      }
    } else if (type === 'bridge') {
      for (const port of iface.bridgePorts ?? []) {
        if (port === iface.name) r.error([...path, 'bridge_interfaces'], `bridge ${show(iface.name)} lists itself as a port`);
        else placeholder(port);
      }
      upsert(iface, path);
    } else {
      upsert(iface, path);
    }
    if (type === 'vlan') pending.push({ iface, path });
  });

  for (const { iface, path } of pending) {
    if (iface.vlanLink !== undefined && !state.interfaces.some((x) => x.name === iface.vlanLink)) {
      r.error([...path, 'vlan_link'], `vlan ${show(iface.name)} refers to ${show(iface.vlanLink)}, which is not defined`);
    } else if (iface.vlanLink === iface.name) {
      r.error([...path, 'vlan_link'], `vlan ${show(iface.name)} names itself as its vlan_link`);
    }
  }
  for (const d of interfaceDns) {
    const iface = state.interfaces.find((x) => x.name === d.name);
    if (!iface) {
      r.error(d.path, `nameserver refers to interface ${show(d.name)}, which is not defined`);
      continue;
    }
    iface.dns = { nameservers: d.nameservers, search: d.search };
  }
  state.useIpv6 = state.interfaces.some((i) => i.subnets.some((s) => s.type.endsWith('6') || (s.address !== undefined && s.address.includes(':'))));
  return state;
}

function readInterface(r: Reader, e: Mapping, path: PathSegment[], type: InterfaceType): Interface | undefined {
  if (!present(e['name'])) return r.error(path, `${type} entry has no "name"`);
  const name = readIfName(r, e['name'], [...path, 'name']);
  if (name === undefined) return undefined;
  const iface: Interface = { name, configId: name, type, subnets: [], routes: [], routingPolicy: [] };
  if (present(e['mac_address'])) {
    const mac = readMac(r, e['mac_address'], [...path, 'mac_address']);
    if (mac !== undefined) iface.macAddress = mac;
  }
  if (present(e['mtu'])) {
    const mtu = readMtu(r, e['mtu'], [...path, 'mtu']);
    if (mtu !== undefined) iface.mtu = mtu;
  }
  for (const [key, field] of [
    ['accept-ra', 'acceptRa'],
    ['wakeonlan', 'wakeOnLan'],
    ['optional', 'optional'],
    ['keep_configuration', 'keepConfiguration'],
  ] as const) {
    if (present(e[key])) {
      const b = r.bool(e[key], [...path, key]);
      if (b !== undefined) iface[field] = b;
    }
  }
  if (present(e['subnets'])) {
    const list = r.list(e['subnets'], [...path, 'subnets']) ?? [];
    list.forEach((s, i) => {
      const subnet = readSubnet(r, s, [...path, 'subnets', i]);
      if (subnet) iface.subnets.push(subnet);
    });
  }
  const params = present(e['params']) ? r.mapping(e['params'], [...path, 'params']) : undefined;
  if (type === 'bond') {
    const members = present(e['bond_interfaces']) ? r.list(e['bond_interfaces'], [...path, 'bond_interfaces']) : undefined;
    if (!members || members.length === 0) {
      r.error([...path, 'bond_interfaces'], `bond ${show(name)} has no member interfaces`);
    }
    iface.bondInterfaces = (members ?? [])
      .map((m, i) => readIfName(r, m, [...path, 'bond_interfaces', i]))
      .filter((m): m is string => m !== undefined);
    iface.bondParams = {};
  }
  if (type === 'bridge') {
    const ports = present(e['bridge_interfaces']) ? r.list(e['bridge_interfaces'], [...path, 'bridge_interfaces']) : undefined;
    if (!ports) r.error([...path, 'bridge_interfaces'], `bridge ${show(name)} has no bridge_interfaces list`);
    iface.bridgePorts = (ports ?? [])
      .map((m, i) => readIfName(r, m, [...path, 'bridge_interfaces', i]))
      .filter((m): m is string => m !== undefined);
    iface.bridgeParams = {};
  }
  if (type === 'vlan') {
    if (!present(e['vlan_link'])) r.error(path, `vlan ${show(name)} has no vlan_link (the device it is on)`);
    else {
      const link = readIfName(r, e['vlan_link'], [...path, 'vlan_link']);
      if (link !== undefined) iface.vlanLink = link;
    }
    if (!present(e['vlan_id'])) r.error(path, `vlan ${show(name)} has no vlan_id (0 to 4094)`);
    else {
      const id = r.int(e['vlan_id'], [...path, 'vlan_id'], 0, 4094);
      if (id !== undefined) iface.vlanId = id;
    }
  }
  if (params) readParams(r, params, [...path, 'params'], iface);
  return iface;
}

function readParams(r: Reader, params: Mapping, path: PathSegment[], iface: Interface): void {
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined) continue;
    const at = [...path, key];
    if (key === 'driver') {
      const d = r.string(value, at);
      if (d !== undefined) iface.driver = d;
      continue;
    }
    if (/^bond[-_]/.test(key)) {
      if (iface.type !== 'bond') {
        r.warn(at, `bond option on a ${iface.type} entry, ignored`);
        continue;
      }
      const canonical = `bond-${key.slice(5).replace(/_/g, '-')}`;
      const v = paramValue(r, value, at);
      if (v !== undefined && (canonical !== 'bond-mode' || checkBondMode(r, Array.isArray(v) ? v.join(' ') : v, at))) (iface.bondParams as BondParams)[canonical] = v;
      continue;
    }
    if (/^bridge[-_]/.test(key)) {
      if (iface.type !== 'bridge') {
        r.warn(at, `bridge option on a ${iface.type} entry, ignored`);
        continue;
      }
      const canonical = `bridge_${key.slice(7).replace(/-/g, '_')}`;
      const bp = iface.bridgeParams as BridgeParams;
      if (canonical === 'bridge_stp') {
        const b = toBool(value);
        if (b === undefined) r.error(at, `${show(value)} is not a valid bridge_stp value (on, off, true or false)`);
        else bp[canonical] = b;
        continue;
      }
      const v = paramValue(r, value, at);
      if (v !== undefined) bp[canonical] = v;
      continue;
    }
    const v = paramValue(r, value, at);
    if (v !== undefined && !Array.isArray(v)) (iface.extraParams ??= {})[key] = v;
  }
}

function paramValue(r: Reader, value: unknown, path: PathSegment[]): string | number | boolean | string[] | undefined {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    if (typeof value === 'string') return r.string(value, path);
    return value;
  }
  if (Array.isArray(value)) return r.strings(value, path);
  return r.error(path, `must be a string, number or boolean, not ${show(value)}`);
}

export function readSubnet(r: Reader, raw: unknown, path: PathSegment[]): Subnet | undefined {
  const s = r.mapping(raw, path);
  if (!s) return undefined;
  r.checkKeys(s, path, SUBNET_KEYS, 'a subnet');
  if (!present(s['type'])) return r.error(path, `subnet has no "type" (${Object.keys(SUBNET_TYPES).join(', ')})`);
  const typeText = r.string(s['type'], [...path, 'type']);
  if (typeText === undefined) return undefined;
  const type = lookup(SUBNET_TYPES, typeText);
  if (!type) return r.error([...path, 'type'], `unknown subnet type ${show(typeText)} (expected ${Object.keys(SUBNET_TYPES).join(', ')})`);
  const subnet: Subnet = { type, dnsNameservers: [], dnsSearch: [], routes: [] };
  const addrKey = present(s['address']) ? 'address' : present(s['ip_address']) ? 'ip_address' : undefined;
  if (type === 'static' || type === 'static6') {
    if (addrKey === undefined) return r.error(path, `${type} subnet has no "address"`);
    const a = readAddress(r, s[addrKey], [...path, addrKey], {
      netmask: s['netmask'],
      prefix: s['prefix'],
      netmaskPath: [...path, 'netmask'],
      prefixPath: [...path, 'prefix'],
    });
    if (!a) return undefined;
    if (type === 'static6' && a.family === 4) return r.error([...path, addrKey], `static6 subnet has an IPv4 address ${show(a.address)}`);
    subnet.address = a.address;
    subnet.prefix = a.prefix;
  } else if (addrKey !== undefined) {
    r.warn([...path, addrKey], `address is ignored on a ${type} subnet`);
  }
  if (present(s['gateway'])) {
    const gw = readIP(r, s['gateway'], [...path, 'gateway']);
    if (gw !== undefined) {
      const fam = subnet.address !== undefined ? ipFamily(subnet.address) : undefined;
      if (fam !== undefined && ipFamily(gw) !== fam) {
        r.error(
          [...path, 'gateway'],
          `gateway ${show(gw)} is not in the same IP family as address ${show(subnet.address)} (IPv${ipFamily(gw)} gateway, IPv${fam} address)`,
        );
      } else subnet.gateway = gw;
    }
  }
  if (present(s['broadcast'])) {
    const b = readIP(r, s['broadcast'], [...path, 'broadcast'], 4);
    if (b !== undefined) subnet.broadcast = b;
  }
  if (present(s['dns_nameservers'])) subnet.dnsNameservers = readNameservers(r, s['dns_nameservers'], [...path, 'dns_nameservers']);
  if (present(s['dns_search'])) subnet.dnsSearch = readSearchDomains(r, s['dns_search'], [...path, 'dns_search']);
  if (present(s['routes'])) {
    const routes = r.list(s['routes'], [...path, 'routes']) ?? [];
    routes.forEach((raw, i) => {
      const rp = [...path, 'routes', i];
      const m = r.mapping(raw, rp);
      if (!m) return;
      r.checkKeys(m, rp, ROUTE_KEYS, 'a route');
      const route: Route | undefined = readRoute(r, m, rp, { dest: ['network', 'destination'], gw: 'gateway' });
      if (route) subnet.routes.push(route);
    });
  }
  if (present(s['metric'])) {
    const m = r.int(s['metric'], [...path, 'metric'], 0, 4294967295);
    if (m !== undefined) subnet.metric = m;
  }
  if (present(s['mtu'])) {
    const m = readMtu(r, s['mtu'], [...path, 'mtu']);
    if (m !== undefined) subnet.mtu = m;
  }
  if (present(s['control'])) {
    const c = r.string(s['control'], [...path, 'control']);
    if (c === 'auto' || c === 'manual' || c === 'hotplug') subnet.control = c;
    else if (c !== undefined) r.error([...path, 'control'], `${show(c)} is not a control mode (auto, manual or hotplug)`);
  }
  return subnet;
}
