/**
 * Network config version 2 (netplan's format) → NetworkState.
 *
 * Devices become interfaces the way cloud-init converts them (name from
 * set-name, else the local NIC with the matched MAC, else the key; dhcp and
 * addresses become subnets; routes go to the first subnet), and everything
 * cloud-init drops for non-netplan renderers is kept: routing-policy, route
 * table/on-link, match rules, DHCP overrides, bond/bridge MAC addresses and
 * routes of devices without addresses.
 */
import { formatPath, show, type PathSegment } from '../../text/diagnostics.ts';
import { isMapping, type Mapping, type Reader } from '../../text/reader.ts';
import type {
  BondParams,
  BridgeParams,
  DhcpOverrides,
  RaOverrides,
  Interface,
  InterfaceType,
  NetworkState,
  Route,
  RoutingPolicyRule,
  Subnet,
} from '../state.ts';
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

/** Keys every netplan device may carry that stratus reads. */
const IP_KEYS = [
  'dhcp4', 'dhcp6', 'dhcp4-overrides', 'dhcp6-overrides', 'ra-overrides', 'addresses', 'gateway4', 'gateway6', 'nameservers', 'routes',
  'routing-policy', 'mtu', 'accept-ra', 'optional', 'critical', 'renderer', 'macaddress', 'wakeonlan',
];
/** netplan keys that only the netplan renderer carries (passed through as written). */
const NETPLAN_ONLY_KEYS = [
  'link-local', 'ipv6-privacy', 'ipv6-address-generation', 'ipv6-address-token', 'ipv6-mtu', 'dhcp-identifier',
  'emit-lldp', 'receive-checksum-offload', 'transmit-checksum-offload', 'tcp-segmentation-offload',
  'tcp6-segmentation-offload', 'generic-segmentation-offload', 'generic-receive-offload', 'large-receive-offload',
  'activation-mode', 'optional-addresses', 'infiniband-mode', 'neigh-suppress', 'ignore-carrier', 'networkmanager',
  'openvswitch', 'virtual-function-count', 'embedded-switch-mode', 'delay-virtual-functions-rebind', 'link',
];
const SECTION_KEYS: Record<string, ReadonlySet<string>> = {
  ethernets: new Set([...IP_KEYS, ...NETPLAN_ONLY_KEYS, 'match', 'set-name']),
  bonds: new Set([...IP_KEYS, ...NETPLAN_ONLY_KEYS, 'interfaces', 'parameters']),
  bridges: new Set([...IP_KEYS, ...NETPLAN_ONLY_KEYS, 'interfaces', 'parameters']),
  vlans: new Set([...IP_KEYS, ...NETPLAN_ONLY_KEYS.filter((k) => k !== 'link'), 'id', 'link']),
};
const TOP_KEYS = new Set(['version', 'renderer', 'ethernets', 'bonds', 'bridges', 'vlans', 'wifis', 'modems', 'tunnels', 'vrfs', 'nm-devices', 'dummy-devices', 'virtual-ethernets']);
const ROUTE_KEYS = new Set(['to', 'via', 'metric', 'mtu', 'table', 'on-link', 'from', 'scope', 'type', 'congestion-window', 'advertised-receive-window']);
const POLICY_KEYS = new Set(['from', 'to', 'table', 'priority', 'mark', 'type-of-service']);
const OVERRIDE_KEYS: Record<string, keyof DhcpOverrides> = {
  'use-dns': 'useDns',
  'use-domains': 'useDomains',
  'use-hostname': 'useHostname',
  'use-mtu': 'useMtu',
  'use-ntp': 'useNtp',
  'use-routes': 'useRoutes',
  'send-hostname': 'sendHostname',
  hostname: 'hostname',
  'route-metric': 'routeMetric',
};

