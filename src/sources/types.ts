/**
 * The small interface every datasource implements (one folder per cloud
 * under src/sources/), and what a crawl returns.
 */
import type { Log } from '../host/log.ts';
import type { RootFs } from '../host/root-fs.ts';
import type { BoundLease } from '../net/dhcp/client-env.ts';
import type { Mapping } from '../text/reader.ts';

/** The stage a crawl runs in: local (before the OS network) or network (after it). */
export type CrawlStage = 'local' | 'network';

export interface FoundFilesystem {
  device: string;
  type: string;
  label: string;
  /** Reads a file of the filesystem (path relative to its root); null when it is not there. */
  readFile(path: string): Buffer | null;
  /** Names in a directory, sorted; null when it is not a directory. */
  list(dir: string): string[] | null;
}

export interface HttpResponse {
  status: number;
  body: Buffer;
}

export interface CrawlContext {
  fs: RootFs;
  log: Log;
  stage: CrawlStage;
  /** The merged system config (cloud.cfg and friends). */
  cfg: Mapping;
  /** The kernel command line of the target. */
  cmdline: string;
  /** A DMI value from /sys/class/dmi/id (e.g. product_serial), trimmed; null when absent. */
  dmi(key: string): string | null;
  /** Filesystems (iso9660 or vfat) whose label is one of `labels`, best candidate first. */
  filesystemsLabelled(labels: readonly string[]): FoundFilesystem[];
  /** One HTTP GET with the agent's timeouts and retries (network stage, or inside `withNetwork`). */
  httpGet(url: string, opts?: HttpGetOptions): Promise<HttpResponse>;
  /** One HTTP PUT with an empty body (IMDSv2's token), same rules as httpGet. */
  httpPut(url: string, opts?: HttpGetOptions): Promise<HttpResponse>;
  /**
   * Run `fn` with the network reachable. In the network stage it runs at once;
   * in the local stage stratus takes an ephemeral DHCP lease on the fallback
   * NIC first (none when one of `probe` answers already) and tears it down
   * after. Throws DatasourceError when the network cannot be reached.
   */
  withNetwork<T>(probe: readonly string[], fn: (net: NetworkAccess) => Promise<T>, opts?: NetworkOptions): Promise<T>;
  /** IPv4 addresses of `name`, asked of these DNS servers (not the process's resolver: under --root it is not the target's); [] when none. */
  resolve4(name: string, servers: readonly string[]): Promise<string[]>;
  /** The IPv4 default gateway of the network stratus runs in (live system only; null otherwise or when there is none). */
  defaultGateway(): string | null;
  /**
   * The datasource is there but is read in a later stage (NoCloud's seedfrom
   * over HTTP); the crawl then returns null. The stage keeps the last
   * instance's network config until that stage has read it.
   */
  deferred?(reason: string): void;
}

export interface HttpGetOptions {
  /** Per attempt (default 10 s). */
  timeoutMs?: number;
  /** Attempts after the first (default 3). */
  retries?: number;
  /** Statuses worth another attempt (default: 5xx). */
  retryOn?: (status: number) => boolean;
  /** All attempts and pauses together. */
  budgetMs?: number;
  headers?: Record<string, string>;
  /** Abandon the request (another URL won a race). */
  signal?: AbortSignal;
}

export interface NetworkOptions {
  /**
   * The service is (also) on an IPv6 link-local address (fe80::a9fe:a9fe):
   * after the lease, wait (bounded) until the NIC's own link-local address
   * has passed duplicate address detection, so a request can leave.
   */
  ipv6LinkLocal?: boolean;
  /**
   * Try a lease on every NIC, those with these kernel drivers first (EC2:
   * ena, ixgbevf, vif), until one gets one; without it, only the fallback NIC.
   */
  preferDrivers?: readonly string[];
}

/** How the network was reached for a datasource. */
export interface NetworkAccess {
  /** The NIC of the ephemeral lease; null when none was needed. */
  iface: string | null;
  lease: BoundLease | null;
}

/**
 * Network config formats a datasource hands on: netplan-style YAML (v1/v2),
 * OpenStack's network_data.json, Debian ENI text, and EC2's metadata (the
 * `network` subtree with the primary MAC, as JSON), converted at render time
 * when the local NICs are known.
 */
export type NetworkInputKind = 'yaml' | 'network_data.json' | 'eni' | 'ec2';

/** A network config as text, with its format and where it came from (for messages). */
export interface NetworkConfigInput {
  source: string;
  kind: NetworkInputKind;
  text: string;
}

export type DsMode = 'local' | 'net' | 'disabled';

