/**
 * OpenStack network_data.json → network config v1 (the document cloud-init's
 * convert_net_json produces), which the v1 parser then turns into NetworkState.
 *
 * Pure: the local MAC → interface table comes in through the options.
 *
 * Where this differs from cloud-init (docs/differences.md, "OpenStack
 * network_data.json"): every problem is a located diagnostic; a link whose MAC
 * matches no local NIC is left out with a warning instead of aborting all
 * networking; a network whose link does not exist is an error instead of being
 * ignored; only `dns` services become name servers.
 */
import { formatPath, show, type PathSegment } from '../../text/diagnostics.ts';
import type { Mapping, Reader } from '../../text/reader.ts';
import { checkBondMode, present, readIfName, readMac, readMtu } from '../parse/fields.ts';
import { errorCount, networkToSubnet, optionalList, servicesToNameservers } from './network-data-subnet.ts';

export interface NetworkDataOptions {
  /** Lower-case MAC → local interface name (net-convert --mac, or sysfs). */
  knownMacs?: ReadonlyMap<string, string>;
  /**
   * Local InfiniBand interface name → its 20-byte hardware address. network_data.json
   * names an IB port by a 6-byte MAC-style address; a physical link that ends up
   * with one of these names becomes an `infiniband` entry with the full address.
   */
  infinibandHwaddrs?: ReadonlyMap<string, string>;
}

/** Link types cloud-init knows to be plain NICs; null (no type) is one of them. Others are NICs too, with a warning. */
const PHYSICAL_TYPES = new Set(['bgpovs', 'bridge', 'cascading', 'dvs', 'ethernet', 'hw_veb', 'hyperv', 'ovs', 'phy', 'tap', 'vhostuser', 'vif']);

interface Link {
  path: PathSegment[];
  raw: Mapping;
  id: string;
  kind: 'physical' | 'bond' | 'vlan';
  /** The link's own `name` (cloud-init ignores it for VLANs). */
  givenName?: string;
  /** Lower-case ethernet_mac_address. */
  mac?: string;
  bondLinks?: { id: string; path: PathSegment[] }[];
  vlanLink?: string;
  vlanId?: number;
  networks: { subnet: Record<string, unknown>; acceptRa?: boolean }[];
  /** Resolution: the final interface name, or why the link is left out (a warning was given). */
  state?: 'resolving' | 'named' | 'dropped';
  name?: string;
  /** Bond members' final names. */
  members?: string[];
  /** VLAN: the parent's final name. */
  parentName?: string;
}

/** Returns a v1 config document ({version: 1, config: [...]}) or undefined after recording errors in `r`. */
export function networkDataToV1(r: Reader, data: unknown, opts: NetworkDataOptions = {}): Record<string, unknown> | undefined {
  const root = r.mapping(data, []);
  if (!root) return undefined;
  const links = readLinks(r, optionalList(r, root['links'], ['links']));
  const byId = new Map(links.map((l) => [l.id, l]));

  optionalList(r, root['networks'], ['networks']).forEach((raw, i) => {
    const path = ['networks', i];
    const n = r.mapping(raw, path);
    if (!n) return;
    if (!present(n['link'])) {
      r.error(path, 'network has no link');
      return;
    }
    const linkId = r.string(n['link'], [...path, 'link']);
    if (linkId === undefined) return;
    const link = byId.get(linkId);
    if (!link) {
      r.error([...path, 'link'], `${show(linkId)} is not a link id`);
      return;
    }
    const converted = networkToSubnet(r, n, path);
    if (converted) link.networks.push(converted);
  });

  nameLinks(r, links, byId, opts.knownMacs ?? new Map());
  const nameservers = servicesToNameservers(r, root['services'], ['services']);
  if (r.failed) return undefined;
  if (links.length > 0 && links.every((l) => l.state === 'dropped')) {
    return r.error(['links'], 'no link matches a local NIC, so nothing could be configured');
  }

  const config: Record<string, unknown>[] = [];
  for (const link of links) {
    if (link.state === 'named') config.push(linkEntry(link, opts.infinibandHwaddrs));
  }
  config.push(...nameservers);
  return { version: 1, config };
}

