/**
 * busybox udhcpc (or a standalone udhcpc): foreground, quit once bound,
 * give up after its retries; our script replaces the default one, so
 * "deconfig" and "bound" change nothing on the interface.
 */
import {
  leaseFromEnv,
  parseRoutePairs,
  type DhcpClientDriver,
  type BoundLease,
  type ScriptRecord,
} from './client-env.ts';

/** Seconds between DISCOVERs: udhcpc's 1 s can be shorter than a server's offer delay. */
const RETRY_SECONDS = 2;

export function udhcpcLease(record: ScriptRecord, iface: string): BoundLease | undefined {
  if (record.arg !== 'bound' && record.arg !== 'renew') return undefined;
  const e = record.env;
  const names = { address: 'ip', mask: 'subnet', cidr: 'mask', routers: 'router', dns: 'dns', broadcast: 'broadcast', server: 'serverid', domain: 'domain', leaseTime: 'lease' };
  return leaseFromEnv(e, iface, 'udhcpc', names, parseRoutePairs(e['staticroutes']));
}

export const udhcpc: DhcpClientDriver = {
  name: 'udhcpc',
  invocations: [['udhcpc'], ['busybox', 'udhcpc']],
  files: () => ({}),
  argv: (inv, iface, _dir, script, budgetMs) => [
    ...inv,
    '-i', iface,
    '-s', script,
    '-f', // foreground
    '-q', // quit once bound
    '-n', // exit when no lease
    '-t', String(Math.max(1, Math.floor(budgetMs / 1000 / RETRY_SECONDS))),
    '-T', String(RETRY_SECONDS),
    '-O', 'staticroutes',
  ],
  leaseFrom: udhcpcLease,
  failureFrom: (r) => (r.arg === 'leasefail' ? 'udhcpc gave up (leasefail)' : undefined),
};
