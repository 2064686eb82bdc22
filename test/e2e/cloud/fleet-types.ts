/**
 * The fleet cloud's vocabulary (fleet.ts on the test side, fleet-controller.ts
 * inside the sandbox): many instances on one L2 segment, each with its own
 * identity, as one VPC subnet with one DHCP server and one metadata service.
 * Everything here crosses a pipe as JSON, plus the pure function that gives
 * instance number i its identity (both sides compute it, so only the count
 * and a few settings cross).
 */
import type { ImdsSettings, RunResult } from './types.ts';

/** The subnet every instance is on; the cloud (router, DHCP server) is its first address. */
export const FLEET_SUBNET = '10.40.0.0/16';
export const FLEET_GATEWAY = '10.40.0.1';
export const FLEET_PREFIX = 16;
/** AWS's link-local metadata address. */
export const FLEET_IMDS_ADDRESS = '169.254.169.254';
/** Enough for a large test; addresses 10.40.1.1 … 10.40.40.250 (see fleetInstance). */
export const FLEET_MAX_INSTANCES = 10_000;
export const FLEET_REGION = 'eu-west-1';

export interface FleetSpec {
  /** How many instances (network namespaces), 1 … FLEET_MAX_INSTANCES. */
  instances: number;
  /** IMDS settings for every instance's metadata (latency, httpTokens …); default: tokens required, as a hardened AWS account sets. */
  imds?: ImdsSettings;
  /** dnsmasq's lease time ("1h"). */
  leaseTime?: string;
  /**
   * A `nice` increment for every command run in an instance (default 0:
   * the same priority as the cloud). Measured, not a fix: with 10, on a
   * host busy with other work, the instances' `ip` commands waited behind
   * each other in the kernel (one network stack, one rtnl lock, its holder
   * a low-priority process) until stratus's 5 s bound per `ip` command cut
   * them off; real instances have a kernel each.
   */
  instanceNice?: number;
}

/** Who instance number `index` is: its namespace, NIC, fixed private address and metadata identity. */
export interface FleetInstance {
  index: number;
  /** Its network namespace inside the sandbox. */
  netns: string;
  /** Its NIC, eth0 in its namespace. */
  mac: string;
  /** The private IPv4 address DHCP hands its MAC (AWS's DHCP gives an ENI its assigned primary address). */
  address: string;
  instanceId: string;
  /** The private DNS name, AWS style. */
  hostname: string;
  /** The cloud side of its veth pair (a port of the bridge). */
  port: string;
  /** Its user-data: a cloud-config naming the instance, so a mix-up shows. */
  userData: string;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** Instance `index` (0-based): a stable identity, unique within the fleet. */
export function fleetInstance(index: number): FleetInstance {
  if (!Number.isInteger(index) || index < 0 || index >= FLEET_MAX_INSTANCES) throw new Error(`fleet instance ${index}: out of range`);
  const n = index + 1;
  const third = 1 + Math.floor(index / 250);
  const fourth = 1 + (index % 250);
  const address = `10.40.${third}.${fourth}`;
  return {
    index,
    netns: `inst-${String(n).padStart(4, '0')}`,
    mac: `0a:f1:ee:00:${hex(n >> 8, 2)}:${hex(n & 255, 2)}`,
    address,
    instanceId: `i-0f1ee7${hex(n, 11)}`,
    hostname: `ip-${address.replace(/\./g, '-')}.${FLEET_REGION}.compute.internal`,
    port: `vf${n}`,
    userData: `#cloud-config\n# fleet instance ${n}\nruncmd: [[true]]\n`,
  };
}

/** One command run in an instance's namespace, with when it started and ended (ms, the controller's Date.now()). */
export interface FleetRunResult extends RunResult {
  startedAt: number;
  endedAt: number;
}

/** One metadata request, attributed to the instance whose address sent it (null: an address no instance has). */
export interface FleetRequestSeen {
  instance: number | null;
  remote: string;
  method: string;
  path: string;
  hasToken: boolean;
  /** Absent while unanswered, or when the connection was cut. */
  status?: number;
  /** Milliseconds from the request's arrival to its answer leaving (absent while unanswered). */
  ms?: number;
}

export type FleetRequest =
  | { op: 'run'; index: number; argv: string[]; timeoutMs?: number; env?: Record<string, string> }
  /** argvs[i] in instance i, all started at once by one launcher (spawning a hundred from Node takes seconds); each bounded by timeoutMs. */
  | { op: 'runAll'; argvs: string[][]; timeoutMs: number }
  | { op: 'runInCloud'; argv: string[]; timeoutMs?: number }
  | { op: 'requests' }
  | { op: 'dhcpLeases' }
  | { op: 'dhcpLog' }
  | { op: 'serverStats' };

/** How the cloud's own process fared: a slow cloud, not the instances, can be why requests were retried. */
export interface FleetServerStats {
  /** The longest delay of the metadata service's event loop (a 50 ms timer's lateness) since the last call, ms. */
  maxLoopLagMs: number;
  /** TCP connections the metadata service accepted since the last call. */
  connections: number;
  /** The same lag for the controller, which launches the instances (spawning blocks its loop). */
  controllerMaxLoopLagMs: number;
}
