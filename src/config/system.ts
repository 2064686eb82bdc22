/**
 * The system config as cloud-init builds it before any instance data is
 * known. Layers, highest priority first: `--file` files (the first listed
 * wins), kernel command line `cc:` blocks, /run/cloud-init/cloud.cfg (written
 * by identify), /etc/cloud/cloud.cfg.d/*.cfg (the later name wins),
 * /etc/cloud/cloud.cfg, the builtin config.
 *
 * A layer that cannot be used (bad YAML, not a mapping, unreadable) is left
 * out with a located diagnostic and the others still load: a typo in one
 * drop-in must not stop the boot.
 */
import type { RootFs } from '../host/root-fs.ts';
import { paths } from '../stages/paths.ts';
import { show, type Diagnostic } from '../text/diagnostics.ts';
import { isMapping, type Mapping } from '../text/reader.ts';
import { loadYaml } from '../text/yaml.ts';
import { builtinConfig } from './builtin.ts';
import { ccFromCmdline, CMDLINE_SOURCE } from './cmdline.ts';
import { mergeConfigs } from './merge.ts';

export interface SystemConfig {
  config: Record<string, unknown>;
  /** The inputs that were used, lowest priority first (the builtin config is not listed). */
  sources: string[];
  diagnostics: Diagnostic[];
}

export interface SystemConfigOptions {
  /** Target paths given with --file; the highest layer, the first listed winning. */
  extraFiles?: readonly string[];
  /**
   * Leave out /run/cloud-init/cloud.cfg: identify reads the config to decide
   * what to write there, so it must not read its own (possibly stale) output.
   */
  skipRunConfig?: boolean;
}

/** The source name for the `cc:` layer in `sources` and diagnostics. */
export const CMDLINE_CC_SOURCE = `${CMDLINE_SOURCE} (cc:)`;

export function loadSystemConfig(fs: RootFs, opts: SystemConfigOptions = {}): SystemConfig {
  const diagnostics: Diagnostic[] = [];
  const layers: { source: string; value: Mapping }[] = [];
  const addFile = (path: string, required: boolean): void => {
    const text = readConfigFile(fs, path, diagnostics);
    if (text === null) {
      if (required) diagnostics.push({ severity: 'error', source: path, path: [], message: 'config file not found, ignored' });
      return;
    }
    const value = parseConfigText(text, path, diagnostics);
    if (value) layers.push({ source: path, value });
  };

  addFile(paths.etcCloudCfg, false);
  for (const name of fs.list(paths.etcCloudCfgD)) {
    const path = `${paths.etcCloudCfgD}/${name}`;
    // cloud-init takes regular files (following links) whose name ends in .cfg.
    const kind = fs.kind(path);
    if (name.endsWith('.cfg') && (kind === 'file' || kind === 'link')) addFile(path, false);
  }
  if (!opts.skipRunConfig) addFile(paths.runCloudCfg, false);

  const cmdline = readConfigFile(fs, paths.kernelCmdline, diagnostics) ?? '';
  const cc = ccFromCmdline(cmdline);
  if (cc !== null) {
    const value = parseConfigText(cc, CMDLINE_CC_SOURCE, diagnostics);
    if (value) layers.push({ source: CMDLINE_CC_SOURCE, value });
  }

  for (const path of [...(opts.extraFiles ?? [])].reverse()) addFile(path, true);

  const config = mergeConfigs([...layers.map((l) => l.value).reverse(), builtinConfig()]);
  return { config, sources: layers.map((l) => l.source), diagnostics };
}

/** The text of a file on the target; null when it is not there (or unreadable, with a diagnostic). */
function readConfigFile(fs: RootFs, path: string, diagnostics: Diagnostic[]): string | null {
  try {
    return fs.readText(path);
  } catch (e) {
    diagnostics.push({ severity: 'error', source: path, path: [], message: `cannot be read (${(e as Error).message}), ignored` });
    return null;
  }
}

const JINJA_HEADER = /^##\s*template:\s*jinja\s*$/i;

/**
 * One config layer from YAML text: a mapping, or null (with a diagnostic)
 * when it cannot be used. An empty document is an empty mapping, as in
 * cloud-init.
 */
export function parseConfigText(text: string, source: string, diagnostics: Diagnostic[]): Mapping | null {
  const firstLine = text.split('\n', 1)[0] ?? '';
  if (JINJA_HEADER.test(firstLine.replace(/\r$/, ''))) {
    diagnostics.push({
      severity: 'warning',
      source,
      path: [],
      line: 1,
      message: 'is a jinja template; templates in cloud.cfg files are not supported yet, so the file is ignored',
    });
    return null;
  }
  const { doc, diagnostics: found } = loadYaml(text, source);
  if (!doc) {
    diagnostics.push(...found.map((d) => ({ ...d, message: `${d.message} (the file is ignored)` })));
    return null;
  }
  diagnostics.push(...found);
  if (doc.value === null || doc.value === undefined) return {};
  if (!isMapping(doc.value)) {
    const at = doc.locate([]);
    diagnostics.push({
      severity: 'error',
      source,
      path: [],
      line: at?.line,
      column: at?.column,
      message: `the config must be a mapping of keys to values, not ${show(doc.value)} (the file is ignored)`,
    });
    return null;
  }
  return doc.value;
}
