/**
 * The .network file of one interface: how networkd finds the device ([Match]),
 * link settings, addressing, DNS, routes, policy rules, DHCP client options
 * and its place under a bond, bridge or VLAN.
 */
import { inNetwork, ipFamily } from '../../ip.ts';
import { type DhcpOverrides, type Interface, type NetworkState, type Route, type Subnet } from '../../state.ts';
import { bridgePortEntries } from './netdev.ts';
import { UnitFile, yesNo, type Entry } from './unit-file.ts';

const VIRTUAL = new Set(['bond', 'bridge', 'vlan']);

function matchEntries(iface: Interface): Entry[] {
  if (VIRTUAL.has(iface.type)) return [['Name', iface.name]];
  const m = iface.match;
  const entries: Entry[] = [];
  const mac = m?.macAddress ?? iface.macAddress;
  const driver = m?.driver ?? iface.driver;
  let name: string | undefined = iface.name;
  if (m && !iface.setName) {
    // Without set-name the device keeps its own name: a name glob selects it;
    // a MAC selects it together with its name (the local NIC's name when the
    // MAC is known here, as cloud-init does); a driver alone names no device.
    if (m.name !== undefined) name = m.name;
    else if (mac === undefined && driver !== undefined) name = undefined;
  }
  if (name !== undefined) entries.push(['Name', name]);
  if (mac !== undefined) entries.push(['MACAddress', mac]);
  if (driver !== undefined) entries.push(['Driver', driver]);
  return entries;
}

function linkEntries(iface: Interface): Entry[] {
  const entries: Entry[] = [];
  if (VIRTUAL.has(iface.type) && iface.macAddress) entries.push(['MACAddress', iface.macAddress]);
  if (iface.mtu) entries.push(['MTUBytes', String(iface.mtu)]);
  if (iface.optional) entries.push(['RequiredForOnline', 'no']);
  return entries;
}

function dhcpMode(subnets: Subnet[]): 'yes' | 'ipv4' | 'ipv6' | 'no' {
  const v4 = subnets.some((s) => s.type === 'dhcp4');
  const v6 = subnets.some((s) => s.type === 'dhcp6' || s.type === 'ipv6_dhcpv6-stateful');
  return v4 && v6 ? 'yes' : v4 ? 'ipv4' : v6 ? 'ipv6' : 'no';
}

function isLinkLocal(ip: string): boolean {
  return ipFamily(ip) === 6 && /^fe[89ab]/i.test(ip);
}

/** A gateway no address of the interface can reach needs on-link (cloud-init: GatewayOnLink=yes). */
function gatewayIsOffLink(gateway: string, subnets: Subnet[]): boolean {
  if (isLinkLocal(gateway)) return false;
  const family = ipFamily(gateway);
  return !subnets.some(
    (s) => s.address !== undefined && s.prefix !== undefined && ipFamily(s.address) === family && inNetwork(gateway, s.address, s.prefix),
  );
}

function routeEntries(r: Route): Entry[] {
  const entries: Entry[] = [['Destination', `${r.network}/${r.prefix}`]];
  if (r.gateway !== undefined) entries.push(['Gateway', r.gateway]);
  if (r.onLink) entries.push(['GatewayOnLink', 'yes']);
  if (r.metric !== undefined) entries.push(['Metric', String(r.metric)]);
  if (r.table !== undefined) entries.push(['Table', String(r.table)]);
  if (r.mtu !== undefined) entries.push(['MTUBytes', String(r.mtu)]);
  if (r.from !== undefined) entries.push(['PreferredSource', r.from]);
  // The kernel has no scope for IPv6 routes; networkd warns and ignores Scope= there.
  if (r.scope !== undefined && ipFamily(r.network) !== 6) entries.push(['Scope', r.scope]);
  if (r.type !== undefined) entries.push(['Type', r.type]);
  return entries;
}

function policyEntries(rule: Interface['routingPolicy'][number]): Entry[] {
  const entries: Entry[] = [];
  if (rule.from !== undefined) entries.push(['From', rule.from]);
  if (rule.to !== undefined) entries.push(['To', rule.to]);
  if (rule.table !== undefined) entries.push(['Table', String(rule.table)]);
  if (rule.priority !== undefined) entries.push(['Priority', String(rule.priority)]);
  if (rule.mark !== undefined) entries.push(['FirewallMark', String(rule.mark)]);
  if (rule.typeOfService !== undefined) entries.push(['TypeOfService', String(rule.typeOfService)]);
  return entries;
}

/** Booleans as cloud-init writes them (Python's str(): True/False); networkd reads them case-insensitively. */
function pyBool(b: boolean): string {
  return b ? 'True' : 'False';
}

