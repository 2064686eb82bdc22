/**
 * The ifcfg-<name> keys of one interface, for RHEL (initscripts and
 * NetworkManager's ifcfg-rh) and SUSE (wicked), with cloud-init's key names
 * and values so that existing images and tooling keep working. Routes that
 * do not fit ifcfg keys are handed back for the route files.
 */
import { prefixToIPv4Mask } from '../../ip.ts';
import { subnetFamily, type Interface, type NetworkState, type Route } from '../../state.ts';
import { placeRhelRoutes, subnetGateways, suseRoutes } from './route-placement.ts';
import type { ShellValue } from './shell.ts';

export type Flavor = 'rhel' | 'suse';

export interface IfcfgContext {
  state: NetworkState;
  flavor: Flavor;
  /** Any default route anywhere in the config (DHCP must then not install its own). */
  hasDefaultRoute: boolean;
  /** Global routes placed on this interface because its subnet holds their gateway. */
  extraRoutes: readonly Route[];
  /** Whether the routes end up in files (RHEL always, SUSE with ifroute files): then they must be installable. */
  routesWritten: boolean;
  notes: string[];
}

export interface Ifcfg {
  vars: Map<string, ShellValue>;
  /** RHEL: routes for route-/route6-. SUSE: every route and gateway (ifroute-). */
  routes: Route[];
}

/** initscripts reads DNS1..DNS3 (resolv.conf's MAXNS); more would be silently ignored. */
const MAX_IFCFG_DNS = 3;

const RHEL_TYPES: Partial<Record<Interface['type'], string>> = {
  physical: 'Ethernet',
  bond: 'Bond',
  bridge: 'Bridge',
  infiniband: 'InfiniBand',
};

export function renderIfcfg(iface: Interface, ctx: IfcfgContext): Ifcfg {
  const vars = new Map<string, ShellValue>();
  const rhel = ctx.flavor === 'rhel';
  if (rhel) {
    vars.set('DEVICE', iface.name);
    const type = RHEL_TYPES[iface.type];
    if (type !== undefined) vars.set('TYPE', type);
    vars.set('ONBOOT', true);
    vars.set('USERCTL', false);
    vars.set('BOOTPROTO', 'none');
  } else {
    // wicked detects the type itself; InfiniBand is the exception it needs told.
    if (iface.type === 'infiniband') vars.set('TYPE', 'InfiniBand');
    vars.set('BOOTPROTO', 'static');
    vars.set('STARTMODE', 'auto');
  }
  renderLink(iface, vars, ctx);
  if (iface.type === 'bond') renderBond(iface, vars, ctx);
  if (iface.type === 'vlan') renderVlan(iface, vars, ctx);
  if (iface.type === 'bridge') renderBridge(iface, vars, ctx);
  renderBootproto(iface, vars, ctx);
  renderAddresses(iface, vars, ctx);
  if (rhel) renderDns(iface, vars, ctx);
  const routes = rhel ? placeRhelRoutes(iface, vars, ctx) : suseRoutes(iface, ctx);
  renderMembership(iface, vars, ctx);
  if (iface.raOverrides) ctx.notes.push(`${iface.name}: ra-overrides are not written: sysconfig has no setting for router advertisement routes or DNS`);
  if (rhel) renderDhcpOverrides(iface, vars);
  else if (iface.dhcp4Overrides !== undefined || iface.dhcp6Overrides !== undefined) {
    ctx.notes.push(`${iface.name}: DHCP overrides are global settings in SUSE's /etc/sysconfig/network/dhcp; not written`);
  }
  return { vars, routes };
}

function renderLink(iface: Interface, vars: Map<string, ShellValue>, ctx: IfcfgContext): void {
  const rhel = ctx.flavor === 'rhel';
  if (iface.macAddress !== undefined) {
    if (iface.type === 'physical' || iface.type === 'infiniband') vars.set(rhel ? 'HWADDR' : 'LLADDR', iface.macAddress);
    else if (iface.type === 'vlan') ctx.notes.push(`${iface.name}: a VLAN MAC address is not written (cloud-init's sysconfig output has none)`);
  }
  if (iface.mtu !== undefined) vars.set('MTU', iface.mtu);
  if (rhel && iface.acceptRa !== undefined) vars.set('IPV6_FORCE_ACCEPT_RA', iface.acceptRa);
  if (iface.wakeOnLan && iface.type === 'physical') vars.set('ETHTOOL_OPTS', 'wol g');
  if (iface.match?.name !== undefined && iface.match.name !== iface.name) {
    ctx.notes.push(`${iface.name}: match by name ${JSON.stringify(iface.match.name)} cannot be expressed in ifcfg; the file applies to device ${iface.name}`);
  }
}

