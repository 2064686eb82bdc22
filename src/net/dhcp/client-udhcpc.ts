/**
 * busybox udhcpc (or a standalone udhcpc): foreground, quit once bound,
 * give up after its retries; our script replaces the default one, so
 * "deconfig" and "bound" change nothing on the interface.
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

/** Seconds between DISCOVERs: udhcpc's 1 s can be shorter than a server's offer delay. */
const RETRY_SECONDS = 2;

export function udhcpcLease(record: ScriptRecord, iface: string): Lease | undefined {
  if (record.arg !== 'bound' && record.arg !== 'renew') return undefined;
  const e = record.env;
  const address = optionalIPv4(e['ip']);
  const prefix = prefixOf(e['subnet'], e['mask']);
  if (address === undefined || prefix === undefined) return undefined;
  const lease: Lease = {
    interface: e['interface'] ?? iface,
    address,
    prefix,
    routers: ipv4List(e['router']),
    staticRoutes: parseRoutePairs(e['staticroutes']),
    dns: ipv4List(e['dns']),
    client: 'udhcpc',
  };
  const broadcast = optionalIPv4(e['broadcast']);
  if (broadcast) lease.broadcast = broadcast;
  const server = optionalIPv4(e['serverid']);
  if (server) lease.serverIdentifier = server;
  if (e['domain']) lease.domain = e['domain'];
  const time = optionalSeconds(e['lease']);
  if (time !== undefined) lease.leaseTimeSeconds = time;
  return lease;
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
