/**
 * v1 global routes (`type: route`) belong to no interface, but every target
 * except ENI configures routes per interface. Each goes to the first
 * interface, in config order, with a static address whose subnet contains
 * the route's gateway — the link the kernel would send it through. cloud-init
 * drops them (sysconfig, keyfiles, netplan) or copies them into every file
 * (networkd), where all but one fail to install.
 */
import { inNetwork, ipFamily } from '../ip.ts';
import { isStatic, type Interface, type NetworkState, type Route } from '../state.ts';

export interface PlacedRoutes {
  /** Interface name → the global routes it carries, in config order. */
  byInterface: Map<string, Route[]>;
  /** Notes for the routes no interface can carry (not written). */
  notes: string[];
}

export function placeGlobalRoutes(state: NetworkState, canCarry: (iface: Interface) => boolean = () => true): PlacedRoutes {
  const byInterface = new Map<string, Route[]>();
  const notes: string[] = [];
  for (const route of state.routes) {
    const gw = route.gateway;
    const owner =
      gw === undefined
        ? undefined
        : state.interfaces.find(
            (i) =>
              i.type !== 'loopback' &&
              canCarry(i) &&
              i.subnets.some((s) => isStatic(s) && s.address !== undefined && s.prefix !== undefined && ipFamily(s.address) === ipFamily(gw) && inNetwork(gw, s.address, s.prefix)),
          );
    if (!owner) {
      const what = `${route.network}/${route.prefix}${gw === undefined ? '' : ` via ${gw}`}`;
      notes.push(`route ${what}: no interface has a static address in the gateway's network; not written`);
      continue;
    }
    byInterface.set(owner.name, [...(byInterface.get(owner.name) ?? []), route]);
  }
  return { byInterface, notes };
}
