/**
 * Layer 3 of one interface → the [ipv4] and [ipv6] sections of its keyfile.
 *
 * The method, may-fail, address, route and DNS rules (and their key order)
 * follow cloud-init's keyfiles, which the conformance fixtures pin byte for
 * byte. What cloud-init drops is added: route tables, on-link, source and
 * type, routing-policy rules, device routes without a subnet, and the DHCP
 * overrides NetworkManager has properties for.
 */
import { isDefaultRoute, type DhcpOverrides, type Interface, type Route, type RoutingPolicyRule, type Subnet } from '../../state.ts';
import type { Keyfile } from './keyfile.ts';

export type Family = 'ipv4' | 'ipv6';

export interface IpContext {
  /** DNS used by interfaces that have none of their own (v1 global nameservers; empty for v2). */
  fallbackDns: { nameservers: string[]; search: string[] };
  /** Global (v1 `route` entries) routes this interface carries. */
  extraRoutes: Route[];
  /** Ports of a bond or bridge: NetworkManager ignores their IP settings. */
  isPort: boolean;
  notes: string[];
}

const METHODS: Partial<Record<Subnet['type'], string>> = {
  static: 'manual',
  static6: 'manual',
  dhcp4: 'auto',
  dhcp6: 'auto',
  ipv6_slaac: 'auto',
  'ipv6_dhcpv6-stateless': 'auto',
  'ipv6_dhcpv6-stateful': 'dhcp',
};

const VIRTUAL = new Set<Interface['type']>(['bond', 'bridge', 'vlan']);

/** Renders the IP sections; returns the MTU cloud-init gives the link (last IPv4 subnet MTU, else the device's). */
export function renderIpConfig(kf: Keyfile, iface: Interface, ctx: IpContext): number | undefined {
  let ipv4Mtu: number | undefined;
  const unaddressed =
    iface.subnets.length === 0 && iface.routes.length === 0 && ctx.extraRoutes.length === 0 && iface.routingPolicy.length === 0;
  if (unaddressed && VIRTUAL.has(iface.type) && !ctx.isPort) {
    // Without IP sections NetworkManager would run DHCP and SLAAC on the
    // device; a bond, bridge or VLAN without subnets is a pure link.
    for (const family of ['ipv4', 'ipv6'] as const) {
      kf.set(family, 'method', 'disabled');
      kf.set(family, 'may-fail', 'false');
    }
  }

  for (const subnet of iface.subnets) {
    if (subnet.type === 'loopback') continue;
    const family = subnetFamily(subnet);
    setMethod(kf, family, subnet.type);
    if (subnet.address !== undefined && subnet.prefix !== undefined) kf.addNumbered(family, 'address', `${subnet.address}/${subnet.prefix}`);
    if (subnet.gateway !== undefined) kf.set(family, 'gateway', subnet.gateway);
    for (const route of subnet.routes) addRoute(kf, route);
    if (family === 'ipv4' && subnet.mtu !== undefined) ipv4Mtu = subnet.mtu;
    if (subnet.metric !== undefined) kf.set(family, 'route-metric', String(subnet.metric));
    if (subnet.broadcast !== undefined) ctx.notes.push(`${iface.name}: NetworkManager derives the broadcast address; broadcast ${subnet.broadcast} is not written`);
  }
  for (const route of [...iface.routes, ...ctx.extraRoutes]) addRoute(kf, route);
  for (const rule of iface.routingPolicy) addRule(kf, rule, iface.name, ctx.notes);

  for (const family of ['ipv4', 'ipv6'] as const) {
    // cloud-init leaves a section that only carries routes without a method,
    // which NetworkManager rejects (the whole profile fails to load); auto is
    // what NetworkManager assumes for a family without a section.
    if (kf.hasSection(family) && kf.get(family, 'method') === undefined) kf.set(family, 'method', 'auto');
  }
  relaxMayFailForDualDhcp(kf);
  addDns(kf, iface, ctx.fallbackDns, ctx.notes);
  addDhcpOverrides(kf, 'ipv4', iface.dhcp4Overrides, iface.name, ctx.notes);
  addDhcpOverrides(kf, 'ipv6', iface.dhcp6Overrides, iface.name, ctx.notes);
  addRaOverrides(kf, iface, ctx.notes);
  if (ctx.isPort && iface.subnets.length > 0) {
    ctx.notes.push(`${iface.name}: is a bond or bridge port; NetworkManager ignores the IP settings of ports`);
  }
  if (iface.acceptRa !== undefined) {
    ctx.notes.push(`${iface.name}: accept-ra has no keyfile property (NetworkManager handles router advertisements itself when ipv6.method=auto)`);
  }
  if (iface.keepConfiguration !== undefined) ctx.notes.push(`${iface.name}: keep_configuration has no keyfile property`);
  return ipv4Mtu ?? iface.mtu;
}

