/**
 * Debian ENI text (/etc/network/interfaces) → network config v1, as
 * cloud-init's `net-convert --kind eni` reads it: one v1 device per
 * interface (aliases such as eth0:1 fold into eth0), one subnet per `iface`
 * stanza, devices sorted by name.
 *
 * Beyond cloud-init: bonds, bridges and VLANs become v1 bond/bridge/vlan
 * entries (cloud-init turns them into plain physical devices), inet6
 * methods keep their family, `allow-hotplug` is kept, MTU, metric,
 * accept_ra, Wake-on-LAN and route commands in `up`/`post-up` lines are
 * converted, and every problem is reported with its line.
 */
import { show, type PathSegment } from '../../text/diagnostics.ts';
import { Reader, type Mapping } from '../../text/reader.ts';
import { ipv4MaskToPrefix, ipv6MaskToPrefix, parsePrefix } from '../ip.ts';
import { readIfName, readIP, readMac, readMtu, readNameservers, readSearchDomains } from './fields.ts';
import { parseRouteCommand } from './eni/route-command.ts';
import { logicalLines, type EniLine } from './eni/lines.ts';

interface Stanza {
  /** Name as written, e.g. "eth0:1". */
  name: string;
  device: string;
  family: 'inet' | 'inet6';
  method: string;
  line: EniLine;
  subnet: Mapping;
  routes: Mapping[];
  /** inet6 auto: `dhcp 1` asks for stateless DHCPv6. */
  dhcp?: boolean;
}

interface Device {
  name: string;
  line: EniLine;
  stanzas: Stanza[];
  mac?: string;
  acceptRa?: boolean;
  wakeOnLan?: boolean;
  bondMaster?: string;
  bondSlaves?: string[];
  bondParams: Record<string, string>;
  bridgePorts?: string[];
  bridgeParams: Record<string, string | string[]>;
  vlanRawDevice?: string;
  vlanId?: string;
}

const METHODS: Record<'inet' | 'inet6', readonly string[]> = {
  inet: ['static', 'dhcp', 'manual', 'loopback'],
  inet6: ['static', 'dhcp', 'auto', 'manual', 'loopback'],
};
/** Stanza keywords that end the current stanza and that a conversion cannot follow. */
const UNFOLLOWED = new Set(['source', 'source-directory', 'source-dir', 'rename', 'no-auto-down', 'no-scripts']);
/** Commands run once the addresses are up: where route additions belong. */
const UP_COMMANDS = new Set(['up', 'post-up']);
/** Commands run on the way down: where the mirrors of those additions are. */
const DOWN_COMMANDS = new Set(['down', 'pre-down', 'post-down']);
const COMMANDS = new Set(['pre-up', ...UP_COMMANDS, ...DOWN_COMMANDS]);

/** Diagnostics located at the ENI line being read. */
class LineReader extends Reader {
  private readonly here: { at?: { line: number; column: number } };
  constructor(source: string) {
    const here: { at?: { line: number; column: number } } = {};
    super({ source, locate: () => here.at });
    this.here = here;
  }
  on(line: EniLine): this {
    this.here.at = { line: line.number, column: line.column };
    return this;
  }
}

/** Returns a v1 config document ({version: 1, config: [...]}) or undefined after recording errors in `r`. */
export function eniToV1(r: Reader, text: string): Record<string, unknown> | undefined {
  const lr = new LineReader(r.doc.source);
  const devices = readStanzas(lr, text);
  const config = toV1(lr, devices);
  r.diagnostics.push(...lr.diagnostics);
  if (lr.failed) return undefined;
  return { version: 1, config };
}

function readStanzas(lr: LineReader, text: string): Map<string, Device> {
  const devices = new Map<string, Device>();
  const control = new Map<string, 'auto' | 'hotplug'>();
  const stanzas: Stanza[] = [];
  let current: Stanza | 'skip' | undefined;
  for (const line of logicalLines(text)) {
    const [keyword = '', ...rest] = line.words;
    if (keyword === 'auto' || keyword === 'allow-auto' || keyword === 'allow-hotplug') {
      const mode = keyword === 'allow-hotplug' ? 'hotplug' : 'auto';
      // `auto` wins over `allow-hotplug`: ifupdown brings the interface up at boot either way.
      for (const name of rest) if (control.get(name) !== 'auto') control.set(name, mode);
      continue;
    }
    if (keyword.startsWith('allow-')) {
      lr.on(line).warn([], `"${keyword}" classes are not converted (only auto and allow-hotplug are)`);
      continue;
    }
    if (keyword === 'mapping') {
      lr.on(line).warn([], 'mapping stanzas are not converted');
      current = 'skip';
      continue;
    }
    if (UNFOLLOWED.has(keyword)) {
      lr.on(line).warn([], `"${line.words.join(' ')}" is not followed: a conversion reads only the text it is given`);
      current = undefined;
      continue;
    }
    if (keyword === 'iface') {
      current = readIfaceLine(lr, line, rest) ?? 'skip';
      if (current !== 'skip') {
        stanzas.push(current);
        deviceFor(devices, current).stanzas.push(current);
      }
      continue;
    }
    if (current === 'skip') continue;
    if (current === undefined) {
      lr.on(line).error([keyword], 'option outside of an iface stanza');
      continue;
    }
    readOption(lr, line, current, deviceFor(devices, current), keyword, rest);
  }
  for (const stanza of stanzas) {
    const mode = control.get(stanza.name);
    stanza.subnet['control'] = mode ?? 'manual';
  }
  return devices;
}

