/**
 * NetworkState → Debian ENI (/etc/network/interfaces.d/50-cloud-init), in
 * cloud-init's layout: `lo` first with the global DNS, then the interfaces
 * ordered by kind (physical, infiniband, bond, bridge, vlan) and name, one
 * stanza per subnet (`# control-alias` after the first), then global routes.
 */
import { isStatic, subnetFamily, type Interface, type NetworkState, type Route, type Subnet } from '../state.ts';
import { attributeLines } from './eni/attributes.ts';
import { describeRoute, describeRule, routeFamily, routeLines, ruleFamily, ruleLines, type RouteLines } from './eni/commands.ts';
import { dnsLines, interfaceDnsPool, subnetDnsPool, type DnsPool } from './eni/dns.ts';
import { persistentNetRules } from './eni/persistent-net.ts';
import type { RenderedFile, RenderResult } from './types.ts';

export interface EniOptions {
  /** Output path relative to the root (default etc/network/interfaces.d/50-cloud-init). */
  path?: string;
  /** Text written before the stanzas (default none). */
  header?: string;
  /** Render routes with `ip route` (true, default) or the legacy `route` command (false). */
  ipCommand?: boolean;
  /** Path of the persistent-net udev rules written next to ENI, or null for none (default none). */
  netrulesPath?: string | null;
}

export const ENI_PATH = 'etc/network/interfaces.d/50-cloud-init';
const INDENT = '    ';
/** Physical devices first: bonds, bridges and VLANs are built on them. */
const KIND_ORDER: Record<Interface['type'], number> = { loopback: 0, physical: 1, infiniband: 2, bond: 3, bridge: 4, vlan: 5 };

interface Context {
  state: NetworkState;
  ipCommand: boolean;
  notes: string[];
}

/** One `iface` stanza: a subnet, or a stanza made only to carry routes of a family no subnet has. */
interface Stanza {
  subnet: Subnet;
  family: 4 | 6 | undefined;
  routes: Route[];
  routesOnly: boolean;
}

