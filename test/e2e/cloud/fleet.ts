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
import { fileURLToPath } from 'node:url';
import { startSandbox } from './sandbox.ts';
import { missingCloudTools } from './cloud.ts';
import { fleetInstance, type FleetInstance, type FleetRequest, type FleetRequestSeen, type FleetRunResult, type FleetServerStats, type FleetSpec } from './fleet-types.ts';
import type { RunResult } from './types.ts';

export { fleetInstance, FLEET_GATEWAY, FLEET_IMDS_ADDRESS, FLEET_SUBNET } from './fleet-types.ts';
export type { FleetInstance, FleetRequestSeen, FleetRunResult, FleetServerStats, FleetSpec } from './fleet-types.ts';

const CONTROLLER = fileURLToPath(new URL('./fleet-controller.ts', import.meta.url));

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
  // Building a hundred namespaces takes a few seconds.
  const sandbox = await startSandbox({ name: 'fleet cloud', controller: CONTROLLER, spec, namespaces: [], startTimeoutMs: opts.startTimeoutMs ?? 30_000 + 500 * spec.instances, logLimit: 200_000 });
  const call = (req: FleetRequest) => sandbox.call(req);
  return {
    instances,
    run: (index, argv, o = {}) => call({ op: 'run', index, argv, ...o }) as Promise<FleetRunResult>,
    runAll: (argvs, timeoutMs) => call({ op: 'runAll', argvs, timeoutMs }) as Promise<FleetRunResult[]>,
    runInCloud: (argv, o = {}) => call({ op: 'runInCloud', argv, ...o }) as Promise<RunResult>,
    requests: () => call({ op: 'requests' }) as Promise<FleetRequestSeen[]>,
    dhcpLeases: () => call({ op: 'dhcpLeases' }) as Promise<string>,
    dhcpLog: () => call({ op: 'dhcpLog' }) as Promise<DhcpLog>,
    serverStats: () => call({ op: 'serverStats' }) as Promise<FleetServerStats>,
    log: sandbox.log,
    close: sandbox.close,
  };
}
