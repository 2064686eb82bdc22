/**
 * What user-data processing takes and gives. Part content never appears in a
 * message: parts are named by number, type and filename only, because
 * user-data often holds secrets.
 */
import type { Mapping } from '../text/reader.ts';

export type UserDataSource = 'user-data' | 'vendor-data' | 'vendor-data2';

export interface FetchResult {
  status: number;
  body: Buffer;
}

export interface UserDataEnv {
  stage: 'local' | 'network';
  /** How `#include` URLs are fetched; absent (or in the local stage) includes are not fetched. */
  fetch?: (url: string) => Promise<FetchResult>;
  /**
   * The instance-data-sensitive document `## template: jinja` parts are
   * rendered with; a function is called only when a template needs it.
   */
  instanceData: Record<string, unknown> | (() => Record<string, unknown>);
  /** `#include-once` cache (cloud-init's `<instance dir>/data/urlcache/<key>`), keyed by a name derived from the URL. */
  readCache?: (key: string) => Buffer | null;
  writeCache?: (key: string, body: Buffer) => void;
}

export type ScriptFrequency = 'per-boot' | 'per-instance' | 'per-once';

export interface UserDataScript {
  name: string;
  content: Buffer;
  /** Set for text/x-shellscript-per-*: these go to /var/lib/cloud/scripts/<frequency>/, not the instance's scripts/. */
  frequency?: ScriptFrequency;
}

export interface PartSummary {
  index: number;
  type: string;
  filename: string | null;
  bytes: number;
  /** What became of it: "cloud-config", "script", "boothook", "ignored", ... */
  outcome: string;
}

export interface IncludeRecord {
  /** The URL without its query string (which may carry a token). */
  url: string;
  once: boolean;
  fromCache: boolean;
  ok: boolean;
}

export interface ProcessedUserData {
  /** Every cloud-config part merged in order; null when there was none. */
  cloudConfig: Mapping | null;
  /** Names of the parts merged into cloudConfig (cloud-config.txt lists them). */
  cloudConfigParts: string[];
  scripts: UserDataScript[];
  boothooks: { name: string; content: Buffer }[];
  warnings: string[];
  includes: IncludeRecord[];
  parts: PartSummary[];
  /** The processed parts as one MIME message (user-data.txt.i). */
  processed: Buffer;
}

/** A part on its way through the pipeline. */
export interface Part {
  type: string;
  filename: string | null;
  /** Merge-Type / X-Merge-Type header. */
  mergeType: string | null;
  payload: Buffer;
  /** Where it came from: "jinja" for a rendered template, "archive", "#include <url>"; null for the user-data itself. */
  via: string | null;
}
