/**
 * systemd-networkd's lease files, /run/systemd/netif/leases/<ifindex>:
 * KEY=VALUE lines under a "This is private data. Do not parse." header.
 * systemd gives no other way to read a lease without D-Bus, so they are read
 * anyway, leniently: unknown keys are kept in `options`, and both route keys
 * are understood (ROUTES= before systemd 246, CLASSLESS_ROUTES= since).
 * NetworkManager's internal client writes the same format.
 */
import type { Diagnostic } from '../../../text/diagnostics.ts';
import { isIPv4 } from '../../ip.ts';
import type { RootFs } from '../../../host/root-fs.ts';
import { emptyLease, ipv4List, routesFromPairs, searchList, seconds, setMask, tidy, type LeaseParse, type LeaseSource } from './lease.ts';

export const NETWORKD_LEASE_DIR = '/run/systemd/netif/leases';

/** One lease file; `iface` names the interface (the file itself does not). */
export function parseNetworkdLease(
  text: string,
  opts: { source?: string; sourcePath?: string; iface?: string; client?: LeaseSource } = {},
): LeaseParse {
  const source = opts.source ?? opts.sourcePath ?? 'networkd lease';
  const diagnostics: Diagnostic[] = [];
  const lease = emptyLease(opts.client ?? 'networkd', opts.sourcePath);
  if (opts.iface !== undefined) lease.interface = opts.iface;
  const values = new Map<string, { value: string; line: number }>();
  text.split('\n').forEach((raw, n) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      diagnostics.push({ severity: 'warning', source, path: [], line: n + 1, message: `not KEY=VALUE: ${JSON.stringify(line)}; ignored` });
      return;
    }
    let value = line.slice(eq + 1).trim();
    // systemd's env-file writer may quote a value; none of the keys read here needs quotes.
    if (value.length >= 2 && value[0] === value[value.length - 1] && (value[0] === '"' || value[0] === "'")) value = value.slice(1, -1);
    values.set(line.slice(0, eq).trim(), { value, line: n + 1 });
  });
  const warn = (key: string, message: string) =>
    diagnostics.push({ severity: 'warning', source, path: [key], line: values.get(key)?.line ?? 0, message });
  const get = (key: string) => values.get(key)?.value;
  for (const [k, v] of values) lease.options[k] = v.value;

  const address = get('ADDRESS');
  if (address !== undefined) {
    if (isIPv4(address)) lease.address = address;
    else warn('ADDRESS', `${JSON.stringify(address)} is not an IPv4 address`);
  }
  setMask(lease, get('NETMASK'));
  lease.routers = ipv4List(get('ROUTER') ?? '');
  const server = get('SERVER_ADDRESS');
  if (server !== undefined && isIPv4(server)) lease.serverIdentifier = server;
  lease.dns = ipv4List(get('DNS') ?? '');
  const domain = get('DOMAINNAME');
  if (domain) lease.domain = domain;
  lease.domainSearch = searchList((get('DOMAIN_SEARCH_LIST') ?? '').split(/\s+/));
  lease.leaseTime = seconds(get('LIFETIME'));
  lease.renewAfter = seconds(get('T1'));
  lease.rebindAfter = seconds(get('T2'));
  for (const key of ['CLASSLESS_ROUTES', 'ROUTES']) {
    const text = get(key);
    if (text === undefined) continue;
    const r = routesFromPairs(text);
    lease.staticRoutes = r.routes;
    if (r.error !== undefined) warn(key, `${r.error}; the routes before it are kept`);
    break;
  }
  return { leases: [tidy(lease)], diagnostics };
}

/** Interface names by ifindex, from the target's /sys/class/net/<name>/ifindex. */
export function interfacesByIndex(fs: RootFs): Map<number, string> {
  const out = new Map<number, string>();
  for (const name of fs.list('/sys/class/net')) {
    const idx = seconds(fs.readText(`/sys/class/net/${name}/ifindex`) ?? undefined);
    if (idx !== undefined) out.set(idx, name);
  }
  return out;
}

/** Every lease networkd holds, in file-name order, each named after its interface when sysfs knows it. */
export function readNetworkdLeases(fs: RootFs): LeaseParse {
  const out: LeaseParse = { leases: [], diagnostics: [] };
  const names = fs.list(NETWORKD_LEASE_DIR).filter((n) => /^\d+$/.test(n));
  if (names.length === 0) return out;
  const byIndex = interfacesByIndex(fs);
  for (const name of names) {
    const path = `${NETWORKD_LEASE_DIR}/${name}`;
    const text = fs.readText(path);
    if (text === null) continue;
    const iface = byIndex.get(Number(name));
    const r = parseNetworkdLease(text, { sourcePath: path, ...(iface !== undefined ? { iface } : {}) });
    out.leases.push(...r.leases);
    out.diagnostics.push(...r.diagnostics);
  }
  return out;
}
