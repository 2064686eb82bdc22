/**
 * `modules --mode=config` and `modules --mode=final`: the cached instance
 * (never a crawl) and the config with the user's cloud-config, then the
 * stage's module list. The final stage marks the boot finished.
 */
import { runModules } from '../modules/runner.ts';
import { VERSION } from '../version.ts';
import type { StageContext } from './context.ts';
import { instanceConfig, systemConfig } from './effective-config.ts';
import { describeDatasource, findInstance } from './identity.ts';
import { targetDistro } from './network-config.ts';
import { instanceDir } from './paths.ts';
import type { StageOutcome } from './run-stage.ts';

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
  const cfg = instanceConfig(ctx, system, c);
  const distro = targetDistro(ctx, system);
  if (mode === 'config') {
    // Loaded only here: most boots are on clouds without a password service.
    const { applyPlatformPassword } = await import('./platform-password.ts');
    await applyPlatformPassword(ctx, cfg, c, distro);
  }
  await runModules(ctx, cfg, mode === 'config' ? 'cloud_config_modules' : 'cloud_final_modules', c, inst.isNew, distro, errors);
  if (mode === 'final') {
    // NIC events udev queued before the hotplug socket was listening: handled now, once the boot is done with the network.
    const { handlePendingEvents } = await import('../hotplug/pending.ts');
    await handlePendingEvents(ctx, errors);
    const up = ctx.uptime().toFixed(2);
    ctx.fs.writeFiles([{ path: `${idir}/boot-finished`, content: `${up} - ${new Date().toUTCString().replace('GMT', '+0000')} - v. ${VERSION}\n`, mode: 0o644 }]);
  }
  return { errors, datasource: describeDatasource(c) };
}
