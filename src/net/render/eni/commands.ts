/**
 * Route and policy-rule lines for ENI stanzas: `post-up` to add, `pre-down`
 * to remove, each ending in `|| true` so that an existing route does not make
 * ifup fail (cloud-init's convention, kept for compatible output).
 */
import { ipFamily, parseIPv6 } from '../../ip.ts';
import { isDefaultRoute, type Route, type RoutingPolicyRule } from '../../state.ts';

export interface CommandOptions {
  /** `ip route`/`ip rule` (true) or the legacy net-tools `route` command (false). */
  ipCommand: boolean;
  /** The device of the stanza; global routes have none. */
  device?: string;
}

export interface RouteLines {
  lines: string[];
  /** Parts of the route the lines leave out. */
  omitted: string[];
  /** Why the route has no lines at all. */
  skipped?: string;
}

const OR_TRUE = ' || true';

/**
 * A link-local gateway (fe80::/10) means nothing without its link: the
 * kernel rejects such a route unless the device is named. cloud-init leaves
 * the device out, so its IPv6 routes via fe80:: gateways are never added.
 */
export function isLinkLocal(address: string): boolean {
  const first = parseIPv6(address)?.[0];
  return first !== undefined && (first & 0xffc0) === 0xfe80;
}

export function routeFamily(route: Route): 4 | 6 {
  return ipFamily(route.network) === 6 ? 6 : 4;
}

export function describeRoute(route: Route): string {
  const dest = isDefaultRoute(route) ? 'default' : `${route.network}/${route.prefix}`;
  return route.gateway === undefined ? dest : `${dest} via ${route.gateway}`;
}

export function routeLines(route: Route, indent: string, opts: CommandOptions): RouteLines {
  // cloud-init never renders a route's MTU in ENI, and its fixtures pin that text.
  const omitted = route.mtu === undefined ? [] : [`mtu ${route.mtu}`];
  const special = route.type !== undefined && route.type !== 'unicast';
  if (!special && opts.device === undefined && (route.gateway === undefined || isLinkLocal(route.gateway))) {
    return { lines: [], omitted, skipped: 'a route without a device needs a gateway that is not link-local' };
  }
  const spec = opts.ipCommand ? ipRouteSpec(route, opts.device, omitted) : netToolsRouteSpec(route, opts.device, omitted);
  if (typeof spec === 'string') return { lines: [], omitted, skipped: spec };
  return { lines: [`${indent}post-up ${spec.add}${OR_TRUE}`, `${indent}pre-down ${spec.del}${OR_TRUE}`], omitted };
}

function ipRouteSpec(route: Route, device: string | undefined, omitted: string[]): { add: string; del: string } {
  const family = routeFamily(route) === 6 ? ' -family inet6' : '';
  const special = route.type !== undefined && route.type !== 'unicast';
  const parts: string[] = [];
  if (special) parts.push(route.type!);
  parts.push(isDefaultRoute(route) ? 'default' : `${route.network}/${route.prefix}`);
  if (route.gateway !== undefined) parts.push(`via ${route.gateway}`);
  const needsDevice = route.gateway === undefined || route.onLink === true || isLinkLocal(route.gateway);
  if (!special && needsDevice && device !== undefined) parts.push(`dev ${device}`);
  if (route.gateway !== undefined && route.onLink) {
    if (device !== undefined) parts.push('onlink');
    else omitted.push('on-link');
  }
  if (route.from !== undefined) parts.push(`src ${route.from}`);
  if (route.scope !== undefined) parts.push(`scope ${route.scope}`);
  if (route.metric !== undefined) parts.push(`metric ${route.metric}`);
  if (route.table !== undefined) parts.push(`table ${route.table}`);
  const spec = parts.join(' ');
  return { add: `ip${family} route add ${spec}`, del: `ip${family} route del ${spec}` };
}

/** The net-tools form, or why the route cannot be written with it. */
function netToolsRouteSpec(route: Route, device: string | undefined, omitted: string[]): { add: string; del: string } | string {
  // A route for another table, or of a special type, would land in the main
  // table as an ordinary route: leaving it out is the smaller harm.
  if (route.table !== undefined) return `\`route\` cannot address routing table ${route.table}`;
  if (route.type !== undefined && route.type !== 'unicast') return `\`route\` cannot add ${route.type} routes`;
  if (route.onLink) omitted.push('on-link');
  if (route.from !== undefined) omitted.push(`from ${route.from}`);
  if (route.scope !== undefined) omitted.push(`scope ${route.scope}`);
  const v6 = routeFamily(route) === 6;
  let spec: string;
  if (isDefaultRoute(route)) spec = v6 ? '-A inet6 default' : 'default';
  else if (v6) spec = `-A inet6 ${route.network}/${route.prefix}`;
  else spec = `${route.prefix === 32 ? '-host' : '-net'} ${route.network}/${route.prefix}`;
  if (route.gateway !== undefined) spec += ` gw ${route.gateway}`;
  if (device !== undefined && (route.gateway === undefined || isLinkLocal(route.gateway))) spec += ` dev ${device}`;
  if (route.metric !== undefined) spec += ` metric ${route.metric}`;
  return { add: `route add ${spec}`, del: `route del ${spec}` };
}

export function ruleFamily(rule: RoutingPolicyRule): 4 | 6 {
  const address = (rule.from ?? rule.to ?? '').split('/')[0] ?? '';
  return ipFamily(address) === 6 ? 6 : 4;
}

/** `ip rule` lines for one routing-policy rule (only the ip command has them). */
export function ruleLines(rule: RoutingPolicyRule, indent: string): string[] {
  const family = ruleFamily(rule) === 6 ? ' -family inet6' : '';
  const spec = ruleSpec(rule);
  return [`${indent}post-up ip${family} rule add ${spec}${OR_TRUE}`, `${indent}pre-down ip${family} rule del ${spec}${OR_TRUE}`];
}

function ruleSpec(rule: RoutingPolicyRule): string {
  const parts: string[] = [];
  if (rule.from !== undefined) parts.push(`from ${rule.from}`);
  if (rule.to !== undefined) parts.push(`to ${rule.to}`);
  if (rule.mark !== undefined) parts.push(`fwmark ${rule.mark}`);
  if (rule.typeOfService !== undefined) parts.push(`tos ${rule.typeOfService}`);
  if (rule.priority !== undefined) parts.push(`priority ${rule.priority}`);
  if (rule.table !== undefined) parts.push(`table ${rule.table}`);
  return parts.join(' ');
}

export function describeRule(rule: RoutingPolicyRule): string {
  return ruleSpec(rule);
}
