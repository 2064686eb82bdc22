/**
 * ds-identify inside the agent: from local facts, decide which datasources
 * may apply (or that cloud-init should not run) and write the result where
 * cloud-init's generator and stages expect it.
 *
 * Order of decisions, as in ds-identify: disabled marker or
 * `cloud-init=disabled` (code 2); policy mode disabled (1) or enabled (0,
 * nothing written); a datasource named on the command line or in
 * ds-identify.cfg; the manual-clean marker; a datasource_list of one entry
 * (or one and None); else each listed datasource's detect function.
 */
import { posix } from 'node:path';
import { BUILTIN_DATASOURCE_LIST } from '../config/builtin.ts';
import { cloudInitDisabled, cmdlineValue, datasourceFromCmdline } from '../config/cmdline.ts';
import { mergeConfigs } from '../config/merge.ts';
import type { RootFs } from '../host/root-fs.ts';
import { CLOUD_DIR, paths } from '../stages/paths.ts';
import { canonicalDatasourceName, DETECTORS } from './detectors.ts';
import { flowYamlLines } from './flow-yaml.ts';
import { DEFAULT_POLICY, formatPolicy, parsePolicy, type IdentifyMode, type Policy } from './policy.ts';
import type { DetectResult, Facts, IdentifyCheck, IdentifyCode, IdentifyResult } from './types.ts';

export { gatherFacts } from './facts.ts';
export { readCachedIdentify, writeIdentifyResult } from './result-files.ts';
export type { DetectResult, Facts, FilesystemInfo, IdentifyCheck, IdentifyCode, IdentifyResult } from './types.ts';

const DEFAULT_POLICY_TEXT = formatPolicy(DEFAULT_POLICY);

export function identify(fs: RootFs, facts: Facts, cfg: Record<string, unknown>): IdentifyResult {
  const log = describeFacts(facts);
  const checks: IdentifyCheck[] = [];
  const finish = (code: IdentifyCode, mode: IdentifyMode, datasourceList: string[], cloudCfgText: string | null, why: string): IdentifyResult => {
    log.push(`result: ${code} (${why})`);
    return { code, mode, datasourceList, cloudCfgText, checks, log };
  };

  if (fs.kind(paths.disabledMarker) !== null) return finish(2, 'disabled', [], null, `disabled by the marker file ${paths.disabledMarker}`);
  if (cloudInitDisabled(facts.cmdlineTokens)) return finish(2, 'disabled', [], null, 'disabled by cloud-init=disabled on the kernel command line');

  const cmdlinePolicy = cmdlineValue(facts.cmdlineTokens, 'ci.di.policy');
  const [policyText, policySource] =
    cmdlinePolicy !== undefined ? [cmdlinePolicy, 'the kernel command line']
    : facts.dsIdentifyCfg.policy !== undefined ? [facts.dsIdentifyCfg.policy, paths.dsIdentifyCfg]
    : [DEFAULT_POLICY_TEXT, 'the default'];
  const { policy, warnings } = parsePolicy(policyText);
  log.push(...warnings, `policy: ${formatPolicy(policy)} (from ${policySource})`);
  if (policy.mode === 'disabled') return finish(1, policy.mode, [], null, 'policy mode is disabled');
  if (policy.mode === 'enabled') return finish(0, policy.mode, [], null, 'policy mode is enabled: cloud-init runs with its configured datasource_list');

  const written = (list: string[], extra: Record<string, unknown>, why: string): IdentifyResult => {
    const full = list.includes('None') ? list : [...list, 'None'];
    const lines = [`datasource_list: [ ${full.join(', ')} ]`, ...flowYamlLines(extra)];
    return finish(0, policy.mode, full, resultText(policy.mode, lines), why);
  };

  const cmdlineDs = datasourceFromCmdline(facts.cmdlineTokens);
  const explicit = cmdlineDs ?? facts.dsIdentifyCfg.datasource;
  if (explicit !== undefined && explicit !== '') {
    const name = canonicalDatasourceName(explicit);
    return written([name], {}, `datasource ${name} given in ${cmdlineDs !== undefined ? 'the kernel command line' : paths.dsIdentifyCfg}`);
  }
  if (manualCleanMarker(fs)) {
    return finish(0, policy.mode, [], resultText(policy.mode, ['# manual_cache_clean.']), 'manual_cache_clean is set: the datasource of the existing instance is kept');
  }

  const list = configuredList(cfg, log);
  if (list.length === 1 || (list.length === 2 && list[1] === 'None')) return written(list, {}, `datasource_list has a single entry: ${list.join(', ')}`);

  const extraConfig = new Map<string, Record<string, unknown>>();
  for (const name of list) {
    const result = check(name, facts, cfg);
    checks.push({ datasource: name, result: result.result, reason: result.reason });
    if (result.extraConfig) extraConfig.set(name, result.extraConfig);
    log.push(`check ${name}: ${result.result}: ${result.reason}`);
  }
  const selected = selectFound(checks, policy);
  if (selected) {
    const extra = mergeConfigs(selected.names.map((n) => extraConfig.get(n) ?? {}));
    return written(selected.names, extra, selected.why);
  }

  // Nothing found: cloud-init's format records the empty result under di_report,
  // so the file never restricts cloud-init to an empty list.
  const lines = ['datasource_list: [  ]'];
  if (policy.mode === 'search') lines.push(`# reporting not found result. notfound=${policy.notfound}.`);
  const code: IdentifyCode = policy.mode === 'search' && policy.notfound === 'disabled' ? 1 : 0;
  const why = `no datasource found [mode=${policy.mode}, notfound=${policy.notfound}]`;
  return finish(code, policy.mode, [], resultText('report', lines), why);
}

