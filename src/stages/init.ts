/**
 * `init --local` and `init`: find the instance (cache or crawl), make it
 * current on disk, publish instance data, and write the network config —
 * in the local stage before the OS network starts, never activating it (the
 * OS network service applies those files when it starts). The network stage
 * brings up only what it changed itself (a datasource found only there, or
 * a fallback that differs), then reads user-data and runs the init modules.
 */
import { runCommand } from '../host/exec.ts';
import { validateCloudConfig } from '../config/schema/cloud-config.ts';
import { formatDiagnostic } from '../text/diagnostics.ts';
import { runModules } from '../modules/runner.ts';
import { mergeConfigs } from '../config/merge.ts';
import { partsSummary, processUserData, renderCloudConfigFile, type ProcessedUserData, type UserDataEnv, type UserDataScript, type UserDataSource } from '../userdata/index.ts';
import { pyJsonDumps } from '../report/py-json.ts';
import { isMapping, toBool, type Mapping } from '../text/reader.ts';
import { commandOptions, type StageContext } from './context.ts';
import { effectiveConfig, systemConfig } from './effective-config.ts';
import { span, spanSync } from './events.ts';
import { describeDatasource, instancify, searchInstance, type CurrentInstance } from './identity.ts';
import { lastNetworkOf } from './failed-datasource.ts';
import { writeInjectedFiles } from './injected-files.ts';
import { runIdentify } from './identify-step.ts';
import { cloudIdOf, instanceData, placementValue, redact } from './instance-data.ts';
import { loadSource } from '../sources/index.ts';
import type { NetworkConfigInput } from '../sources/types.ts';
import { targetDistro } from './network-config.ts';
import { writeNetwork, type NetworkWrite, type WriteNetworkOptions } from './network-write.ts';
import { instanceDir, paths, RUN_DIR } from './paths.ts';
import type { StageOutcome } from './run-stage.ts';
import { systemFacts } from './system-facts.ts';

/** The network config step, timed as one event. */
function timedWriteNetwork(ctx: StageContext, cfg: Mapping, dsConfig: NetworkConfigInput | null, opts: WriteNetworkOptions): NetworkWrite | null {
  return spanSync(ctx, 'apply-network-config', `rendering${opts.activate ? ' and applying' : ''} the network config`, () => writeNetwork(ctx, cfg, dsConfig, opts));
}

function updateEvents(cfg: Mapping): string[] {
  const u = cfg['updates'];
  const n = isMapping(u) ? u['network'] : undefined;
  const when = isMapping(n) ? n['when'] : undefined;
  // NoCloud (like most datasources) re-renders only for a new instance unless the user asks for more.
  return Array.isArray(when) ? when.filter((w): w is string => typeof w === 'string') : ['boot-new-instance'];
}


function publishInstanceData(ctx: StageContext, inst: CurrentInstance, system: Mapping, combined: Mapping, distro: string): void {
  const c = inst.cache.crawled;
  const doc = instanceData(c, systemFacts(ctx.fs, distro), system, combined);
  const region = placementValue(c.metaData, 'region');
  const cloudId = cloudIdOf(c, region);
  ctx.fs.writeFiles([
    { path: paths.instanceDataSensitive, content: `${pyJsonDumps(doc as never, 1)}\n`, mode: 0o600 },
    { path: paths.instanceData, content: `${pyJsonDumps(redact(doc) as never, 1)}\n`, mode: 0o644 },
    { path: paths.combinedCloudConfig, content: `${pyJsonDumps(combined as never, 1)}\n`, mode: 0o600 },
    { path: `${RUN_DIR}/cloud-id-${cloudId}`, content: `${cloudId}\n`, mode: 0o644 },
  ]);
  const old = ctx.fs.readLink(paths.cloudIdLink);
  const target = `${RUN_DIR}/cloud-id-${cloudId}`;
  if (old !== target) {
    ctx.fs.symlink(target, paths.cloudIdLink);
    if (old !== null && old.startsWith(`${RUN_DIR}/cloud-id-`)) ctx.fs.remove(old);
  }
}

/** Where a script of a user-data source goes: the instance's scripts/ (vendor ones in scripts/vendor/), per-frequency ones in /var/lib/cloud/scripts/. */
function scriptPath(idir: string, source: UserDataSource, s: UserDataScript): string {
  if (s.frequency) return `${paths.scriptsDir}/${s.frequency}/${s.name}`;
  return source === 'user-data' ? `${idir}/scripts/${s.name}` : `${idir}/scripts/vendor/${s.name}`;
}

