/**
 * Ephemeral DHCPv4: a lease for one NIC, long enough to reach a metadata
 * service before the OS network runs. The distro's DHCP client only
 * *obtains* the lease (it runs our recording script, never the distro's
 * hooks); stratus applies it itself with `ip`, remembers every change, and
 * `teardown` undoes exactly those. The client is killed by its process
 * group as soon as the lease is known; it is never left to renew. Every
 * wait is bounded by `timeoutMs`.
 */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { runCommand, type CommandOptions } from '../../host/exec.ts';
import { httpGet } from '../../host/http.ts';
import { makeScratchDir, startProcess } from '../../host/process.ts';
import { parseScriptRecord, recordingScript, type DhcpClientDriver, type DhcpClientName, type BoundLease } from './client-env.ts';
import { dhclient } from './client-dhclient.ts';
import { dhcpcd } from './client-dhcpcd.ts';
import { udhcpc } from './client-udhcpc.ts';
import { hasDefaultRoute, parseLinkState, planLease, type IpChange } from './ephemeral-plan.ts';

export type { DhcpClientName, BoundLease, StaticRoute } from './client-env.ts';

export const DEFAULT_CLIENT_PRIORITY: readonly DhcpClientName[] = ['dhcpcd', 'dhclient', 'udhcpc'];
export const DEFAULT_DHCP_TIMEOUT_MS = 10_000;

const DRIVERS: Record<DhcpClientName, DhcpClientDriver> = { dhcpcd, dhclient, udhcpc };

export interface EphemeralOptions {
  /** Must be "/" and not planning: ephemeral networking acts on the running system. */
  exec: Pick<CommandOptions, 'root' | 'dryRun' | 'onCommand'>;
  /** Clients to try, first found wins (`system_info.network.dhcp_client_priority`). */
  clients?: readonly string[];
  /** Budget for the DHCP exchange (default 10 s); `ip` commands have their own 5 s bound each. */
  timeoutMs?: number;
  /** Where to look for the clients (default: $PATH plus the sbin directories). */
  searchPath?: string;
  /** Parent of the client's private directory (default: the OS temp dir). */
  scratchParent?: string;
  /** Told of decisions worth logging (a skipped client name, a route that already existed). */
  onNote?: (message: string) => void;
}

export interface EphemeralNetwork {
  lease: BoundLease;
  /** The changes made, in order (link up, address, routes). */
  changes: readonly string[];
  /** Undo the changes in reverse order; returns the problems met (empty when clean). Idempotent. */
  teardown(): string[];
}

export class DhcpError extends Error {
  constructor(
    readonly iface: string,
    message: string,
    readonly client?: DhcpClientName,
  ) {
    super(`ephemeral DHCP on ${iface}${client ? ` (${client})` : ''}: ${message}`);
    this.name = 'DhcpError';
  }
}

/** The first client of the priority list that is installed, with the command prefix that runs it. */
export function chooseDhcpClient(
  priority: readonly string[],
  searchPath: string,
  onNote: (m: string) => void = () => {},
): { driver: DhcpClientDriver; invocation: readonly string[] } | undefined {
  for (const name of priority) {
    const driver = (DRIVERS as Record<string, DhcpClientDriver | undefined>)[name];
    if (!driver) {
      onNote(`unknown DHCP client "${name}" in the priority list: skipped`);
      continue;
    }
    for (const inv of driver.invocations) {
      const exe = findExecutable(inv[0] ?? '', searchPath);
      if (exe) return { driver, invocation: [exe, ...inv.slice(1)] };
    }
  }
  return undefined;
}