/** netplan bond parameter → cloud-init v1 option name. */
export const BOND_V2_TO_V1: Record<string, string> = {
  mode: 'bond-mode',
  'lacp-rate': 'bond-lacp-rate',
  'mii-monitor-interval': 'bond-miimon',
  'min-links': 'bond-min-links',
  'transmit-hash-policy': 'bond-xmit-hash-policy',
  'ad-select': 'bond-ad-select',
  'all-members-active': 'bond-all-slaves-active',
  'all-slaves-active': 'bond-all-slaves-active',
  'arp-interval': 'bond-arp-interval',
  'arp-ip-targets': 'bond-arp-ip-target',
  'arp-ip-target': 'bond-arp-ip-target',
  'arp-validate': 'bond-arp-validate',
  'arp-all-targets': 'bond-arp-all-targets',
  'up-delay': 'bond-updelay',
  'down-delay': 'bond-downdelay',
  'fail-over-mac-policy': 'bond-fail-over-mac',
  'gratuitous-arp': 'bond-num-grat-arp',
  'gratuitious-arp': 'bond-num-grat-arp',
  'packets-per-member': 'bond-packets-per-slave',
  'packets-per-slave': 'bond-packets-per-slave',
  'primary-reselect-policy': 'bond-primary-reselect',
  'resend-igmp': 'bond-resend-igmp',
  'learn-packet-interval': 'bond-lp-interval',
  primary: 'bond-primary',
};

/** netplan bridge parameter → cloud-init v1 option name. */
export const BRIDGE_V2_TO_V1: Record<string, string> = {
  'ageing-time': 'bridge_ageing',
  'aging-time': 'bridge_ageing',
  priority: 'bridge_bridgeprio',
  'forward-delay': 'bridge_fd',
  'hello-time': 'bridge_hello',
  'max-age': 'bridge_maxage',
  'path-cost': 'bridge_pathcost',
  'port-priority': 'bridge_portprio',
  stp: 'bridge_stp',
};

const SECTION_TYPE: Record<string, InterfaceType> = { ethernets: 'physical', bonds: 'bond', bridges: 'bridge', vlans: 'vlan' };

export interface V2Options {
  /** Lower-case MAC → local interface name, for devices matched by MAC without set-name. */
  macToName?: ReadonlyMap<string, string>;
}

