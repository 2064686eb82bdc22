/**
 * /etc/resolv.conf for sysconfig systems, merged into the file that is
 * already there: its comments and options stay, the config's nameservers and
 * search domains come first.
 */

export const RESOLV_HEADER = '; Created by cloud-init automatically, do not edit.\n;\n';

/** The first line of the header cloud-init (any version) or stratus put on a resolv.conf it wrote. */
const OWN_HEADER_LINE = /^; Created by cloud-init (on instance boot )?automatically, do not edit\.$/;

/** glibc reads at most this many nameservers (MAXNS in resolv.conf(5)). */
export const RESOLVER_MAX_NAMESERVERS = 3;

function keyword(line: string): string | undefined {
  return /^\s*([a-z]+)(\s|$)/.exec(line)?.[1];
}

function values(line: string): string[] {
  return line.replace(/[#;].*$/, '').trim().split(/\s+/).slice(1);
}

/**
 * `existing` is the current file, if any. When it is one we (or cloud-init)
 * wrote, its nameserver and search lines came from an earlier config and are
 * replaced; otherwise they are kept after the config's, so servers an image
 * was built with do not shadow the ones the cloud provides.
 */
export function mergeResolvConf(existing: string | undefined, nameservers: readonly string[], search: readonly string[]): string {
  let lines = existing === undefined || existing === '' ? [] : existing.replace(/\n$/, '').split('\n');
  const ours = lines.length > 0 && OWN_HEADER_LINE.test(lines[0]!);
  if (ours) lines = lines.slice(lines[1] === ';' ? 2 : 1);
  const keptServers: string[] = [];
  const keptSearch: string[] = [];
  const others: string[] = [];
  for (const line of lines) {
    const word = keyword(line);
    if (word === 'nameserver') keptServers.push(...values(line));
    else if (word === 'search') keptSearch.push(...values(line));
    else others.push(line);
  }
  const servers = [...new Set([...nameservers, ...(ours ? [] : keptServers)])];
  const domains = [...new Set([...search, ...(ours ? [] : keptSearch)])];
  const out = [...others, ...servers.map((s) => `nameserver ${s}`)];
  if (domains.length > 0) out.push(`search ${domains.join(' ')}`);
  return RESOLV_HEADER + out.map((l) => `${l}\n`).join('');
}