function readLinks(r: Reader, list: unknown[]): Link[] {
  const links: Link[] = [];
  const ids = new Map<string, PathSegment[]>();
  list.forEach((raw, i) => {
    const path: PathSegment[] = ['links', i];
    const m = r.mapping(raw, path);
    if (!m) return;
    if (!present(m['id'])) {
      r.error(path, 'link has no id');
      return;
    }
    const id = r.string(m['id'], [...path, 'id']);
    if (id === undefined) return;
    const seen = ids.get(id);
    if (seen) {
      r.error([...path, 'id'], `link id ${show(id)} is already used by ${formatPath(seen)}`);
      return;
    }
    ids.set(id, path);
    links.push(readLink(r, m, path, id));
  });
  return links;
}

function readLink(r: Reader, m: Mapping, path: PathSegment[], id: string): Link {
  const before = errorCount(r);
  let kind: Link['kind'] = 'physical';
  if (!('type' in m)) {
    r.warn(path, `link ${show(id)} has no type; treated as a physical NIC`);
  } else if (m['type'] !== null) {
    const type = r.string(m['type'], [...path, 'type']);
    if (type === 'bond' || type === 'vlan') kind = type;
    else if (type !== undefined && !PHYSICAL_TYPES.has(type)) r.warn([...path, 'type'], `unknown link type ${show(type)}; treated as a physical NIC`);
  }
  const link: Link = { path, raw: m, id, kind, networks: [] };
  if (present(m['name'])) link.givenName = readIfName(r, m['name'], [...path, 'name']);
  if (present(m['ethernet_mac_address'])) link.mac = readMac(r, m['ethernet_mac_address'], [...path, 'ethernet_mac_address']);
  if (present(m['mtu'])) readMtu(r, m['mtu'], [...path, 'mtu']);
  if (present(m['params'])) r.mapping(m['params'], [...path, 'params']);
  if (kind === 'bond') readBond(r, m, path, link);
  if (kind === 'vlan') readVlan(r, m, path, link);
  // A link with errors stays known by its id, so that networks on it are not also reported as pointing nowhere.
  if (errorCount(r) > before) link.state = 'dropped';
  return link;
}

function readBond(r: Reader, m: Mapping, path: PathSegment[], link: Link): void {
  const bondLinks: { id: string; path: PathSegment[] }[] = [];
  if (!present(m['bond_links'])) r.error(path, `bond link ${show(link.id)} has no bond_links`);
  else {
    const members = optionalList(r, m['bond_links'], [...path, 'bond_links']);
    if (members.length === 0 && Array.isArray(m['bond_links'])) r.error([...path, 'bond_links'], 'bond has no member links');
    members.forEach((v, i) => {
      const id = r.string(v, [...path, 'bond_links', i]);
      if (id !== undefined) bondLinks.push({ id, path: [...path, 'bond_links', i] });
    });
  }
  link.bondLinks = bondLinks;
  for (const [key, value] of Object.entries(m)) {
    if (!bondParamKey(key) || value === null) continue;
    const at = [...path, key];
    if (typeof value === 'string') {
      // Checked here too, so the message points into network_data.json, not the converted config.
      if (r.string(value, at) !== undefined && key === 'bond_mode') checkBondMode(r, value, at);
    } else if (Array.isArray(value)) r.strings(value, at);
    else if (typeof value !== 'number' && typeof value !== 'boolean') r.error(at, `must be a string, number or boolean, not ${show(value)}`);
  }
}

function readVlan(r: Reader, m: Mapping, path: PathSegment[], link: Link): void {
  if (!present(m['vlan_link'])) r.error(path, `vlan link ${show(link.id)} has no vlan_link`);
  else link.vlanLink = r.string(m['vlan_link'], [...path, 'vlan_link']);
  if (!present(m['vlan_id'])) r.error(path, `vlan link ${show(link.id)} has no vlan_id`);
  else link.vlanId = r.int(m['vlan_id'], [...path, 'vlan_id'], 0, 4094);
  if (present(m['vlan_mac_address'])) readMac(r, m['vlan_mac_address'], [...path, 'vlan_mac_address']);
}