function dhcp4Entries(o: DhcpOverrides, metric: number | undefined): Entry[] {
  const entries: Entry[] = [];
  if (o.useDns !== undefined) entries.push(['UseDNS', pyBool(o.useDns)]);
  if (o.useDomains !== undefined) entries.push(['UseDomains', typeof o.useDomains === 'boolean' ? pyBool(o.useDomains) : o.useDomains]);
  if (o.useHostname !== undefined) entries.push(['UseHostname', pyBool(o.useHostname)]);
  if (o.useNtp !== undefined) entries.push(['UseNTP', pyBool(o.useNtp)]);
  if (o.useMtu !== undefined) entries.push(['UseMTU', pyBool(o.useMtu)]);
  if (o.useRoutes !== undefined) entries.push(['UseRoutes', pyBool(o.useRoutes)]);
  if (o.sendHostname !== undefined) entries.push(['SendHostname', pyBool(o.sendHostname)]);
  if (o.hostname !== undefined) entries.push(['Hostname', o.hostname]);
  const routeMetric = o.routeMetric ?? metric;
  if (routeMetric !== undefined) entries.push(['RouteMetric', String(routeMetric)]);
  return entries;
}

/** DHCPv6 options; default routes come from router advertisements, so the metric goes there too. */
function dhcp6Sections(iface: Interface, o: DhcpOverrides, metric: number | undefined, file: UnitFile, notes: string[]): void {
  const v6 = file.single('DHCPv6').entries;
  const ra = file.single('IPv6AcceptRA').entries;
  if (o.useDns !== undefined) v6.push(['UseDNS', pyBool(o.useDns)]);
  if (o.useDomains !== undefined) v6.push(['UseDomains', typeof o.useDomains === 'boolean' ? pyBool(o.useDomains) : o.useDomains]);
  if (o.useHostname !== undefined) v6.push(['UseHostname', pyBool(o.useHostname)]);
  if (o.useNtp !== undefined) v6.push(['UseNTP', pyBool(o.useNtp)]);
  if (o.useMtu !== undefined) ra.push(['UseMTU', pyBool(o.useMtu)]);
  const routeMetric = o.routeMetric ?? metric;
  if (routeMetric !== undefined) {
    v6.push(['RouteMetric', String(routeMetric)]);
    ra.push(['RouteMetric', String(routeMetric)]);
  }
  // use-routes: true is what networkd does anyway (routes come from router advertisements): nothing is lost.
  for (const [key, set] of [
    ['use-routes', o.useRoutes === true ? undefined : o.useRoutes],
    ['send-hostname', o.sendHostname],
    ['hostname', o.hostname],
  ] as const) {
    if (set !== undefined) notes.push(`${iface.name}: dhcp6-overrides ${key} has no systemd-networkd equivalent; not rendered`);
  }
}

export interface NetworkContext {
  state: NetworkState;
  /** Global routes this interface carries (its subnet holds their gateway). */
  globalRoutes: Route[];
  notes: string[];
}

export function renderNetwork(iface: Interface, ctx: NetworkContext): string {
  const file = new UnitFile();
  file.single('Match').entries.push(...matchEntries(iface));
  file.single('Link').entries.push(...linkEntries(iface));
  const subnets = iface.subnets.filter((s) => s.type !== 'loopback');
  addNetworkModes(iface, subnets, file, ctx.notes);
  addDns(iface, subnets, ctx.state, file);
  addAddressesAndRoutes(iface, subnets, ctx, file);
  addDhcpClients(iface, subnets, file, ctx.notes);
  const bond = addMemberships(iface, ctx.state, file);
  if (bond && subnets.length > 0) {
    ctx.notes.push(`${iface.name}: networkd ignores the addresses, routes and DHCP of a member of bond ${bond.name}`);
  }
  for (const s of subnets) subnetNotes(iface, s, ctx.notes);
  return file.toString();
}

function addNetworkModes(iface: Interface, subnets: Subnet[], file: UnitFile, notes: string[]): void {
  const network = file.single('Network').entries;
  network.push(['DHCP', dhcpMode(subnets)]);
  const slaac = subnets.some((s) => s.type === 'ipv6_slaac' || s.type === 'ipv6_dhcpv6-stateless');
  if (iface.acceptRa !== undefined) {
    network.push(['IPv6AcceptRA', yesNo(iface.acceptRa)]);
    if (!iface.acceptRa && slaac) notes.push(`${iface.name}: accept-ra is false, so the SLAAC/stateless DHCPv6 subnet gets no router advertisements`);
  } else if (slaac) {
    network.push(['IPv6AcceptRA', 'yes']);
  }
  if (iface.keepConfiguration) network.push(['KeepConfiguration', 'yes']);
}

/**
 * The interface's DNS, else (v1 only) the global DNS, which cloud-init gives
 * every interface; then each subnet's own (the order of cloud-init's files).
 */
function addDns(iface: Interface, subnets: Subnet[], state: NetworkState, file: UnitFile): void {
  const network = file.single('Network').entries;
  const own = iface.dns && (iface.dns.nameservers.length > 0 || iface.dns.search.length > 0) ? iface.dns : undefined;
  const lists = [own ?? (state.version === 1 ? state.dns : { nameservers: [], search: [] })];
  for (const s of subnets) lists.push({ nameservers: s.dnsNameservers, search: s.dnsSearch });
  for (const l of lists) {
    if (l.nameservers.length > 0) network.push(['DNS', l.nameservers.join(' ')]);
    if (l.search.length > 0) network.push(['Domains', l.search.join(' ')]);
  }
}