function check(name: string, facts: Facts, cfg: Record<string, unknown>): DetectResult {
  if (name === 'None') return { result: 'not-found', reason: 'None is the fallback, added after whatever is found' };
  const detect = DETECTORS.get(name);
  if (!detect) return { result: 'not-found', reason: 'not supported by stratus' };
  return detect(facts, cfg);
}

function selectFound(checks: readonly IdentifyCheck[], policy: Policy): { names: string[]; why: string } | null {
  const found = checks.filter((c) => c.result === 'found').map((c) => c.datasource);
  if (found.length > 0) {
    const names = policy.found === 'first' ? found.slice(0, 1) : found;
    return { names, why: `found ${found.join(', ')}${names.length < found.length ? ` (found=first: ${names[0]})` : ''}` };
  }
  const maybe = checks.filter((c) => c.result === 'maybe').map((c) => c.datasource);
  if (maybe.length > 0 && policy.maybe === 'all') return { names: maybe, why: `nothing found; maybe ${maybe.join(', ')} (maybe=all)` };
  return null;
}

/** cloud.cfg content: one line each; in report mode everything goes under `di_report:`, which cloud-init ignores. */
function resultText(mode: IdentifyMode, lines: readonly string[]): string {
  const body = mode === 'report' ? ['di_report:', ...lines.map((l) => `  ${l}`)] : lines;
  return body.map((l) => `${l}\n`).join('');
}

/**
 * datasource_list from the system config, names in their own spelling,
 * each once; the builtin list when it is missing, empty or not a list of names.
 */
function configuredList(cfg: Record<string, unknown>, log: string[]): string[] {
  const value = cfg['datasource_list'];
  let names: string[] = [...BUILTIN_DATASOURCE_LIST];
  if (Array.isArray(value) && value.length > 0 && value.every((v): v is string => typeof v === 'string')) names = value;
  else if (value !== undefined && !(Array.isArray(value) && value.length === 0)) log.push('datasource_list in the config is not a list of names; using the builtin list');
  const list = [...new Set(names.map(canonicalDatasourceName))];
  log.push(`datasource_list: ${list.join(', ')}`);
  return list;
}

/** /var/lib/cloud/instance/manual-clean, following the instance link inside the target. */
function manualCleanMarker(fs: RootFs): boolean {
  const link = fs.readLink(paths.instanceLink);
  const dir = link === null ? paths.instanceLink : posix.resolve(CLOUD_DIR, link);
  const kind = fs.kind(`${dir}/manual-clean`);
  return kind === 'file' || kind === 'link';
}

function describeFacts(facts: Facts): string[] {
  const d = facts.dmi;
  const show = (v: string | null): string => (v === null ? '(none)' : JSON.stringify(v));
  const fsList = facts.filesystems.map((f) => `${f.device}=${f.type}:${f.label || '(no label)'}`).join(' ');
  return [
    `kernel command line: ${facts.cmdline.trim() || '(empty)'}`,
    `dmi: sys_vendor=${show(d.sysVendor)} product_name=${show(d.productName)} product_serial=${show(d.productSerial)} product_uuid=${show(d.productUuid)} chassis_asset_tag=${show(d.chassisAssetTag)} board_name=${show(d.boardName)}`,
    `hypervisor uuid: ${show(facts.hypervisorUuid)}; container: ${facts.container ?? 'none'}; machine: ${facts.machine}`,
    `filesystems: ${fsList || '(none)'}`,
    `seed dirs: ${Object.keys(facts.seedDirs).join(' ') || '(none)'}`,
    ...facts.notes.map((n) => `note: ${n}`),
  ];
}