/** `bond_mode`, `bond_miimon`, ... (and `bond-` spellings): bond options; `bond_links` is the member list. */
function bondParamKey(key: string): boolean {
  return /^bond[-_]/.test(key) && key !== 'bond_links';
}

/**
 * Give every link its interface name. Physical links: their `name`, else the
 * local NIC with their MAC, else they are left out (warning). Bonds: their
 * `name`, else bond0, bond1, ... in link order, skipping names taken. VLANs:
 * `<parent name>.<vlan id>` (cloud-init ignores a VLAN's own name). A bond
 * loses members that were left out, and is left out when none remain; a VLAN
 * on a link that was left out is left out too.
 */
function nameLinks(r: Reader, links: Link[], byId: Map<string, Link>, knownMacs: ReadonlyMap<string, string>): void {
  const macs = new Map<string, string>();
  for (const [mac, name] of knownMacs) macs.set(normalMac(mac), name);

  for (const link of links) {
    if (link.kind !== 'physical' || link.state === 'dropped') continue;
    if (link.givenName !== undefined) {
      link.name = link.givenName;
    } else if (link.mac === undefined) {
      r.error(link.path, `link ${show(link.id)} has neither a name nor an ethernet_mac_address, so no local NIC can be chosen for it`);
    } else {
      const local = macs.get(normalMac(link.mac));
      if (local === undefined) drop(r, link, [...link.path, 'ethernet_mac_address'], `it has no name and no local NIC has its MAC ${link.mac}`);
      else link.name = readIfName(r, local, [...link.path, 'ethernet_mac_address']);
    }
    if (link.name !== undefined) link.state = 'named';
  }

  const taken = new Set<string>();
  for (const link of links) {
    if (link.name !== undefined) taken.add(link.name);
    else if (link.kind === 'bond' && link.givenName !== undefined) taken.add(link.givenName);
  }
  let bondNumber = 0;
  for (const link of links) {
    if (link.kind !== 'bond') continue;
    if (link.givenName !== undefined) {
      link.name = link.givenName;
      continue;
    }
    while (taken.has(`bond${bondNumber}`)) bondNumber++;
    link.name = `bond${bondNumber}`;
    taken.add(link.name);
  }

  for (const link of links) resolve(r, link, byId);

  const owner = new Map<string, Link>();
  for (const link of links) {
    if (link.state !== 'named' || link.name === undefined) continue;
    const first = owner.get(link.name);
    if (first) r.error(link.path, `interface name ${show(link.name)} is also the name of ${formatPath(first.path)} (link ${show(first.id)})`);
    else owner.set(link.name, link);
  }
  const memberOf = new Map<string, Link>();
  for (const link of links) {
    if (link.state !== 'named' || link.kind !== 'bond') continue;
    for (const member of link.members ?? []) {
      const other = memberOf.get(member);
      if (other === link) r.error([...link.path, 'bond_links'], `${show(member)} is listed more than once`);
      else if (other) r.error([...link.path, 'bond_links'], `${show(member)} is already a member of bond ${show(other.name)} (${formatPath(other.path)})`);
      else memberOf.set(member, link);
    }
  }
}

