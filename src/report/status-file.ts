/**
 * status.json and result.json as cloud-init writes them (version 1), and the
 * pure steps the stage runner takes on them. Tools (cloud-init status,
 * monitoring agents, CI waiting for boot) read these files, so the shape and
 * the text are cloud-init's: JSON with indent 1 and sorted keys, written
 * before and after every stage; result.json only after modules-final.
 */
import { pyJsonDumps } from './py-json.ts';
import type { DataObject } from './values.ts';

export const STAGES = ['init-local', 'init', 'modules-config', 'modules-final'] as const;
export type StageName = (typeof STAGES)[number];

export interface StageStatus {
  errors: string[];
  /** Log records of WARNING and above during the stage, by level name (WARNING, ERROR, DEPRECATED...). */
  recoverable_errors: Record<string, string[]>;
  /** Uptime in seconds. */
  start: number | null;
  finished: number | null;
}

export interface StatusV1 {
  /** str() of the datasource, e.g. "DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud][dsmode=net]". */
  datasource: string | null;
  /** The stage running now; null between stages. */
  stage: StageName | null;
  'init-local': StageStatus;
  init: StageStatus;
  'modules-config': StageStatus;
  'modules-final': StageStatus;
}

export interface StatusFile {
  v1: StatusV1;
}

export interface ResultFile {
  v1: { datasource: string | null; errors: string[] };
}

export function emptyStageStatus(): StageStatus {
  return { errors: [], recoverable_errors: {}, start: null, finished: null };
}

export function emptyStatus(): StatusFile {
  return {
    v1: {
      datasource: null,
      stage: null,
      'init-local': emptyStageStatus(),
      init: emptyStageStatus(),
      'modules-config': emptyStageStatus(),
      'modules-final': emptyStageStatus(),
    },
  };
}

function cloneStage(s: StageStatus): StageStatus {
  const rec: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(s.recoverable_errors)) rec[k] = [...v];
  return { errors: [...s.errors], recoverable_errors: rec, start: s.start, finished: s.finished };
}

function clone(status: StatusFile): StatusFile {
  const v1 = status.v1;
  return {
    v1: {
      datasource: v1.datasource,
      stage: v1.stage,
      'init-local': cloneStage(v1['init-local']),
      init: cloneStage(v1.init),
      'modules-config': cloneStage(v1['modules-config']),
      'modules-final': cloneStage(v1['modules-final']),
    },
  };
}

/** True when `stage` started before and never finished: it is being run again (cloud-init logs a warning). */
export function isRestart(status: StatusFile, stage: StageName): boolean {
  const s = status.v1[stage];
  return s.start !== null && s.start !== 0 && (s.finished === null || s.finished === 0);
}

/** The status to write when `stage` starts, `uptime` seconds after boot. */
export function stageStarted(status: StatusFile, stage: StageName, uptime: number): StatusFile {
  const next = clone(status);
  next.v1.stage = stage;
  next.v1[stage].start = uptime;
  // A rerun stage must not look finished while it runs.
  next.v1[stage].finished = null;
  return next;
}

/**
 * The status to write when `stage` ends. `errors` are added to the stage's
 * errors (kept across reruns, as cloud-init does); `recoverable` is every
 * warning-or-worse record of this run of the stage and replaces the stage's
 * previous record. `datasource` is str() of the datasource the init stages
 * found, when they found one.
 */
export function stageFinished(
  status: StatusFile,
  stage: StageName,
  uptime: number,
  errors: readonly string[],
  recoverable: Readonly<Record<string, readonly string[]>>,
  datasource?: string | null,
): StatusFile {
  const next = clone(status);
  const s = next.v1[stage];
  s.errors.push(...errors);
  s.recoverable_errors = {};
  for (const [level, messages] of Object.entries(recoverable)) {
    if (messages.length > 0) s.recoverable_errors[level] = [...messages];
  }
  s.finished = uptime;
  next.v1.stage = null;
  if (datasource !== undefined && datasource !== null) next.v1.datasource = datasource;
  return next;
}

/** Every error of every stage, in the order cloud-init lists them (stages by name). */
export function allErrors(status: StatusFile): string[] {
  return [...STAGES].sort().flatMap((stage) => status.v1[stage as StageName].errors);
}

/** result.json, written after modules-final. */
export function resultFrom(status: StatusFile): ResultFile {
  return { v1: { datasource: status.v1.datasource, errors: allErrors(status) } };
}

