/**
 * ISC dhclient, run in the foreground for one attempt with its own config,
 * lease and PID files in our private directory, and our recording script in
 * place of dhclient-script: it never touches the interface or the distro's
 * files. It stays running once bound (to renew); the caller kills it.
 */
import {
  DHCLIENT_STYLE_NAMES,
  leaseFromEnv,
  parseClasslessBytes,
  type DhcpClientDriver,
  type BoundLease,
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

export function dhclientLease(record: ScriptRecord, iface: string): BoundLease | undefined {
  const e = record.env;
  if (!BOUND.has(e['reason'] ?? '')) return undefined;
  return leaseFromEnv(e, iface, 'dhclient', DHCLIENT_STYLE_NAMES, parseClasslessBytes(e['new_rfc3442_classless_static_routes']));
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
