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
import { parseDhclientLeases } from './dhclient.ts';
import { emptyLease, fillFromNamedOptions, latestPerInterface, seconds, tidy, type LeaseParse } from './lease.ts';
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
  // The internal client writes "dest/width gw" pairs; the dhclient backend passes dhclient's bytes on.
  fillFromNamedOptions(lease, values, ['rfc3442_classless_static_routes', 'ms_classless_static_routes'], source, diagnostics);
  lease.expireAt = seconds(get('expiry'));
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
