/**
 * The test cloud's vocabulary, shared by the test-side client (cloud.ts)
 * and the controller that runs inside the sandbox (controller.ts). Everything
 * here crosses a pipe as JSON, so it is data only: HTTP handlers are routes.
 */

/** DHCPv4 served on one NIC by dnsmasq. */
export interface NicDhcp {
  /** First and last address handed out. */
  range: [string, string];
  /** dnsmasq lease time ("1h", "120", "infinite"); default 1h. */
  leaseTime?: string;
  /** Option 3. Default: the cloud-side address; null sends no router at all. */
  router?: string | null;
  /** Option 6. */
  dns?: string[];
  /** Option 15. */
  domain?: string;
  /** Option 121 (RFC 3442), e.g. { destination: "192.168.50.0/24", gateway: "10.9.0.1" }. */
  classlessRoutes?: { destination: string; gateway: string }[];
  /** Fixed address for the NIC's MAC (dnsmasq --dhcp-host). */
  fixedAddress?: string;
}

export interface NicSpec {
  /** Name in the instance namespace (eth0); the cloud side is "c" + name. */
  name: string;
  mac: string;
  /** The cloud side's address with prefix ("10.9.0.1/24"). */
  cloudAddress: string;
  /** Bring the instance side up at creation (default false: the code under test decides). */
  up?: boolean;
  dhcp?: NicDhcp;
}

export interface HttpRoute {
  /** Exact path, query string included when the test cares ("/latest/meta-data/"). */
  path: string;
  /** Only this method (default: any). */
  method?: string;
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Answer after this many milliseconds (fault injection: a slow service). */
  delayMs?: number;
}

export interface HttpRequestSeen {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The server address it arrived on. */
  local: string;
}

export interface CloudSpec {
  nics: NicSpec[];
  /** Extra addresses of the cloud (169.254.169.254, a virtual router), held on the cloud's loopback. */
  addresses?: string[];
  /** DNS names answered by dnsmasq (name → IPv4), e.g. { "data-server": "169.254.169.254" }. */
  dnsNames?: Record<string, string>;
  /** HTTP servers on port `port` (default 80) of each address in `listen`. */
  http?: { listen: string[]; port?: number; routes: HttpRoute[] };
  /** Seconds dnsmasq waits before each DHCP reply (fault injection). */
  dhcpReplyDelaySeconds?: number;
}

export interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export type ControllerRequest =
  | { op: 'addNic'; nic: NicSpec }
  | { op: 'removeNic'; name: string }
  | { op: 'run'; argv: string[]; timeoutMs?: number; env?: Record<string, string> }
  | { op: 'runInCloud'; argv: string[]; timeoutMs?: number }
  | { op: 'setRoutes'; routes: HttpRoute[] }
  | { op: 'requests' }
  | { op: 'stopDhcp' }
  | { op: 'startDhcp'; replyDelaySeconds?: number }
  | { op: 'dhcpLeases' }
  | { op: 'stopHttp' };

export type ControllerResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
