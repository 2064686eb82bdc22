/**
 * Timing events read back from a log: stratus's own lines
 * (`2026-12-03 06:27:20.934 - stratus[init-local][DEBUG]: start: init-local: …`)
 * and cloud-init's (`2016-09-12 14:39:20,839 - handlers.py[DEBUG]: finish: …`),
 * so both agents' logs can be compared. Timestamps are read as UTC. A line
 * that looks like an event but is not one is counted, never fatal. Pure.
 */

export type EventResult = 'SUCCESS' | 'WARN' | 'FAIL';

/** One event, with the keys `cloud-init analyze dump` prints. */
export interface AnalyzeEvent {
  name: string;
  description: string;
  /** Seconds since the epoch. */
  timestamp: number;
  /** "stratus" or "cloudinit": which agent wrote the line. */
  origin: string;
  event_type: 'start' | 'finish';
  /** finish events only. */
  result?: EventResult;
}

/** A stage's welcome line: when it started, and the machine's uptime then ("Up N seconds"). */
export interface UptimeMark {
  /** The stage as events name it (`init` is `init-network`). */
  stage: string;
  timestamp: number;
  uptime: number;
}

export interface ParsedLog {
  events: AnalyzeEvent[];
  uptimes: UptimeMark[];
  /** Lines that carry `start:`/`finish:` after a log prefix but could not be read. */
  skipped: number;
}

const PREFIX = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,6}))? - (\S+)\[([A-Z]+)\]: (.*)$/;
const EVENT = /^(start|finish): (\S+?): ?(.*)$/;
const RESULT = /^(SUCCESS|WARN|FAIL): ?(.*)$/;
const WELCOME = /running '([a-z:-]+)' at .*\. Up (\d+(?:\.\d+)?) seconds\.$/;

/** Seconds since the epoch of a log timestamp, or null when the date is not a real one. */
function timestampOf(m: RegExpExecArray): number | null {
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  const fraction = m[7] ?? '';
  const ms = Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, s);
  const check = new Date(ms);
  if (Number.isNaN(ms) || check.getUTCDate() !== d || check.getUTCHours() !== h || check.getUTCMinutes() !== mi || check.getUTCSeconds() !== s) return null;
  // Microseconds, so a cloud-init line keeps its precision; the sum is done in integers.
  const micros = fraction === '' ? 0 : Number(fraction.padEnd(6, '0'));
  return (ms * 1000 + micros) / 1e6;
}

function stageName(s: string): string {
  const stage = s.replace(/:/g, '-');
  return stage === 'init' ? 'init-network' : stage;
}

/** One line: an event, a stage's uptime mark, 'skipped' (an event line that cannot be read), or null (any other line). */
export function parseLine(line: string): AnalyzeEvent | UptimeMark | 'skipped' | null {
  const m = PREFIX.exec(line.replace(/\r$/, ''));
  if (!m) return /\b(start|finish): /.test(line) ? 'skipped' : null;
  const tag = m[8] ?? '';
  const body = m[10] ?? '';
  const timestamp = timestampOf(m);
  const welcome = WELCOME.exec(body);
  if (welcome && (body.startsWith('stratus running') || body.startsWith('Cloud-init v.'))) {
    if (timestamp === null) return null;
    return { stage: stageName(welcome[1] ?? ''), timestamp, uptime: Number(welcome[2]) };
  }
  if (!/^(start|finish):/.test(body)) return null;
  const e = EVENT.exec(body);
  if (!e || timestamp === null) return 'skipped';
  const origin = tag.startsWith('stratus') ? 'stratus' : 'cloudinit';
  const name = e[2] ?? '';
  const rest = e[3] ?? '';
  if (e[1] === 'start') return { name, description: rest, timestamp, origin, event_type: 'start' };
  const r = RESULT.exec(rest);
  if (!r) return 'skipped';
  return { name, description: r[2] ?? '', timestamp, origin, event_type: 'finish', result: r[1] as EventResult };
}

export function parseLog(text: string): ParsedLog {
  const out: ParsedLog = { events: [], uptimes: [], skipped: 0 };
  for (const line of text.split('\n')) {
    const p = parseLine(line);
    if (p === null) continue;
    if (p === 'skipped') out.skipped++;
    else if ('event_type' in p) out.events.push(p);
    else out.uptimes.push(p);
  }
  return out;
}

function isEvent(v: unknown): v is AnalyzeEvent {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o['name'] === 'string' && typeof o['timestamp'] === 'number' && (o['event_type'] === 'start' || o['event_type'] === 'finish');
}

/**
 * The JSON `analyze dump` writes (stratus's or cloud-init's), read back as
 * cloud-init's analyze reads it; null when the text is no such JSON.
 */
export function parseDumpJson(text: string): AnalyzeEvent[] | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(v) || !v.every(isEvent)) return null;
  return v.map((e: AnalyzeEvent) => {
    const o = e as unknown as Record<string, unknown>;
    const result = o['result'];
    return {
      name: e.name,
      description: typeof o['description'] === 'string' ? o['description'] : '',
      timestamp: e.timestamp,
      origin: typeof o['origin'] === 'string' ? o['origin'] : 'cloudinit',
      event_type: e.event_type,
      ...(result === 'SUCCESS' || result === 'WARN' || result === 'FAIL' ? { result } : {}),
    };
  });
}

/** A log or a dump, whichever the text is. */
export function readEvents(text: string): ParsedLog {
  const fromJson = text.trimStart().startsWith('[') ? parseDumpJson(text) : null;
  return fromJson ? { events: fromJson, uptimes: [], skipped: 0 } : parseLog(text);
}
