/**
 * Which instance is this? Restore the cached instance when it is still the
 * one running (same boot, trusted, or confirmed by the datasource from local
 * facts), otherwise crawl the datasources in `datasource_list` order; then
 * make the instance current on disk (`instancify`) in cloud-init's layout.
 */
import { nowMs } from '../host/clock.ts';
import type { FileWrite } from '../host/root-fs.ts';
import { describeDatasource } from '../sources/describe.ts';
import { loadSource } from '../sources/index.ts';
import { DatasourceError, type Crawled, type CrawlStage } from '../sources/types.ts';
import { isMapping, type Mapping } from '../text/reader.ts';
import { crawlContext, type StageContext } from './context.ts';
import { span } from './events.ts';
import { cachePath, cacheText, newCache, readCurrentCache, type InstanceCache } from './instance-cache.ts';
import { instanceDir, paths } from './paths.ts';

export interface CurrentInstance {
  cache: InstanceCache;
  /** Taken from the cache, not crawled in this stage. */
  restored: boolean;
  /** The instance id differs from the one of the last boot (or there was none). */
  isNew: boolean;
}

/** `check`: a new boot, confirm with the datasource; `trust`: a later stage of the same boot. */
export type CachePolicy = 'check' | 'trust';

export function datasourceList(cfg: Mapping): string[] {
  const list = cfg['datasource_list'];
  if (Array.isArray(list)) return list.filter((x): x is string => typeof x === 'string');
  if (typeof list === 'string') return list.split(',').map((s) => s.trim()).filter(Boolean);
  return [];
}

function readId(ctx: StageContext, path: string): string | null {
  const t = ctx.fs.readText(path);
  return t === null ? null : t.trim() || null;
}

async function tryRestore(ctx: StageContext, cfg: Mapping, policy: CachePolicy): Promise<InstanceCache | null> {
  const r = readCurrentCache(ctx.fs);
  if (!('cache' in r)) {
    if (r.problem) ctx.log.warn(`cached instance ignored, the datasource is read again: ${r.problem}`);
    return null;
  }
  const iid = r.cache.crawled.instanceId;
  if (readId(ctx, paths.runInstanceId) === iid) {
    ctx.log.debug(`restored instance ${iid} from cache (same boot)`);
    return r.cache;
  }
  const manualClean = ctx.fs.kind(`${paths.instanceLink}/manual-clean`) !== null || cfg['manual_cache_clean'] === true;
  if (policy === 'trust' || manualClean) {
    ctx.log.debug(`restored instance ${iid} from cache (${policy === 'trust' ? 'trusted in this stage' : 'manual_cache_clean'})`);
    return r.cache;
  }
  const source = await loadSource(r.cache.crawled.dsname);
  const same = source?.checkInstanceId?.(crawlContext(ctx, cfg, 'local'), iid, r.cache.crawled) ?? null;
  if (same === true) {
    ctx.log.info(`restored instance ${iid} from cache: ${r.cache.crawled.dsname} confirms the instance id locally`);
    return r.cache;
  }
  ctx.log.debug(`cached instance ${iid} not confirmed (${same === false ? 'the instance id changed' : 'the datasource cannot tell locally'}); crawling`);
  return null;
}

async function crawlSources(ctx: StageContext, cfg: Mapping, stage: CrawlStage, failed: string[], deferred: string[]): Promise<InstanceCache | null> {
  const names = datasourceList(cfg).filter((n) => n !== 'None');
  for (const name of names) {
    const source = await loadSource(name);
    if (!source) {
      ctx.log.debug(`datasource ${name} is not supported by stratus; skipped`);
      continue;
    }
    if (!source.stages.includes(stage)) continue;
    const started = nowMs();
    let crawled: Crawled | null;
    try {
      crawled = await span(ctx, `search-${source.dsname}`, `searching for ${stage} data from DataSource${source.dsname}`, async (finish) => {
        const found = await source.crawl(crawlContext(ctx, cfg, stage, () => deferred.push(source.dsname)));
        finish.message = `${found ? 'found' : 'no'} ${stage} data ${found ? 'from' : 'found from'} DataSource${source.dsname}`;
        return found;
      });
    } catch (e) {
      const why = e instanceof DatasourceError ? e.message : `${(e as Error).name}: ${(e as Error).message}`;
      ctx.log.error(`datasource ${source.dsname} failed: ${why}`);
      failed.push(source.dsname);
      continue;
    }
    const ms = nowMs() - started;
    if (crawled) {
      ctx.log.info(`found datasource ${describeDatasource(crawled)} in ${ms.toFixed(1)} ms`);
      return newCache(crawled, Math.round(ms * 10) / 10, new Date());
    }
    ctx.log.debug(`datasource ${source.dsname}: not found (${ms.toFixed(1)} ms)`);
  }
  return null;
}

