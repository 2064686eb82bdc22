/**
 * Static routes and policy rules in the files initscripts, NetworkManager's
 * ifcfg-rh plugin and wicked read: route-<if> (IPv4, KEY=value), route6-<if>
 * (IPv6, `ip route` argument lines), rule-<if>/rule6-<if> (`ip rule`
 * argument lines) and SUSE's ifroute-<if> (columns).
 */
import { ipFamily, prefixToIPv4Mask } from '../../ip.ts';
import type { Route, RoutingPolicyRule } from '../../state.ts';
import { SYSCONFIG_HEADER, shellLines, type ShellValue } from './shell.ts';

export function routeFamily(route: Route): 4 | 6 {
  return route.network.includes(':') || (route.gateway ?? '').includes(':') ? 6 : 4;
}

/**
 * What `ip route` understands after the device: the table, MTU, on-link flag
 * and source address that cloud-init drops.
 */
function routeOptions(route: Route): string[] {
  const out: string[] = [];
  if (route.table !== undefined) out.push('table', String(route.table));
  if (route.mtu !== undefined) out.push('mtu', String(route.mtu));
  if (route.onLink) out.push('onlink');
  if (route.from !== undefined) out.push('src', route.from);
  return out;
}

/** route-<if>: ADDRESSn/NETMASKn/GATEWAYn/METRICn groups numbered from 0; OPTIONSn carries the rest. */
export function ipv4RouteFile(routes: readonly Route[]): string {
  const pairs: [string, ShellValue][] = [];
  routes.forEach((route, i) => {
    pairs.push([`ADDRESS${i}`, route.network]);
    // A gateway-less route is a device route; initscripts and NetworkManager accept it without GATEWAYn.
    if (route.gateway !== undefined) pairs.push([`GATEWAY${i}`, route.gateway]);
    pairs.push([`NETMASK${i}`, prefixToIPv4Mask(route.prefix)]);
    if (route.metric !== undefined) pairs.push([`METRIC${i}`, route.metric]);
    const options = routeOptions(route);
    if (options.length > 0) pairs.push([`OPTIONS${i}`, options.join(' ')]);
  });
  return SYSCONFIG_HEADER + shellLines(pairs);
}

/**
 * route6-<if>: one `ip -6 route add` argument line per route. The spacing
 * ("via G  dev D" when there is no metric) is cloud-init's, kept byte-exact.
 */
export function ipv6RouteFile(routes: readonly Route[], device: string): string {
  const lines = routes.map((route) => {
    const metric = route.metric !== undefined ? `metric ${route.metric}` : '';
    const head = route.gateway !== undefined ? `${route.network}/${route.prefix} via ${route.gateway} ${metric}` : `${route.network}/${route.prefix}${metric ? ` ${metric}` : ''}`;
    return [`${head} dev ${device}`, ...routeOptions(route)].join(' ');
  });
  return SYSCONFIG_HEADER + lines.map((l) => `${l}\n`).join('');
}

/** rule-<if> / rule6-<if>: one `ip rule add` argument line per rule. */
export function ruleFile(rules: readonly RoutingPolicyRule[]): string {
  const lines = rules.map((rule) => {
    const words: string[] = [];
    if (rule.from !== undefined) words.push('from', rule.from);
    if (rule.to !== undefined) words.push('to', rule.to);
    // `ip rule` needs a selector; "from all" is what it prints for a rule without one.
    if (words.length === 0) words.push('from', 'all');
    if (rule.mark !== undefined) words.push('fwmark', String(rule.mark));
    if (rule.typeOfService !== undefined) words.push('tos', String(rule.typeOfService));
    if (rule.table !== undefined) words.push('table', String(rule.table));
    if (rule.priority !== undefined) words.push('priority', String(rule.priority));
    return words.join(' ');
  });
  return SYSCONFIG_HEADER + lines.map((l) => `${l}\n`).join('');
}

export function ruleFamily(rule: RoutingPolicyRule): 4 | 6 {
  const address = (rule.from ?? rule.to ?? '').split('/')[0] ?? '';
  return ipFamily(address) === 6 ? 6 : 4;
}

/**
 * SUSE ifroute-<if> (ifroute(5)): "destination gateway netmask interface
 * options", "-" for an empty column, "default" for the default route.
 */
export function ifrouteFile(routes: readonly Route[], device: string): string {
  const lines = routes.map((route) => {
    const isDefault = route.prefix === 0 && route.gateway !== undefined;
    const destination = isDefault ? 'default' : `${route.network}/${route.prefix}`;
    const options: string[] = [];
    if (route.metric !== undefined) options.push('metric', String(route.metric));
    options.push(...routeOptions(route));
    return [destination, route.gateway ?? '-', '-', device, ...options].join(' ');
  });
  return SYSCONFIG_HEADER + lines.map((l) => `${l}\n`).join('');
}

/** A route as text for a note. */
export function describeRoute(route: Route): string {
  const via = route.gateway !== undefined ? ` via ${route.gateway}` : '';
  const metric = route.metric !== undefined ? ` metric ${route.metric}` : '';
  const table = route.table !== undefined ? ` table ${route.table}` : '';
  return `${route.network}/${route.prefix}${via}${metric}${table}`;
}
