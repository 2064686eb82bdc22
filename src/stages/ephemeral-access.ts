/**
 * How a datasource reaches its metadata service from the local stage,
 * before the OS network exists: a temporary DHCPv4 lease on the fallback
 * NIC (stratus's own ephemeral DHCP), torn down as soon as the crawl is done,
 * and not taken at all when the service already answers. It acts on the
 * running system's network, so it runs only when the target is this machine
 * — or with --live-network, when the target is a directory but the network
 * namespace stratus runs in stands for the instance's (tests, image builds).
 */
import { readInterfaces } from '../net/sysfs.ts';
import { fallbackNetworkConfig } from '../net/convert/fallback.ts';
import { DatasourceError, type NetworkAccess, type NetworkOptions } from '../sources/types.ts';
import { isMapping, type Mapping } from '../text/reader.ts';
import { mayTouchNetwork, type StageContext } from './context.ts';

export { mayTouchNetwork } from './context.ts';

function dhcpClientPriority(cfg: Mapping): string[] | undefined {
  const si = cfg['system_info'];
  const net = isMapping(si) ? si['network'] : undefined;
  const p = isMapping(net) ? net['dhcp_client_priority'] : undefined;
  return Array.isArray(p) ? p.filter((x): x is string => typeof x === 'string') : undefined;
}

/** The NIC the fallback network config would prefer, on the live system. */
export function fallbackInterface(ctx: StageContext): string | null {
  const fb = fallbackNetworkConfig(readInterfaces('/'), { cmdline: ctx.cmdline });
  return fb.chosen[0] ?? null;
}

/**
 * The NICs to try a lease on, in order: with `preferDrivers`, every NIC
 * backed by a device, those with a preferred driver first (EC2: ENA before
 * anything else), then the fallback NIC, then by ifindex; otherwise the
 * fallback NIC alone.
 */
export function candidateInterfaces(ctx: StageContext, preferDrivers: readonly string[] | undefined): string[] {
  const nics = readInterfaces('/');
  const first = fallbackNetworkConfig(nics, { cmdline: ctx.cmdline }).chosen[0];
  if (!preferDrivers) return first === undefined ? [] : [first];
  const rank = (n: (typeof nics)[number]) => {
    const d = n.driver === null ? -1 : preferDrivers.indexOf(n.driver);
    return [d < 0 ? preferDrivers.length : d, n.name === first ? 0 : 1, n.ifindex ?? Number.MAX_SAFE_INTEGER] as const;
  };
  return nics
    .filter((n) => n.kind !== 'loopback' && n.type === 1 && (n.hasDevice || n.name === first))
    .sort((a, b) => {
      const ra = rank(a);
      const rb = rank(b);
      return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2];
    })
    .map((n) => n.name);
}

/**
 * Run `fn` with the network reachable: in the local stage through an
 * ephemeral lease unless one of `probe` answers already.
 */
export async function withEphemeralAccess<T>(ctx: StageContext, cfg: Mapping, probe: readonly string[], fn: (net: NetworkAccess) => Promise<T>, opts: NetworkOptions = {}): Promise<T> {
  if (!mayTouchNetwork(ctx)) {
    throw new DatasourceError(
      ctx.opts.dryRun ? 'the metadata service is not reached when planning' : `the metadata service is reached from the local stage only on this machine's network (the target is ${ctx.opts.root}; --live-network allows it)`,
    );
  }
  const candidates = candidateInterfaces(ctx, opts.preferDrivers);
  if (candidates.length === 0) throw new DatasourceError('no network interface to reach the metadata service through (the fallback network config chose none)');
  const { ephemeralUnlessReachable, DhcpError } = await import('../net/dhcp/ephemeral.ts');
  const note = (m: string) => ctx.log.debug(`ephemeral DHCP: ${m}`);
  const options = {
    exec: { root: '/', dryRun: false, onCommand: (c: { argv: readonly string[]; ran: boolean; why?: string }) => ctx.commands.push({ argv: [...c.argv], ran: c.ran, ...(c.why ? { why: c.why } : {}) }) },
    ...(dhcpClientPriority(cfg) ? { clients: dhcpClientPriority(cfg) as string[] } : {}),
    checkTimeoutMs: 1_000,
    onNote: note,
  };
  // One NIC after the other, each bounded by the DHCP budget; the first lease wins.
  let outcome: Awaited<ReturnType<typeof ephemeralUnlessReachable>> | undefined;
  let iface = candidates[0] as string;
  const failures: string[] = [];
  for (const candidate of candidates) {
    iface = candidate;
    try {
      outcome = await ephemeralUnlessReachable(candidate, failures.length === 0 ? probe : [], options);
      break;
    } catch (e) {
      if (!(e instanceof DhcpError)) throw e;
      failures.push(e.message);
      if (candidates.length > 1) ctx.log.info(`${e.message}; trying the next NIC`);
    }
  }
  if (outcome === undefined) throw new DatasourceError(failures.join('; '));
  if (outcome.kind === 'reachable') {
    ctx.log.info(`${outcome.url} answers already; no ephemeral DHCP`);
    return fn({ iface: null, lease: null });
  }
  const net = outcome.network;
  ctx.log.info(`ephemeral DHCP on ${iface}: ${net.lease.address}/${net.lease.prefix} from ${net.lease.serverIdentifier ?? 'an unnamed server'} (${net.changes.join(', ')})`);
  try {
    if (opts.ipv6LinkLocal) await waitForLinkLocal(ctx, iface);
    return await fn({ iface, lease: net.lease });
  } finally {
    const problems = net.teardown();
    if (problems.length > 0) for (const p of problems) ctx.log.warn(`ephemeral DHCP on ${iface}: teardown: ${p}`);
    else ctx.log.debug(`ephemeral DHCP on ${iface}: torn down`);
  }
}

/** How long a lease's NIC may take to have a usable IPv6 link-local address (DAD takes about a second). */
export const LINK_LOCAL_WAIT_MS = 3_000;

/** The link is up (the lease did that); wait until its link-local address can send. IPv6 off: said, not fatal. */
async function waitForLinkLocal(ctx: StageContext, iface: string): Promise<void> {
  const { bringUpLinkLocal } = await import('../net/dhcp/ephemeral-ipv6.ts');
  try {
    const ll = await bringUpLinkLocal(iface, { exec: { root: '/', dryRun: false }, timeoutMs: LINK_LOCAL_WAIT_MS });
    ctx.log.debug(`${iface}: IPv6 link-local ${ll.address} usable`);
  } catch (e) {
    ctx.log.info(`${iface}: no IPv6 link-local address (${(e as Error).message}); IPv4 only`);
  }
}
