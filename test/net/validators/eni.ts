/**
 * Debian ENI (/etc/network/interfaces and interfaces.d/*) → the real ifupdown
 * (ifupdown package), without acting.
 *
 * In a sandbox the root's etc/network is bind-mounted on /etc/network (so a
 * `source` line resolves inside the root, never to the host's files) and for
 * every file:
 *   ifquery -i FILE --list                  parses the file (syntax, unknown
 *                                           method, duplicate stanza ...)
 *   ifquery -i FILE NAME                    the options as ifupdown read them
 *   ifup --no-act --no-mappings -i FILE --state-dir /run/network NAME
 *                                           the commands ifup would run, and
 *                                           "missing required variable" errors
 * for every `iface NAME` stanza. A non-zero exit or anything on stderr fails.
 * ifupdown accepts option names it does not know (it hands them to hook
 * scripts), so a misspelt option name is not caught here; and it pastes
 * addresses into `ip addr add` unchecked, so the addresses in the commands it
 * prints are checked here as `ip` would.
 */
import { readFileSync } from 'node:fs';
import { isIP, isIPv4 } from 'node:net';
import { join } from 'node:path';
import { filesUnder, isDirectory, lines, requireTools, runSandboxed, shq, TOOLS, type ValidationResult } from './sandbox.ts';

export interface EniResult extends ValidationResult {
  /** The files validated, relative to the root. */
  files: string[];
  /** What `ifquery --list` lists (interfaces brought up at boot: `auto`, plus ifupdown's implicit lo). */
  auto: string[];
  /** Interface → `ifquery NAME` output as option → values (with several files, the last file's stanzas). */
  options: Map<string, Map<string, string[]>>;
  /** Interface → the commands `ifup --no-act` would run. */
  commands: Map<string, string[]>;
}

export async function validateEni(root: string): Promise<EniResult> {
  requireTools(TOOLS.ifup, TOOLS.ifquery);
  const files = [...filesUnder(root, 'etc/network').filter((f) => f === 'etc/network/interfaces'), ...filesUnder(root, 'etc/network/interfaces.d')];
  const result: EniResult = { ok: false, messages: [], files, auto: [], options: new Map(), commands: new Map() };
  if (files.length === 0) {
    result.messages.push('no etc/network/interfaces or etc/network/interfaces.d/* file');
    return result;
  }
  if (!isDirectory('/etc/network')) throw new Error('/etc/network is missing: install the Debian package "ifupdown"');
  const setup = `mount --bind ${shq(join(root, 'etc/network'))} /etc/network\nmkdir -p /run/network\n`;
  // ifupdown names files by the path it was given: map them back to root-relative paths.
  const relative = (text: string) => text.replaceAll('/etc/network/', 'etc/network/');
  const inSandbox = async (args: string[]) => {
    const r = await runSandboxed(`${setup}"$@"`, args);
    // ifupdown prefixes its own messages with its name; with --no-act the
    // commands it would run go to stderr too, unprefixed.
    const err = lines(r.stderr).map(relative);
    const trouble = err.filter((l) => /^if(up|down|query): /.test(l));
    const output = [...lines(r.stdout), ...err.filter((l) => !/^if(up|down|query): /.test(l))];
    if (r.code !== 0 && trouble.length === 0) trouble.push(`${args.join(' ')}: exit ${r.code ?? r.signal}${r.timedOut ? ' (timed out)' : ''}`);
    return { ok: r.code === 0, output, trouble };
  };

  for (const rel of files) {
    const file = `/${rel}`;
    const list = await inSandbox([TOOLS.ifquery.path, '-i', file, '--list']);
    result.messages.push(...list.trouble.map((t) => `${rel}: ifquery --list: ${t}`));
    if (!list.ok) continue;
    for (const name of list.output) if (!result.auto.includes(name)) result.auto.push(name);

    const names = stanzaNames(readFileSync(join(root, rel), 'utf8'));
    // Interfaces are independent here (nothing is acted on), so ask about them all at once.
    await Promise.all(
      names.map(async (name) => {
        const [query, up] = await Promise.all([
          inSandbox([TOOLS.ifquery.path, '-i', file, name]),
          inSandbox([TOOLS.ifup.path, '--no-act', '--no-mappings', '-i', file, '--state-dir', '/run/network', name]),
        ]);
        result.messages.push(
          ...query.trouble.map((t) => `${rel}: ifquery ${name}: ${t}`),
          ...up.trouble.map((t) => `${rel}: ifup --no-act ${name}: ${t}`),
          ...badAddresses(up.output).map((t) => `${rel}: ifup --no-act ${name}: ${t}`),
        );
        result.options.set(name, readOptions(query.output));
        result.commands.set(name, up.output);
      }),
    );
  }
  result.ok = result.messages.length === 0;
  return result;
}

