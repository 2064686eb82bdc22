/**
 * Which routes of an interface go into ifcfg keys and which into route
 * files, and the default-route conflicts that make a config unrenderable.
 */
import { InputError } from '../../../text/diagnostics.ts';
import { isDefaultRoute, type Interface, type Route, type Subnet } from '../../state.ts';
import type { IfcfgContext } from './ifcfg.ts';
import { describeRoute, routeFamily } from './routes.ts';
import type { ShellValue } from './shell.ts';

const DYNAMIC_V6 = new Set<Subnet['type']>(['dhcp6', 'ipv6_slaac', 'ipv6_dhcpv6-stateless', 'ipv6_dhcpv6-stateful']);

/**
 * The gateway of the first static subnet of each family that has one: ifcfg
 * holds one per family (cloud-init keeps the last one it sees, silently).
 */
export function subnetGateways(iface: Interface, ctx: IfcfgContext): Map<4 | 6, string> {
  const out = new Map<4 | 6, string>();
  for (const subnet of iface.subnets) {
    if ((subnet.type !== 'static' && subnet.type !== 'static6') || subnet.gateway === undefined) continue;
    const family = subnet.gateway.includes(':') ? 6 : 4;
    const first = out.get(family);
    if (first === undefined) out.set(family, subnet.gateway);
    else if (first !== subnet.gateway) ctx.notes.push(`${iface.name}: gateway ${subnet.gateway} not written; the interface already has IPv${family} gateway ${first}`);
  }
  return out;
}

interface PlacedRoute {
  route: Route;
  /** Default routes learned by DHCPv6/RA are left to the route file, as cloud-init does. */
  dynamic: boolean;
}

function interfaceRoutes(iface: Interface, ctx: IfcfgContext): PlacedRoute[] {
  const out: PlacedRoute[] = [];
  for (const subnet of iface.subnets) for (const route of subnet.routes) out.push({ route, dynamic: DYNAMIC_V6.has(subnet.type) });
  for (const route of [...iface.routes, ...ctx.extraRoutes]) out.push({ route, dynamic: false });
  return out.filter(({ route }) => {
    if (route.type === undefined || route.type === 'unicast') return true;
    ctx.notes.push(`${iface.name}: ${route.type} route ${describeRoute(route)} cannot be expressed in sysconfig route files; not written`);
    return false;
  });
}

/**
 * Two default routes of one family, table and metric on one device cannot
 * both be installed (the kernel refuses the second with "File exists"), so
 * the config is rejected, as cloud-init's sysconfig renderer does; an exact
 * repeat is dropped.
 */
function withoutDuplicateDefaults(iface: Interface, routes: readonly Route[]): Route[] {
  const seen = new Map<string, Route>();
  const out: Route[] = [];
  for (const route of routes) {
    if (!isDefaultRoute(route)) {
      out.push(route);
      continue;
    }
    const key = `${routeFamily(route)}|${route.table ?? 'main'}|${route.metric ?? ''}`;
    const earlier = seen.get(key);
    if (earlier === undefined) {
      seen.set(key, route);
      out.push(route);
    } else if (earlier.gateway !== route.gateway) {
      const family = routeFamily(route) === 6 ? 'IPv6' : 'IPv4';
      const table = route.table !== undefined ? ` in table ${route.table}` : '';
      throw new InputError([
        {
          severity: 'error',
          source: 'network config',
          path: [],
          message: `${iface.name} has two ${family} default routes${table} with the same metric (${describeRoute(earlier)} and ${describeRoute(route)}); only one can be installed: give them different metrics`,
        },
      ]);
    }
  }
  return out;
}

/**
 * RHEL: the first default route of each family becomes GATEWAY /
 * IPV6_DEFAULTGW in ifcfg (as cloud-init writes it); every other route goes
 * to the route files. A default route the ifcfg keys cannot carry (no
 * gateway, a table, on-link, an MTU, a source) also goes to the route files.
 */
export function placeRhelRoutes(iface: Interface, vars: Map<string, ShellValue>, ctx: IfcfgContext): Route[] {
  const fileRoutes: Route[] = [];
  const defaultSet = new Set<4 | 6>();
  const placed = interfaceRoutes(iface, ctx);
  const kept = new Set(withoutDuplicateDefaults(iface, placed.map((p) => p.route)));
  for (const { route, dynamic } of placed.filter((p) => kept.has(p.route))) {
    const family = routeFamily(route);
    const plain = route.gateway !== undefined && route.table === undefined && !route.onLink && route.mtu === undefined && route.from === undefined;
    if (!isDefaultRoute(route) || dynamic || !plain) {
      fileRoutes.push(route);
      continue;
    }
    const gatewayKey = family === 6 ? 'IPV6_DEFAULTGW' : 'GATEWAY';
    const current = vars.get(gatewayKey);
    if (defaultSet.has(family)) {
      // ifcfg holds one gateway per family; the others (with distinct metrics or tables) are ordinary routes.
      fileRoutes.push(route);
      continue;
    }
    if (current !== undefined && current !== route.gateway) {
      ctx.notes.push(`${iface.name}: subnet gateway ${String(current)} is replaced by the default route via ${route.gateway!}`);
    }
    defaultSet.add(family);
    vars.set('DEFROUTE', true);
    if (family === 4 && vars.get('BOOTPROTO') === 'dhcp') vars.set('DHCLIENT_SET_DEFAULT_ROUTE', true);
    vars.set(gatewayKey, route.gateway!);
    if (route.metric !== undefined) vars.set(`IPV${family}_ROUTE_METRIC`, route.metric);
  }
  return fileRoutes;
}

/** SUSE ifcfg has no gateway or route keys: subnet gateways become default routes for ifroute-. */
export function suseRoutes(iface: Interface, ctx: IfcfgContext): Route[] {
  const out: Route[] = [];
  const fromGateway = new Map<4 | 6, Route>();
  for (const [family, gateway] of subnetGateways(iface, ctx)) {
    const route: Route = { network: family === 6 ? '::' : '0.0.0.0', prefix: 0, gateway };
    fromGateway.set(family, route);
    out.push(route);
  }
  for (const { route } of interfaceRoutes(iface, ctx)) {
    // As on RHEL, an explicit default route (main table) takes the place of its family's subnet gateway.
    const replaced = isDefaultRoute(route) && route.table === undefined ? fromGateway.get(routeFamily(route)) : undefined;
    if (replaced === undefined) {
      out.push(route);
      continue;
    }
    if (replaced.gateway !== route.gateway) ctx.notes.push(`${iface.name}: subnet gateway ${replaced.gateway!} is replaced by the default route via ${route.gateway ?? '(none)'}`);
    out[out.indexOf(replaced)] = route;
    fromGateway.delete(routeFamily(route));
  }
  return ctx.routesWritten ? withoutDuplicateDefaults(iface, out) : out;
}
