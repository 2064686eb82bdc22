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

/**
 * IPv6 on one NIC: a cloud-side address, router advertisements and DHCPv6
 * from dnsmasq, and extra link-local addresses of the cloud (a metadata
 * service on fe80::a9fe:a9fe, as OpenStack has it).
 */
export interface NicIpv6 {
  /** The cloud side's global address with prefix ("2001:db8:9::1/64"); its prefix is the one advertised. */
  cloudAddress?: string;
  /**
   * What router advertisements tell the instance (dnsmasq --enable-ra):
   * 'slaac': make an address from the prefix (A flag); 'ra-only': only a
   * default route, no address; 'stateful': ask DHCPv6 for an address (M
   * flag, needs dhcpRange). Default: 'stateful' with a dhcpRange, else no RA.
   * Needs cloudAddress.
   */
  ra?: 'slaac' | 'ra-only' | 'stateful';
  /** DHCPv6 addresses handed out, first and last ("2001:db8:9::100", "2001:db8:9::1ff"). */
  dhcpRange?: [string, string];
  /** dnsmasq lease time for DHCPv6 and the advertised prefix ("1h"); default 1h. */
  leaseTime?: string;
  /**
   * Router lifetime advertised, in seconds (default 1800: the instance takes
   * the cloud side's link-local address as its default route; 0: it does not).
   */
  routerLifetime?: number;
  /** Extra link-local addresses of the cloud side ("fe80::a9fe:a9fe"), /64, added without DAD. */
  linkLocal?: string[];
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
  ipv6?: NicIpv6;
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
  /** The body is sent this many times over (an oversized answer without a huge spec). */
  repeat?: number;
  /** Fault injection: the first `count` requests for this route get `status` instead (a flapping service). */
  failFirst?: { count: number; status: number };
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
  /** Extra addresses of the cloud (169.254.169.254, fd00:ec2::254, a virtual router), held on the cloud's loopback (/32, /128). */
  addresses?: string[];
  /** DNS names answered by dnsmasq (name → IPv4), e.g. { "data-server": "169.254.169.254" }. */
  dnsNames?: Record<string, string>;
  /**
   * HTTP servers on port `port` (default 80) of each address in `listen`:
   * IPv4, IPv6 ("fd00:ec2::254"), or IPv6 link-local with the cloud-side
   * NIC as scope ("fe80::a9fe:a9fe%ceth0").
   */
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
  | { op: 'stopHttp' }
  | { op: 'setLinkUp'; name: string; up: boolean };

export type ControllerResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