/** Kernel bonding options in cloud-init's order, then the ones it does not know. */
const BOND_OPTIONS = [
  'mode', 'xmit_hash_policy', 'miimon', 'min_links', 'arp_interval', 'arp_ip_target', 'arp_validate', 'ad_select',
  'num_grat_arp', 'downdelay', 'updelay', 'lacp_rate', 'fail_over_mac', 'primary', 'primary_reselect',
  'all_slaves_active', 'arp_all_targets', 'packets_per_slave', 'resend_igmp', 'lp_interval', 'num_unsol_na',
  'use_carrier', 'ad_actor_sys_prio', 'ad_user_port_key', 'ad_actor_system', 'tlb_dynamic_lb', 'peer_notif_delay',
] as const;

function bondOptionValue(option: string, value: string | number | boolean | string[]): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  // The kernel and initscripts take several ARP targets comma-separated; a space would end the option.
  if (option === 'arp_ip_target') return (Array.isArray(value) ? value : String(value).split(/[\s,]+/)).filter((v) => v !== '').join(',');
  return Array.isArray(value) ? value.join(',') : String(value);
}

function renderBond(iface: Interface, vars: Map<string, ShellValue>, ctx: IfcfgContext): void {
  const params = iface.bondParams ?? {};
  const options: string[] = [];
  for (const option of BOND_OPTIONS) {
    const value = params[`bond-${option.replace(/_/g, '-')}`];
    if (value !== undefined) options.push(`${option}=${bondOptionValue(option, value)}`);
  }
  if (options.length > 0) vars.set(ctx.flavor === 'rhel' ? 'BONDING_OPTS' : 'BONDING_MODULE_OPTS', options.join(' '));
  vars.set('BONDING_MASTER', true);
  if (iface.macAddress !== undefined) vars.set(ctx.flavor === 'rhel' ? 'MACADDR' : 'LLADDR', iface.macAddress);
  // Sorted as cloud-init does, so the numbering is stable whatever the config order.
  const members = ctx.state.interfaces.filter((i) => i.bondMaster === iface.name).map((i) => i.name).sort();
  members.forEach((member, index) => vars.set(ctx.flavor === 'rhel' ? `BONDING_SLAVE${index}` : `BONDING_SLAVE_${index}`, member));
}

function renderVlan(iface: Interface, vars: Map<string, ShellValue>, ctx: IfcfgContext): void {
  if (ctx.flavor === 'rhel') {
    vars.set('VLAN', true);
    if (iface.vlanLink !== undefined) vars.set('PHYSDEV', iface.vlanLink);
    return;
  }
  if (iface.vlanId !== undefined) vars.set('VLAN_ID', iface.vlanId);
  // cloud-init derives the parent from the text before the last "." of the name; the link is the truth.
  if (iface.vlanLink !== undefined) vars.set('ETHERDEVICE', iface.vlanLink);
}

/** Bridge options cloud-init writes, with each flavour's key. */
const BRIDGE_KEYS: Record<Flavor, Record<string, string>> = {
  rhel: { bridge_stp: 'STP', bridge_ageing: 'AGEING', bridge_bridgeprio: 'PRIO' },
  suse: { bridge_stp: 'BRIDGE_STP', bridge_ageing: 'BRIDGE_AGEINGTIME', bridge_bridgeprio: 'BRIDGE_PRIORITY' },
};

function renderBridge(iface: Interface, vars: Map<string, ShellValue>, ctx: IfcfgContext): void {
  const keys = BRIDGE_KEYS[ctx.flavor];
  const dropped: string[] = [];
  for (const [param, value] of Object.entries(iface.bridgeParams ?? {})) {
    const key = keys[param];
    if (key === undefined) {
      dropped.push(param);
      continue;
    }
    if (typeof value === 'boolean') vars.set(key, ctx.flavor === 'suse' ? (value ? 'on' : 'off') : value);
    else if (typeof value === 'string' || typeof value === 'number') vars.set(key, value);
  }
  if (dropped.length > 0) ctx.notes.push(`${iface.name}: bridge options ${dropped.join(', ')} are not written (cloud-init's sysconfig keys only)`);
  if (iface.macAddress !== undefined) vars.set(ctx.flavor === 'rhel' ? 'MACADDR' : 'LLADDRESS', iface.macAddress);
  const ports = iface.bridgePorts ?? [];
  if (ctx.flavor === 'suse' && ports.length > 0) vars.set('BRIDGE_PORTS', ports.join(' '));
}

