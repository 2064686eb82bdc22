/**
 * The config a stage works with. System config (cloud.cfg and friends) is
 * the base; the datasource's config, vendor cloud-config and the user's
 * cloud-config go over it, and files given with --file over everything, as
 * in cloud-init.
 */
import { mergeConfigs } from '../config/merge.ts';
import { loadSystemConfig, parseConfigText } from '../config/system.ts';
import { formatDiagnostic, type Diagnostic } from '../text/diagnostics.ts';
import { isMapping, type Mapping } from '../text/reader.ts';
import type { StageContext } from './context.ts';

/** System config, its problems logged (a broken file is skipped, never fatal). */
export function systemConfig(ctx: StageContext, opts: { skipRunConfig?: boolean } = {}): Mapping {
  const sys = loadSystemConfig(ctx.fs, { ...(opts.skipRunConfig ? { skipRunConfig: true } : {}) });
  for (const d of sys.diagnostics) (d.severity === 'error' ? ctx.log.error.bind(ctx.log) : ctx.log.warn.bind(ctx.log))(formatDiagnostic(d));
  return sys.config;
}

/** Files given with --file (target paths), the first one winning. */
function fileLayers(ctx: StageContext): Mapping[] {
  const out: Mapping[] = [];
  for (const path of ctx.opts.files) {
    const diags: Diagnostic[] = [];
    const text = ctx.fs.readText(path);
    if (text === null) {
      ctx.log.error(`--file ${path}: not found`);
      continue;
    }
    const v = parseConfigText(text, path, diags);
    for (const d of diags) ctx.log.error(formatDiagnostic(d));
    if (v) out.push(v);
  }
  return out;
}

export function effectiveConfig(ctx: StageContext, system: Mapping, layers: { user?: Mapping | null; vendor?: Mapping | null; ds?: Mapping | null }): Mapping {
  const above = [layers.user, layers.vendor, layers.ds].filter((x): x is Mapping => isMapping(x));
  return mergeConfigs([...fileLayers(ctx), ...above, system]);
}