/** What one datasource found: the typed, serializable instance data. */
export interface Crawled {
  /** cloud-init's dsname: "NoCloud", "ConfigDrive", … */
  dsname: string;
  instanceId: string;
  platform: string;
  /** e.g. "seed-dir (/var/lib/cloud/seed/nocloud)" or "config-disk (/dev/sr0)". */
  subplatform: string;
  cloudName: string;
  dsmode: DsMode;
  metaData: Mapping;
  userData: Buffer | null;
  vendorData: Buffer | null;
  vendorData2: Buffer | null;
  /** The network config as the datasource gave it, parsed later with located messages; null when none. */
  networkConfig: NetworkConfigInput | null;
  /** Config the datasource adds to the system config (lowest user priority). */
  config: Mapping;
  /** More of what the datasource read, shown in instance-data under `ds` (e.g. ec2_metadata, network_json). */
  dsData?: Mapping;
  /** metaData keys whose string is base64 of binary data (instance-data's base64_encoded_keys), e.g. random_seed. */
  base64MetaKeys?: string[];
  /**
   * Files the platform asks to put on a new instance (OpenStack `files`).
   * Written once, when this crawl makes a new instance current; never cached.
   */
  injectedFiles?: InjectedFile[];
}

/** A file the platform injects: absolute target path (checked) and content. */
export interface InjectedFile {
  path: string;
  content: Buffer;
}

export interface Source {
  dsname: string;
  /** Stages the datasource can crawl in. */
  stages: readonly CrawlStage[];
  /** null: not this datasource. Throws DatasourceError when it is, but its data is broken. */
  crawl(ctx: CrawlContext): Promise<Crawled | null>;
  /**
   * Whether the cached instance is still the one running, decided from local
   * facts only (no crawl). null: cannot tell (the datasource is crawled again).
   */
  checkInstanceId?(ctx: CrawlContext, cachedId: string, cached: Crawled): boolean | null;
  /**
   * Config stage: a new password the platform offers for the default user
   * (CloudStack's password server); null when there is none or the source
   * does not ask (`askedBefore`: it was asked on an earlier boot of this
   * instance). Throws when the platform's service cannot be asked.
   */
  platformPassword?(ctx: CrawlContext, cached: Crawled, askedBefore: boolean): Promise<PlatformPassword | null>;
  /** NIC hotplug support; absent: the datasource cannot describe new NICs (hotplug stays off). */
  hotplug?: HotplugSupport;
}

/**
 * How a datasource takes part in NIC hotplug (cloud-init's `hotplug` update
 * event): whether it is on by default, and a session that reads the
 * platform's current network description for new NICs.
 */
export interface HotplugSupport {
  /** On unless the user's `updates.network.when` leaves it out (EC2); else only after `hotplug-hook enable` or `updates`. */
  defaultOn: boolean;
  open(ctx: CrawlContext, cached: Crawled): Promise<HotplugSession>;
}

export interface HotplugSession {
  /** The network config as the platform describes it now, and what is still missing for each of `macs`. */
  refresh(macs: readonly string[]): Promise<HotplugRefresh>;
  /**
   * Whether what was missing for `mac` is there now, asked as cheaply as the
   * platform allows (EC2: one request per missing key). Absent: refresh again.
   */
  poll?(mac: string, missing: readonly string[]): Promise<boolean>;
  /**
   * What the platform describes does not change while the instance runs (a
   * config drive is written once; CloudStack's metadata names no NICs): a
   * NIC it does not describe now is not waited for.
   */
  final?: boolean;
}

/** What HotplugRefresh.missing says for a NIC the platform does not list (yet). */
export const NOT_LISTED = 'the NIC';

export interface HotplugRefresh {
  network: NetworkConfigInput | null;
  /** Per MAC (lower case): the keys not published yet ([]: complete). A NIC not listed at all: [NOT_LISTED]. */
  missing: Record<string, string[]>;
  /** The instance's metadata with the fresh network part, to keep in the cache. */
  metaData: Mapping;
}

/** A password for the default user from the platform: set it, then acknowledge it. Never logged or stored. */
export interface PlatformPassword {
  password: string;
  /** For messages: "CloudStack password server 10.1.1.1". */
  source: string;
  /** Tell the platform the password is set (it stops offering it). */
  acknowledge(): Promise<void>;
}

/** A datasource file larger than this is refused (user-data is at most a few MiB on every cloud). */
export const MAX_DATASOURCE_FILE = 16 * 1024 * 1024;

/** The datasource is present but its data cannot be used; the message names the file and the problem. */
export class DatasourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasourceError';
  }
}