/** SUSE BOOTPROTO when DHCPv6 (or RA) joins: "dhcp" if DHCPv4 is on too, else "dhcp6". */
function suseWithDhcp6(vars: Map<string, ShellValue>): void {
  vars.set('BOOTPROTO', vars.get('BOOTPROTO') === 'dhcp4' ? 'dhcp' : 'dhcp6');
}

function renderBootproto(iface: Interface, vars: Map<string, ShellValue>, ctx: IfcfgContext): void {
  const rhel = ctx.flavor === 'rhel';
  let v6Static = false;
  let v6Autoconf: boolean | undefined;
  for (const subnet of iface.subnets) {
    switch (subnet.type) {
      case 'dhcp6':
      case 'ipv6_dhcpv6-stateful':
        if (!rhel) {
          suseWithDhcp6(vars);
          vars.set('DHCLIENT6_MODE', 'managed');
        } else {
          vars.set('IPV6INIT', true);
          vars.set('DHCPV6C', true);
          if (subnet.type === 'ipv6_dhcpv6-stateful') {
            v6Autoconf ??= false;
            vars.set('IPV6_FAILURE_FATAL', true);
          }
        }
        break;
      case 'ipv6_dhcpv6-stateless':
      case 'ipv6_slaac':
        if (!rhel) {
          suseWithDhcp6(vars);
          vars.set('DHCLIENT6_MODE', 'info');
        } else {
          vars.set('IPV6INIT', true);
          v6Autoconf = true;
          if (subnet.type === 'ipv6_dhcpv6-stateless') {
            vars.set('DHCPV6C', true);
            // Information-request only: addresses come from router advertisements.
            vars.set('DHCPV6C_OPTIONS', '-S');
          }
        }
        break;
      case 'dhcp4':
        vars.set('BOOTPROTO', rhel ? 'dhcp' : vars.get('BOOTPROTO') === 'dhcp6' ? 'dhcp' : 'dhcp4');
        break;
      case 'static':
      case 'static6': {
        const v6 = subnetFamily(subnet) === 6;
        if (v6 && rhel) {
          vars.set('IPV6INIT', true);
          v6Static = true;
        }
        if (subnet.mtu !== undefined) {
          // SUSE has no per-family MTU key; the IPv6 one would need sysctl.
          if (!v6) vars.set('MTU', subnet.mtu);
          else if (rhel) vars.set('IPV6_MTU', subnet.mtu);
          else ctx.notes.push(`${iface.name}: IPv6 MTU ${subnet.mtu} cannot be expressed in SUSE ifcfg; not written`);
        }
        break;
      }
      case 'manual':
        // A link-only interface is brought up at boot only when there is an MTU to apply.
        if (rhel) vars.set('ONBOOT', vars.has('MTU'));
        break;
      case 'loopback':
        break;
    }
    if (subnet.control === 'manual') {
      if (rhel) vars.set('ONBOOT', false);
      else vars.set('STARTMODE', 'manual');
    } else if (subnet.control === 'hotplug' && !rhel) {
      vars.set('STARTMODE', 'hotplug');
    }
  }
  if (rhel && v6Static) {
    // Static IPv6 ignores router advertisements unless the config asks for them.
    vars.set('IPV6_FORCE_ACCEPT_RA', iface.acceptRa ?? false);
    v6Autoconf ??= false;
  }
  if (rhel && v6Autoconf !== undefined) vars.set('IPV6_AUTOCONF', v6Autoconf);
}