export function parseV2(r: Reader, root: Mapping, rootPath: PathSegment[], opts: V2Options = {}): NetworkState {
  const state: NetworkState = {
    version: 2,
    interfaces: [],
    routes: [],
    dns: { nameservers: [], search: [] },
    useIpv6: false,
    passthrough: root,
  };
  r.checkKeys(root, rootPath, TOP_KEYS, 'network config v2');
  if (present(root['renderer'])) {
    const renderer = r.string(root['renderer'], [...rootPath, 'renderer']);
    if (renderer !== undefined && !['networkd', 'NetworkManager', 'sriov'].includes(renderer)) {
      r.error([...rootPath, 'renderer'], `${show(renderer)} is not a netplan renderer (networkd or NetworkManager)`);
    }
  }
  for (const section of ['wifis', 'modems', 'tunnels', 'vrfs', 'nm-devices', 'dummy-devices', 'virtual-ethernets']) {
    if (present(root[section])) r.warn([...rootPath, section], `${section} are rendered by the netplan renderer only; other renderers ignore them`);
  }

  // Device keys (ids) of every section, for references between devices.
  const ids = new Map<string, string>();
  const sections: { key: string; devices: Mapping }[] = [];
  for (const key of Object.keys(root)) {
    if (lookup(SECTION_TYPE, key) === undefined) continue;
    if (!present(root[key])) continue;
    const devices = r.mapping(root[key], [...rootPath, key]);
    if (!devices) continue;
    sections.push({ key, devices });
  }
  const duplicates = new Set<string>();
  for (const { key, devices } of sections) {
    for (const id of Object.keys(devices)) {
      const first = ids.get(id);
      if (first === undefined) {
        ids.set(id, key);
        continue;
      }
      duplicates.add(`${key}\0${id}`);
      r.error(
        [...rootPath, key, id],
        `device id ${show(id)} is already defined in ${first}; ids must be unique across ethernets, bonds, bridges and vlans`,
      );
    }
  }

  /** Where each device name was defined. */
  const names = new Map<string, PathSegment[]>();
  /** Bond or bridge each member belongs to. */
  const memberOf = new Map<string, { type: InterfaceType; id: string }>();
  for (const { key, devices } of sections) {
    for (const [id, raw] of Object.entries(devices)) {
      const path = [...rootPath, key, id];
      if (duplicates.has(`${key}\0${id}`)) continue;
      if (readDeviceId(r, id, path) === undefined) continue;
      const cfg = raw === null ? {} : r.mapping(raw, path);
      if (!cfg) continue;
      r.checkKeys(cfg, path, SECTION_KEYS[key]!, `a ${key.slice(0, -1)} definition`);
      const iface = readDevice(r, id, cfg, path, SECTION_TYPE[key]!, opts, ids, state);
      if (!iface) continue;
      const clash = names.get(iface.name);
      if (clash) {
        r.error(iface.setName ? [...path, 'set-name'] : path, `device name ${show(iface.name)} is already used by ${formatPath(clash)}`);
        continue;
      }
      names.set(iface.name, path);
      const rawMembers = Array.isArray(cfg['interfaces']) ? (cfg['interfaces'] as unknown[]) : [];
      for (const member of [...(iface.bondInterfaces ?? []), ...(iface.bridgePorts ?? [])]) {
        const owner = memberOf.get(member);
        const index = rawMembers.findIndex((m) => String(m) === member);
        const at = index >= 0 ? [...path, 'interfaces', index] : [...path, 'interfaces'];
        if (owner !== undefined) {
          r.error(at, `${show(member)} is already a ${owner.type === 'bond' ? 'member of bond' : 'port of bridge'} ${show(owner.id)}`);
        } else memberOf.set(member, { type: iface.type, id });
      }
      state.interfaces.push(iface);
    }
  }
  reportCycles(r, state.interfaces, (id) => [...rootPath, ids.get(id) ?? '', id]);
  // Member and link references use device ids; the state uses device names.
  const nameOfId = new Map<string, string>();
  for (const i of state.interfaces) nameOfId.set(i.configId, i.name);
  for (const i of state.interfaces) {
    if (i.bondInterfaces) i.bondInterfaces = i.bondInterfaces.map((m) => nameOfId.get(m) ?? m);
    if (i.bridgePorts) i.bridgePorts = i.bridgePorts.map((m) => nameOfId.get(m) ?? m);
    if (i.vlanLink !== undefined) i.vlanLink = nameOfId.get(i.vlanLink) ?? i.vlanLink;
  }
  for (const i of state.interfaces) {
    for (const m of i.bondInterfaces ?? []) {
      const member = state.interfaces.find((x) => x.name === m);
      if (member) member.bondMaster = i.name;
    }
  }
  state.useIpv6 = state.useIpv6 || state.interfaces.some((i) => i.subnets.some((s) => s.type.endsWith('6') || (s.address ?? '').includes(':')));
  return state;
}

/**
 * Devices that, through VLAN links and bond or bridge members, depend on
 * themselves (a is on b, b is on a) can be brought up in no order: an error
 * at the device where the loop closes. (A device naming itself is reported
 * where it is read.)
 */
function reportCycles(r: Reader, interfaces: readonly Interface[], pathOf: (id: string) => PathSegment[]): void {
  const byId = new Map(interfaces.map((i) => [i.configId, i]));
  const deps = (i: Interface) => [...(i.vlanLink !== undefined ? [i.vlanLink] : []), ...(i.bondInterfaces ?? []), ...(i.bridgePorts ?? [])].filter((d) => d !== i.configId && byId.has(d));
  const color = new Map<string, 'open' | 'done'>();
  for (const start of byId.keys()) {
    if (color.has(start)) continue;
    // Iterative depth-first walk: a long chain of devices must not exhaust the stack.
    const stack: { id: string; next: string[] }[] = [{ id: start, next: deps(byId.get(start)!) }];
    color.set(start, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const d = top.next.pop();
      if (d === undefined) {
        color.set(top.id, 'done');
        stack.pop();
      } else if (color.get(d) === 'open') {
        const loop = [...stack.slice(stack.findIndex((f) => f.id === d)).map((f) => f.id), d];
        r.error(pathOf(top.id), `devices are built on each other in a loop: ${loop.map((x) => show(x)).join(' → ')} (each is a link or member of the one before)`);
      } else if (!color.has(d)) {
        color.set(d, 'open');
        stack.push({ id: d, next: deps(byId.get(d)!) });
      }
    }
  }
}