function subnetFamily(subnet: Subnet): Family {
  if (subnet.type === 'static') return subnet.address?.includes(':') ? 'ipv6' : 'ipv4';
  return subnet.type === 'dhcp4' || subnet.type === 'manual' ? 'ipv4' : 'ipv6';
}

function addressFamily(address: string): Family {
  return address.includes(':') ? 'ipv6' : 'ipv4';
}

/**
 * cloud-init's method rules: never downgrade dhcp, nor auto to manual (a
 * static address beside DHCP stays an extra address); an IPv6-only dynamic
 * subnet disables IPv4 unless IPv4 is configured; a subnet type without a
 * method (manual) becomes auto with may-fail=true.
 */
function setMethod(kf: Keyfile, family: Family, type: Subnet['type']): void {
  kf.setDefault(family, 'method', 'disabled');
  let method = METHODS[type];
  if (method === undefined) {
    method = 'auto';
    kf.set(family, 'may-fail', 'true');
  }
  const current = kf.get(family, 'method');
  if (current === 'dhcp') return;
  if (current === 'auto' && method === 'manual') return;
  if (type === 'ipv6_slaac' || type === 'ipv6_dhcpv6-stateless' || type === 'ipv6_dhcpv6-stateful') {
    kf.setDefault('ipv4', 'method', 'disabled');
  }
  kf.set(family, 'method', method);
  kf.setDefault(family, 'may-fail', 'false');
}

/** With DHCP on both families, either one succeeding is enough to activate. */
function relaxMayFailForDualDhcp(kf: Keyfile): void {
  const dynamic = (f: Family) => kf.get(f, 'may-fail') === 'false' && ['auto', 'dhcp'].includes(kf.get(f, 'method') ?? '');
  if (dynamic('ipv4') && dynamic('ipv6')) {
    kf.set('ipv4', 'may-fail', 'true');
    kf.set('ipv6', 'may-fail', 'true');
  }
}

const SCOPES: Record<NonNullable<Route['scope']>, number> = { global: 0, link: 253, host: 254 };

/** routeN=NET/PREFIX[,GATEWAY[,METRIC]] plus routeN_options for what the triple cannot say. */
export function addRoute(kf: Keyfile, route: Route): void {
  const family = addressFamily(route.network);
  let value = `${route.network}/${route.prefix}`;
  if (route.gateway !== undefined) value += `,${route.gateway}`;
  if (route.metric !== undefined) {
    const current = kf.get(family, 'route-metric');
    // cloud-init gives the default route's metric to the whole family
    // (route-metric); a second, different default-route metric stays inline.
    if (isDefaultRoute(route) && (current === undefined || current === String(route.metric))) {
      kf.set(family, 'route-metric', String(route.metric));
    } else {
      if (route.gateway === undefined) value += family === 'ipv4' ? ',0.0.0.0' : ',::';
      value += `,${route.metric}`;
    }
  }
  const key = kf.addNumbered(family, 'route', value);
  // Sorted by name: the order NetworkManager itself writes them in.
  const options: string[] = [];
  if (route.mtu !== undefined) options.push(`mtu=${route.mtu}`);
  if (route.onLink === true) options.push('onlink=true');
  if (route.scope !== undefined) options.push(`scope=${SCOPES[route.scope]}`);
  if (route.from !== undefined) options.push(`src=${route.from}`);
  if (route.table !== undefined) options.push(`table=${route.table}`);
  if (route.type !== undefined && route.type !== 'unicast') options.push(`type=${route.type}`);
  if (options.length > 0) kf.set(family, `${key}_options`, options.join(','));
}

/** routing-ruleN in NetworkManager's own syntax and word order. */
export function addRule(kf: Keyfile, rule: RoutingPolicyRule, ifname: string, notes: string[]): void {
  const selector = rule.from ?? rule.to;
  if (selector === undefined) return;
  if (rule.priority === undefined) {
    // The kernel would pick one, but NetworkManager rejects a rule without it.
    notes.push(`${ifname}: routing-policy rule ${describeRule(rule)} has no priority, which NetworkManager requires; not written`);
    return;
  }
  const words = [`priority ${rule.priority}`];
  if (rule.from !== undefined) words.push(`from ${rule.from}`);
  if (rule.to !== undefined) words.push(`to ${rule.to}`);
  if (rule.typeOfService !== undefined) words.push(`tos 0x${rule.typeOfService.toString(16).padStart(2, '0')}`);
  if (rule.mark !== undefined) words.push(`fwmark 0x${rule.mark.toString(16)}`);
  if (rule.table !== undefined) words.push(`table ${rule.table}`);
  kf.addNumbered(addressFamily(selector), 'routing-rule', words.join(' '));
}

