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
import type { Crawled } from '../sources/types.ts';
import { loadYaml } from '../text/yaml.ts';
import type { StageContext } from './context.ts';
import { instanceDir } from './paths.ts';

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

/** The config of a cached instance as the config and final stages see it: its stored user and vendor cloud-config and its datasource's config over the system config. */
export function instanceConfig(ctx: StageContext, system: Mapping, c: Crawled): Mapping {
  const idir = instanceDir(c.instanceId);
  return effectiveConfig(ctx, system, {
    user: storedCloudConfig(ctx, `${idir}/cloud-config.txt`),
    vendor: vendorConfig(ctx, idir),
    ds: c.config,
  });
}