function readDevice(
  r: Reader,
  id: string,
  cfg: Mapping,
  path: PathSegment[],
  type: InterfaceType,
  opts: V2Options,
  ids: ReadonlyMap<string, string>,
  state: NetworkState,
): Interface | undefined {
  let name = id;
  const iface: Interface = { name, configId: id, type, subnets: [], routes: [], routingPolicy: [] };
  if (type === 'physical') {
    const match = present(cfg['match']) ? r.mapping(cfg['match'], [...path, 'match']) : undefined;
    if (match) {
      r.checkKeys(match, [...path, 'match'], new Set(['macaddress', 'name', 'driver']), 'a match rule');
      iface.match = {};
      if (present(match['macaddress'])) {
        const mac = readMac(r, match['macaddress'], [...path, 'match', 'macaddress']);
        if (mac !== undefined) iface.match.macAddress = iface.macAddress = mac;
        if (mac !== undefined && mac.includes('-')) {
          r.warn([...path, 'match', 'macaddress'], 'netplan requires ":" between the bytes of a MAC address; other renderers accept "-"');
        }
      }
      if (present(match['name'])) {
        const n = r.string(match['name'], [...path, 'match', 'name']);
        if (n !== undefined) {
          if (n === '' || /[\s/]/.test(n)) r.error([...path, 'match', 'name'], `${show(n)} is not a valid interface name pattern`);
          else iface.match.name = n;
        }
      }
      if (present(match['driver'])) {
        const d = r.strings(match['driver'], [...path, 'match', 'driver']);
        if (d !== undefined && d.length > 0) iface.match.driver = iface.driver = d.join(' ');
      }
    }
    if (present(cfg['set-name'])) {
      const n = readIfName(r, cfg['set-name'], [...path, 'set-name']);
      if (n !== undefined) {
        name = n;
        iface.setName = true;
        if (!match) r.warn([...path, 'set-name'], 'set-name needs a match rule to select the device; netplan ignores it otherwise');
      }
    } else if (iface.macAddress !== undefined && opts.macToName?.get(iface.macAddress) !== undefined) {
      name = opts.macToName.get(iface.macAddress)!;
    } else if (!match || (match.name === undefined && iface.macAddress === undefined && iface.driver === undefined)) {
      if (readIfName(r, id, path) === undefined) return undefined;
    }
  } else if (readIfName(r, id, path) === undefined) {
    return undefined;
  }
  iface.name = name;

  if (present(cfg['macaddress'])) {
    const mac = readMac(r, cfg['macaddress'], [...path, 'macaddress']);
    if (mac !== undefined) {
      if (type === 'physical') {
        r.warn([...path, 'macaddress'], 'setting the MAC address of an ethernet is rendered by netplan only');
      } else iface.macAddress = mac;
    }
  }
  if (present(cfg['mtu'])) {
    const mtu = readMtu(r, cfg['mtu'], [...path, 'mtu']);
    if (mtu !== undefined) iface.mtu = mtu;
  }
  for (const [key, field] of [
    ['accept-ra', 'acceptRa'],
    ['wakeonlan', 'wakeOnLan'],
    ['optional', 'optional'],
    // netplan's `critical` is v1's keep_configuration (networkd KeepConfiguration=).
    ['critical', 'keepConfiguration'],
  ] as const) {
    if (present(cfg[key])) {
      const b = r.bool(cfg[key], [...path, key]);
      if (b !== undefined) iface[field] = b;
    }
  }
  for (const [key, field] of [
    ['dhcp4-overrides', 'dhcp4Overrides'],
    ['dhcp6-overrides', 'dhcp6Overrides'],
  ] as const) {
    if (present(cfg[key])) {
      const o = readOverrides(r, cfg[key], [...path, key]);
      if (o) iface[field] = o;
    }
  }

  if (present(cfg['ra-overrides'])) {
    const o = readRaOverrides(r, cfg['ra-overrides'], [...path, 'ra-overrides']);
    if (o) iface.raOverrides = o;
  }

  if (type === 'bond' || type === 'bridge') {
    const members = present(cfg['interfaces']) ? r.list(cfg['interfaces'], [...path, 'interfaces']) : undefined;
    const list: string[] = [];
    (members ?? []).forEach((m, i) => {
      const mid = readDeviceId(r, m, [...path, 'interfaces', i]);
      if (mid === undefined) return;
      if (mid === id) r.error([...path, 'interfaces', i], `${type} ${show(id)} lists itself as a member`);
      else if (!ids.has(mid)) r.error([...path, 'interfaces', i], `${type} ${show(id)} refers to ${show(mid)}, which is not defined`);
      else list.push(mid);
    });
    if (type === 'bond') {
      if (!members) r.error(path, `bond ${show(id)} has no "interfaces" (its member devices)`);
      else if (members.length === 0) r.error([...path, 'interfaces'], `bond ${show(id)} has no member interfaces`);
      iface.bondInterfaces = list;
      iface.bondParams = {};
    } else {
      iface.bridgePorts = list;
      iface.bridgeParams = {};
    }
    if (present(cfg['parameters'])) {
      const params = r.mapping(cfg['parameters'], [...path, 'parameters']);
      if (params) {
        if (type === 'bond') readBondParams(r, params, [...path, 'parameters'], iface.bondParams!);
        else readBridgeParams(r, params, [...path, 'parameters'], iface.bridgeParams!, list);
      }
    }
  }
  if (type === 'vlan') {
    if (!present(cfg['id'])) r.error(path, `vlan ${show(id)} has no "id" (the VLAN number, 0 to 4094)`);
    else {
      const vid = r.int(cfg['id'], [...path, 'id'], 0, 4094);
      if (vid !== undefined) iface.vlanId = vid;
    }
    if (!present(cfg['link'])) r.error(path, `vlan ${show(id)} has no "link" (the id of the device it is on)`);
    else {
      const link = readDeviceId(r, cfg['link'], [...path, 'link']);
      if (link !== undefined) {
        if (!ids.has(link)) r.error([...path, 'link'], `vlan ${show(id)} refers to ${show(link)}, which is not defined`);
        else if (link === id) r.error([...path, 'link'], `vlan ${show(id)} names itself as its link`);
        else iface.vlanLink = link;
      }
    }
  }

  readIpConfig(r, cfg, path, iface, state);
  return iface;
}

