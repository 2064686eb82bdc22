/**
 * The scripts modules: executables in /var/lib/cloud/scripts/per-{once,boot,
 * instance}/ and the user's scripts from user-data (the instance's scripts/
 * dir), run in name order. They act on the running system, so they run only
 * when the target is "/"; under another root they are listed, not run.
 */
import { runCommand } from '../host/exec.ts';
import { commandOptions } from '../stages/context.ts';
import { instanceDir, paths } from '../stages/paths.ts';
import { isMapping } from '../text/reader.ts';
import type { ConfigModule, Frequency, ModuleContext } from './types.ts';
import { ModuleError } from './types.ts';

function runDir(m: ModuleContext, dir: string, prefix: readonly string[] = []): void {
  const { ctx } = m;
  const names = ctx.fs.list(dir).filter((n) => ctx.fs.kind(`${dir}/${n}`) === 'file');
  const failed: string[] = [];
  for (const name of names) {
    const path = `${dir}/${name}`;
    const r = runCommand([...prefix, path], commandOptions(ctx, 3_600_000));
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
  // These modules read no cloud-config keys (their input is the scripts on disk):
  // an empty fragment says so, where no fragment would mean "not declared yet".
  return { name, frequency, schema: { properties: {} }, run: (m) => runDir(m, dir(m)) };
}

export const scriptsPerOnce = scriptsModule('scripts_per_once', 'once', () => `${paths.scriptsDir}/per-once`);
export const scriptsPerBoot = scriptsModule('scripts_per_boot', 'always', () => `${paths.scriptsDir}/per-boot`);
export const scriptsPerInstance = scriptsModule('scripts_per_instance', 'once-per-instance', () => `${paths.scriptsDir}/per-instance`);
export const scriptsUser = scriptsModule('scripts_user', 'once-per-instance', (m) => `${instanceDir(m.instance.instanceId)}/scripts`);

/**
 * `vendor_data.prefix`: a command every vendor script is run through (e.g.
 * a sandbox), a word or an argv list, as cloud-init's run-parts takes it.
 */
export function vendorPrefix(m: ModuleContext): string[] {
  const vd = m.cfg['vendor_data'];
  const p = isMapping(vd) ? vd['prefix'] : undefined;
  if (p === undefined || p === null) return [];
  if (typeof p === 'string') return p === '' ? [] : [p];
  if (Array.isArray(p) && p.every((w) => typeof w === 'string' || typeof w === 'number')) return p.map(String);
  throw new ModuleError('vendor_data.prefix must be a command: a string or a list of strings');
}

export const scriptsVendor: ConfigModule = {
  name: 'scripts_vendor',
  frequency: 'once-per-instance',
  // The shape of vendor_data is shared with vendor_data2, so it lives in the base schema's $defs.
  schema: { properties: { vendor_data: { $ref: '#/$defs/vendor_data' } } },
  run: (m) => runDir(m, `${instanceDir(m.instance.instanceId)}/scripts/vendor`, vendorPrefix(m)),
};
