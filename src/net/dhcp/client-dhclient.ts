/**
 * ISC dhclient, run in the foreground for one attempt with its own config,
 * lease and PID files in our private directory, and our recording script in
 * place of dhclient-script: it never touches the interface or the distro's
 * files. It stays running once bound (to renew); the caller kills it.
 */
import {
  ipv4List,
  optionalIPv4,
  optionalSeconds,
  parseClasslessBytes,
  prefixOf,
  type DhcpClientDriver,
  type Lease,
  type ScriptRecord,
} from './client-env.ts';

const BOUND = new Set(['BOUND', 'RENEW', 'REBIND', 'REBOOT']);

/** Our config: declares option 121 (not built into dhclient) and asks for what a lease needs. */
function config(budgetMs: number): string {
  return [
    'option rfc3442-classless-static-routes code 121 = array of unsigned integer 8;',
    'request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers,',
    '        rfc3442-classless-static-routes, dhcp-lease-time, dhcp-server-identifier;',
    `timeout ${Math.max(1, Math.ceil(budgetMs / 1000))};`,
    '',
  ].join('\n');
}

export function dhclientLease(record: ScriptRecord, iface: string): Lease | undefined {
  const e = record.env;
  if (!BOUND.has(e['reason'] ?? '')) return undefined;
  const address = optionalIPv4(e['new_ip_address']);
  const prefix = prefixOf(e['new_subnet_mask'], undefined);
  if (address === undefined || prefix === undefined) return undefined;
  const lease: Lease = {
    interface: e['interface'] ?? iface,
    address,
    prefix,
    routers: ipv4List(e['new_routers']),
    staticRoutes: parseClasslessBytes(e['new_rfc3442_classless_static_routes']),
    dns: ipv4List(e['new_domain_name_servers']),
    client: 'dhclient',
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

export const dhclient: DhcpClientDriver = {
  name: 'dhclient',
  invocations: [['dhclient']],
  files: (budgetMs) => ({ 'dhclient.conf': config(budgetMs) }),
  argv: (inv, iface, dir, script) => [
    ...inv,
    '-d', // foreground: the PID we hold is the client's
    '-1',
    '-4',
    '-v',
    '-cf', `${dir}/dhclient.conf`,
    '-lf', `${dir}/dhclient.leases`,
    '-pf', `${dir}/dhclient.pid`,
    '-sf', script,
    iface,
  ],
  leaseFrom: dhclientLease,
  failureFrom: (r) => (r.env['reason'] === 'FAIL' ? 'dhclient gave up (FAIL)' : undefined),
};
