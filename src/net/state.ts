/**
 * NetworkState: the one typed, renderer-neutral model every network config
 * input (v1, v2, network_data.json, ENI, EC2 metadata, fallback) is parsed
 * into, and every renderer reads from.
 *
 * It follows cloud-init's interpreted model (interfaces with v1-style subnets,
 * global routes and DNS) so that rendered output stays compatible, and it
 * keeps what cloud-init's model loses for non-netplan renderers: v2 match
 * rules, routing policy, route tables and on-link, DHCP overrides, bond and
 * bridge MAC addresses, and interface-level routes on devices without
 * addresses.
 */

export type InterfaceType = 'physical' | 'bond' | 'bridge' | 'vlan' | 'infiniband' | 'loopback';

export type SubnetType =
  | 'dhcp4'
  | 'dhcp6'
  | 'static'
  | 'static6'
  | 'ipv6_slaac'
  | 'ipv6_dhcpv6-stateless'
  | 'ipv6_dhcpv6-stateful'
  | 'manual'
  | 'loopback';

export interface Route {
  /** Destination network address ("0.0.0.0" / "::" for a default route). */
  network: string;
  prefix: number;
  gateway?: string;
  metric?: number;
  mtu?: number;
  table?: number;
  onLink?: boolean;
  /** v2 extras that only some renderers can express. */
  from?: string;
  scope?: 'global' | 'link' | 'host';
  type?: 'unicast' | 'unreachable' | 'blackhole' | 'prohibit';
}

export interface Subnet {
  type: SubnetType;
  /** Static subnets: address without prefix, prefix as a number. */
  address?: string;
  prefix?: number;
  gateway?: string;
  broadcast?: string;
  dnsNameservers: string[];
  dnsSearch: string[];
  routes: Route[];
  /** Route metric for routes learned from DHCP (v2 dhcpN-overrides.route-metric, v1 metric). */
  metric?: number;
  mtu?: number;
  /** v1 `control`: auto (default), manual, hotplug. */
  control?: 'auto' | 'manual' | 'hotplug';
}

export interface DhcpOverrides {
  useDns?: boolean;
  useDomains?: boolean | 'route';
  useHostname?: boolean;
  useMtu?: boolean;
  useNtp?: boolean;
  useRoutes?: boolean;
  sendHostname?: boolean;
  hostname?: string;
  routeMetric?: number;
}

/** What to take from IPv6 router advertisements (netplan >= 1.1 `ra-overrides`). */
export interface RaOverrides {
  useDns?: boolean;
  useDomains?: boolean | 'route';
  /** The route table for the routes learned from RAs (the default route through the router included). */
  table?: number;
}

export interface RoutingPolicyRule {
  from?: string;
  to?: string;
  table?: number;
  priority?: number;
  mark?: number;
  typeOfService?: number;
}

export interface Match {
  macAddress?: string;
  /** May be a glob (netplan semantics). */
  name?: string;
  driver?: string;
}

/** Bond options with cloud-init's v1 key names ("bond-mode", "bond-miimon", ...). */
export type BondParams = Record<string, string | number | boolean | string[]>;
/** Bridge options with cloud-init's v1 key names ("bridge_stp", "bridge_fd", ...). */
export type BridgeParams = Record<string, string | number | boolean | string[] | Record<string, number>>;

export interface Interface {
  /** Device name (set-name, name of the local NIC with the matched MAC, or the key). */
  name: string;
  /** The key the config used for this device (v2 key, v1 name). */
  configId: string;
  type: InterfaceType;
  /** Lower-case MAC address. For physical devices this is also a match rule. */
  macAddress?: string;
  /** v2 match rules as written (kept for renderers that can match by glob or driver). */
  match?: Match;
  /** Whether v2 `set-name` was given (the device is renamed to `name`). */
  setName?: boolean;
  driver?: string;
  mtu?: number;
  subnets: Subnet[];
  /** Routes of a device that has no subnet to carry them (v2 routes on an unaddressed device). */
  routes: Route[];
  acceptRa?: boolean;
  wakeOnLan?: boolean;
  optional?: boolean;
  keepConfiguration?: boolean;
  /** Interface-level DNS (v2 nameservers, v1 nameserver with `interface`). */
  dns?: { nameservers: string[]; search: string[] };
  dhcp4Overrides?: DhcpOverrides;
  dhcp6Overrides?: DhcpOverrides;
  raOverrides?: RaOverrides;
  routingPolicy: RoutingPolicyRule[];
  /** Bond: member names and options. */
  bondInterfaces?: string[];
  bondParams?: BondParams;
  /** Member of this bond. */
  bondMaster?: string;
  /** Bridge: port names and options. */
  bridgePorts?: string[];
  bridgeParams?: BridgeParams;
  /** VLAN: parent device and id. */
  vlanLink?: string;
  vlanId?: number;
  /** Created only because a bond or bridge listed it as a member. */
  implicit?: boolean;
  /** v1 `params` keys that are not bond or bridge options (kept for ENI). */
  extraParams?: Record<string, string | number | boolean>;
}

export interface NetworkState {
  /** The config version the state was parsed from. */
  version: 1 | 2;
  /** Interfaces in config order, keyed by name in `byName`. */
  interfaces: Interface[];
  /** Global routes (v1 `route` entries). */
  routes: Route[];
  /** Global DNS (v1 `nameserver` entries; for v2 the union of all device nameservers). */
  dns: { nameservers: string[]; search: string[] };
  useIpv6: boolean;
  /** The original v2 document, rendered as-is by the netplan renderer. */
  passthrough?: Record<string, unknown>;
}

export function findInterface(state: NetworkState, name: string): Interface | undefined {
  return state.interfaces.find((i) => i.name === name);
}

export function isDefaultRoute(route: Route): boolean {
  return route.prefix === 0 && (route.network === '0.0.0.0' || route.network === '::');
}

export function isStatic(subnet: Subnet): boolean {
  return subnet.type === 'static' || subnet.type === 'static6';
}

/** The IP family a subnet configures, or undefined for `manual`. */
export function subnetFamily(subnet: Subnet): 4 | 6 | undefined {
  switch (subnet.type) {
    case 'dhcp4':
      return 4;
    case 'dhcp6':
    case 'ipv6_slaac':
    case 'ipv6_dhcpv6-stateless':
    case 'ipv6_dhcpv6-stateful':
    case 'static6':
      return 6;
    case 'static':
      return subnet.address !== undefined && subnet.address.includes(':') ? 6 : 4;
    case 'manual':
    case 'loopback':
      return undefined;
  }
}