function addAddressesAndRoutes(iface: Interface, subnets: Subnet[], ctx: NetworkContext, file: UnitFile): void {
  const gatewayRoutes: Entry[][] = [];
  const routes: Entry[][] = [];
  for (const s of subnets) {
    if (s.address !== undefined) {
      file.repeated('Address', [['Address', s.prefix !== undefined ? `${s.address}/${s.prefix}` : s.address]]);
    }
    if (s.gateway !== undefined) {
      const gw: Entry[] = [['Gateway', s.gateway]];
      if (gatewayIsOffLink(s.gateway, subnets)) gw.push(['GatewayOnLink', 'yes']);
      if (s.metric !== undefined) gw.push(['Metric', String(s.metric)]);
      gatewayRoutes.push(gw);
    }
    for (const r of s.routes) routes.push(routeEntries(r));
  }
  for (const r of iface.routes) routes.push(routeEntries(r));
  for (const r of ctx.globalRoutes) routes.push(routeEntries(r));
  // cloud-init writes the subnets' gateway routes before the other routes.
  for (const r of [...gatewayRoutes, ...routes]) file.repeated('Route', r);
  for (const rule of iface.routingPolicy) file.repeated('RoutingPolicyRule', policyEntries(rule));
}

function addDhcpClients(iface: Interface, subnets: Subnet[], file: UnitFile, notes: string[]): void {
  const dhcp4 = subnets.find((s) => s.type === 'dhcp4');
  if (dhcp4 && (iface.dhcp4Overrides || dhcp4.metric !== undefined)) {
    file.single('DHCPv4').entries.push(...dhcp4Entries(iface.dhcp4Overrides ?? {}, dhcp4.metric));
  } else if (!dhcp4 && iface.dhcp4Overrides) {
    notes.push(`${iface.name}: dhcp4-overrides without DHCPv4 are not rendered`);
  }
  const dhcp6 = subnets.find((s) => s.type === 'dhcp6' || s.type === 'ipv6_dhcpv6-stateful');
  if (dhcp6 && (iface.dhcp6Overrides || dhcp6.metric !== undefined)) {
    dhcp6Sections(iface, iface.dhcp6Overrides ?? {}, dhcp6.metric, file, notes);
  } else if (!dhcp6 && iface.dhcp6Overrides) {
    notes.push(`${iface.name}: dhcp6-overrides without DHCPv6 are not rendered`);
  }
  addRaOverrides(iface, file, notes);
}

/** ra-overrides: networkd's [IPv6AcceptRA] (RouteTable= holds the RA default route and prefix routes). */
function addRaOverrides(iface: Interface, file: UnitFile, notes: string[]): void {
  const o = iface.raOverrides;
  if (!o) return;
  if (iface.acceptRa === false) {
    notes.push(`${iface.name}: ra-overrides are not rendered: accept-ra is false`);
    return;
  }
  const ra = file.single('IPv6AcceptRA').entries;
  if (o.useDns !== undefined) ra.push(['UseDNS', pyBool(o.useDns)]);
  if (o.useDomains !== undefined) ra.push(['UseDomains', typeof o.useDomains === 'boolean' ? pyBool(o.useDomains) : o.useDomains]);
  if (o.table !== undefined) ra.push(['RouteTable', String(o.table)]);
}

function subnetNotes(iface: Interface, s: Subnet, notes: string[]): void {
  if (s.mtu !== undefined && s.mtu !== iface.mtu) {
    notes.push(`${iface.name}: a per-subnet MTU (${s.mtu}) is not rendered for systemd-networkd; the link MTU applies`);
  }
  if (s.broadcast !== undefined) notes.push(`${iface.name}: broadcast ${s.broadcast} is not rendered; networkd derives it from the prefix`);
  if (s.control === 'manual' || s.control === 'hotplug') {
    notes.push(`${iface.name}: control ${s.control} is not rendered; networkd brings the link up at boot`);
  }
}

/** Bond=, Bridge= (with per-port settings), PrimarySlave= and the VLANs stacked on this device; returns the bond. */
function addMemberships(iface: Interface, state: NetworkState, file: UnitFile): Interface | undefined {
  const network = file.single('Network').entries;
  const bond = state.interfaces.find((b) => b.type === 'bond' && (b.name === iface.bondMaster || b.bondInterfaces?.includes(iface.name)));
  if (bond) {
    network.push(['Bond', bond.name]);
    const primary = bond.bondParams?.['bond-primary'];
    if (primary === iface.name || primary === iface.configId) network.push(['PrimarySlave', 'yes']);
  }
  const bridge = state.interfaces.find((b) => b.type === 'bridge' && b.bridgePorts?.includes(iface.name));
  if (bridge) {
    network.push(['Bridge', bridge.name]);
    file.single('Bridge').entries.push(...bridgePortEntries(bridge, iface));
  }
  for (const v of state.interfaces) {
    if (v.type === 'vlan' && v.vlanLink === iface.name) network.push(['VLAN', v.name]);
  }
  return bond;
}
