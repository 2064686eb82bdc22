/**
 * RHEL/SUSE sysconfig files → bash, the only real reader of these files on
 * this Debian machine (initscripts/network-scripts, wicked and NM's ifcfg-rh
 * plugin are not available here).
 *
 * Every file under etc/sysconfig must pass `bash -n` (initscripts source
 * them). The files that are variable lists — ifcfg-*, route-* in the
 * ADDRESSn=/NETMASKn=/GATEWAYn= form, RHEL's etc/sysconfig/network, SUSE's
 * config — must hold nothing but comments and KEY=VALUE lines whose value is
 * one plain or quoted word without expansions, because NetworkManager's
 * ifcfg-rh reader and wicked parse them as such, not as shell. Those are then
 * sourced by a real `bash` (in the sandbox) and the variables as bash sees
 * them are returned, so callers can check what a user would read.
 * route6-* and SUSE ifroute-* hold route lines, not variables: only `bash -n`.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { filesUnder, lines, requireTools, runSandboxed, TOOLS, type ValidationResult } from './sandbox.ts';

export interface SysconfigResult extends ValidationResult {
  files: string[];
  /** Variable-list file (relative to the root) → variables as bash reads them. */
  variables: Map<string, Map<string, string>>;
}

/** bash script: source $1, then print each other argument's value as NAME=VALUE, NUL-terminated (values may hold newlines). */
const PRINT_VARIABLES = '. "$1" || exit 1; shift; for k in "$@"; do printf "%s=%s\\0" "$k" "${!k}"; done';

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=("[^"\\$`]*"|'[^']*'|[^\s"'\\$`;&|<>()#]*)$/;

function isVariableList(rel: string, text: string): boolean {
  const base = rel.slice(rel.lastIndexOf('/') + 1);
  if (base.startsWith('ifcfg-')) return true;
  if (rel === 'etc/sysconfig/network' || rel === 'etc/sysconfig/network/config') return true;
  // RHEL route-IFACE comes in two forms; initscripts takes it as variables when it has ADDRESSn= lines.
  if (base.startsWith('route-')) return /^\s*ADDRESS\d+=/m.test(text);
  return false;
}

export async function validateSysconfig(root: string): Promise<SysconfigResult> {
  requireTools(TOOLS.bash);
  const files = filesUnder(root, 'etc/sysconfig');
  const result: SysconfigResult = { ok: false, messages: [], files, variables: new Map() };
  if (files.length === 0) {
    result.messages.push('no files under etc/sysconfig');
    return result;
  }
  await Promise.all(
    files.map(async (rel) => {
      const path = join(root, rel);
      const text = readFileSync(path, 'utf8');
      const syntax = await runSandboxed('"$1" -n "$2"', [TOOLS.bash.path, path]);
      const syntaxTrouble = lines(syntax.stderr).map((l) => l.replaceAll(`${root}/`, ''));
      if (syntax.code !== 0 && syntaxTrouble.length === 0) syntaxTrouble.push(`${rel}: bash -n exited with ${syntax.code ?? syntax.signal}`);
      result.messages.push(...syntaxTrouble);
      if (!isVariableList(rel, text)) return;

      const keys: string[] = [];
      text.split('\n').forEach((line, i) => {
        if (/^\s*(#.*)?$/.test(line)) return;
        const m = ASSIGNMENT.exec(line);
        if (m?.[1]) keys.push(m[1]);
        else result.messages.push(`${rel}:${i + 1}: not a KEY=VALUE assignment with a single plain or quoted value: ${line}`);
      });
      if (syntaxTrouble.length > 0 || keys.length !== text.split('\n').filter((l) => !/^\s*(#.*)?$/.test(l)).length) return;

      // Only plain assignments reach this point, so sourcing runs nothing but them.
      const read = await runSandboxed('bin=$1; shift; env -i "$bin" --norc --noprofile -c "$@"', [TOOLS.bash.path, PRINT_VARIABLES, 'bash', path, ...keys]);
      if (read.code !== 0) {
        result.messages.push(`${rel}: bash could not source it: ${read.stderr.trim()}`);
        return;
      }
      const vars = new Map<string, string>();
      for (const pair of read.stdout.split('\0')) {
        const eq = pair.indexOf('=');
        if (eq > 0) vars.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      result.variables.set(rel, vars);
    }),
  );
  result.messages.sort();
  result.ok = result.messages.length === 0;
  return result;
}

function prefixFromMask(mask: string): number {
  return mask
    .split('.')
    .map((o) => Number(o).toString(2).replace(/0/g, '').length)
    .reduce((a, b) => a + b, 0);
}

/**
 * The static addresses an ifcfg file gives its interface, as "ADDR/PREFIX":
 * IPADDR[n] with PREFIX[n] or NETMASK[n] (RHEL and SUSE), IPV6ADDR and
 * IPV6ADDR_SECONDARIES (RHEL), IPADDR6[_n] (SUSE). Which family a key holds
 * is read from its value: RHEL's IPADDR6 is a 7th IPv4 address, SUSE's an IPv6 one.
 */
export function sysconfigAddresses(vars: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [key, value] of vars) {
    const m = /^(?:IPADDR(\w*)|IPV6ADDR|IPV6ADDR_SECONDARIES)$/.exec(key);
    if (!m) continue;
    for (const address of value.split(/\s+/).filter((a) => a !== '')) {
      if (address.includes('/') || isIPv6(address)) {
        out.push(address);
        continue;
      }
      const suffix = m[1] ?? '';
      const prefix = vars.get(`PREFIX${suffix}`);
      const mask = vars.get(`NETMASK${suffix}`);
      out.push(`${address}/${prefix ?? (mask ? prefixFromMask(mask) : '?')}`);
    }
  }
  return out;
}