/** The address argument of an `ip [-6] addr add ...` command line, or undefined for other commands. */
function addedAddress(command: string): { address: string; ipv6Flag: boolean; dev?: string } | undefined {
  const words = command.trim().split(/\s+/);
  const ip = words.indexOf('ip');
  if (ip < 0) return undefined;
  const ipv6Flag = words[ip + 1] === '-6';
  const verb = ip + (ipv6Flag ? 2 : 1);
  if (!['addr', 'address'].includes(words[verb] ?? '') || words[verb + 1] !== 'add') return undefined;
  const dev = words[words.indexOf('dev', verb) + 1];
  // ifupdown writes "ip addr add ADDR[/MASK] ... dev IF", and for inet6 loopback "ip addr add dev lo ::1".
  const address = words[verb + 2] === 'dev' ? words[verb + 4] : words[verb + 2];
  return address === undefined ? undefined : { address, ipv6Flag, dev };
}

/**
 * ifupdown copies addresses into `ip addr add` unchecked, so an address `ip`
 * would reject passes ifup --no-act; catch those in the commands it prints.
 */
function badAddresses(commands: readonly string[]): string[] {
  const out: string[] = [];
  for (const c of commands) {
    const added = addedAddress(c);
    if (!added) continue;
    const [address = '', prefix, ...rest] = added.address.split('/');
    const family = isIP(address);
    const max = family === 6 ? 128 : 32;
    const prefixOk = prefix === undefined || (prefix.includes('.') ? isIPv4(prefix) : /^\d+$/.test(prefix) && Number(prefix) <= max);
    if (family === 0 || rest.length > 0 || !prefixOk || (added.ipv6Flag && family !== 6)) {
      out.push(`would run "${c.trim()}": ${JSON.stringify(added.address)} is not an address/prefix ip accepts`);
    }
  }
  return out;
}

/** Names of the `iface NAME FAMILY METHOD` stanzas, in order, once each. */
function stanzaNames(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*iface\s+(\S+)/.exec(line);
    if (m?.[1] && !names.includes(m[1])) names.push(m[1]);
  }
  return names;
}

/** `ifquery NAME` prints "option: value" lines (all stanzas of NAME, so options can repeat). */
function readOptions(output: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of output) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    out.set(key, [...(out.get(key) ?? []), line.slice(colon + 1).trim()]);
  }
  return out;
}

/**
 * Addresses ifup would put on `dev` as "ADDR/PREFIX", read from its
 * `ip addr add ADDR/MASK ... dev NAME` and `ip -6 addr add ADDR/PREFIX dev NAME`
 * commands (ifupdown writes IPv4 masks dotted).
 */
export function eniAddresses(commands: readonly string[], dev: string): string[] {
  const out: string[] = [];
  for (const c of commands) {
    const added = addedAddress(c);
    if (!added || added.dev !== dev) continue;
    const [address, prefix] = added.address.split('/');
    if (address === undefined || prefix === undefined) continue;
    out.push(`${address}/${prefix.includes('.') ? maskToPrefix(prefix) : prefix}`);
  }
  return [...new Set(out)];
}

function maskToPrefix(mask: string): number {
  return mask
    .split('.')
    .map((o) => Number(o).toString(2).replace(/0/g, '').length)
    .reduce((a, b) => a + b, 0);
}
