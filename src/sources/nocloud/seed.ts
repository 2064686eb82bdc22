/**
 * A NoCloud seed is four files (meta-data, user-data, vendor-data,
 * network-config) in one place: a directory on the target, a cidata
 * filesystem, or under a URL. This reads them from any of those and turns
 * meta-data into a mapping with a located message when it is broken.
 */
import { nowMs } from '../../host/clock.ts';
import { isTransientStatus } from '../../host/http-status.ts';
import type { RootFs } from '../../host/root-fs.ts';
import { formatDiagnostic } from '../../text/diagnostics.ts';
import { isMapping, type Mapping } from '../../text/reader.ts';
import { loadYaml } from '../../text/yaml.ts';
import { DatasourceError, MAX_DATASOURCE_FILE, type CrawlContext, type FoundFilesystem } from '../types.ts';

export const SEED_FILES = ['meta-data', 'user-data', 'vendor-data', 'network-config'] as const;
export type SeedFile = (typeof SEED_FILES)[number];

export interface Seed {
  /** Where it was read, for subplatform and messages: "seed-dir (/var/…)", "config-disk (/dev/sr0)". */
  where: string;
  files: Partial<Record<SeedFile, Buffer>>;
}

function checkSize(name: string, where: string, data: Buffer | null): Buffer | null {
  if (data !== null && data.length > MAX_DATASOURCE_FILE) {
    throw new DatasourceError(`${where}: ${name} is ${data.length} bytes, more than the ${MAX_DATASOURCE_FILE} a seed file may have`);
  }
  return data;
}

export function readSeedDir(fs: RootFs, dir: string): Seed {
  const files: Seed['files'] = {};
  for (const name of SEED_FILES) {
    const data = checkSize(name, dir, fs.kind(`${dir}/${name}`) === 'dir' ? null : fs.readFile(`${dir}/${name}`));
    if (data !== null) files[name] = data;
  }
  return { where: `seed-dir (${dir})`, files };
}

export function readSeedFilesystem(found: FoundFilesystem): Seed {
  const files: Seed['files'] = {};
  for (const name of SEED_FILES) {
    const data = checkSize(name, found.device, found.readFile(name));
    if (data !== null) files[name] = data;
  }
  return { where: `config-disk (${found.device})`, files };
}

/** The URL of one seed file under a seedfrom base: "%s" is replaced by the name, else the name is appended. */
export function seedFileUrl(base: string, name: string): string {
  if (base.includes('%s')) return base.replace('%s', name);
  if (base.endsWith('/') || base.includes('?')) return `${base}${name}`;
  return `${base}/${name}`;
}

/** How a seed URL is read (datasource.NoCloud `timeout`, `retries`, `max_wait`, in seconds there). */
export interface SeedUrlOptions {
  timeoutMs: number;
  retries: number;
  /** All four files together. */
  budgetMs: number;
}

export const SEED_URL_DEFAULTS: SeedUrlOptions = { timeoutMs: 10_000, retries: 3, budgetMs: 120_000 };

/**
 * The four files under a seed URL, within one budget. Throttling and
 * server errors are retried (429/503 after their Retry-After); only 404
 * (or 410) means a file is absent: a network-config or vendor-data that
 * answers 500 is a broken seed, not a seed without them (cloud-init takes
 * any error as "absent" and boots with the fallback network).
 */
export async function readSeedUrl(ctx: CrawlContext, base: string, opts: SeedUrlOptions = SEED_URL_DEFAULTS): Promise<Seed> {
  const files: Seed['files'] = {};
  const deadline = nowMs() + opts.budgetMs;
  // cloud-init's order; meta-data and user-data must exist, the others may not.
  for (const name of ['network-config', 'meta-data', 'user-data', 'vendor-data'] as const) {
    const url = seedFileUrl(base, name);
    const left = deadline - nowMs();
    if (left <= 0) throw new DatasourceError(`seedfrom ${base}: ${url} not requested, the ${opts.budgetMs / 1000} s budget (datasource.NoCloud.max_wait) is spent`);
    let r;
    try {
      r = await ctx.httpGet(url, { timeoutMs: Math.min(opts.timeoutMs, left), retries: opts.retries, retryOn: isTransientStatus, budgetMs: left });
    } catch (e) {
      throw new DatasourceError(`seedfrom ${base}: ${(e as Error).message}`);
    }
    if (r.status === 200) files[name] = checkSize(name, url, r.body) ?? Buffer.alloc(0);
    else if (r.status !== 404 && r.status !== 410) throw new DatasourceError(`seedfrom ${base}: ${url} answered HTTP ${r.status}`);
    else if (name === 'meta-data' || name === 'user-data') {
      throw new DatasourceError(`seedfrom ${base}: ${url} answered HTTP ${r.status}; a NoCloud seed needs meta-data and user-data`);
    }
  }
  return { where: `seed-url (${base})`, files };
}

/** meta-data as a mapping: empty is {}, anything but a mapping is an error naming the place. */
export function parseMetaData(data: Buffer, where: string): Mapping {
  const source = `${where} meta-data`;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw new DatasourceError(`${source}: not UTF-8 text`);
  }
  if (text.trim() === '') return {};
  const loaded = loadYaml(text, source);
  if (!loaded.doc) throw new DatasourceError(loaded.diagnostics.map(formatDiagnostic).join('; '));
  const value = loaded.doc.value;
  if (value === null || value === undefined) return {};
  if (!isMapping(value)) throw new DatasourceError(`${source}: must be a mapping of keys to values (such as "instance-id: i-123")`);
  return value;
}
