/**
 * IPv6 link-local for a metadata service reached over IPv6 (fd00:ec2::254,
 * fe80::…%eth0): the kernel makes the address once the link is up, so
 * stratus only brings the link up and waits — bounded — until the address
 * has passed duplicate address detection (a tentative address cannot send).
 * Teardown puts the link down only if it was down.
 */
import { runCommand } from '../../host/exec.ts';
import { nowMs } from '../../host/clock.ts';
import { parseLinkState } from './ephemeral-plan.ts';
import { DhcpError, type EphemeralOptions } from './ephemeral.ts';

export interface EphemeralLinkLocal {
  iface: string;
  address: string;
  changes: readonly string[];
  teardown(): string[];
}

/** The first usable (not tentative, not failed DAD) link-local address in `ip -j -6 addr show dev X` output. */
export function usableLinkLocal(addrJson: string): string | undefined {
  let links: { addr_info?: { family?: string; scope?: string; local?: string; tentative?: boolean; dadfailed?: boolean }[] }[];
  try {
    links = JSON.parse(addrJson.trim() || '[]') as typeof links;
  } catch {
    return undefined;
  }
  for (const l of links) for (const a of l.addr_info ?? []) if (a.family === 'inet6' && a.scope === 'link' && !a.tentative && !a.dadfailed && a.local) return a.local;
  return undefined;
}

export async function bringUpLinkLocal(iface: string, opts: Pick<EphemeralOptions, 'exec' | 'timeoutMs'>): Promise<EphemeralLinkLocal> {
  if (opts.exec.dryRun || opts.exec.root !== '/') throw new DhcpError(iface, 'IPv6 link-local: not run when planning or when the target is not this machine');
  const ip = (argv: string[]) => runCommand(argv, { ...opts.exec, timeoutMs: 5_000 });
  const link = ip(['ip', '-j', 'link', 'show', 'dev', iface]);
  if (link.code !== 0) throw new DhcpError(iface, `no such interface (${link.stderr.trim()})`);
  const wasUp = parseLinkState(link.stdout, '[]').up;
  const changes: string[] = [];
  if (!wasUp) {
    const r = ip(['ip', 'link', 'set', 'dev', iface, 'up']);
    if (r.code !== 0) throw new DhcpError(iface, `ip link set dev ${iface} up: ${r.stderr.trim()}`);
    changes.push('link up');
  }
  let down = false;
  const teardown = (): string[] => {
    if (wasUp || down) return [];
    down = true;
    const r = ip(['ip', 'link', 'set', 'dev', iface, 'down']);
    return r.code === 0 ? [] : [`link down: ${r.stderr.trim()}`];
  };
  const budget = opts.timeoutMs ?? 5_000;
  const end = nowMs() + budget;
  for (;;) {
    const address = usableLinkLocal(ip(['ip', '-j', '-6', 'addr', 'show', 'dev', iface]).stdout);
    if (address) return { iface, address, changes, teardown };
    if (nowMs() >= end) {
      teardown();
      throw new DhcpError(iface, `no usable IPv6 link-local address within ${budget / 1000} s (IPv6 disabled, or duplicate address detection failed)`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
