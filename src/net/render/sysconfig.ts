/**
 * NetworkState → RHEL (/etc/sysconfig/network-scripts/) or SUSE
 * (/etc/sysconfig/network/) ifcfg and route files, plus the files cloud-init's
 * sysconfig renderer writes beside them: the RHEL control file, resolv.conf,
 * the NetworkManager dns=none drop-in and the persistent-net udev rules.
 */
import { isDefaultRoute, isStatic, type Interface, type NetworkState } from '../state.ts';
import { renderControlFile } from './sysconfig/control.ts';
import { renderIfcfg, type Flavor } from './sysconfig/ifcfg.ts';
import { persistentNetRules } from './sysconfig/persistent-net.ts';
import { mergeResolvConf, RESOLVER_MAX_NAMESERVERS } from './sysconfig/resolv-conf.ts';
import { describeRoute, ifrouteFile, ipv4RouteFile, ipv6RouteFile, routeFamily, ruleFamily, ruleFile } from './sysconfig/routes.ts';
import { SYSCONFIG_HEADER, shellFile } from './sysconfig/shell.ts';
import type { ReadExisting, RenderedFile, RenderResult } from './types.ts';
import { placeGlobalRoutes } from './global-routes.ts';

export interface SysconfigOptions {
  flavor: 'rhel' | 'suse';
  /** Existing files under the target root (resolv.conf and the control file are merged, not replaced). */
  existing?: ReadExisting;
  /**
   * SUSE only: write routes and gateways to ifroute-<name>, as SUSE's own
   * cloud-init package does. Off by default, as in upstream cloud-init, whose
   * SUSE output has no routes at all (each one is reported in the notes).
   */
  suseIfroute?: boolean;
}

interface Layout {
  dir: string;
  udevRules: string;
  control?: string;
}

const LAYOUTS: Record<Flavor, Layout> = {
  rhel: { dir: 'etc/sysconfig/network-scripts', udevRules: 'etc/udev/rules.d/70-persistent-net.rules', control: 'etc/sysconfig/network' },
  // SUSE's control file (/etc/sysconfig/network/config) holds unrelated global settings; cloud-init never writes it.
  suse: { dir: 'etc/sysconfig/network', udevRules: 'etc/udev/rules.d/85-persistent-net-cloud-init.rules' },
};

const RESOLV_CONF = 'etc/resolv.conf';
const NM_DNS_DROPIN = 'etc/NetworkManager/conf.d/99-cloud-init.conf';
const MODE = 0o644;

/** The kernel's main routing table. */
const MAIN_TABLE = 254;

export function renderSysconfig(state: NetworkState, opts: SysconfigOptions): RenderResult {
  const flavor = opts.flavor;
  const layout = LAYOUTS[flavor];
  const files: RenderedFile[] = [];
  const notes: string[] = [];
  const write = (path: string, content: string): void => {
    files.push({ path, content, mode: MODE });
  };
  // A configured IPv4 default route in the main table makes DHCP's redundant (cloud-init also
  // counts IPv6 routes and routes of other tables, which leaves a DHCP host without any default route).
  const hasDefaultRoute = [...state.routes, ...state.interfaces.flatMap((i) => [...i.routes, ...i.subnets.flatMap((s) => s.routes)])].some(
    (r) => isDefaultRoute(r) && r.network === '0.0.0.0' && (r.table === undefined || r.table === MAIN_TABLE),
  );
  const global = placeGlobalRoutes(state);
  notes.push(...global.notes);
  const placed = global.byInterface;

  for (const iface of state.interfaces) {
    if (iface.type === 'loopback') {
      if (iface.subnets.some((s) => isStatic(s))) notes.push(`${iface.name}: loopback addresses are not written (sysconfig leaves lo to the system)`);
      continue;
    }
    const { vars, routes } = renderIfcfg(iface, {
      state,
      flavor,
      hasDefaultRoute,
      extraRoutes: placed.get(iface.name) ?? [],
      routesWritten: flavor === 'rhel' || opts.suseIfroute === true,
      notes,
    });
    write(`${layout.dir}/ifcfg-${iface.name}`, shellFile(vars));
    if (flavor === 'rhel') {
      const v4 = routes.filter((r) => routeFamily(r) === 4);
      const v6 = routes.filter((r) => routeFamily(r) === 6);
      if (v4.length > 0) write(`${layout.dir}/route-${iface.name}`, ipv4RouteFile(v4));
      if (v6.length > 0) write(`${layout.dir}/route6-${iface.name}`, ipv6RouteFile(v6, iface.name));
      writeRules(iface, layout.dir, write);
    } else {
      if (routes.length > 0) {
        if (opts.suseIfroute) write(`${layout.dir}/ifroute-${iface.name}`, ifrouteFile(routes, iface.name));
        else notes.push(`${iface.name}: routes not written (SUSE ifcfg has no route keys; enable ifroute files to write them): ${routes.map(describeRoute).join(', ')}`);
      }
      if (iface.routingPolicy.length > 0) notes.push(`${iface.name}: ${iface.routingPolicy.length} routing-policy rule(s) cannot be expressed in SUSE sysconfig; not written`);
    }
  }

  if (layout.control !== undefined) write(layout.control, renderControlFile(opts.existing?.(layout.control), state.useIpv6));
  const dns = collectDns(state);
  // Without DNS in the config, resolv.conf is left to whatever manages it now.
  if (dns.nameservers.length > 0 || dns.search.length > 0) {
    write(RESOLV_CONF, mergeResolvConf(opts.existing?.(RESOLV_CONF), dns.nameservers, dns.search));
    if (dns.nameservers.length > RESOLVER_MAX_NAMESERVERS) {
      notes.push(`resolv.conf lists ${dns.nameservers.length} nameservers; the resolver uses only the first ${RESOLVER_MAX_NAMESERVERS}`);
    }
    // NetworkManager would otherwise overwrite the resolv.conf just written.
    write(NM_DNS_DROPIN, `${SYSCONFIG_HEADER}[main]\ndns = none\n`);
  }
  write(layout.udevRules, persistentNetRules(state));
  return { files, notes };
}

function writeRules(iface: Interface, dir: string, write: (path: string, content: string) => void): void {
  const v4 = iface.routingPolicy.filter((r) => ruleFamily(r) === 4);
  const v6 = iface.routingPolicy.filter((r) => ruleFamily(r) === 6);
  if (v4.length > 0) write(`${dir}/rule-${iface.name}`, ruleFile(v4));
  if (v6.length > 0) write(`${dir}/rule6-${iface.name}`, ruleFile(v6));
}

/**
 * resolv.conf content, in cloud-init's order: per interface its subnets'
 * then its own nameservers, then the global ones.
 */
function collectDns(state: NetworkState): { nameservers: string[]; search: string[] } {
  const nameservers: string[] = [];
  const search: string[] = [];
  for (const iface of state.interfaces) {
    for (const subnet of iface.subnets) {
      nameservers.push(...subnet.dnsNameservers);
      search.push(...subnet.dnsSearch);
    }
    nameservers.push(...(iface.dns?.nameservers ?? []));
    search.push(...(iface.dns?.search ?? []));
  }
  nameservers.push(...state.dns.nameservers);
  search.push(...state.dns.search);
  return { nameservers: [...new Set(nameservers)], search: [...new Set(search)] };
}
