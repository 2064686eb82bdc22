/**
 * NetworkManager keyfiles → the real libnm keyfile reader (libnm through
 * python3-gi, gir1.2-nm-1.0), offline: no daemon, no D-Bus.
 *
 * nm_keyfile_check.py (next to this file) loads each keyfile with
 * NM.keyfile_read, then normalize() and verify() — what NetworkManager does
 * before it accepts a profile — and reports reader warnings (values libnm
 * could not parse and dropped, unknown settings, unknown keys) and the
 * normalized connection. Besides libnm's verdict this checks what the
 * daemon's keyfile plugin checks before reading at all: the file must belong
 * to root and be readable by nobody else ("File permissions (644) are
 * insecure": NetworkManager skips such a file), and outside /etc it must end
 * in ".nmconnection". NetworkManager.conf drop-ins (conf.d/*.conf) the
 * renderer writes are parsed as key files.
 */
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filesUnder, requireTools, runSandboxed, TOOLS, type ValidationResult } from './sandbox.ts';

/** A connection as NetworkManager holds it: setting name → property → value (libnm's D-Bus form). */
export type NmSettings = Record<string, Record<string, unknown>>;

export interface NmResult extends ValidationResult {
  /** Keyfile path relative to the root → its normalized connection (only for files libnm accepted). */
  connections: Map<string, NmSettings>;
}

const CHECKER = join(dirname(fileURLToPath(import.meta.url)), 'nm_keyfile_check.py');
const KEYFILE_DIRS = ['etc/NetworkManager/system-connections', 'run/NetworkManager/system-connections', 'usr/lib/NetworkManager/system-connections'];
const CONF_DIRS = ['etc/NetworkManager/conf.d', 'run/NetworkManager/conf.d', 'usr/lib/NetworkManager/conf.d'];

interface CheckerOutput {
  file: string;
  errors: string[];
  warnings: string[];
  settings: NmSettings | null;
}

export async function validateNmKeyfiles(root: string): Promise<NmResult> {
  requireTools(TOOLS.python3);
  const files = KEYFILE_DIRS.flatMap((d) => filesUnder(root, d));
  const result: NmResult = { ok: false, messages: [], connections: new Map() };
  if (files.length === 0) {
    result.messages.push(`no keyfiles under ${KEYFILE_DIRS.join(', ')}`);
    return result;
  }
  for (const rel of files) {
    const st = statSync(join(root, rel));
    if (st.uid !== 0) result.messages.push(`${rel}: owned by uid ${st.uid}, not root: NetworkManager skips it ("File owner is insecure")`);
    if ((st.mode & 0o077) !== 0) {
      result.messages.push(`${rel}: mode ${(st.mode & 0o777).toString(8)}: NetworkManager skips keyfiles readable or writable by group or others (wants 600)`);
    }
    if (!rel.startsWith('etc/') && !rel.endsWith('.nmconnection')) result.messages.push(`${rel}: NetworkManager reads only *.nmconnection here`);
  }

  // NetworkManager reads only *.conf drop-ins; a renderer's drop-in must at least parse.
  const confs = CONF_DIRS.flatMap((d) => filesUnder(root, d)).filter((f) => f.endsWith('.conf'));
  const checked = [...files, ...confs];
  // The checker only reads files, but it still runs in the sandbox like every other tool.
  const r = await runSandboxed('"$@"', [TOOLS.python3.path, CHECKER, ...checked.map((f) => join(root, f))]);
  if (r.code === 2) {
    throw new Error(`${r.stderr.trim()}\ninstall the Debian packages "python3-gi" and "gir1.2-nm-1.0" (apt-get install python3-gi gir1.2-nm-1.0)`);
  }
  if (r.code !== 0) {
    result.messages.push(`nm_keyfile_check.py failed (${r.timedOut ? 'timed out' : `exit ${r.code ?? r.signal}`}): ${r.stderr.trim()}`);
    return result;
  }
  const outputs = JSON.parse(r.stdout) as CheckerOutput[];
  outputs.forEach((o, i) => {
    const rel = checked[i] ?? o.file;
    for (const e of o.errors) result.messages.push(`${rel}: ${e}`);
    for (const w of o.warnings) result.messages.push(`${rel}: ${w}`);
    if (o.settings) result.connections.set(rel, o.settings);
  });
  result.ok = result.messages.length === 0;
  return result;
}

function setting(c: NmSettings, name: string): Record<string, unknown> {
  return c[name] ?? {};
}

/** The interface a connection applies to: connection.interface-name, else the MAC it matches ("aa:bb:..."). */
export function nmDevice(c: NmSettings): { interfaceName?: string; mac?: string } {
  const name = setting(c, 'connection')['interface-name'];
  const macBytes = setting(c, '802-3-ethernet')['mac-address'] ?? setting(c, 'infiniband')['mac-address'];
  const mac = Array.isArray(macBytes) ? macBytes.map((b) => Number(b).toString(16).padStart(2, '0')).join(':') : undefined;
  return { interfaceName: typeof name === 'string' ? name : undefined, mac };
}

/** Static addresses of a connection as "ADDR/PREFIX", IPv4 then IPv6. */
export function nmAddresses(c: NmSettings): string[] {
  const out: string[] = [];
  for (const family of ['ipv4', 'ipv6']) {
    const data = setting(c, family)['address-data'];
    if (!Array.isArray(data)) continue;
    for (const a of data as { address?: unknown; prefix?: unknown }[]) out.push(`${String(a.address)}/${String(a.prefix)}`);
  }
  return out;
}

/** The MTU a connection sets (0 = NetworkManager leaves the MTU alone). */
export function nmMtu(c: NmSettings): number | undefined {
  const mtu = setting(c, '802-3-ethernet')['mtu'] ?? setting(c, 'infiniband')['mtu'];
  return typeof mtu === 'number' ? mtu : undefined;
}

export function nmType(c: NmSettings): string | undefined {
  const t = setting(c, 'connection')['type'];
  return typeof t === 'string' ? t : undefined;
}
