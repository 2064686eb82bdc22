/**
 * dhcpcd's leases, two ways: the text `dhcpcd --dumplease -4 <if>` prints
 * (KEY=VALUE lines, quoted in dhcpcd before 9), and the lease file itself,
 * /var/lib/dhcpcd/<if>.lease, which is the server's DHCP message as received
 * (RFC 2131 wire format). dhcpcd 9 answers --dumplease only while it runs, so
 * the file is what can be read under --root or after the client is gone.
 */
import type { Diagnostic } from '../../../text/diagnostics.ts';
import { runCommand, type CommandOptions } from '../../../host/exec.ts';
import type { RootFs } from '../../../host/root-fs.ts';
import { isIPv4 } from '../../ip.ts';
import {
  emptyLease,
  fillFromNamedOptions,
  isInterfaceName,
  routesFromBytes,
  searchList,
  seconds,
  setMask,
  tidy,
  type LeaseParse,
} from './lease.ts';

export const DHCPCD_LEASE_DIR = '/var/lib/dhcpcd';

/** A value as dhcpcd printed it: bare (dhcpcd 9), or single-quoted for the shell (older). */
function unquote(v: string): string {
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1).replace(/'\\''/g, "'");
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(.)/g, '$1');
  return v;
}

/** The output of `dhcpcd --dumplease -4 <if>`; `iface` is used when the output does not name one. */
export function parseDhcpcdDump(text: string, opts: { iface?: string; source?: string; sourcePath?: string } = {}): LeaseParse {
  const source = opts.source ?? 'dhcpcd --dumplease';
  const diagnostics: Diagnostic[] = [];
  const lease = emptyLease('dhcpcd', opts.sourcePath);
  const values = new Map<string, { value: string; line: number }>();
  text.split('\n').forEach((raw, n) => {
    const line = raw.trim();
    if (line === '') return;
    const m = /^(?:new_)?([A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (!m?.[1]) {
      diagnostics.push({ severity: 'warning', source, path: [], line: n + 1, message: `not KEY=VALUE: ${JSON.stringify(line)}; ignored` });
      return;
    }
    values.set(m[1], { value: unquote(m[2] ?? ''), line: n + 1 });
  });
  if (values.size === 0) return { leases: [], diagnostics };
  const get = (k: string) => values.get(k)?.value;
  for (const [k, v] of values) lease.options[k] = v.value;
  let iface = get('interface') ?? opts.iface;
  if (iface !== undefined && !isInterfaceName(iface)) {
    diagnostics.push({ severity: 'warning', source, path: ['interface'], line: values.get('interface')?.line ?? 0, message: `${JSON.stringify(iface)} is not an interface name; ignored` });
    iface = opts.iface;
  }
  if (iface) lease.interface = iface;
  fillFromNamedOptions(lease, values, ['classless_static_routes', 'ms_classless_static_routes'], source, diagnostics, seconds(get('subnet_cidr')));
  return { leases: [tidy(lease)], diagnostics };
}

/**
 * Ask the running dhcpcd for its lease on `iface`. Not run when planning or
 * under another --root (runCommand refuses): then, and when dhcpcd has no
 * lease, the result holds none.
 */
export function dumpDhcpcdLease(iface: string, opts: CommandOptions): LeaseParse {
  const r = runCommand(['dhcpcd', '--dumplease', '-4', iface], { timeoutMs: 5_000, ...opts });
  if (!r.ran || r.code !== 0) return { leases: [], diagnostics: [] };
  return parseDhcpcdDump(r.stdout, { iface, sourcePath: `dhcpcd --dumplease -4 ${iface}` });
}

const MAGIC_COOKIE = 0x63825363;
const OPTIONS_START = 240;

function dotted(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

function addresses(data: Uint8Array): string[] {
  const out: string[] = [];
  for (let i = 0; i + 4 <= data.length; i += 4) out.push(dotted(data, i));
  return out;
}

function uint32(data: Uint8Array | undefined): number | undefined {
  if (!data || data.length !== 4) return undefined;
  return ((data[0] ?? 0) * 2 ** 24) + (((data[1] ?? 0) << 16) | ((data[2] ?? 0) << 8) | (data[3] ?? 0));
}

/** RFC 1035 names as option 119 carries them (RFC 3397), compression pointers included. */
function domainNames(data: Uint8Array): string[] | undefined {
  const names: string[] = [];
  let i = 0;
  while (i < data.length) {
    const labels: string[] = [];
    let at = i;
    let jumped = false;
    let hops = 0;
    for (;;) {
      const len = data[at];
      if (len === undefined) return undefined;
      if (len === 0) {
        if (!jumped) i = at + 1;
        break;
      }
      if ((len & 0xc0) === 0xc0) {
        const next = data[at + 1];
        if (next === undefined || ++hops > 64) return undefined;
        if (!jumped) i = at + 2;
        jumped = true;
        at = ((len & 0x3f) << 8) | next;
        continue;
      }
      if (at + 1 + len > data.length) return undefined;
      labels.push(Buffer.from(data.subarray(at + 1, at + 1 + len)).toString('latin1'));
      at += 1 + len;
    }
    if (labels.length > 0) names.push(labels.join('.'));
  }
  return names;
}

/**
 * A DHCP message (what dhcpcd stores as its lease file). `iface` names the
 * interface, which the message does not. Options that occur more than once
 * are concatenated (RFC 3396). Option overload (52), where a server puts
 * options in the sname/file fields, is not followed: it is rare, and what
 * would be missed is only extra options, never the address.
 */
export function parseDhcpMessage(bytes: Uint8Array, opts: { iface?: string; source?: string; sourcePath?: string } = {}): LeaseParse {
  const source = opts.source ?? opts.sourcePath ?? 'DHCP message';
  const fail = (message: string): LeaseParse => ({ leases: [], diagnostics: [{ severity: 'warning', source, path: [], message }] });
  if (bytes.length < OPTIONS_START) return fail(`${bytes.length} bytes is too short for a DHCP message`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(236) !== MAGIC_COOKIE) return fail('no DHCP magic cookie: not a DHCPv4 lease');
  // Pieces first, joined once: copying on every repeat was quadratic in a file of thousands of repeated options.
  const pieces = new Map<number, Uint8Array[]>();
  let i = OPTIONS_START;
  while (i < bytes.length) {
    const code = bytes[i] ?? 255;
    if (code === 255) break;
    if (code === 0) {
      i++;
      continue;
    }
    const len = bytes[i + 1];
    if (len === undefined || i + 2 + len > bytes.length) return fail(`option ${code} at byte ${i} runs past the end`);
    const data = bytes.subarray(i + 2, i + 2 + len);
    const prev = pieces.get(code);
    if (prev) prev.push(data);
    else pieces.set(code, [data]);
    i += 2 + len;
  }
  const options = new Map<number, Uint8Array>([...pieces].map(([code, parts]) => [code, parts.length === 1 ? parts[0]! : Buffer.concat(parts)]));
  const lease = emptyLease('dhcpcd', opts.sourcePath);
  const diagnostics: Diagnostic[] = [];
  if (opts.iface !== undefined) lease.interface = opts.iface;
  const yiaddr = dotted(bytes, 16);
  if (yiaddr !== '0.0.0.0') lease.address = yiaddr;
  const mask = options.get(1);
  if (mask?.length === 4) setMask(lease, dotted(mask, 0));
  lease.routers = addresses(options.get(3) ?? new Uint8Array());
  lease.dns = addresses(options.get(6) ?? new Uint8Array());
  const server = options.get(54);
  if (server?.length === 4) lease.serverIdentifier = dotted(server, 0);
  const domain = options.get(15);
  if (domain) {
    const text = Buffer.from(domain).toString('latin1').replace(/\0+$/, '').trim();
    if (text) lease.domain = text;
  }
  const search = options.get(119);
  if (search) {
    const names = domainNames(search);
    if (names) lease.domainSearch = searchList(names);
    else diagnostics.push({ severity: 'warning', source, path: ['option 119'], message: 'malformed domain search list; ignored' });
  }
  lease.leaseTime = uint32(options.get(51));
  lease.renewAfter = uint32(options.get(58));
  lease.rebindAfter = uint32(options.get(59));
  const classless = options.get(121) ?? options.get(249);
  if (classless) {
    const r = routesFromBytes([...classless]);
    lease.staticRoutes = r.routes;
    if (r.error !== undefined) diagnostics.push({ severity: 'warning', source, path: ['option 121'], message: `${r.error}; the routes before it are kept` });
  }
  for (const [code, data] of options) lease.options[String(code)] = Buffer.from(data).toString('hex');
  if (lease.address !== undefined && !isIPv4(lease.address)) delete lease.address;
  return { leases: [tidy(lease)], diagnostics };
}

/** Interface of a dhcpcd lease file name: "<if>.lease" (dhcpcd 8+), "dhcpcd-<if>.lease" (older); IPv6 ".lease6" are not read. */
export function dhcpcdLeaseInterface(name: string): string | undefined {
  return /^(?:dhcpcd-)?(.+)\.lease$/.exec(name)?.[1];
}

/** Every IPv4 lease file under the target's /var/lib/dhcpcd. */
export function readDhcpcdLeaseFiles(fs: RootFs): LeaseParse {
  const out: LeaseParse = { leases: [], diagnostics: [] };
  for (const name of fs.list(DHCPCD_LEASE_DIR)) {
    const iface = dhcpcdLeaseInterface(name);
    if (iface === undefined) continue;
    const path = `${DHCPCD_LEASE_DIR}/${name}`;
    const bytes = fs.readFile(path);
    if (bytes === null) continue;
    const r = parseDhcpMessage(bytes, { iface, sourcePath: path });
    out.leases.push(...r.leases);
    out.diagnostics.push(...r.diagnostics);
  }
  return out;
}