function describeRule(rule: RoutingPolicyRule): string {
  return [rule.from !== undefined ? `from ${rule.from}` : '', rule.to !== undefined ? `to ${rule.to}` : '', rule.table !== undefined ? `table ${rule.table}` : '']
    .filter(Boolean)
    .join(' ');
}

function usable(kf: Keyfile, family: Family): boolean {
  return kf.hasSection(family) && kf.get(family, 'method') !== 'disabled';
}

/**
 * The interface's own DNS (its subnets' then its interface-level entries);
 * without any, the fallback. Each server goes to its family's section, the
 * search list to every section, and only where that family is in use.
 */
function addDns(kf: Keyfile, iface: Interface, fallback: IpContext['fallbackDns'], notes: string[]): void {
  let nameservers = unique([...iface.subnets.flatMap((s) => s.dnsNameservers), ...(iface.dns?.nameservers ?? [])]);
  let search = unique([...iface.subnets.flatMap((s) => s.dnsSearch), ...(iface.dns?.search ?? [])]);
  const own = nameservers.length > 0 || search.length > 0;
  if (!own) {
    nameservers = unique(fallback.nameservers);
    search = unique(fallback.search);
  }
  const dropped: string[] = [];
  for (const ns of nameservers) {
    const family = addressFamily(ns);
    if (usable(kf, family)) kf.set(family, 'dns', `${kf.get(family, 'dns') ?? ''}${ns};`);
    else dropped.push(ns);
  }
  let searchWritten = search.length === 0;
  for (const family of ['ipv4', 'ipv6'] as const) {
    if (search.length === 0 || !usable(kf, family)) continue;
    kf.set(family, 'dns-search', `${kf.get(family, 'dns-search') ?? ''}${search.join(';')};`);
    searchWritten = true;
  }
  if (!searchWritten) dropped.push(`search ${search.join(' ')}`);
  if (own && dropped.length > 0) {
    notes.push(`${iface.name}: DNS ${dropped.join(', ')} not written: NetworkManager keeps DNS per IP family, and that family is not configured on this device`);
  }
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

/**
 * ra-overrides. NetworkManager has one table for every automatic IPv6 route
 * of the profile (router advertisements and DHCPv6 alike); routes written
 * with their own table keep it.
 */
function addRaOverrides(kf: Keyfile, iface: Interface, notes: string[]): void {
  const o = iface.raOverrides;
  if (!o) return;
  if (kf.get('ipv6', 'method') !== 'auto' && kf.get('ipv6', 'method') !== 'dhcp') {
    notes.push(`${iface.name}: ra-overrides are not rendered: IPv6 is not automatic on this device`);
    return;
  }
  if (o.table !== undefined) kf.set('ipv6', 'route-table', String(o.table));
  if (o.useDns !== undefined || o.useDomains !== undefined) {
    notes.push(`${iface.name}: ra-overrides use-dns/use-domains have no keyfile property for router advertisements alone; ignored`);
  }
}

function addDhcpOverrides(kf: Keyfile, family: Family, o: DhcpOverrides | undefined, ifname: string, notes: string[]): void {
  if (!o || !['auto', 'dhcp'].includes(kf.get(family, 'method') ?? '')) return;
  if (o.useDns === false) kf.set(family, 'ignore-auto-dns', 'true');
  if (o.useRoutes === false) kf.set(family, 'ignore-auto-routes', 'true');
  if (o.hostname !== undefined) kf.set(family, 'dhcp-hostname', o.hostname);
  if (o.sendHostname === false) kf.set(family, 'dhcp-send-hostname', 'false');
  const lost: string[] = [];
  // NetworkManager takes or ignores DHCP search domains together with DHCP DNS servers.
  if (o.useDomains !== undefined && o.useDomains !== (o.useDns ?? true)) lost.push('use-domains (follows use-dns in NetworkManager)');
  if (o.useMtu === false) lost.push('use-mtu');
  if (o.useNtp === false) lost.push('use-ntp');
  if (o.useHostname === false) lost.push('use-hostname (a global NetworkManager setting, hostname-mode)');
  for (const what of lost) notes.push(`${ifname}: ${family === 'ipv4' ? 'dhcp4' : 'dhcp6'}-overrides ${what} has no keyfile property; ignored`);
}