/** Resolve the name of a bond or VLAN, following references; a loop of references is an error. */
function resolve(r: Reader, link: Link, byId: Map<string, Link>): void {
  if (link.state !== undefined) {
    if (link.state === 'resolving') {
      r.error(link.path, `link ${show(link.id)} depends on itself through bond_links or vlan_link`);
      link.state = 'dropped';
    }
    return;
  }
  if (link.kind === 'physical') return;
  link.state = 'resolving';
  if (link.kind === 'bond') {
    const members: string[] = [];
    for (const ref of link.bondLinks ?? []) {
      const member = byId.get(ref.id);
      if (!member) {
        r.error(ref.path, `${show(ref.id)} is not a link id`);
        continue;
      }
      if (member === link) {
        r.error(ref.path, `bond ${show(link.id)} lists itself as a member`);
        continue;
      }
      resolve(r, member, byId);
      if (member.state === 'named' && member.name !== undefined) members.push(member.name);
      else if (member.state === 'dropped') r.warn(ref.path, `member link ${show(ref.id)} is not configured, so bond ${show(link.name)} is configured without it`);
    }
    if (link.state !== 'resolving') return;
    link.members = members;
    if (members.length === 0 && (link.bondLinks ?? []).length > 0) {
      drop(r, link, [...link.path, 'bond_links'], 'none of its member links is configured');
      return;
    }
    link.state = 'named';
    return;
  }
  const parent = link.vlanLink === undefined ? undefined : byId.get(link.vlanLink);
  if (!parent) {
    r.error([...link.path, 'vlan_link'], `${show(link.vlanLink)} is not a link id`);
    link.state = 'dropped';
    return;
  }
  if (parent === link) {
    r.error([...link.path, 'vlan_link'], `vlan ${show(link.id)} refers to itself`);
    link.state = 'dropped';
    return;
  }
  resolve(r, parent, byId);
  if (link.state !== 'resolving') return;
  if (parent.state !== 'named' || parent.name === undefined) {
    drop(r, link, [...link.path, 'vlan_link'], `its parent link ${show(parent.id)} is not configured`);
    return;
  }
  const name = `${parent.name}.${link.vlanId ?? ''}`;
  if (Buffer.byteLength(name) > 15) {
    r.error([...link.path, 'vlan_link'], `the VLAN interface name ${show(name)} (parent name, ".", vlan id) is longer than 15 bytes`);
    link.state = 'dropped';
    return;
  }
  link.name = name;
  link.parentName = parent.name;
  link.state = 'named';
}

/** Leave a link out of the configuration, saying why and what is lost with it. */
function drop(r: Reader, link: Link, path: PathSegment[], why: string): void {
  link.state = 'dropped';
  const count = link.networks.length;
  const lost = count === 0 ? '' : ` and its ${count === 1 ? 'network' : `${count} networks`}`;
  r.warn(path, `link ${show(link.id)}: ${why}; the link${lost} will not be configured`);
}

/** The v1 entry of a named link, with cloud-init's keys. */
function linkEntry(link: Link, ibHwaddrs: ReadonlyMap<string, string> | undefined): Record<string, unknown> {
  const m = link.raw;
  const entry: Record<string, unknown> = { name: link.name, type: link.kind };
  if ('mtu' in m) entry['mtu'] = m['mtu'];
  if (link.kind === 'physical') {
    // cloud-init always writes the key, null when the link has no MAC.
    entry['mac_address'] = link.mac ?? null;
    const ib = link.name === undefined ? undefined : ibHwaddrs?.get(link.name);
    if (ib !== undefined) {
      entry['type'] = 'infiniband';
      entry['mac_address'] = ib;
    }
  } else if (link.kind === 'bond') {
    if (link.mac !== undefined) entry['mac_address'] = link.mac;
    entry['bond_interfaces'] = link.members ?? [];
    const params: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(m)) {
      if (bondParamKey(key)) params[key.replace(/^bond_/, 'bond-')] = value;
    }
    entry['params'] = params;
  } else {
    entry['vlan_id'] = m['vlan_id'];
    entry['vlan_link'] = link.parentName;
    // Without a vlan_mac_address the VLAN takes the link's own MAC, if it has one.
    const mac = present(m['vlan_mac_address']) ? m['vlan_mac_address'] : link.mac;
    if (mac !== undefined) entry['mac_address'] = mac;
  }
  if (link.kind !== 'bond' && present(m['params'])) entry['params'] = m['params'];
  entry['subnets'] = link.networks.map((n) => n.subnet);
  for (const n of link.networks) if (n.acceptRa !== undefined) entry['accept-ra'] = n.acceptRa;
  return entry;
}

function normalMac(mac: string): string {
  return mac.toLowerCase().replace(/-/g, ':');
}

