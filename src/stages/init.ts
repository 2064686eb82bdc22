/**
 * `init --local` and `init`: find the instance (cache or crawl), make it
 * current on disk, publish instance data, and write the network config —
 * in the local stage before the OS network starts, never activating it (the
 * OS network service applies those files when it starts). The network stage
 * brings up only what it changed itself (a datasource found only there, or
 * a fallback that differs), then reads user-data and runs the init modules.
 */
import { runCommand } from '../host/exec.ts';
import { activateNetwork, networkManagerInstalled, type ActivationContext } from '../net/activate/index.ts';
import { decideDns, RESOLV_CONF } from '../net/activate/dns.ts';
import { validateCloudConfig } from '../config/schema/cloud-config.ts';
import { formatDiagnostic } from '../text/diagnostics.ts';
import { runModules } from '../modules/runner.ts';
import type { NetworkConfigInput } from '../sources/types.ts';
import { mergeConfigs } from '../config/merge.ts';
import { partsSummary, processUserData, renderCloudConfigFile, type ProcessedUserData, type UserDataEnv, type UserDataScript, type UserDataSource } from '../userdata/index.ts';
import { pyJsonDumps } from '../report/py-json.ts';
import { isMapping, toBool, type Mapping } from '../text/reader.ts';
import { applyFiles } from './apply.ts';
import { commandOptions, type StageContext } from './context.ts';
import { effectiveConfig, systemConfig } from './effective-config.ts';
import { describeDatasource, findInstance, instancify, type CurrentInstance } from './identity.ts';
import { writeInjectedFiles } from './injected-files.ts';
import { renameInterfaces } from './rename-interfaces.ts';
import { runIdentify } from './identify-step.ts';
import { cloudIdOf, instanceData, placementValue, redact } from './instance-data.ts';
import { chooseNetworkConfig, fallbackChoice, renderNetworkConfig, targetDistro } from './network-config.ts';
import { readManifest } from './manifest.ts';
import { instanceDir, paths, RUN_DIR } from './paths.ts';
import type { StageOutcome } from './run-stage.ts';
import { systemFacts } from './system-facts.ts';

/** The per-boot marker that the network config was written this boot. */
const NETWORK_SEMAPHORE = `${paths.runSemDir}/apply_network_config.once`;

function updateEvents(cfg: Mapping): string[] {
  const u = cfg['updates'];
  const n = isMapping(u) ? u['network'] : undefined;
  const when = isMapping(n) ? n['when'] : undefined;
  // NoCloud (like most datasources) re-renders only for a new instance unless the user asks for more.
  return Array.isArray(when) ? when.filter((w): w is string => typeof w === 'string') : ['boot-new-instance'];
}

function writeNetwork(ctx: StageContext, cfg: Mapping, dsConfig: NetworkConfigInput | null): void {
  const choice = chooseNetworkConfig(ctx, cfg, dsConfig);
  if (choice.kind === 'disabled') {
    ctx.log.info(`network config disabled by ${choice.source}`);
    return;
  }
  if (choice.kind === 'none') {
    ctx.log.warn(`no network config and no fallback: ${choice.reason}`);
    return;
  }
  let rendered = renderNetworkConfig(ctx, cfg, choice.input);
  if (!rendered && choice.origin !== 'fallback' && !hasNetworkFiles(ctx)) {
    // Nothing earlier to keep: an instance without any network cannot even be debugged. DHCP where there is a link.
    ctx.log.error(`${choice.input.source} cannot be used and no earlier network config is in place; the fallback network config is written instead`);
    const fb = fallbackChoice(ctx);
    if (fb.kind === 'config') rendered = renderNetworkConfig(ctx, cfg, fb.input);
  }
  if (!rendered) return;
  const dns = decideDns({
    renderer: rendered.renderer,
    state: rendered.state,
    files: rendered.files,
    networkManagerInstalled: networkManagerInstalled(ctx),
    resolvconfInstalled: ['/sbin/resolvconf', '/usr/sbin/resolvconf'].some((p) => ctx.fs.kind(p) !== null),
    resolvConf: { kind: ctx.fs.kind(RESOLV_CONF), text: ctx.fs.readText(RESOLV_CONF) },
  });
  for (const n of dns.notes) ctx.log.info(`DNS: ${n}`);
  const files = dns.files.map((f) => ({ path: `/${f.path}`, content: f.content, mode: f.mode }));
  const changed = applyFiles(ctx, files, { category: 'network', replaceCategory: true });
  // The files name the NICs as the config does: the running NICs must carry those names before a network service reads them.
  renameInterfaces(ctx, rendered.state);
  if (rendered.renderer === 'netplan') netplanGenerate(ctx);
  // Only the network stage activates: what the local stage writes, the OS network service applies when it starts after it.
  // Activation first: a running NetworkManager has then re-read a new dns=none drop-in, and cannot overwrite the file written next.
  if (ctx.stage === 'init') activateNetwork(activationContext(ctx), cfg, { renderer: rendered.renderer, state: rendered.state, changedFiles: changed });
  // resolv.conf is the system's file: kept out of the network manifest, so a later config without DNS (or `clean`) never deletes it.
  if (dns.resolvConf !== null) ctx.fs.writeFiles([{ path: RESOLV_CONF, content: dns.resolvConf, mode: 0o644 }]);
  ctx.fs.writeFiles([{ path: NETWORK_SEMAPHORE, content: `${process.pid}: ${Math.floor(Date.now() / 1000)}\n`, mode: 0o644 }]);
  const link = ctx.fs.readLink(paths.instanceLink);
  if (link !== null) {
    const target = `${link}/network-config.json`;
    ctx.fs.writeFiles([{ path: target, content: `${JSON.stringify(rendered.json, null, 1)}\n`, mode: 0o600 }]);
    ctx.fs.symlink(target, paths.runNetworkConfig);
  }
}

