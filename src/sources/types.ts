/**
 * The small interface every datasource implements (one folder per cloud
 * under src/sources/), and what a crawl returns.
 */
import type { Log } from '../host/log.ts';
import type { RootFs } from '../host/root-fs.ts';
import type { Mapping } from '../text/reader.ts';

/** The stage a crawl runs in: local (before the OS network) or network (after it). */
export type CrawlStage = 'local' | 'network';

export interface FoundFilesystem {
  device: string;
  type: string;
  label: string;
  /** Reads a file of the filesystem (path relative to its root); null when it is not there. */
  readFile(path: string): Buffer | null;
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
  /** One HTTP GET with the agent's timeouts and retries (only in the network stage). */
  httpGet(url: string, opts?: { timeoutMs?: number; retries?: number }): Promise<HttpResponse>;
}

/** A network config as text, with its format and where it came from (for messages). */
export interface NetworkConfigInput {
  source: string;
  kind: 'yaml' | 'network_data.json' | 'eni';
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
  checkInstanceId?(ctx: CrawlContext, cachedId: string): boolean | null;
}

/** The datasource is present but its data cannot be used; the message names the file and the problem. */
export class DatasourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasourceError';
  }
}
