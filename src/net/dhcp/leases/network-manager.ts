/**
 * NetworkManager's leases: what `nmcli -t -f DHCP4 device show <if>` reports
 * (`DHCP4.OPTION[n]:name = value`, the client's option names with "_"), and
 * the files under /var/lib/NetworkManager: `internal-<uuid>-<if>.lease`
 * (its internal client; networkd's KEY=VALUE format, in which NetworkManager
 * 1.42 records only ADDRESS=) and `dhclient-<uuid>-<if>.lease` (its dhclient
 * backend; dhclient's format).
 */
import type { Diagnostic } from '../../../text/diagnostics.ts';
import { runCommand, type CommandOptions } from '../../../host/exec.ts';
import type { RootFs } from '../../../host/root-fs.ts';
import { isIPv4 } from '../../ip.ts';
import { parseDhclientLeases } from './dhclient.ts';
import { emptyLease, ipv4List, latestPerInterface, routesFromText, searchList, seconds, setMask, tidy, type LeaseParse } from './lease.ts';
import { parseNetworkdLease } from './networkd.ts';

export const NM_LEASE_DIR = '/var/lib/NetworkManager';

/** `nmcli [-t] -f DHCP4 device show <if>` output; the padded (non-terse) form is read too. */
export function parseNmcliDhcp4(text: string, opts: { iface?: string; source?: string; sourcePath?: string } = {}): LeaseParse {
  const source = opts.source ?? 'nmcli DHCP4';
  const diagnostics: Diagnostic[] = [];
  const values = new Map<string, { value: string; line: number }>();
  text.split('\n').forEach((raw, n) => {
    const m = /^DHCP4\.OPTION\[\d+\]:\s*([^=\s]+)\s*=\s*(.*)$/.exec(raw.trim());
    if (m?.[1]) values.set(m[1], { value: (m[2] ?? '').trim(), line: n + 1 });
  });
  if (values.size === 0) return { leases: [], diagnostics };
  const lease = emptyLease('networkmanager', opts.sourcePath);
  const get = (k: string) => values.get(k)?.value;
  for (const [k, v] of values) if (!k.startsWith('requested_')) lease.options[k] = v.value;
  if (opts.iface !== undefined) lease.interface = opts.iface;
  const address = get('ip_address');
  if (address !== undefined && isIPv4(address)) lease.address = address;
  setMask(lease, get('subnet_mask'));
  lease.routers = ipv4List(get('routers') ?? '');
  lease.dns = ipv4List(get('domain_name_servers') ?? '');
  const server = get('dhcp_server_identifier');
  if (server !== undefined && isIPv4(server)) lease.serverIdentifier = server;
  const domain = get('domain_name');
  if (domain) lease.domain = domain;
  lease.domainSearch = searchList((get('domain_search') ?? '').split(/\s+/));
  lease.leaseTime = seconds(get('dhcp_lease_time'));
  lease.renewAfter = seconds(get('dhcp_renewal_time'));
  lease.rebindAfter = seconds(get('dhcp_rebinding_time'));
  lease.expireAt = seconds(get('expiry'));
  // The internal client writes "dest/width gw" pairs; the dhclient backend passes dhclient's bytes on.
  for (const key of ['rfc3442_classless_static_routes', 'ms_classless_static_routes']) {
    const text = get(key);
    if (text === undefined) continue;
    const r = routesFromText(text);
    lease.staticRoutes = r.routes;
    if (r.error !== undefined) {
      diagnostics.push({ severity: 'warning', source, path: [key], line: values.get(key)?.line ?? 0, message: `${r.error}; the routes before it are kept` });
    }
    break;
  }
  return { leases: [tidy(lease)], diagnostics };
}

/** Ask NetworkManager for the DHCPv4 options of `iface` (not run when planning or under another --root). */
export function nmcliDhcp4Lease(iface: string, opts: CommandOptions): LeaseParse {
  const r = runCommand(['nmcli', '-t', '-f', 'DHCP4', 'device', 'show', iface], { timeoutMs: 5_000, ...opts });
  if (!r.ran || r.code !== 0) return { leases: [], diagnostics: [] };
  return parseNmcliDhcp4(r.stdout, { iface, sourcePath: `nmcli -t -f DHCP4 device show ${iface}` });
}

/** `nmcli -t -f DEVICE,STATE device` output: the connected devices other than lo, in nmcli's order. */
export function parseNmcliConnectedDevices(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    // Terse output escapes ":" in values as "\:"; a device name has none in practice.
    const m = /^((?:[^:\\]|\\.)+):(.*)$/.exec(line.trim());
    const dev = m?.[1]?.replace(/\\(.)/g, '$1');
    if (dev && dev !== 'lo' && m?.[2] === 'connected') out.push(dev);
  }
  return out;
}

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const INTERNAL = new RegExp(`^internal-(?:${UUID}-)?(.+)\\.lease$`);
const DHCLIENT = new RegExp(`^dhclient-(?:${UUID}-)?(.+)\\.lease$`);

/** Every IPv4 lease file NetworkManager keeps on the target (dhclient backend: the last lease per interface). */
export function readNetworkManagerLeases(fs: RootFs): LeaseParse {
  const out: LeaseParse = { leases: [], diagnostics: [] };
  for (const name of fs.list(NM_LEASE_DIR)) {
    const internal = INTERNAL.exec(name)?.[1];
    const dhclient = internal === undefined ? DHCLIENT.exec(name)?.[1] : undefined;
    if (internal === undefined && dhclient === undefined) continue;
    const path = `${NM_LEASE_DIR}/${name}`;
    const text = fs.readText(path);
    if (text === null) continue;
    if (internal !== undefined) {
      const r = parseNetworkdLease(text, { sourcePath: path, iface: internal, client: 'networkmanager' });
      out.leases.push(...r.leases);
      out.diagnostics.push(...r.diagnostics);
    } else {
      const r = parseDhclientLeases(text, path, path);
      for (const l of latestPerInterface(r.leases)) {
        l.source = 'networkmanager';
        l.interface ??= dhclient;
        out.leases.push(l);
      }
      out.diagnostics.push(...r.diagnostics);
    }
  }
  return out;
}