function deviceFor(devices: Map<string, Device>, stanza: Stanza): Device {
  let device = devices.get(stanza.device);
  if (!device) {
    device = { name: stanza.device, line: stanza.line, stanzas: [], bondParams: {}, bridgeParams: {} };
    devices.set(stanza.device, device);
  }
  return device;
}

function readIfaceLine(lr: LineReader, line: EniLine, words: string[]): Stanza | undefined {
  const [name, family, method, ...extra] = words;
  if (name === undefined || family === undefined || method === undefined) {
    return lr.on(line).error([], 'an iface line needs a name, an address family and a method ("iface eth0 inet dhcp")');
  }
  const device = readIfName(lr.on(line), name.split(':')[0], [name]);
  if (device === undefined) return undefined;
  if (family !== 'inet' && family !== 'inet6') {
    return lr.on(line).error([name], `address family ${show(family)} is not supported (inet or inet6)`);
  }
  if (!METHODS[family].includes(method)) {
    return lr.on(line).error([name], `method ${show(method)} of ${family} cannot be converted (${METHODS[family].join(', ')})`);
  }
  if (extra.length > 0) lr.on(line).warn([name], `words after the method are ignored: ${show(extra.join(' '))}`);
  return { name, device, family, method, line, subnet: {}, routes: [] };
}

function readOption(lr: LineReader, line: EniLine, stanza: Stanza, device: Device, key: string, values: string[]): void {
  const path: PathSegment[] = [stanza.name, key];
  const at = lr.on(line);
  const value = values[0];
  if (value === undefined) {
    at.error(path, 'option has no value');
    return;
  }
  const v4 = stanza.family === 'inet';
  switch (key) {
    case 'address': {
      const a = parsePrefix(value);
      if (!a) at.error(path, `${show(value)} is not an IP address or prefix`);
      else if (a.family !== (v4 ? 4 : 6)) at.error(path, `${show(value)} is not an ${v4 ? 'IPv4' : 'IPv6'} address, as ${stanza.family} needs`);
      else stanza.subnet['address'] = value;
      return;
    }
    case 'netmask': {
      const prefix = v4 ? ipv4MaskToPrefix(value) : ipv6MaskToPrefix(value);
      if (prefix === undefined) at.error(path, `${show(value)} is not a valid ${stanza.family} netmask`);
      else stanza.subnet['netmask'] = value;
      return;
    }
    case 'gateway': {
      const gw = readIP(at, value, path, v4 ? 4 : 6);
      if (gw !== undefined) stanza.subnet['gateway'] = gw;
      return;
    }
    case 'broadcast': {
      // "+" and "-" ask ifupdown to derive the broadcast address; v1 always does.
      if (value === '+' || value === '-') return;
      const b = readIP(at, value, path, 4);
      if (b !== undefined) stanza.subnet['broadcast'] = b;
      return;
    }
    case 'metric': {
      const m = at.int(value, path, 0, 4294967295);
      if (m !== undefined) stanza.subnet['metric'] = m;
      return;
    }
    case 'mtu': {
      const m = readMtu(at, value, path);
      if (m !== undefined) stanza.subnet['mtu'] = m;
      return;
    }
    case 'hwaddress': {
      const mac = readMac(at, value === 'ether' ? values[1] : value, path);
      if (mac === undefined) return;
      if (device.mac !== undefined && device.mac !== mac) at.warn(path, `${device.name} already has hardware address ${device.mac}; ${mac} is ignored`);
      else device.mac = mac;
      return;
    }
    case 'dns-nameservers':
      append(stanza.subnet, 'dns_nameservers', readNameservers(at, values, path));
      return;
    case 'dns-search':
    case 'dns-domain':
      append(stanza.subnet, 'dns_search', readSearchDomains(at, values, path));
      return;
    case 'accept_ra':
    case 'accept-ra':
      if (!['0', '1', '2'].includes(value)) at.error(path, `${show(value)} is not an accept_ra value (0, 1 or 2)`);
      else device.acceptRa = value !== '0';
      return;
    case 'dhcp':
      if (stanza.family === 'inet6' && stanza.method === 'auto') stanza.dhcp = value === '1';
      else at.warn(path, 'only the inet6 auto method has a dhcp option; ignored');
      return;
    case 'ethernet-wol':
      device.wakeOnLan = value.includes('g');
      return;
    case 'vlan-raw-device':
    case 'vlan_raw_device':
      if (readIfName(at, value, path) !== undefined) device.vlanRawDevice = value;
      return;
    case 'vlan-id':
    case 'vlan_id':
      device.vlanId = value;
      return;
  }
  if (/^bond[-_]/.test(key)) return readBondOption(device, key.slice(5).replace(/_/g, '-'), values);
  if (/^bridge[-_]/.test(key)) return readBridgeOption(at, path, device, key.slice(7).replace(/-/g, '_'), values);
  if (COMMANDS.has(key)) return readCommand(at, path, stanza, key, values.join(' '));
  at.warn(path, 'option is not converted');
}