/** Whether stratus wrote network files earlier (the manifest lists them). */
function hasNetworkFiles(ctx: StageContext): boolean {
  return Object.values(readManifest(ctx.fs).manifest.files).some((e) => e.category === 'network');
}

function activationContext(ctx: StageContext): ActivationContext {
  return { fs: ctx.fs, log: ctx.log, run: (argv, timeoutMs) => runCommand(argv, commandOptions(ctx, timeoutMs)) };
}

/**
 * netplan's generator turns /etc/netplan into backend files under /run; at
 * boot it ran before this stage, so the new config needs it run again before
 * the network service starts (cloud-init runs `netplan generate` too). The
 * generator binary itself is called: the `netplan` CLI around it is Python
 * and costs a quarter of a second more.
 */
function netplanGenerate(ctx: StageContext): void {
  const binary = ['/usr/libexec/netplan/generate', '/lib/netplan/generate'].find((p) => ctx.fs.kind(p) !== null);
  if (!binary && !['/usr/sbin/netplan', '/sbin/netplan'].some((p) => ctx.fs.kind(p) !== null)) {
    ctx.log.info('netplan is not installed on the target; its generator is not run');
    return;
  }
  const r = runCommand(binary ? [binary] : ['netplan', 'generate'], commandOptions(ctx, 60_000));
  if (!r.ran) ctx.log.info(`${binary ?? 'netplan generate'}: not run (${r.why})`);
  else if (r.code !== 0) ctx.log.error(`${binary ?? 'netplan generate'} failed (${r.timedOut ? 'timed out' : `exit ${r.code}`}): ${r.stderr.trim()}`);
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
  const inst = await findInstance(ctx, system, local ? 'check' : 'trust', local ? 'local' : 'network');

  if (!inst) {
    if (local) ctx.log.info('no datasource found in the local stage');
    else if (!ctx.opts.force) errors.push('No instance datasource found.');
    // Without a datasource the fallback config is written in both stages, so the network stage can reach a network datasource.
    writeNetwork(ctx, system, null);
    if (local || !ctx.opts.force) return { errors };
    ctx.log.warn('--force: going on without a datasource');
    return { errors };
  }

  instancify(ctx, inst);
  const c = inst.cache.crawled;
  if (inst.isNew && !inst.restored && c.injectedFiles) writeInjectedFiles(ctx, c.injectedFiles);
  const datasource = describeDatasource(c);
  const dsCfg = c.config;

  if (local) {
    publishInstanceData(ctx, inst, system, effectiveConfig(ctx, system, { ds: dsCfg }), distro);
    const events = updateEvents(system);
    const renderNow = inst.isNew || events.includes('boot') || events.includes('boot-legacy');
    if (renderNow) writeNetwork(ctx, system, c.networkConfig);
    else ctx.log.info(`network config of instance ${c.instanceId} is already in place (update events: ${events.join(', ')})`);
    return { errors, datasource };
  }

  // Network stage: a datasource only found now (no local variant, or seedfrom over http) brings its network config now.
  if (!inst.restored) writeNetwork(ctx, system, c.networkConfig);
  const { user, vendor } = await consumeUserData(ctx, inst, system, distro);
  checkAgainstSchema(ctx, user, 'user-data cloud-config');
  checkAgainstSchema(ctx, vendor, 'vendor-data cloud-config');
  const cfg = effectiveConfig(ctx, system, { user, vendor, ds: dsCfg });
  publishInstanceData(ctx, inst, system, cfg, distro);
  await runModules(ctx, cfg, 'cloud_init_modules', c, inst.isNew, distro, errors);
  return { errors, datasource };
}
