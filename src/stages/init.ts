/**
 * `init --local` and `init`: find the instance (cache or crawl), make it
 * current on disk, publish instance data, and write the network config —
 * in the local stage before the OS network starts, never activating it.
 * The network stage then reads user-data and runs the init modules.
 */
import { runCommand } from '../host/exec.ts';
import { runModules } from '../modules/runner.ts';
import type { NetworkConfigInput } from '../sources/types.ts';
import { processUserData } from '../userdata/index.ts';
import { pyJsonDumps } from '../report/py-json.ts';
import { isMapping, type Mapping } from '../text/reader.ts';
import { applyFiles } from './apply.ts';
import { commandOptions, type StageContext } from './context.ts';
import { effectiveConfig, systemConfig } from './effective-config.ts';
import { describeDatasource, findInstance, instancify, type CurrentInstance } from './identity.ts';
import { runIdentify } from './identify-step.ts';
import { cloudIdOf, instanceData, redact } from './instance-data.ts';
import { chooseNetworkConfig, renderNetworkConfig, targetDistro } from './network-config.ts';
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
  const rendered = renderNetworkConfig(ctx, cfg, choice.input);
  if (!rendered) return;
  applyFiles(ctx, rendered.files.map((f) => ({ path: `/${f.path}`, content: f.content, mode: f.mode })), { category: 'network', replaceCategory: true });
  if (rendered.renderer === 'netplan') netplanGenerate(ctx);
  ctx.fs.writeFiles([{ path: NETWORK_SEMAPHORE, content: `${process.pid}: ${Math.floor(Date.now() / 1000)}\n`, mode: 0o644 }]);
  const link = ctx.fs.readLink(paths.instanceLink);
  if (link !== null) {
    const target = `${link}/network-config.json`;
    ctx.fs.writeFiles([{ path: target, content: `${JSON.stringify(rendered.json, null, 1)}\n`, mode: 0o600 }]);
    ctx.fs.symlink(target, paths.runNetworkConfig);
  }
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
  const region = typeof c.metaData['region'] === 'string' ? c.metaData['region'] : null;
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

/** User-data and vendor-data as cloud-config and scripts in the instance dir; problems are warnings. */
function consumeUserData(ctx: StageContext, inst: CurrentInstance, system: Mapping): { user: Mapping | null; vendor: Mapping | null } {
  const c = inst.cache.crawled;
  const idir = instanceDir(c.instanceId);
  const user = processUserData(c.userData, 'user-data');
  const vendorEnabled = !(isMapping(system['vendor_data']) && system['vendor_data']['enabled'] === false);
  const vendor = vendorEnabled ? processUserData(c.vendorData, 'vendor-data') : { cloudConfig: null, scripts: [], warnings: [] };
  if (!vendorEnabled && c.vendorData) ctx.log.info('vendor_data is disabled in the system config; vendor-data ignored');
  for (const w of [...user.warnings, ...vendor.warnings]) ctx.log.warn(w);
  const files = [
    { path: `${idir}/cloud-config.txt`, content: user.cloudConfig ? `#cloud-config\n${JSON.stringify(user.cloudConfig, null, 1)}\n` : '', mode: 0o600 },
    { path: `${idir}/vendor-cloud-config.txt`, content: vendor.cloudConfig ? `#cloud-config\n${JSON.stringify(vendor.cloudConfig, null, 1)}\n` : '', mode: 0o600 },
    ...user.scripts.map((s) => ({ path: `${idir}/scripts/${s.name}`, content: s.content, mode: 0o700 })),
    ...vendor.scripts.map((s) => ({ path: `${idir}/scripts/vendor/${s.name}`, content: s.content, mode: 0o700 })),
  ];
  ctx.fs.writeFiles(files);
  return { user: user.cloudConfig, vendor: vendor.cloudConfig };
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
  const { user, vendor } = consumeUserData(ctx, inst, system);
  const cfg = effectiveConfig(ctx, system, { user, vendor, ds: dsCfg });
  publishInstanceData(ctx, inst, system, cfg, distro);
  await runModules(ctx, cfg, 'cloud_init_modules', c, inst.isNew, distro, errors);
  return { errors, datasource };
}