export { describeDatasource } from '../sources/describe.ts';

export async function findInstance(ctx: StageContext, cfg: Mapping, policy: CachePolicy, stage: CrawlStage | null): Promise<CurrentInstance | null> {
  return (await searchInstance(ctx, cfg, policy, stage)).inst;
}

export interface InstanceSearch {
  inst: CurrentInstance | null;
  /** Datasources that were there but failed (unreachable, broken data), as opposed to not found. */
  failed: string[];
  /** Datasources that are there but are read in a later stage (NoCloud's seedfrom over HTTP in the local stage). */
  deferred: string[];
}

/** findInstance, also saying which datasources failed when none was found. */
export async function searchInstance(ctx: StageContext, cfg: Mapping, policy: CachePolicy, stage: CrawlStage | null): Promise<InstanceSearch> {
  const failed: string[] = [];
  const deferred: string[] = [];
  const previous = readId(ctx, paths.instanceIdFile);
  const restored = await span(ctx, 'check-cache', `attempting to read from cache [${policy}]`, async (finish) => {
    const r = await tryRestore(ctx, cfg, policy);
    finish.message = r ? `restored from cache: instance ${r.crawled.instanceId} (DataSource${r.crawled.dsname})` : 'no usable cache';
    return r;
  });
  if (restored) return { inst: { cache: restored, restored: true, isNew: previous !== restored.crawled.instanceId }, failed, deferred };
  if (stage === null) return { inst: null, failed, deferred };
  const crawled = await crawlSources(ctx, cfg, stage, failed, deferred);
  if (!crawled) {
    // The old instance is no longer current.
    ctx.fs.remove(paths.instanceLink);
    return { inst: null, failed, deferred };
  }
  return { inst: { cache: crawled, restored: false, isNew: previous !== crawled.crawled.instanceId }, failed, deferred };
}

/** Make the instance current on disk: instance dir and link, id files, cache, user-data. */
export function instancify(ctx: StageContext, inst: CurrentInstance): void {
  const c = inst.cache.crawled;
  const idir = instanceDir(c.instanceId);
  const fs = ctx.fs;
  for (const d of ['handlers', 'scripts', 'sem', 'data']) fs.mkdir(`${idir}/${d}`);
  const currentId = fs.readText(paths.instanceIdFile)?.trim() || null;
  const description = `DataSource${c.dsname}: ${describeDatasource(c)}`;
  const files: FileWrite[] = [{ path: `${idir}/datasource`, content: `${description}\n`, mode: 0o644 }];
  // The "previous" files change only when the instance changes: cloud-init rewrites them in every
  // stage, so after any boot they name the current instance and say nothing about the one before.
  if (currentId !== c.instanceId || fs.kind(paths.previousInstanceIdFile) === null) {
    const previousDs = fs.readText(`${paths.instanceLink}/datasource`)?.trim();
    files.push(
      { path: paths.previousInstanceIdFile, content: `${currentId ?? 'NO_PREVIOUS_INSTANCE_ID'}\n`, mode: 0o644 },
      { path: paths.previousDatasourceFile, content: `${previousDs ?? description}\n`, mode: 0o644 },
    );
  }
  if (!inst.restored) {
    // user-data and vendor-data are secrets: 0600, like the cache that holds them too.
    files.push({ path: cachePath(c.instanceId), content: cacheText(inst.cache), mode: 0o600 });
    files.push({ path: `${idir}/user-data.txt`, content: c.userData ?? '', mode: 0o600 });
    files.push({ path: `${idir}/vendor-data.txt`, content: c.vendorData ?? '', mode: 0o600 });
    files.push({ path: `${idir}/vendor-data2.txt`, content: c.vendorData2 ?? '', mode: 0o600 });
  }
  fs.writeFiles(files);
  if (fs.readLink(paths.instanceLink) !== idir) fs.symlink(idir, paths.instanceLink);
  // The ids last, once the rest is in place: the next run compares them to decide whether the instance
  // changed, so a run killed before this point must leave the old ones (the previous-* files were
  // otherwise never written for a boot cut short after the ids).
  fs.writeFiles([
    { path: paths.instanceIdFile, content: `${c.instanceId}\n`, mode: 0o644 },
    { path: paths.runInstanceId, content: `${c.instanceId}\n`, mode: 0o644 },
  ]);
  if (isMapping(c.metaData) && c.metaData['manual_cache_clean'] === true) fs.writeFiles([{ path: `${idir}/manual-clean`, content: '', mode: 0o644 }]);
}
