/**
 * `modules --mode=config` and `modules --mode=final`: the cached instance
 * (never a crawl) and the config with the user's cloud-config, then the
 * stage's module list. The final stage marks the boot finished.
 */
import { mergeConfigs } from '../config/merge.ts';
import { runModules } from '../modules/runner.ts';
import { isMapping, type Mapping } from '../text/reader.ts';
import { loadYaml } from '../text/yaml.ts';
import { VERSION } from '../version.ts';
import type { StageContext } from './context.ts';
import { effectiveConfig, systemConfig } from './effective-config.ts';
import { describeDatasource, findInstance } from './identity.ts';
import { targetDistro } from './network-config.ts';
import { instanceDir } from './paths.ts';
import type { StageOutcome } from './run-stage.ts';

function storedCloudConfig(ctx: StageContext, path: string): Mapping | null {
  const text = ctx.fs.readText(path);
  if (text === null || text.trim() === '') return null;
  const loaded = loadYaml(text, path);
  if (!loaded.doc || !isMapping(loaded.doc.value)) {
    ctx.log.warn(`${path} cannot be read back; its cloud-config is not used`);
    return null;
  }
  return loaded.doc.value;
}

/** vendor-data2 goes over vendor-data, as the init stage merged them. */
function vendorConfig(ctx: StageContext, idir: string): Mapping | null {
  const v1 = storedCloudConfig(ctx, `${idir}/vendor-cloud-config.txt`);
  const v2 = storedCloudConfig(ctx, `${idir}/vendor2-cloud-config.txt`);
  if (v1 && v2) return mergeConfigs([v2, v1]);
  return v2 ?? v1;
}

export async function modulesStage(ctx: StageContext, mode: 'config' | 'final'): Promise<StageOutcome> {
  const errors: string[] = [];
  const system = systemConfig(ctx);
  const inst = await findInstance(ctx, system, 'trust', null);
  if (!inst) {
    if (!ctx.opts.force) errors.push(`no cached instance: run \`stratus init\` first (modules --mode=${mode} never crawls a datasource)`);
    return { errors };
  }
  const c = inst.cache.crawled;
  const idir = instanceDir(c.instanceId);
  const cfg = effectiveConfig(ctx, system, {
    user: storedCloudConfig(ctx, `${idir}/cloud-config.txt`),
    vendor: vendorConfig(ctx, idir),
    ds: c.config,
  });
  const distro = targetDistro(ctx, system);
  if (mode === 'config') {
    // Loaded only here: most boots are on clouds without a password service.
    const { applyPlatformPassword } = await import('./platform-password.ts');
    await applyPlatformPassword(ctx, cfg, c, distro);
  }
  await runModules(ctx, cfg, mode === 'config' ? 'cloud_config_modules' : 'cloud_final_modules', c, inst.isNew, distro, errors);
  if (mode === 'final') {
    const up = ctx.uptime().toFixed(2);
    ctx.fs.writeFiles([{ path: `${idir}/boot-finished`, content: `${up} - ${new Date().toUTCString().replace('GMT', '+0000')} - v. ${VERSION}\n`, mode: 0o644 }]);
  }
  return { errors, datasource: describeDatasource(c) };
}
