/**
 * `status`: from what is on disk (status.json, result.json, the boot facts)
 * to cloud-init's report, and its three renderings (tabular, json, yaml).
 * Pure: the CLI reads the inputs (status-inputs.ts) and prints.
 */
import { bootStatus, isDisabledCode, type BootFacts, type BootStatusCode } from './boot-status.ts';
import { pyJsonDumps } from './py-json.ts';
import { parseStatusFile, STAGES, statusValue, type StatusFile } from './status-file.ts';
import type { DataObject } from './values.ts';
import { yamlDocument } from './yaml-emit.ts';

export type RunningStatus = 'not started' | 'running' | 'done' | 'disabled';
export type ConditionStatus = 'error' | 'degraded' | 'healthy';
export type StatusFormat = 'tabular' | 'json' | 'yaml';
export const STATUS_FORMATS: readonly StatusFormat[] = ['tabular', 'json', 'yaml'];

export interface StatusInputs {
  boot: BootFacts;
  /** Where status.json was read (for messages). */
  statusPath: string;
  /** Text of status.json; null when there is none. */
  statusText: string | null;
  /** result.json exists: the final stage has finished. */
  resultExists: boolean;
  /** Wall clock now. */
  now: Date;
  /** Seconds since this machine booted; null when unknown. */
  uptime: number | null;
}