function append(subnet: Mapping, key: string, values: string[]): void {
  const list = (subnet[key] as string[] | undefined) ?? [];
  subnet[key] = [...list, ...values];
}

function readBondOption(device: Device, option: string, values: string[]): void {
  if (option === 'master') device.bondMaster = values[0];
  else if (option === 'slaves') device.bondSlaves = values[0] === 'none' ? [] : values;
  else device.bondParams[`bond-${option}`] = values.join(' ');
}

function readBridgeOption(at: LineReader, path: PathSegment[], device: Device, option: string, values: string[]): void {
  const params = device.bridgeParams;
  if (option === 'ports') {
    if (values[0] === 'all' || values[0] === 'regex') at.error(path, `bridge_ports ${values[0]} cannot be converted; list the ports`);
    else device.bridgePorts = values[0] === 'none' ? [] : values;
  } else if (option === 'hw') {
    // Both "bridge_hw MAC" and the documented-by-mistake "bridge_hw mac MAC" occur.
    const mac = readMac(at, values[0]?.toLowerCase() === 'mac' ? values[1] : values[0], path);
    if (mac !== undefined) device.mac ??= mac;
  } else if (option === 'pathcost' || option === 'portprio' || option === 'waitport') {
    const list = (params[`bridge_${option}`] as string[] | undefined) ?? [];
    params[`bridge_${option}`] = [...list, values.join(' ')];
  } else {
    params[`bridge_${option}`] = values.join(' ');
  }
}

function readCommand(at: LineReader, path: PathSegment[], stanza: Stanza, key: string, command: string): void {
  const parsed = parseRouteCommand(command);
  if (parsed.kind === 'del' && DOWN_COMMANDS.has(key)) return;
  if (parsed.kind !== 'add' || !UP_COMMANDS.has(key)) {
    const why = parsed.kind === 'invalid' ? `: ${parsed.reason}` : '';
    at.warn(path, `command ${show(command)} is not converted${why}`);
    return;
  }
  const route = parsed.route;
  if (route.device !== undefined && route.device !== stanza.device) {
    at.warn(path, `route ${show(command)} is for device ${show(route.device)}, not ${show(stanza.device)}; not converted`);
    return;
  }
  const prefix = parsePrefix(route.destination);
  if (!prefix) {
    at.error(path, `${show(route.destination)} is not a route destination`);
    return;
  }
  if (route.gateway !== undefined && readIP(at, route.gateway, path, prefix.family) === undefined) return;
  if (!route.destination.includes('/')) at.warn(path, `route ${show(command)} has no prefix length; ${prefix.family === 4 ? 24 : 64} is assumed`);
  if (route.ignored.length > 0) at.warn(path, `route ${show(command)}: ${route.ignored.join(', ')} not converted`);
  const v1: Mapping = { destination: route.destination };
  if (route.gateway !== undefined) v1['gateway'] = route.gateway;
  for (const field of ['metric', 'table', 'mtu'] as const) {
    const raw = route[field];
    if (raw === undefined) continue;
    const n = at.int(raw, path, 0, 4294967295);
    if (n !== undefined) v1[field] = n;
  }
  stanza.routes.push(v1);
}

