/**
 * The test cloud's vocabulary, shared by the test-side client (cloud.ts)
 * and the controller that runs inside the sandbox (controller.ts). Everything
 * here crosses a pipe as JSON, so it is data only: HTTP handlers are routes.
 */
import type { HttpFaultSettings } from './faults.ts';

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
  /** The server port it arrived on (http.port, or a CloudStack VR's 80 and 8080). */
  port: number;
  /**
   * The status answered. Absent while no answer has gone out when the
   * record was read (a delayed or hung request), or when the connection was
   * cut mid-body (it says 200 in the headers it sent, though).
   */
  status?: number;
}

/**
 * An EC2 instance metadata tree: strings are leaves, objects directories.
 * A directory entry named "name=label" (public-keys' "0=my-key") is listed
 * as "name=label" without a trailing slash, as AWS lists it, and reached as
 * "name" ("public-keys/0/openssh-key").
 */
export interface ImdsTree {
  [name: string]: string | ImdsTree;
}

/**
 * Which requests a fault hits. Paths are request paths without the query
 * ("/latest/api/token"); a trailing "*" makes a prefix. Counting is per
 * fault, over the requests its path and method match, since the last
 * imdsConfigure: `first: k` hits matches 1..k, `every: n` hits n, 2n, …;
 * both: the every-n-th among the first k; neither: all.
 */
export interface ImdsFaultMatch {
  path?: string;
  method?: string;
  first?: number;
  every?: number;
}

export type ImdsFault = ImdsFaultMatch &
  (
    | { kind: 'status'; status: number; retryAfterSeconds?: number; body?: string }
    /** Read the request, never answer (the connection stays open until the client gives up). */
    | { kind: 'hang' }
    /**
     * Cut the real answer's body to `keep` of its bytes (a fraction, default
     * 0.5). `close: false` (default): a short but well-formed answer
     * (Content-Length matches what is sent); `close: true`: the headers
     * announce the full length and the connection closes after the cut.
     */
    | { kind: 'truncate'; keep?: number; close?: boolean }
    /** Answer this much later (adds to latencyMs and to other delays that hit). */
    | { kind: 'delay'; delayMs: number }
  );

/** Everything about the IMDS except its tree: what imdsConfigure replaces as a whole. */
export interface ImdsSettings {
  /** AWS HttpEndpoint: 'disabled' answers every request 403. Default 'enabled'. */
  state?: 'enabled' | 'disabled';
  /** AWS HttpTokens: 'required' refuses a GET without a token (401). Default 'optional'. */
  httpTokens?: 'optional' | 'required';
  /**
   * API versions served besides "latest" (listed at "/", reachable as
   * "/<version>/…", all with the same tree); any other is 404. Default:
   * IMDS_VERSIONS in imds.ts.
   */
  versions?: string[];
  /** How many milliseconds one second of token TTL lasts (default 1000: real time; 10 makes a 60 s token last 0.6 s). */
  tokenSecondMs?: number;
  /** Added to every answer (a slow service). */
  latencyMs?: number;
  /** Throttling of every request, AWS style: `status` with Retry-After (a shorthand for a 'status' fault on all paths). */
  throttle?: { every?: number; first?: number; status: 429 | 503; retryAfterSeconds?: number };
  /** Checked in order; the first status, hang or truncate fault that hits decides, delays add up. */
  faults?: ImdsFault[];
  /**
   * Propagation delay: the node at `path` ("meta-data/network/interfaces/macs/<mac>/ipv6s",
   * relative to the version root; a leading "/latest/" is accepted) is absent
   * from answers and listings until `afterMs` after the IMDS clock started
   * (controller start, or the last imdsResetClock).
   */
  appear?: { path: string; afterMs: number }[];
}

/**
 * An EC2 instance metadata service. `tree` is what is under "/latest/":
 * "meta-data" (directory), "dynamic" (directory), "user-data" (leaf; 404
 * when absent, as AWS answers for an instance without user data); see
 * awsTree() in imds.ts for a realistic one.
 */
export interface ImdsSpec extends ImdsSettings {
  tree: ImdsTree;
}