function readOverrides(r: Reader, raw: unknown, path: PathSegment[]): DhcpOverrides | undefined {
  const m = r.mapping(raw, path);
  if (!m) return undefined;
  const out: DhcpOverrides = {};
  for (const [key, value] of Object.entries(m)) {
    const field = lookup(OVERRIDE_KEYS, key);
    const at = [...path, key];
    if (!field) {
      r.warn(at, 'unknown DHCP override, ignored');
      continue;
    }
    if (field === 'hostname') {
      const h = r.string(value, at);
      if (h !== undefined) out.hostname = h;
    } else if (field === 'routeMetric') {
      const n = r.int(value, at, 0, 4294967295);
      if (n !== undefined) out.routeMetric = n;
    } else if (field === 'useDomains' && value === 'route') {
      out.useDomains = 'route';
    } else {
      const b = r.bool(value, at);
      if (b !== undefined) out[field] = b;
    }
  }
  return out;
}

/** netplan >= 1.1 `ra-overrides`: use-dns, use-domains (true, false or "route") and the route table. */
function readRaOverrides(r: Reader, raw: unknown, path: PathSegment[]): RaOverrides | undefined {
  const m = r.mapping(raw, path);
  if (!m) return undefined;
  const out: RaOverrides = {};
  for (const [key, value] of Object.entries(m)) {
    const at = [...path, key];
    if (key === 'table') {
      const n = r.int(value, at, 1, 4294967295);
      if (n !== undefined) out.table = n;
    } else if (key === 'use-domains' && value === 'route') {
      out.useDomains = 'route';
    } else if (key === 'use-dns' || key === 'use-domains') {
      const b = r.bool(value, at);
      if (b !== undefined) out[key === 'use-dns' ? 'useDns' : 'useDomains'] = b;
    } else {
      r.warn(at, 'unknown router advertisement override (netplan has use-dns, use-domains and table), ignored');
    }
  }
  return out;
}