function stageObject(s: StageStatus): DataObject {
  return { errors: [...s.errors], recoverable_errors: { ...s.recoverable_errors }, start: s.start, finished: s.finished };
}

/** status.json as a plain value (also the v1 keys `status --format json` shows). */
export function statusValue(status: StatusFile): { v1: DataObject } {
  const v1 = status.v1;
  return {
    v1: {
      datasource: v1.datasource,
      stage: v1.stage,
      'init-local': stageObject(v1['init-local']),
      init: stageObject(v1.init),
      'modules-config': stageObject(v1['modules-config']),
      'modules-final': stageObject(v1['modules-final']),
    },
  };
}

/** The file text: cloud-init's json_dumps (indent 1, sorted keys) and a newline. */
export function statusText(status: StatusFile): string {
  return `${pyJsonDumps(statusValue(status), 1)}\n`;
}

export function resultText(result: ResultFile): string {
  return `${pyJsonDumps({ v1: { datasource: result.v1.datasource, errors: [...result.v1.errors] } }, 1)}\n`;
}

// --- reading

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

function asObject(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function parseJson(text: string): Parsed<Record<string, unknown>> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    const message = text.trim() === '' ? 'the file is empty' : `not valid JSON (${(e as Error).message})`;
    return { ok: false, problem: message };
  }
  const top = asObject(v);
  const v1 = top ? asObject(top['v1']) : null;
  if (!v1) return { ok: false, problem: 'not a status file: no "v1" object' };
  return { ok: true, value: v1 };
}

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isTime = (v: unknown): v is number | null => v === null || (typeof v === 'number' && Number.isFinite(v));

function parseStage(name: string, v: unknown): Parsed<StageStatus> {
  if (v === undefined) return { ok: true, value: emptyStageStatus() };
  const o = asObject(v);
  if (!o) return { ok: false, problem: `v1.${name} is not an object` };
  const s = emptyStageStatus();
  const errors = o['errors'] ?? [];
  if (!isStringList(errors)) return { ok: false, problem: `v1.${name}.errors is not a list of strings` };
  s.errors = errors;
  const rec = asObject(o['recoverable_errors'] ?? {});
  if (!rec) return { ok: false, problem: `v1.${name}.recoverable_errors is not an object` };
  for (const [level, list] of Object.entries(rec)) {
    if (!isStringList(list)) return { ok: false, problem: `v1.${name}.recoverable_errors.${level} is not a list of strings` };
    s.recoverable_errors[level] = list;
  }
  for (const key of ['start', 'finished'] as const) {
    const t = o[key] ?? null;
    if (!isTime(t)) return { ok: false, problem: `v1.${name}.${key} is not a number or null` };
    s[key] = t;
  }
  return { ok: true, value: s };
}

/**
 * status.json text → the model, or what is wrong with it. Never throws: a
 * truncated or hand-edited file must still let `status` report. Stages
 * missing from the file count as not run; unknown keys are ignored.
 */
export function parseStatusFile(text: string): Parsed<StatusFile> {
  const top = parseJson(text);
  if (!top.ok) return top;
  const v1 = top.value;
  const status = emptyStatus();
  const ds = v1['datasource'] ?? null;
  if (ds !== null && typeof ds !== 'string') return { ok: false, problem: 'v1.datasource is not a string or null' };
  status.v1.datasource = ds;
  const stage = v1['stage'] ?? null;
  if (stage !== null && !(STAGES as readonly unknown[]).includes(stage)) {
    return { ok: false, problem: `v1.stage is not one of ${STAGES.join(', ')} or null` };
  }
  status.v1.stage = stage as StageName | null;
  for (const name of STAGES) {
    const s = parseStage(name, v1[name]);
    if (!s.ok) return s;
    status.v1[name] = s.value;
  }
  return { ok: true, value: status };
}

export function parseResultFile(text: string): Parsed<ResultFile> {
  const top = parseJson(text);
  if (!top.ok) return top;
  const ds = top.value['datasource'] ?? null;
  const errors = top.value['errors'] ?? [];
  if (ds !== null && typeof ds !== 'string') return { ok: false, problem: 'v1.datasource is not a string or null' };
  if (!isStringList(errors)) return { ok: false, problem: 'v1.errors is not a list of strings' };
  return { ok: true, value: { v1: { datasource: ds, errors } } };
}