/** A CloudStack virtual router's settings: what vrConfigure changes besides the values. */
export interface CloudStackVrSettings {
  /** Added to every answer on both ports (a slow VR). */
  latencyMs?: number;
  /** The metadata service is down: nothing listens on port 80 (connections are refused, as with the VR's Apache stopped). */
  metadataDown?: boolean;
  /** The password server is down: nothing listens on port 8080. */
  passwordDown?: boolean;
  /** The first `count` metadata requests (port 80) get `status` (an Apache error page) instead (a flapping service). */
  metadataFailFirst?: { count: number; status: number };
  /** The password server answers every request `bad_request` (a server that lost track of the instance). */
  passwordBadRequest?: boolean;
}

/**
 * Apache CloudStack's virtual router as an instance sees it (cloudstack-vr.ts):
 * the metadata service on port 80, the password server on port 8080.
 */
export interface CloudStackVrSpec extends CloudStackVrSettings {
  /**
   * Key → value under /latest/meta-data/ ("instance-id", "local-hostname",
   * "public-keys": the keys one per line …); only these are listed and served.
   */
  metaData: Record<string, string>;
  /** Served as given at /latest/user-data; absent: 404. */
  userData?: string;
  /** A password pending at start (offered to send_my_password until acknowledged). */
  password?: string;
}

/**
 * A change to a running VR (vrConfigure): the keys given replace their
 * values, omitted ones stay; null clears a setting or the user data.
 * `metaData` replaces the whole set of keys.
 */
export type CloudStackVrUpdate = { [K in keyof CloudStackVrSettings]?: CloudStackVrSettings[K] | null } & {
  metaData?: Record<string, string>;
  userData?: string | null;
};

/** One request the VR's password server answered. */
export interface VrPasswordLogEntry {
  /** Milliseconds since the VR started. */
  at: number;
  /** The DomU_Request header's value; null when there was none. */
  request: string | null;
  /** The body answered, with a password replaced by the literal "<password>" (logs never hold one). */
  answer: string;
}

export interface CloudSpec {
  nics: NicSpec[];
  /** Extra addresses of the cloud (169.254.169.254, fd00:ec2::254, a virtual router), held on the cloud's loopback (/32, /128). */
  addresses?: string[];
  /** DNS names answered by dnsmasq (name → IPv4), e.g. { "data-server": "169.254.169.254" }. */
  dnsNames?: Record<string, string>;
  /**
   * HTTP servers on port `port` (default 80) of each address in `listen`
   * (and on 8080 too with a CloudStack VR):
   * IPv4, IPv6 ("fd00:ec2::254"), or IPv6 link-local with the cloud-side
   * NIC as scope ("fe80::a9fe:a9fe%ceth0").
   */
  http?: {
    listen: string[];
    port?: number;
    routes?: HttpRoute[];
    /** An EC2 IMDS (imds.ts) for every request no route matches (routes take precedence: a test can override one path). */
    imds?: ImdsSpec;
    /**
     * A CloudStack virtual router (cloudstack-vr.ts) on every `listen`
     * address: its metadata service on port 80 for every request no route
     * matches, its password server on port 8080. Needs `port` unset or 80;
     * not together with `imds` (both answer /latest/meta-data/).
     */
    cloudstack?: CloudStackVrSpec;
  };
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
  | { op: 'setLinkUp'; name: string; up: boolean }
  | { op: 'imdsSet'; path: string; value: string | ImdsTree }
  | { op: 'imdsDelete'; path: string }
  | { op: 'imdsConfigure'; settings: ImdsSettings }
  | { op: 'imdsResetClock' }
  | { op: 'vrSetPassword'; password: string | null }
  | { op: 'vrConfigure'; update: CloudStackVrUpdate }
  | { op: 'vrPasswordLog' }
  | { op: 'secrets' }
  | { op: 'httpFaults'; settings: HttpFaultSettings };

/** What the cloud handed out that an instance must keep secret (the `secrets` op; secrets-scan.ts reads it). */
export interface CloudSecrets {
  /** Every IMDS token issued, expired ones too. */
  imdsTokens: string[];
  /** Every password the CloudStack VR was given. */
  vrPasswords: string[];
  /** Every user-data served: the IMDS's, the VR's, and route bodies of user-data and vendor-data paths. */
  userData: string[];
}

export type ControllerResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
