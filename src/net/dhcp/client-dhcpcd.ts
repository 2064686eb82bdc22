/**
 * dhcpcd in test mode (`--test`): it runs the DHCP exchange and hands what
 * it was offered to the script with reason TEST, without configuring the
 * interface or writing lease files, then exits. `-f /dev/null` keeps the
 * distro's dhcpcd.conf (and its hooks) out; the options a lease needs are
 * requested explicitly.
 */
import {
  DHCLIENT_STYLE_NAMES,
  leaseFromEnv,
  parseRoutePairs,
  type DhcpClientDriver,
  type BoundLease,
  type ScriptRecord,
} from './client-env.ts';

const BOUND = new Set(['TEST', 'BOUND', 'RENEW', 'REBIND', 'REBOOT']);

export function dhcpcdLease(record: ScriptRecord, iface: string): BoundLease | undefined {
  const e = record.env;
  if (!BOUND.has(e['reason'] ?? '')) return undefined;
  return leaseFromEnv(e, iface, 'dhcpcd', { ...DHCLIENT_STYLE_NAMES, cidr: 'new_subnet_cidr' }, parseRoutePairs(e['new_classless_static_routes']));
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