function findExecutable(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(':')) {
    if (dir === '') continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export async function obtainEphemeralLease(iface: string, opts: EphemeralOptions): Promise<EphemeralNetwork> {
  const note = opts.onNote ?? (() => {});
  if (opts.exec.dryRun || opts.exec.root !== '/') {
    throw new DhcpError(iface, opts.exec.dryRun ? 'not run when planning' : `not run: the target is ${opts.exec.root}, not this machine`);
  }
  const budget = opts.timeoutMs ?? DEFAULT_DHCP_TIMEOUT_MS;
  const searchPath = opts.searchPath ?? `${process.env['PATH'] ?? ''}:/usr/sbin:/sbin:/usr/bin:/bin`;
  const priority = opts.clients ?? DEFAULT_CLIENT_PRIORITY;
  const chosen = chooseDhcpClient(priority, searchPath, note);
  if (!chosen) throw new DhcpError(iface, `no DHCP client found (looked for ${priority.join(', ')} in ${searchPath})`);
  const { driver } = chosen;

  const ip = (argv: string[]) => runCommand(argv, { ...opts.exec, timeoutMs: 5_000 });
  const linkOut = ip(['ip', '-j', 'link', 'show', 'dev', iface]);
  if (linkOut.code !== 0) throw new DhcpError(iface, `no such interface (${linkOut.stderr.trim() || `ip exited ${String(linkOut.code)}`})`, driver.name);
  const state = parseLinkState(linkOut.stdout, ip(['ip', '-j', '-4', 'addr', 'show', 'dev', iface]).stdout);

  // Changes made so far, undone in reverse by teardown (or on failure).
  const done: IpChange[] = [];
  const undo = (): string[] => {
    const problems: string[] = [];
    while (done.length > 0) {
      const c = done.pop() as IpChange;
      const r = ip(c.undo);
      if (r.code !== 0) problems.push(`${c.what}: ${c.undo.join(' ')}: ${r.stderr.trim() || `exit ${String(r.code)}`}`);
    }
    return problems;
  };
  const apply = (c: IpChange): void => {
    const r = ip(c.add);
    if (r.code === 0) {
      done.push(c);
      return;
    }
    // Already there (a route the system had): not ours, so not ours to remove.
    if (/File exists/.test(r.stderr)) {
      note(`${iface}: ${c.what} already present: left as it is`);
      return;
    }
    const problems = undo();
    throw new DhcpError(iface, `${c.add.join(' ')} failed: ${r.stderr.trim() || `exit ${String(r.code)}`}${problems.length ? `; undo: ${problems.join('; ')}` : ''}`, driver.name);
  };

  // Clients send nothing on a link that is down.
  if (!state.up) apply({ what: 'link up', add: ['ip', 'link', 'set', 'dev', iface, 'up'], undo: ['ip', 'link', 'set', 'dev', iface, 'down'] });

  let lease: BoundLease;
  try {
    lease = await runClient(chosen.driver, chosen.invocation, iface, budget, opts);
  } catch (e) {
    undo();
    throw e;
  }

  const defaultRoute = hasDefaultRoute(ip(['ip', '-j', '-4', 'route', 'show', 'default']).stdout);
  for (const c of planLease(lease, state, defaultRoute)) apply(c);
  return {
    lease,
    changes: done.map((c) => c.what),
    teardown: undo,
  };
}

/**
 * Run `fn` with an ephemeral lease held, and tear it down afterwards
 * whatever `fn` does; teardown problems go to `onNote` (the work is done).
 */
export async function withEphemeralLease<T>(iface: string, opts: EphemeralOptions, fn: (lease: BoundLease) => Promise<T>): Promise<T> {
  const net = await obtainEphemeralLease(iface, opts);
  try {
    return await fn(net.lease);
  } finally {
    for (const p of net.teardown()) opts.onNote?.(`${iface}: teardown: ${p}`);
  }
}

async function runClient(driver: DhcpClientDriver, invocation: readonly string[], iface: string, budget: number, opts: EphemeralOptions): Promise<BoundLease> {
  const dir = makeScratchDir(`stratus-dhcp-${iface}`, opts.scratchParent);
  try {
    const script = dir.write('record.sh', recordingScript(dir.path), 0o700);
    for (const [name, content] of Object.entries(driver.files(budget))) dir.write(name, content);
    const proc = startProcess(driver.argv(invocation, iface, dir.path, script, budget), { ...opts.exec });
    let lease: BoundLease | undefined;
    let failure: string | undefined;
    const check = (): boolean => {
      for (const f of dir.read()) {
        if (!f.name.endsWith('.rec')) continue;
        const record = parseScriptRecord(f.content);
        lease = lease ?? driver.leaseFrom(record, iface);
        failure = failure ?? driver.failureFrom(record);
      }
      return lease !== undefined || failure !== undefined;
    };
    const outcome = await proc.waitFor(check, budget);
    await proc.kill();
    // A record written just before the client exited.
    if (!lease) check();
    if (lease) return lease;
    const tail = proc.output().trim().split('\n').slice(-3).join(' | ');
    const why =
      failure ??
      (outcome === 'timeout'
        ? `no lease within ${budget / 1000} s`
        : `${driver.name} exited (${String(proc.exit())}) without a lease`);
    throw new DhcpError(iface, `${why}${tail ? ` — last output: ${tail}` : ''}`, driver.name);
  } finally {
    dir.remove();
  }
}

/**
 * The first of `urls` that answers at all (any HTTP status: a server is
 * there), each tried once, all at the same time, within `timeoutMs`.
 */
export async function firstReachable(urls: readonly string[], timeoutMs = 5_000): Promise<string | undefined> {
  if (urls.length === 0) return undefined;
  // Whatever decides the race abandons the other requests: none is left open.
  const race = new AbortController();
  return new Promise<string | undefined>((resolve) => {
    let pending = urls.length;
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    for (const url of urls) {
      httpGet(url, { timeoutMs, retries: 0, signal: race.signal }).then(
        () => {
          clearTimeout(timer);
          resolve(url);
        },
        (e: Error) => {
          // A 5xx still proves a server answers.
          if (/: HTTP 5\d\d$/.test(e.message)) {
            clearTimeout(timer);
            resolve(url);
          } else if (--pending === 0) {
            clearTimeout(timer);
            resolve(undefined);
          }
        },
      );
    }
  }).finally(() => race.abort());
}

export type EphemeralOutcome = { kind: 'reachable'; url: string } | { kind: 'leased'; network: EphemeralNetwork };

/**
 * Ephemeral DHCP unless the metadata service already answers (the OS network
 * is up, or a previous stage left a route): then nothing is changed at all.
 */
export async function ephemeralUnlessReachable(
  iface: string,
  urls: readonly string[],
  opts: EphemeralOptions & { checkTimeoutMs?: number },
): Promise<EphemeralOutcome> {
  const url = await firstReachable(urls, opts.checkTimeoutMs);
  if (url !== undefined) return { kind: 'reachable', url };
  return { kind: 'leased', network: await obtainEphemeralLease(iface, opts) };
}
