/**
 * dhcpcd in test mode (`--test`): it runs the DHCP exchange and hands what
 * it was offered to the script with reason TEST, without configuring the
 * interface or writing lease files, then exits. `-f /dev/null` keeps the
 * distro's dhcpcd.conf (and its hooks) out; the options a lease needs are
 * requested explicitly.
 */
import {
  ipv4List,
  optionalIPv4,
  optionalSeconds,
  parseRoutePairs,
  prefixOf,
  type DhcpClientDriver,
  type Lease,
  type ScriptRecord,
} from './client-env.ts';

const BOUND = new Set(['TEST', 'BOUND', 'RENEW', 'REBIND', 'REBOOT']);

export function dhcpcdLease(record: ScriptRecord, iface: string): Lease | undefined {
  const e = record.env;
  if (!BOUND.has(e['reason'] ?? '')) return undefined;
  const address = optionalIPv4(e['new_ip_address']);
  const prefix = prefixOf(e['new_subnet_mask'], e['new_subnet_cidr']);
  if (address === undefined || prefix === undefined) return undefined;
  const lease: Lease = {
    interface: e['interface'] ?? iface,
    address,
    prefix,
    routers: ipv4List(e['new_routers']),
    staticRoutes: parseRoutePairs(e['new_classless_static_routes']),
    dns: ipv4List(e['new_domain_name_servers']),
    client: 'dhcpcd',
  };
  const broadcast = optionalIPv4(e['new_broadcast_address']);
  if (broadcast) lease.broadcast = broadcast;
  const server = optionalIPv4(e['new_dhcp_server_identifier']);
  if (server) lease.serverIdentifier = server;
  if (e['new_domain_name']) lease.domain = e['new_domain_name'];
  const time = optionalSeconds(e['new_dhcp_lease_time']);
  if (time !== undefined) lease.leaseTimeSeconds = time;
  return lease;
}

export const dhcpcd: DhcpClientDriver = {
  name: 'dhcpcd',
  invocations: [['dhcpcd']],
  files: () => ({}),
  argv: (inv, iface, _dir, script, budgetMs) => [
    ...inv,
    '--test',
    '--ipv4only',
    '--debug',
    '--config', '/dev/null',
    '--option', 'routers',
    '--option', 'domain_name_servers',
    '--option', 'domain_name',
    '--option', 'classless_static_routes',
    '--option', 'dhcp_server_identifier',
    '--timeout', String(Math.max(1, Math.ceil(budgetMs / 1000))),
    '--script', script,
    iface,
  ],
  leaseFrom: dhcpcdLease,
  failureFrom: (r) => (r.env['reason'] === 'FAIL' || r.env['reason'] === 'TIMEOUT' ? `dhcpcd gave up (${r.env['reason']})` : undefined),
};