function readBondParams(r: Reader, params: Mapping, path: PathSegment[], out: BondParams): void {
  for (const [key, value] of Object.entries(params)) {
    const at = [...path, key];
    const v1 = lookup(BOND_V2_TO_V1, key);
    if (!v1) {
      r.warn(at, 'unknown bond parameter, ignored');
      continue;
    }
    // Strings go through the reader: a line break would start a new line in the rendered netdev/ENI/keyfile.
    if (typeof value === 'string') {
      const s = r.string(value, at);
      if (s !== undefined && (key !== 'mode' || checkBondMode(r, s, at))) out[v1] = s;
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      if (key !== 'mode' || checkBondMode(r, value, at)) out[v1] = value;
    } else if (Array.isArray(value)) {
      const list = r.strings(value, at);
      if (list) out[v1] = list;
    } else r.error(at, `must be a string, number or boolean, not ${show(value)}`);
  }
}

function readBridgeParams(r: Reader, params: Mapping, path: PathSegment[], out: BridgeParams, ports: string[]): void {
  for (const [key, value] of Object.entries(params)) {
    const at = [...path, key];
    const v1 = lookup(BRIDGE_V2_TO_V1, key);
    if (!v1) {
      r.warn(at, 'unknown bridge parameter, ignored');
      continue;
    }
    if (key === 'stp') {
      const b = r.bool(value, at);
      if (b !== undefined) out[v1] = b;
    } else if (key === 'path-cost' || key === 'port-priority') {
      const m = r.mapping(value, at);
      if (!m) continue;
      const per: Record<string, number> = {};
      for (const [port, n] of Object.entries(m)) {
        if (!ports.includes(port)) r.error([...at, port], `${show(port)} is not a port of this bridge`);
        const v = r.int(n, [...at, port], 0, key === 'port-priority' ? 63 : 65535);
        if (v !== undefined) per[port] = v;
      }
      out[v1] = per;
    } else {
      const n = r.int(value, at, 0);
      if (n !== undefined) out[v1] = n;
    }
  }
}