/** Devices → v1 entries, sorted by name as cloud-init does. */
function toV1(lr: LineReader, devices: Map<string, Device>): Mapping[] {
  const entries: Mapping[] = [];
  const declared = new Set(devices.keys());
  for (const device of [...devices.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const subnets = subnetsOf(lr, device);
    const entry: Mapping = { type: deviceType(device, devices), name: device.name, subnets };
    // MTU is a property of the link: the first stanza's is the device's.
    const first = subnets[0];
    if (first !== undefined && first['mtu'] !== undefined) {
      entry['mtu'] = first['mtu'];
      delete first['mtu'];
    }
    if (device.mac !== undefined) entry['mac_address'] = device.mac;
    if (device.acceptRa !== undefined) entry['accept-ra'] = device.acceptRa;
    if (device.wakeOnLan !== undefined) entry['wakeonlan'] = device.wakeOnLan;
    if (entry['type'] === 'bond') Object.assign(entry, bondFields(lr, device, devices));
    else if (entry['type'] === 'bridge') Object.assign(entry, { bridge_interfaces: device.bridgePorts ?? [], params: device.bridgeParams });
    else if (entry['type'] === 'vlan') {
      const vlan = vlanFields(lr, device);
      if (!vlan) continue;
      Object.assign(entry, vlan);
      // ifupdown's vlan package does not need a stanza for the raw device; v1 does.
      if (!declared.has(vlan.vlan_link)) {
        declared.add(vlan.vlan_link);
        entries.push({ type: 'physical', name: vlan.vlan_link });
      }
    }
    if (entry['type'] !== 'bridge' && Object.keys(device.bridgeParams).length > 0) {
      lr.on(device.line).warn([device.name], 'bridge options without bridge_ports are ignored');
    }
    entries.push(entry);
  }
  return entries;
}

function deviceType(device: Device, devices: Map<string, Device>): string {
  if (device.name === 'lo') return 'loopback';
  if (device.bridgePorts !== undefined) return 'bridge';
  if (device.bondSlaves !== undefined || [...devices.values()].some((d) => d.bondMaster === device.name)) return 'bond';
  if (device.vlanRawDevice !== undefined || /^.+\.\d+$/.test(device.name)) return 'vlan';
  // Only InfiniBand has 20-byte hardware addresses.
  if (device.mac !== undefined && device.mac.split(':').length === 20) return 'infiniband';
  return 'physical';
}

function subnetsOf(lr: LineReader, device: Device): Mapping[] {
  const subnets: Mapping[] = [];
  for (const stanza of device.stanzas) {
    const type = subnetType(stanza);
    if (type === undefined) {
      lr.on(stanza.line).warn([stanza.name], 'inet6 loopback adds nothing to inet loopback; not converted');
      continue;
    }
    if (type.startsWith('static') && stanza.subnet['address'] === undefined) {
      lr.on(stanza.line).error([stanza.name], `a static ${stanza.family} stanza needs an address`);
      continue;
    }
    const subnet: Mapping = { type, ...stanza.subnet };
    if (stanza.routes.length > 0) subnet['routes'] = stanza.routes;
    // A manual stanza that is never brought up and sets nothing only declares the device.
    if (type === 'manual' && subnet['control'] === 'manual' && Object.keys(subnet).length === 2) continue;
    subnets.push(subnet);
  }
  return subnets;
}

function subnetType(stanza: Stanza): string | undefined {
  if (stanza.family === 'inet') return stanza.method;
  switch (stanza.method) {
    case 'static':
      return 'static6';
    case 'dhcp':
      return 'dhcp6';
    case 'auto':
      return stanza.dhcp ? 'ipv6_dhcpv6-stateless' : 'ipv6_slaac';
    case 'loopback':
      return undefined;
    default:
      return stanza.method;
  }
}

function bondFields(lr: LineReader, bond: Device, devices: Map<string, Device>): Mapping {
  const members = [...(bond.bondSlaves ?? [])];
  const params: Record<string, string> = { ...bond.bondParams };
  for (const d of devices.values()) {
    if (d.bondMaster !== bond.name) continue;
    if (!members.includes(d.name)) members.push(d.name);
    // Members usually repeat the bond's options; the bond's own stanza wins.
    for (const [k, v] of Object.entries(d.bondParams)) params[k] ??= v;
  }
  if (members.length === 0) lr.on(bond.line).error([bond.name], 'bond has no members (bond-slaves, or bond-master on the members)');
  return { bond_interfaces: members, params };
}

function vlanFields(lr: LineReader, vlan: Device): { vlan_link: string; vlan_id: number } | undefined {
  const dotted = /^(.+)\.(\d+)$/.exec(vlan.name);
  const numbered = /^vlan(\d+)$/.exec(vlan.name);
  const link = vlan.vlanRawDevice ?? dotted?.[1];
  const idText = vlan.vlanId ?? dotted?.[2] ?? numbered?.[1];
  if (link === undefined) return lr.on(vlan.line).error([vlan.name], 'VLAN has no vlan-raw-device');
  if (idText === undefined) return lr.on(vlan.line).error([vlan.name], 'VLAN id unknown: name it RAW.ID or vlanID, or give vlan-id');
  const id = lr.on(vlan.line).int(idText, [vlan.name, 'vlan-id'], 0, 4094);
  if (id === undefined) return undefined;
  return { vlan_link: link, vlan_id: id };
}