export interface StatusReport {
  running: RunningStatus;
  condition: ConditionStatus;
  bootCode: BootStatusCode;
  /** The datasource as status.json names it, else the running stage, else why boot is (not) enabled. */
  detail: string;
  errors: string[];
  recoverableErrors: Record<string, string[]>;
  /** When status.json last changed, as "Thu, 01 Jan 2026 10:00:00 +0000"; '' when nothing ran. */
  lastUpdate: string;
  /** "nocloud" for "DataSourceNoCloud [seed=...]"; null if status.json says null; '' when there is no status.json. */
  datasource: string | null;
  /** The v1 keys of status.json other than datasource (stage and the four stages). */
  v1: DataObject;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** strftime("%a, %d %b %Y %H:%M:%S %z") in UTC, cloud-init's format for last_update. */
export function formatLastUpdate(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`
  );
}

/**
 * The wall-clock time of an event recorded as uptime. cloud-init formats
 * the uptime itself as a Unix time (dates in 1970); the event happened
 * (uptime now - event uptime) seconds ago. An event "later" than now comes
 * from another boot (or another machine, under --root): unknown, ''.
 */
export function lastUpdateText(eventUptime: number, now: Date, uptime: number | null): string {
  if (eventUptime <= 0 || uptime === null || eventUptime > uptime) return '';
  return formatLastUpdate(new Date(now.getTime() - Math.round((uptime - eventUptime) * 1000)));
}

/** "DataSourceEc2Local [...]" → "ec2local", as cloud-init shortens it. */
export function shortDatasource(ds: string): string {
  return (ds.split(' ')[0] ?? '').toLowerCase().replace(/datasource/g, '');
}

export function statusReport(inputs: StatusInputs): StatusReport {
  const boot = bootStatus(inputs.boot);
  let status: StatusFile | null = null;
  const errors: string[] = [];
  if (inputs.statusText !== null) {
    const parsed = parseStatusFile(inputs.statusText);
    // cloud-init stops with a traceback here; a report that names the file is more use.
    if (parsed.ok) status = parsed.value;
    else errors.push(`${inputs.statusPath} cannot be read: ${parsed.problem}`);
  }

  const recoverableErrors: Record<string, string[]> = {};
  let latest = 0;
  let v1: DataObject = {};
  let datasource: string | null = '';
  let detail = boot.description;
  if (status) {
    // Stages in name order, as cloud-init aggregates them.
    for (const stage of [...STAGES].sort()) {
      const s = status.v1[stage as (typeof STAGES)[number]];
      errors.push(...s.errors);
      for (const [level, messages] of Object.entries(s.recoverable_errors)) {
        (recoverableErrors[level] ??= []).push(...messages);
      }
      latest = Math.max(latest, s.start ?? 0, s.finished ?? 0);
    }
    const ds = status.v1.datasource;
    datasource = ds ? shortDatasource(ds) : ds;
    if (ds) detail = ds;
    else if (status.v1.stage) detail = `Running in stage: ${status.v1.stage}`;
    const { datasource: _dropped, ...rest } = statusValue(status).v1;
    v1 = rest;
  }

  let running: RunningStatus;
  if (isDisabledCode(boot.code)) running = 'disabled';
  else if (inputs.statusText !== null && !inputs.resultExists) running = 'running';
  else if (latest > 0) running = 'done';
  else running = 'not started';
  // cloud-init also asks systemd whether one of its units failed or was
  // disabled while status.json says running, and then reports done + error.
  // stratus does not query systemd from status (see BootFacts): a failed unit
  // shows as a stage that never finished.

  const condition: ConditionStatus =
    errors.length > 0 ? 'error' : Object.keys(recoverableErrors).length > 0 ? 'degraded' : 'healthy';
  return {
    running,
    condition,
    bootCode: boot.code,
    detail,
    errors,
    recoverableErrors,
    lastUpdate: lastUpdateText(latest, inputs.now, inputs.uptime),
    datasource,
    v1,
  };
}

/** The `status` and `extended_status` values. */
export function statusWords(r: StatusReport): { status: string; extended: string } {
  if (r.condition === 'error') return { status: 'error', extended: `error - ${r.running}` };
  if (r.condition === 'degraded' && (r.running === 'done' || r.running === 'running')) {
    return { status: r.running, extended: `degraded ${r.running}` };
  }
  return { status: r.running, extended: r.running };
}

/** The keys of `status --format json|yaml`. */
export function statusDetails(r: StatusReport): DataObject {
  const { status, extended } = statusWords(r);
  return {
    datasource: r.datasource,
    boot_status_code: r.bootCode,
    status,
    extended_status: extended,
    detail: r.detail,
    errors: [...r.errors],
    recoverable_errors: { ...r.recoverableErrors },
    last_update: r.lastUpdate,
    ...r.v1,
  };
}

export interface RenderOptions {
  format: StatusFormat;
  long: boolean;
  /** --wait was given: tabular output starts on a new line, after the progress dots. */
  wait: boolean;
}

export function renderStatus(r: StatusReport, opts: RenderOptions): string {
  if (opts.format === 'json') return `${pyJsonDumps(statusDetails(r), 2)}\n`;
  // print() adds a newline after the document's own "...\n".
  if (opts.format === 'yaml') return `${yamlDocument(statusDetails(r))}\n`;
  const { status, extended } = statusWords(r);
  let text = `${opts.wait ? '\n' : ''}status: ${status}\n`;
  if (!opts.long) return text;
  const errors = r.errors.length > 0 ? r.errors.map((e) => `\n\t- ${e}`).join('') : ' []';
  const levels = Object.entries(r.recoverableErrors);
  const recoverable =
    levels.length > 0
      ? `\n${levels.map(([level, msgs]) => `${level}:${msgs.map((m) => `\n\t- ${m.replace(/\n/g, ' ')}`).join('')}`).join('\n')}`
      : ' {}';
  text += `extended_status: ${extended}\n`;
  text += `boot_status_code: ${r.bootCode}\n`;
  if (r.lastUpdate) text += `last_update: ${r.lastUpdate}\n`;
  text += `detail: ${r.detail}\n`;
  text += `errors:${errors}\n`;
  text += `recoverable_errors:${recoverable}\n`;
  return text;
}

/** 0 healthy, 1 error, 2 degraded (recoverable errors only). */
export function statusExitCode(r: StatusReport): number {
  return r.condition === 'error' ? 1 : r.condition === 'degraded' ? 2 : 0;
}

/** --wait keeps polling while this holds. */
export function stillBooting(r: StatusReport): boolean {
  return r.running === 'not started' || r.running === 'running';
}