function renderAddresses(iface: Interface, vars: Map<string, ShellValue>, ctx: IfcfgContext): void {
  const rhel = ctx.flavor === 'rhel';
  let v4 = 0;
  const v6: string[] = [];
  for (const subnet of iface.subnets) {
    // Subnet metrics are DHCP route metrics (dhcpN-overrides) or a static subnet's; NetworkManager keys them per family.
    if (subnet.metric !== undefined && rhel) {
      const family = subnetFamily(subnet);
      if (family !== undefined) vars.set(`IPV${family}_ROUTE_METRIC`, subnet.metric);
    }
    if (subnet.type === 'dhcp4' && rhel && ctx.hasDefaultRoute) vars.set('DHCLIENT_SET_DEFAULT_ROUTE', false);
    if ((subnet.type !== 'static' && subnet.type !== 'static6') || subnet.address === undefined) continue;
    if (subnetFamily(subnet) === 6) {
      v6.push(`${subnet.address}/${subnet.prefix ?? 64}`);
    } else {
      const suffix = v4 === 0 ? '' : String(v4);
      vars.set(`IPADDR${suffix}`, subnet.address);
      vars.set(`NETMASK${suffix}`, prefixToIPv4Mask(subnet.prefix ?? 24));
      v4++;
    }
  }
  if (v6.length > 0) {
    if (rhel) {
      vars.set('IPV6ADDR', v6[0]!);
      if (v6.length > 1) vars.set('IPV6ADDR_SECONDARIES', v6.slice(1).join(' '));
    } else {
      vars.set('IPADDR6', v6[0]!);
      v6.slice(1).forEach((cidr, i) => vars.set(`IPADDR6_${i + 1}`, cidr));
    }
  }
  if (!rhel) return;
  const gateways = subnetGateways(iface, ctx);
  if (gateways.size > 0) vars.set('DEFROUTE', true);
  const gateway4 = gateways.get(4);
  const gateway6 = gateways.get(6);
  if (gateway4 !== undefined) vars.set('GATEWAY', gateway4);
  if (gateway6 !== undefined) vars.set('IPV6_DEFAULTGW', gateway6);
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** Interface-level DNS first (v1 `nameserver` with `interface`, v2 `nameservers`), then the subnets'. */
function renderDns(iface: Interface, vars: Map<string, ShellValue>, ctx: IfcfgContext): void {
  const servers = unique([...(iface.dns?.nameservers ?? []), ...iface.subnets.flatMap((s) => s.dnsNameservers)]);
  const search = unique([...(iface.dns?.search ?? []), ...iface.subnets.flatMap((s) => s.dnsSearch)]);
  if (search.length > 0) vars.set('DOMAIN', search.join(' '));
  servers.slice(0, MAX_IFCFG_DNS).forEach((server, i) => vars.set(`DNS${i + 1}`, server));
  if (servers.length > MAX_IFCFG_DNS) {
    ctx.notes.push(`${iface.name}: only the first ${MAX_IFCFG_DNS} nameservers go into ifcfg (DNS1..DNS${MAX_IFCFG_DNS}); ${servers.slice(MAX_IFCFG_DNS).join(', ')} left out`);
  }
}

/** Keys a device gets from the bond or bridge it belongs to; they win over its own addressing. */
function renderMembership(iface: Interface, vars: Map<string, ShellValue>, ctx: IfcfgContext): void {
  const rhel = ctx.flavor === 'rhel';
  if (iface.bondMaster !== undefined) {
    if (rhel) {
      vars.set('MASTER', iface.bondMaster);
      vars.set('SLAVE', true);
    } else {
      vars.set('BOOTPROTO', 'none');
      vars.set('STARTMODE', 'hotplug');
    }
  }
  const bridge = ctx.state.interfaces.find((i) => i.type === 'bridge' && (i.bridgePorts ?? []).includes(iface.name));
  if (bridge !== undefined) vars.set('BRIDGE', rhel ? bridge.name : 'yes');
}

/** NetworkManager ifcfg-rh (and initscripts for PEERDNS/PEERROUTES) keys for v2 DHCP overrides. */
function renderDhcpOverrides(iface: Interface, vars: Map<string, ShellValue>): void {
  const v4 = iface.dhcp4Overrides;
  if (v4 !== undefined) {
    if (v4.useDns === false) vars.set('PEERDNS', false);
    if (v4.useRoutes === false) vars.set('PEERROUTES', false);
    if (v4.sendHostname === false) vars.set('DHCP_SEND_HOSTNAME', false);
    if (v4.hostname !== undefined) vars.set('DHCP_HOSTNAME', v4.hostname);
  }
  const v6 = iface.dhcp6Overrides;
  if (v6 !== undefined) {
    if (v6.useDns === false) vars.set('IPV6_PEERDNS', false);
    if (v6.useRoutes === false) vars.set('IPV6_PEERROUTES', false);
  }
}