/** Per source: its files in the instance dir, and the config key that can turn it off. */
const USERDATA_FILES: Record<UserDataSource, { processed: string; cloudConfig: string; key: string }> = {
  'user-data': { processed: 'user-data.txt.i', cloudConfig: 'cloud-config.txt', key: 'allow_userdata' },
  'vendor-data': { processed: 'vendor-data.txt.i', cloudConfig: 'vendor-cloud-config.txt', key: 'vendor_data' },
  'vendor-data2': { processed: 'vendor-data2.txt.i', cloudConfig: 'vendor2-cloud-config.txt', key: 'vendor_data2' },
};

/**
 * User-data, then vendor-data and vendor-data2, into the instance dir:
 * merged cloud-config, processed MIME, scripts, boothooks (run now, as
 * cloud-init runs them during init). Vendor data is consumed only when
 * `vendor_data`/`vendor_data2` is enabled in the system config with the
 * user's cloud-config over it, so a user can turn it off. Problems are warnings.
 */
async function consumeUserData(ctx: StageContext, inst: CurrentInstance, system: Mapping, distro: string): Promise<{ user: Mapping | null; vendor: Mapping | null }> {
  const c = inst.cache.crawled;
  const idir = instanceDir(c.instanceId);
  let doc: Record<string, unknown> | null = null;
  const network = ctx.stage !== 'init-local';
  const env: UserDataEnv = {
    stage: network ? 'network' : 'local',
    // Includes are fetched only once the network is up. Loaded here: node's http and https cost a process whose user-data includes nothing.
    ...(network
      ? {
          fetch: async (url: string) => {
            const { httpGet } = await import('../host/http.ts');
            return httpGet(url, { timeoutMs: 5_000, retries: 3 });
          },
        }
      : {}),
    // Built only for a template; the same document instance-data-sensitive.json holds.
    instanceData: () => (doc ??= instanceData(c, systemFacts(ctx.fs, distro), system, effectiveConfig(ctx, system, { ds: c.config })) as Record<string, unknown>),
    readCache: (key) => ctx.fs.readFile(`${idir}/data/urlcache/${key}`),
    writeCache: (key, body) => ctx.fs.writeFiles([{ path: `${idir}/data/urlcache/${key}`, content: body, mode: 0o600 }]),
  };
  const results: Partial<Record<UserDataSource, ProcessedUserData>> = {};
  const inputs: [UserDataSource, Buffer | null][] = [['user-data', c.userData], ['vendor-data', c.vendorData], ['vendor-data2', c.vendorData2]];
  for (const [source, data] of inputs) {
    const names = USERDATA_FILES[source];
    const setting = source === 'user-data' ? null : mergeConfigs([results['user-data']?.cloudConfig ?? {}, system])[names.key];
    const skip =
      source === 'user-data'
        ? toBool(system[names.key]) === false && `${names.key} is false in the system config`
        : isMapping(setting) && toBool(setting['enabled']) === false && `${names.key} is disabled in the config`;
    if (skip) {
      if (data) ctx.log.info(`${skip}; ${source} ignored`);
      // Emptied, so the config and final stages do not read what an earlier boot stored.
      ctx.fs.writeFiles([{ path: `${idir}/${names.cloudConfig}`, content: '', mode: 0o600 }, { path: `${idir}/${names.processed}`, content: '', mode: 0o600 }]);
      continue;
    }
    const r = await processUserData(data, source, env);
    results[source] = r;
    if (data) ctx.log.info(partsSummary(source, r));
    for (const w of r.warnings) ctx.log.warn(w);
    ctx.fs.writeFiles([
      { path: `${idir}/${names.cloudConfig}`, content: renderCloudConfigFile(r.cloudConfig, r.cloudConfigParts), mode: 0o600 },
      { path: `${idir}/${names.processed}`, content: r.processed, mode: 0o600 },
      ...r.scripts.map((s) => ({ path: scriptPath(idir, source, s), content: s.content, mode: 0o700 })),
      ...r.boothooks.map((b) => ({ path: `${idir}/boothooks/${b.name}`, content: b.content, mode: 0o700 })),
    ]);
    for (const b of r.boothooks) {
      const path = `${idir}/boothooks/${b.name}`;
      const run = runCommand([path], commandOptions(ctx, 60_000, { env: { ...process.env, INSTANCE_ID: c.instanceId } as Record<string, string> }));
      if (!run.ran) ctx.log.info(`boothook ${path}: not run (${run.why})`);
      else if (run.code !== 0) ctx.log.warn(`boothook ${path} failed (${run.timedOut ? 'timed out' : `exit ${run.code}`})`);
    }
  }
  const vendor = [results['vendor-data2']?.cloudConfig, results['vendor-data']?.cloudConfig].filter((x): x is Mapping => isMapping(x));
  return { user: results['user-data']?.cloudConfig ?? null, vendor: vendor.length ? mergeConfigs(vendor) : null };
}

