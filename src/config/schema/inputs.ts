/**
 * The inputs `stratus schema` checks, each turned into a SchemaReport: a
 * cloud-config text (a user-data file or a cloud.cfg file), and the
 * installed system (`--system`): the merged system config, with every
 * problem traced back to the file (and line) that gave the value, and the
 * current instance's user and vendor cloud-config.
 */
import type { RootFs } from '../../host/root-fs.ts';
import { paths } from '../../stages/paths.ts';
import type { Diagnostic, PathSegment } from '../../text/diagnostics.ts';
import { isMapping } from '../../text/reader.ts';
import { loadYaml, type LocatedDocument } from '../../text/yaml.ts';
import { ccFromCmdline } from '../cmdline.ts';
import { CMDLINE_CC_SOURCE, loadSystemConfig } from '../system.ts';
import { validateCloudConfig } from './cloud-config.ts';
import type { SchemaReport } from './validate.ts';

export interface SchemaInput {
  /** Its kind: "system config", "user-data", "vendor-data", "network-config", "cloud-config". */
  kind: string;
  /** What it is, e.g. "user-data at /var/lib/cloud/instance/cloud-config.txt". */
  label: string;
  source: string;
  /** The text, when the input is one file (for --annotate). */
  text?: string;
  report: SchemaReport;
}

const HEADER = '#cloud-config';

function emptyReport(): SchemaReport {
  return { errors: [], deprecations: [], warnings: [] };
}

/**
 * A cloud-config file. User data is cloud-config only when it starts with
 * "#cloud-config" (anything else is a script, an include list...), so the
 * header is required, as cloud-init requires it; cloud.cfg files (*.cfg)
 * have no header and are read as they are.
 */
export function checkCloudConfigText(text: string, source: string): SchemaReport {
  const report = emptyReport();
  const first = (text.split('\n', 1)[0] ?? '').replace(/^\uFEFF/, '').replace(/\r$/, '');
  if (/^##\s*template:\s*jinja\b/i.test(first)) {
    report.errors.push(at(source, 1, 'is a jinja template; stratus schema cannot render templates, so it cannot check this file'));
    return report;
  }
  const other = /^#cloud-config-(archive|jsonp)\b/.exec(first);
  if (other) {
    report.errors.push(at(source, 1, `is a cloud-config ${other[1]}, not a cloud-config: check the cloud-config parts it holds`));
    return report;
  }
  // As cloud-init: the header starts the first line ("#cloud-config" and anything after it).
  if (!first.startsWith(HEADER) && !source.endsWith('.cfg')) {
    report.errors.push(at(source, 1, `must begin with "${HEADER}" to be read as cloud-config (user data without it is not cloud-config)`));
    return report;
  }
  const { doc, diagnostics } = loadYaml(text, source);
  for (const d of diagnostics) (d.severity === 'error' ? report.errors : report.warnings).push(d);
  if (!doc) return report;
  const checked = validateCloudConfig(doc.value, doc.locate, source);
  report.errors.push(...checked.errors);
  report.deprecations.push(...checked.deprecations);
  report.warnings.push(...checked.warnings);
  return report;
}

function at(source: string, line: number, message: string): Diagnostic {
  return { severity: 'error', source, path: [], line, column: 1, message };
}

/** Everything `--system` checks, in the order cloud-init lists them. */
export function systemInputs(fs: RootFs): SchemaInput[] {
  const inputs: SchemaInput[] = [systemConfigInput(fs)];
  for (const [kind, name] of [
    ['user-data', 'cloud-config.txt'],
    ['vendor-data', 'vendor-cloud-config.txt'],
  ] as const) {
    const source = `${paths.instanceLink}/${name}`;
    const text = fs.readText(source);
    // The init stage writes an empty file when the instance has no cloud-config of that kind.
    if (text === null || text.trim() === '') continue;
    inputs.push({ kind, label: `${kind} at ${source}`, source, text, report: checkCloudConfigText(text, source) });
  }
  return inputs;
}

function systemConfigInput(fs: RootFs): SchemaInput {
  const system = loadSystemConfig(fs);
  const report = emptyReport();
  for (const d of system.diagnostics) (d.severity === 'error' ? report.errors : report.warnings).push(d);
  const checked = validateCloudConfig(system.config, undefined, 'system config');
  // The merged config has no lines; each problem is placed in the layer that gave the value.
  const layers = layerDocuments(fs, system.sources);
  const place = (d: Diagnostic): Diagnostic => {
    for (const layer of layers) {
      if (!has(layer.value, d.path)) continue;
      const pos = layer.locate(d.path);
      return { ...d, source: layer.source, line: pos?.line, column: pos?.column };
    }
    return { ...d, source: 'builtin config' };
  };
  report.errors.push(...checked.errors.map(place));
  report.deprecations.push(...checked.deprecations.map(place));
  report.warnings.push(...checked.warnings.map(place));
  const files = system.sources.length > 0 ? system.sources.join(', ') : 'builtin settings only';
  return { kind: 'system config', label: `system config (${files})`, source: 'system config', report };
}

/** The layers' documents, highest priority first (the order in which a value wins). */
function layerDocuments(fs: RootFs, sources: readonly string[]): LocatedDocument[] {
  const docs: LocatedDocument[] = [];
  for (const source of [...sources].reverse()) {
    const text = source === CMDLINE_CC_SOURCE ? ccFromCmdline(fs.readText(paths.kernelCmdline) ?? '') : fs.readText(source);
    const doc = text === null ? undefined : loadYaml(text, source).doc;
    if (doc) docs.push(doc);
  }
  return docs;
}

function has(value: unknown, path: readonly PathSegment[]): boolean {
  let v = value;
  for (const seg of path) {
    if (typeof seg === 'number' ? !Array.isArray(v) || seg >= v.length : !isMapping(v) || !Object.hasOwn(v, seg)) return false;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return true;
}
