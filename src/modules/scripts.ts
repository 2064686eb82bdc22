/**
 * The scripts modules: executables in /var/lib/cloud/scripts/per-{once,boot,
 * instance}/ and the user's scripts from user-data (the instance's scripts/
 * dir), run in name order. They act on the running system, so they run only
 * when the target is "/"; under another root they are listed, not run.
 */
import { runCommand } from '../host/exec.ts';
import { commandOptions } from '../stages/context.ts';
import { instanceDir, paths } from '../stages/paths.ts';
import type { ConfigModule, Frequency, ModuleContext } from './types.ts';
import { ModuleError } from './types.ts';

function runDir(m: ModuleContext, dir: string): void {
  const { ctx } = m;
  const names = ctx.fs.list(dir).filter((n) => ctx.fs.kind(`${dir}/${n}`) === 'file');
  const failed: string[] = [];
  for (const name of names) {
    const path = `${dir}/${name}`;
    const r = runCommand([path], commandOptions(ctx, 3_600_000));
    if (!r.ran) {
      ctx.log.info(`script ${path}: not run (${r.why})`);
      continue;
    }
    if (r.code !== 0) failed.push(`${path} (${r.timedOut ? 'timed out' : `exit ${r.code ?? 'signal'}`})`);
    else ctx.log.debug(`script ${path}: exit 0`);
  }
  if (failed.length > 0) throw new ModuleError(`scripts failed: ${failed.join(', ')}`);
}

function scriptsModule(name: string, frequency: Frequency, dir: (m: ModuleContext) => string): ConfigModule {
  return { name, frequency, run: (m) => runDir(m, dir(m)) };
}

export const scriptsPerOnce = scriptsModule('scripts_per_once', 'once', () => `${paths.scriptsDir}/per-once`);
export const scriptsPerBoot = scriptsModule('scripts_per_boot', 'always', () => `${paths.scriptsDir}/per-boot`);
export const scriptsPerInstance = scriptsModule('scripts_per_instance', 'once-per-instance', () => `${paths.scriptsDir}/per-instance`);
export const scriptsUser = scriptsModule('scripts_user', 'once-per-instance', (m) => `${instanceDir(m.instance.instanceId)}/scripts`);