/**
 * Schema problems never stop a boot: invalid and unknown keys are warnings
 * (the status says degraded), deprecated ones are logged as deprecations,
 * and every module still runs on what it can use.
 */
function checkAgainstSchema(ctx: StageContext, cfg: Mapping | null, source: string): void {
  if (!cfg) return;
  const report = validateCloudConfig(cfg, undefined, source);
  for (const d of [...report.errors, ...report.warnings]) ctx.log.warn(formatDiagnostic(d));
  for (const d of report.deprecations) ctx.log.deprecated(formatDiagnostic(d));
}

export async function initStage(ctx: StageContext, local: boolean): Promise<StageOutcome> {
  const errors: string[] = [];
  if (local) {
    const identified = runIdentify(ctx);
    if (identified === 'disabled') return { errors };
  }
  const system = systemConfig(ctx);
  const distro = targetDistro(ctx, system);
  const { inst, failed, deferred } = await searchInstance(ctx, system, local ? 'check' : 'trust', local ? 'local' : 'network');

  if (!inst) {
    if (local) ctx.log.info('no datasource found in the local stage');
    else if (!ctx.opts.force) errors.push('No instance datasource found.');
    // Without a datasource the fallback config is written in both stages, so the network stage can reach a network datasource;
    // not over the config of a datasource that is there but failed this boot (failed-datasource.ts).
    const kept = lastNetworkOf(ctx.fs, failed) ?? lastNetworkOf(ctx.fs, deferred);
    if (kept && failed.includes(kept.dsname)) ctx.log.warn(`datasource ${kept.dsname} could not be read: the network config of instance ${kept.instanceId} stays in place; no fallback network config is written`);
    else if (kept) ctx.log.info(`datasource ${kept.dsname} is read in a later stage: the network config of instance ${kept.instanceId} stays in place until then`);
    else timedWriteNetwork(ctx, system, null, { activate: ctx.stage === 'init' });
    if (local || !ctx.opts.force) return { errors };
    ctx.log.warn('--force: going on without a datasource');
    return { errors };
  }

  instancify(ctx, inst);
  const c = inst.cache.crawled;
  if (inst.isNew && !inst.restored && c.injectedFiles) writeInjectedFiles(ctx, c.injectedFiles);
  const datasource = describeDatasource(c);
  const dsCfg = c.config;

  const { syncHotplugFile } = await import('../hotplug/sync.ts');
  const source = await loadSource(c.dsname);
  if (local) {
    const localCfg = effectiveConfig(ctx, system, { ds: dsCfg });
    publishInstanceData(ctx, inst, system, localCfg, distro);
    syncHotplugFile(ctx, localCfg, c, source);
    const events = updateEvents(system);
    // writeNetwork writes the instance's network-config.json last: without it, a boot of this instance was cut
    // short after the instance id was recorded (so it is not "new" any more) and before its config was written.
    const written = ctx.fs.kind(`${instanceDir(c.instanceId)}/network-config.json`) !== null;
    const renderNow = inst.isNew || !written || events.includes('boot') || events.includes('boot-legacy');
    if (!inst.isNew && !written) ctx.log.info(`network config of instance ${c.instanceId} was never completely written (a boot cut short): writing it now`);
    if (renderNow) timedWriteNetwork(ctx, system, c.networkConfig, { activate: ctx.stage === 'init' });
    else ctx.log.info(`network config of instance ${c.instanceId} is already in place (update events: ${events.join(', ')})`);
    return { errors, datasource };
  }

  // Network stage: a datasource only found now (no local variant, or seedfrom over http) brings its network config now.
  if (!inst.restored) timedWriteNetwork(ctx, system, c.networkConfig, { activate: ctx.stage === 'init' });
  const { user, vendor } = await span(ctx, 'consume-user-data', 'reading and applying user-data and vendor-data', () => consumeUserData(ctx, inst, system, distro));
  checkAgainstSchema(ctx, user, 'user-data cloud-config');
  checkAgainstSchema(ctx, vendor, 'vendor-data cloud-config');
  const cfg = effectiveConfig(ctx, system, { user, vendor, ds: dsCfg });
  publishInstanceData(ctx, inst, system, cfg, distro);
  // Again with the user's config: `updates.network.when` may turn it on or off.
  syncHotplugFile(ctx, cfg, c, source);
  await runModules(ctx, cfg, 'cloud_init_modules', c, inst.isNew, distro, errors);
  return { errors, datasource };
}
