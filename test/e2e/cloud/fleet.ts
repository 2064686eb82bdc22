/**
 * A fleet on the test cloud: N instances, each its own network namespace
 * with one NIC (eth0, a veth) into the cloud namespace, all on one L2
 * segment (a bridge) served by one dnsmasq and one EC2 metadata service
 * that answers each instance with its own identity (by source address).
 *
 *   const fleet = await startFleet({ instances: 16 });
 *   after(() => fleet.close());
 *   const r = await fleet.run(3, ['ip', '-j', 'addr']);   // in instance 3's namespace
 *   fleet.instances[3].instanceId, .mac, .address …
 *
 * The sandbox is the test cloud's (cloud.ts): `unshare --mount --net --pid
 * --fork --kill-child`, private tmpfs on /run and the DHCP clients' state
 * directories; the controller (fleet-controller.ts) is its PID 1, so
 * `close()` — SIGKILL to the one PID the test started — ends every process,
 * namespace and mount at once, also when a test fails. Each command run in
 * an instance also gets a mount namespace with its own /run (see
 * fleet-controller.ts): every instance is a machine of its own.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { missingCloudTools } from './cloud.ts';
import { fleetInstance, type FleetInstance, type FleetRequest, type FleetRequestSeen, type FleetRunResult, type FleetServerStats, type FleetSpec } from './fleet-types.ts';
import type { ControllerResponse, RunResult } from './types.ts';

export { fleetInstance, FLEET_GATEWAY, FLEET_IMDS_ADDRESS, FLEET_SUBNET } from './fleet-types.ts';
export type { FleetInstance, FleetRequestSeen, FleetRunResult, FleetServerStats, FleetSpec } from './fleet-types.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CONTROLLER = fileURLToPath(new URL('./fleet-controller.ts', import.meta.url));

const PRELUDE = `set -eu
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/tmp && export TMPDIR=/run/tmp
for d in /var/lib/dhcp /var/lib/dhcpcd; do [ -d "$d" ] && mount -t tmpfs -o mode=0755 tmpfs "$d"; done
ip link set lo up
ip netns add cloud
ip -n cloud link set lo up
exec ip netns exec cloud "$1" --import tsx "$2" "$3"
`;

export interface DhcpLog {
  /** DHCP messages dnsmasq logged, by type (DHCPDISCOVER, DHCPOFFER, DHCPREQUEST, DHCPACK, DHCPNAK …). */
  counts: Record<string, number>;
  /** Its last lines (for failure messages). */
  tail: string;
}

export interface Fleet {
  readonly instances: readonly FleetInstance[];
  /** Run argv in instance `index`'s namespace (cwd: the repository), timed by the controller. */
  run(index: number, argv: string[], opts?: { timeoutMs?: number; env?: Record<string, string> }): Promise<FleetRunResult>;
  /** argvs[i] in instance i, all started in the same moment (one launcher forks them), each bounded by timeoutMs. */
  runAll(argvs: string[][], timeoutMs: number): Promise<FleetRunResult[]>;
  runInCloud(argv: string[], opts?: { timeoutMs?: number }): Promise<RunResult>;
  /** Metadata requests seen since the last call, each attributed to its instance. */
  requests(): Promise<FleetRequestSeen[]>;
  /** dnsmasq's lease file. */
  dhcpLeases(): Promise<string>;
  dhcpLog(): Promise<DhcpLog>;
  /** The controller's own event-loop lag and the connections its metadata service accepted, since the last call. */
  serverStats(): Promise<FleetServerStats>;
  /** What the controller and dnsmasq wrote to stderr (for failure messages). */
  log(): string;
  /** Kill the sandbox (one PID: ours) and wait until it is gone. Safe to call twice. */
  close(): Promise<void>;
}

export async function startFleet(spec: FleetSpec, opts: { startTimeoutMs?: number } = {}): Promise<Fleet> {
  const missing = missingCloudTools();
  if (missing) throw new Error(`fleet cloud: ${missing}`);
  const instances = Array.from({ length: spec.instances }, (_, i) => fleetInstance(i));
  const child: ChildProcessWithoutNullStreams = spawn(
    '/usr/bin/unshare',
    ['--mount', '--net', '--pid', '--fork', '--kill-child', '--mount-proc', '--', '/bin/sh', '-c', PRELUDE, 'fleet', process.execPath, CONTROLLER, JSON.stringify(spec)],
    { cwd: REPO, env: { ...process.env, PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let log = '';
  // Bounded: a hundred DHCP exchanges log a lot, and only the end explains a failure.
  child.stderr.on('data', (b: Buffer) => (log = (log + b.toString('utf8')).slice(-200_000)));
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const waiting = new Map<number, (r: ControllerResponse) => void>();
  let exited = false;
  void closed.then(() => {
    exited = true;
    for (const [id, w] of waiting) w({ id, ok: false, error: `the fleet cloud exited: ${log.slice(-2000)}` });
    waiting.clear();
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    let r: ControllerResponse;
    try {
      r = JSON.parse(line) as ControllerResponse;
    } catch {
      log += `[stdout] ${line}\n`;
      return;
    }
    waiting.get(r.id)?.(r);
    waiting.delete(r.id);
  });
  const answer = (id: number) => new Promise<ControllerResponse>((resolve) => waiting.set(id, resolve));
  const close = async () => {
    if (!exited) {
      child.kill('SIGKILL');
      await closed;
    }
  };

  // Building a hundred namespaces takes a few seconds; the timer is cleared so it cannot keep the process alive.
  let startTimer: NodeJS.Timeout | undefined;
  const ready = await Promise.race([
    answer(0),
    new Promise<ControllerResponse>((resolve) => {
      startTimer = setTimeout(() => resolve({ id: 0, ok: false, error: 'the fleet cloud did not start in time' }), opts.startTimeoutMs ?? 30_000 + 500 * spec.instances);
    }),
  ]);
  clearTimeout(startTimer);
  if (!ready.ok) {
    await close();
    throw new Error(`fleet cloud: ${ready.error}\n${log.slice(-4000)}`);
  }

  let next = 1;
  const call = async (req: FleetRequest): Promise<unknown> => {
    if (exited) throw new Error(`the fleet cloud is closed: ${log.slice(-2000)}`);
    const id = next++;
    const p = answer(id);
    child.stdin.write(`${JSON.stringify({ ...req, id })}\n`);
    const r = await p;
    if (!r.ok) throw new Error(`fleet cloud ${req.op}: ${r.error}`);
    return r.result;
  };

  return {
    instances,
    run: (index, argv, o = {}) => call({ op: 'run', index, argv, ...o }) as Promise<FleetRunResult>,
    runAll: (argvs, timeoutMs) => call({ op: 'runAll', argvs, timeoutMs }) as Promise<FleetRunResult[]>,
    runInCloud: (argv, o = {}) => call({ op: 'runInCloud', argv, ...o }) as Promise<RunResult>,
    requests: () => call({ op: 'requests' }) as Promise<FleetRequestSeen[]>,
    dhcpLeases: () => call({ op: 'dhcpLeases' }) as Promise<string>,
    dhcpLog: () => call({ op: 'dhcpLog' }) as Promise<DhcpLog>,
    serverStats: () => call({ op: 'serverStats' }) as Promise<FleetServerStats>,
    log: () => log,
    close,
  };
}