export function renderEni(state: NetworkState, opts: EniOptions = {}): RenderResult {
  const ctx: Context = { state, ipCommand: opts.ipCommand ?? true, notes: [] };
  const sections: string[][] = [...loopbackSections(ctx)];
  const ordered = state.interfaces
    .filter((i) => i.name !== 'lo')
    .sort((a, b) => KIND_ORDER[a.type] - KIND_ORDER[b.type] || compareText(a.name, b.name));
  for (const iface of ordered) sections.push(...interfaceSections(iface, ctx));
  for (const route of state.routes) {
    // Global routes have no device; ifupdown runs them with the last stanza.
    const r = routeLines(route, '', { ipCommand: ctx.ipCommand });
    noteRoute(ctx, 'global route', route, r);
    if (r.lines.length > 0) sections.push(r.lines);
  }
  const content = (opts.header ?? '') + sections.map((s) => s.join('\n')).join('\n\n') + '\n';
  const files: RenderedFile[] = [{ path: opts.path ?? ENI_PATH, content, mode: 0o644 }];
  if (opts.netrulesPath) files.push({ path: opts.netrulesPath, content: persistentNetRules(state), mode: 0o644 });
  return { files, notes: ctx.notes };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function emptySubnet(type: Subnet['type']): Subnet {
  return { type, control: 'auto', dnsNameservers: [], dnsSearch: [], routes: [] };
}

/** `lo` carries the global DNS, as it is the one interface that is always up. */
function loopbackSections(ctx: Context): string[][] {
  const declared = ctx.state.interfaces.find((i) => i.name === 'lo');
  const lo: Interface = declared
    ? structuredClone(declared)
    : { name: 'lo', configId: 'lo', type: 'loopback', subnets: [], routes: [], routingPolicy: [] };
  if (lo.subnets.length === 0) lo.subnets.push(emptySubnet('loopback'));
  const first = lo.subnets[0]!;
  // v2 has no global DNS: state.dns is then only the union of the devices' own.
  const { nameservers, search } = ctx.state.version === 1 ? ctx.state.dns : { nameservers: [], search: [] };
  if (nameservers.length > 0) first.dnsNameservers = [...nameservers];
  if (search.length > 0) first.dnsSearch = [...search];
  return interfaceSections(lo, ctx);
}

function interfaceSections(iface: Interface, ctx: Context): string[][] {
  noteUnexpressed(iface, ctx);
  const stanzas = stanzasOf(iface, ctx);
  if (stanzas.length === 0) return [stanzaFreeSection(iface, ctx)];
  const pool = interfaceDnsPool(iface);
  const rendered = new Set<string>();
  const sections: string[][] = [];
  let announced = false;
  stanzas.forEach((stanza, index) => {
    const { subnet } = stanza;
    // Older ifupdown rejects a second `auto` line for the same interface.
    const control: string = announced ? 'alias' : (subnet.control ?? 'auto');
    const lines = [controlLine(control, iface.name), `iface ${iface.name} ${stanza.family === 6 ? 'inet6' : 'inet'} ${methodOf(subnet)}`];
    if (control === 'auto') announced = true;

    const ownPool: DnsPool = isStatic(subnet) || stanza.routesOnly ? pool : subnetDnsPool(subnet);
    const dns = dnsLines(ownPool, subnet.type === 'manual' ? stanza.family : (stanza.family ?? 4), INDENT);
    dns.nameservers.forEach((ns) => rendered.add(ns));
    lines.push(...[...subnetLines(subnet), ...dns.lines].sort());

    const method = methodOptionLines(iface, stanza);
    if (index === 0) lines.push(...[...attributeLines(iface, ctx.state, subnet, INDENT, ctx.notes), ...method].sort());
    else lines.push(...method.sort());

    for (const route of stanza.routes) {
      const r = routeLines(route, INDENT, { ipCommand: ctx.ipCommand, device: iface.name });
      noteRoute(ctx, `${iface.name}: route`, route, r);
      lines.push(...r.lines);
    }
    if (index === 0) lines.push(...policyLines(iface, ctx));
    sections.push(lines);
  });
  const lost = [...pool.nameservers, ...stanzas.flatMap((s) => s.subnet.dnsNameservers)].filter((ns) => !rendered.has(ns));
  if (lost.length > 0) {
    ctx.notes.push(
      `${iface.name}: nameservers ${[...new Set(lost)].join(', ')} are not rendered (as cloud-init): interface nameservers go only to static stanzas of their address family, global ones only to "iface lo inet loopback"`,
    );
  }
  return sections;
}

/** A device without addresses: members of bonds and bridges, or devices configured elsewhere. */
function stanzaFreeSection(iface: Interface, ctx: Context): string[] {
  const lines: string[] = [];
  // ifenslave wants bond members and the bond itself brought up at boot.
  if (iface.bondMaster !== undefined || iface.type === 'bond') lines.push(`auto ${iface.name}`);
  lines.push(`iface ${iface.name} inet manual`);
  lines.push(...attributeLines(iface, ctx.state, undefined, INDENT, ctx.notes));
  const pool = interfaceDnsPool(iface);
  if (pool.nameservers.length > 0 || pool.search.length > 0) {
    ctx.notes.push(`${iface.name}: its DNS settings are not rendered: the device has no address to carry them (as cloud-init)`);
  }
  return lines;
}

/**
 * v2 routes belong to the device: each goes to the first stanza of its
 * address family, or to a `manual` stanza of that family when the device
 * has none (cloud-init writes `static` there, which ifup rejects for lack
 * of an address). v1 routes stay on the subnet that declared them.
 */
function stanzasOf(iface: Interface, ctx: Context): Stanza[] {
  const v2 = ctx.state.version === 2;
  const stanzas: Stanza[] = iface.subnets.map((subnet) => ({
    subnet,
    family: subnetFamily(subnet),
    routes: v2 ? [] : [...subnet.routes],
    routesOnly: false,
  }));
  const loose = v2 ? [...iface.subnets.flatMap((s) => s.routes), ...iface.routes] : [...iface.routes];
  const stanzaFor = (family: 4 | 6): Stanza => {
    let stanza = stanzas.find((s) => s.family === family);
    if (!stanza) {
      stanza = { subnet: emptySubnet('manual'), family, routes: [], routesOnly: true };
      stanzas.push(stanza);
    }
    return stanza;
  };
  for (const route of loose) stanzaFor(routeFamily(route)).routes.push(route);
  const firstRule = iface.routingPolicy[0];
  if (stanzas.length === 0 && firstRule !== undefined && ctx.ipCommand) stanzaFor(ruleFamily(firstRule));
  return stanzas;
}

function controlLine(control: string, name: string): string {
  if (control === 'auto') return `auto ${name}`;
  if (control === 'hotplug') return `allow-hotplug ${name}`;
  return `# control-${control} ${name}`;
}

function methodOf(subnet: Subnet): string {
  switch (subnet.type) {
    case 'dhcp4':
    case 'dhcp6':
    case 'ipv6_dhcpv6-stateful':
      return 'dhcp';
    case 'ipv6_slaac':
    case 'ipv6_dhcpv6-stateless':
      return 'auto';
    case 'static':
    case 'static6':
      return 'static';
    case 'manual':
    case 'loopback':
      return subnet.type;
  }
}

function subnetLines(subnet: Subnet): string[] {
  const lines: string[] = [];
  if (subnet.address !== undefined) lines.push(`${INDENT}address ${subnet.address}/${subnet.prefix ?? (subnetFamily(subnet) === 6 ? 64 : 24)}`);
  if (subnet.broadcast !== undefined) lines.push(`${INDENT}broadcast ${subnet.broadcast}`);
  if (subnet.gateway !== undefined) lines.push(`${INDENT}gateway ${subnet.gateway}`);
  if (subnet.metric) lines.push(`${INDENT}metric ${subnet.metric}`);
  if (subnet.mtu) lines.push(`${INDENT}mtu ${subnet.mtu}`);
  return lines;
}

/**
 * Options of the inet6 methods. `accept-ra` is cloud-init's text, pinned by
 * its fixtures, although ifupdown only knows `accept_ra` (see
 * docs/differences.md): the conformance budget is spent on the route fixes.
 */
function methodOptionLines(iface: Interface, stanza: Stanza): string[] {
  const lines: string[] = [];
  if (stanza.subnet.type === 'ipv6_dhcpv6-stateless') lines.push(`${INDENT}dhcp 1`);
  if (stanza.subnet.type === 'ipv6_slaac') lines.push(`${INDENT}dhcp 0`);
  const method = methodOf(stanza.subnet);
  if (iface.acceptRa !== undefined && stanza.family === 6 && !stanza.routesOnly && (method === 'dhcp' || method === 'static')) {
    lines.push(`${INDENT}accept-ra ${iface.acceptRa ? 1 : 0}`);
  }
  return lines;
}

function policyLines(iface: Interface, ctx: Context): string[] {
  if (iface.routingPolicy.length === 0) return [];
  if (!ctx.ipCommand) {
    ctx.notes.push(
      `${iface.name}: routing-policy rules (${iface.routingPolicy.map(describeRule).join('; ')}) are not rendered: the \`route\` command cannot express them`,
    );
    return [];
  }
  return iface.routingPolicy.flatMap((rule) => ruleLines(rule, INDENT));
}

function noteRoute(ctx: Context, what: string, route: Route, r: RouteLines): void {
  if (r.skipped !== undefined) ctx.notes.push(`${what} ${describeRoute(route)} is not rendered: ${r.skipped}`);
  else if (r.omitted.length > 0) ctx.notes.push(`${what} ${describeRoute(route)}: ${r.omitted.join(', ')} not rendered`);
}

/** What ENI cannot say about a device at all. */
function noteUnexpressed(iface: Interface, ctx: Context): void {
  const glob = iface.match?.name;
  if (glob !== undefined && /[*?[]/.test(glob)) {
    ctx.notes.push(`${iface.name}: ENI cannot match devices by the name pattern ${JSON.stringify(glob)}; the stanzas use the name ${iface.name}`);
  }
  if (iface.type === 'physical' && iface.match?.macAddress !== undefined && !iface.setName) {
    ctx.notes.push(`${iface.name}: ENI cannot match a device by MAC address; the stanzas use the name ${iface.name}`);
  }
  for (const [family, overrides] of [
    [4, iface.dhcp4Overrides],
    [6, iface.dhcp6Overrides],
  ] as const) {
    const keys = Object.keys(overrides ?? {}).filter((k) => k !== 'routeMetric');
    if (keys.length > 0) ctx.notes.push(`${iface.name}: DHCPv${family} overrides (${keys.join(', ')}) cannot be expressed in ENI`);
  }
  if (iface.raOverrides) ctx.notes.push(`${iface.name}: ra-overrides cannot be expressed in ENI (the kernel takes router advertisements itself)`);
}