/** dhcp4/dhcp6/addresses/gateways/nameservers/routes/routing-policy → subnets and routes. */
function readIpConfig(r: Reader, cfg: Mapping, path: PathSegment[], iface: Interface, state: NetworkState): void {
  for (const [key, type] of [
    ['dhcp4', 'dhcp4'],
    ['dhcp6', 'dhcp6'],
  ] as const) {
    if (!present(cfg[key])) continue;
    if (!r.bool(cfg[key], [...path, key])) continue;
    const subnet: Subnet = { type, dnsNameservers: [], dnsSearch: [], routes: [] };
    const metric = (type === 'dhcp4' ? iface.dhcp4Overrides : iface.dhcp6Overrides)?.routeMetric;
    if (metric !== undefined) subnet.metric = metric;
    iface.subnets.push(subnet);
    if (type === 'dhcp6') state.useIpv6 = true;
  }

  let gateway4: string | undefined;
  let gateway6: string | undefined;
  if (present(cfg['gateway4'])) gateway4 = readIP(r, cfg['gateway4'], [...path, 'gateway4'], 4);
  if (present(cfg['gateway6'])) gateway6 = readIP(r, cfg['gateway6'], [...path, 'gateway6'], 6);

  let nameservers: string[] = [];
  let search: string[] = [];
  const ns = present(cfg['nameservers']) ? r.mapping(cfg['nameservers'], [...path, 'nameservers']) : undefined;
  if (ns) {
    r.checkKeys(ns, [...path, 'nameservers'], new Set(['addresses', 'search']), 'nameservers');
    for (const key of ['addresses', 'search']) {
      if (typeof ns[key] === 'string') r.warn([...path, 'nameservers', key], 'netplan requires a list here; a single string is accepted but netplan itself rejects it');
    }
    if (present(ns['addresses'])) nameservers = readNameservers(r, ns['addresses'], [...path, 'nameservers', 'addresses']);
    if (present(ns['search'])) search = readSearchDomains(r, ns['search'], [...path, 'nameservers', 'search']);
    state.dns.nameservers.push(...nameservers);
    state.dns.search.push(...search);
    iface.dns = { nameservers, search };
  }

  let first4 = true;
  let first6 = true;
  let dnsGiven = false;
  const addresses = present(cfg['addresses']) ? r.list(cfg['addresses'], [...path, 'addresses']) ?? [] : [];
  addresses.forEach((entry, i) => {
    const at = [...path, 'addresses', i];
    // netplan also allows `- 10.0.0.5/24: {lifetime: 0, label: x}`
    const text = isMapping(entry) && Object.keys(entry).length === 1 ? Object.keys(entry)[0] : entry;
    const a = readAddress(r, text, at);
    if (!a) return;
    if (typeof text === 'string' && !text.includes('/')) {
      r.error(at, `${show(text)} has no prefix length; write it as address/prefix, e.g. "${text}/${a.family === 4 ? 24 : 64}"`);
      return;
    }
    const subnet: Subnet = { type: 'static', address: a.address, prefix: a.prefix, dnsNameservers: [], dnsSearch: [], routes: [] };
    if (a.family === 4 && first4) {
      first4 = false;
      if (gateway4 !== undefined) subnet.gateway = gateway4;
    }
    if (a.family === 6 && first6) {
      first6 = false;
      if (gateway6 !== undefined) subnet.gateway = gateway6;
    }
    if (!dnsGiven && (nameservers.length > 0 || search.length > 0)) {
      dnsGiven = true;
      subnet.dnsNameservers = [...nameservers];
      subnet.dnsSearch = [...search];
    }
    iface.subnets.push(subnet);
  });
  if (gateway4 !== undefined && first4) r.warn([...path, 'gateway4'], 'gateway4 is ignored: the device has no IPv4 address');
  if (gateway6 !== undefined && first6) r.warn([...path, 'gateway6'], 'gateway6 is ignored: the device has no IPv6 address');

  const routes: Route[] = [];
  const rawRoutes = present(cfg['routes']) ? r.list(cfg['routes'], [...path, 'routes']) ?? [] : [];
  rawRoutes.forEach((raw, i) => {
    const at = [...path, 'routes', i];
    const m = r.mapping(raw, at);
    if (!m) return;
    r.checkKeys(m, at, ROUTE_KEYS, 'a route');
    const route = readRoute(r, m, at, { dest: ['to'], gw: 'via' });
    if (route) routes.push(route);
  });
  if (routes.length > 0) {
    const first = iface.subnets[0];
    if (first) first.routes.push(...routes);
    else iface.routes.push(...routes);
  }

  const rawPolicy = present(cfg['routing-policy']) ? r.list(cfg['routing-policy'], [...path, 'routing-policy']) ?? [] : [];
  rawPolicy.forEach((raw, i) => {
    const at = [...path, 'routing-policy', i];
    const rule = readPolicyRule(r, raw, at);
    if (rule) iface.routingPolicy.push(rule);
  });
}

function readPolicyRule(r: Reader, raw: unknown, path: PathSegment[]): RoutingPolicyRule | undefined {
  const m = r.mapping(raw, path);
  if (!m) return undefined;
  r.checkKeys(m, path, POLICY_KEYS, 'a routing-policy rule');
  const rule: RoutingPolicyRule = {};
  for (const key of ['from', 'to'] as const) {
    if (!present(m[key])) continue;
    const a = readAddress(r, m[key], [...path, key]);
    if (a) rule[key] = String(m[key]).includes('/') ? `${a.address}/${a.prefix}` : a.address;
  }
  if (present(m['table'])) {
    const t = r.int(m['table'], [...path, 'table'], 0, 4294967295);
    if (t !== undefined) rule.table = t;
  }
  if (present(m['priority'])) {
    const p = r.int(m['priority'], [...path, 'priority'], 0, 4294967295);
    if (p !== undefined) rule.priority = p;
  }
  if (present(m['mark'])) {
    const p = r.int(m['mark'], [...path, 'mark'], 0, 4294967295);
    if (p !== undefined) rule.mark = p;
  }
  if (present(m['type-of-service'])) {
    const p = r.int(m['type-of-service'], [...path, 'type-of-service'], 0, 255);
    if (p !== undefined) rule.typeOfService = p;
  }
  if (rule.from === undefined && rule.to === undefined) r.error(path, 'routing-policy rule needs from or to');
  if (rule.table === undefined) r.error(path, 'routing-policy rule needs a table');
  return rule;
}
