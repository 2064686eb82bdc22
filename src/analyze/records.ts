/**
 * Boot records from events, as `cloud-init analyze` sees a log: a new record
 * at every start of `init-local`; each start paired with the next finish of
 * the same name (so interleaved events still pair); an event whose finish
 * follows its start directly is a leaf, any other is a parent shown as
 * "Starting stage"/"Finished stage". Pure.
 */
import type { AnalyzeEvent, EventResult } from './events.ts';

export interface Span {
  name: string;
  /** The finish event's description (cloud-init's finish message), else the start's. */
  description: string;
  /** Seconds since the epoch. */
  start: number;
  /** null: the event never finished (a crash, or a log cut short). */
  finish: number | null;
  result: EventResult | null;
  origin: string;
  /** Number of "/" in the name: 0 for a stage. */
  depth: number;
  /** Its finish is the very next event: nothing nested or interleaved. */
  leaf: boolean;
}

export type RecordLine = { kind: 'leaf'; span: Span } | { kind: 'open'; span: Span } | { kind: 'close'; span: Span };

export interface BootRecord {
  /** Time of the record's first start event. */
  start: number;
  /** In the order of the log: leaves at their start, parents at their start and at their finish. */
  lines: RecordLine[];
  /** Every started event of the record, in the order of their starts. */
  spans: Span[];
}

export function duration(span: Span): number | null {
  return span.finish === null ? null : span.finish - span.start;
}

/** Seconds spent in the record's stages: the top-level events that finished. */
export function totalTime(record: BootRecord): number {
  let total = 0;
  for (const s of record.spans) {
    const d = duration(s);
    if (s.depth === 0 && d !== null) total += d;
  }
  return total;
}

/** For each start, the index of its finish: the next finish of that name before the name starts again. */
function pairFinishes(events: readonly AnalyzeEvent[]): Map<number, number> {
  const pairs = new Map<number, number>();
  const open = new Map<string, number>();
  events.forEach((e, i) => {
    if (e.event_type === 'start') open.set(e.name, i);
    else {
      const s = open.get(e.name);
      if (s === undefined) return;
      pairs.set(s, i);
      open.delete(e.name);
    }
  });
  return pairs;
}

export function bootRecords(events: readonly AnalyzeEvent[]): BootRecord[] {
  const pairs = pairFinishes(events);
  const closing = new Map<number, Span>();
  const records: BootRecord[] = [];
  let current: BootRecord | null = null;
  events.forEach((e, i) => {
    if (e.event_type === 'finish') {
      const span = closing.get(i);
      if (span && current) current.lines.push({ kind: 'close', span });
      return;
    }
    if (current === null || (e.name === 'init-local' && current.lines.length > 0)) {
      current = { start: e.timestamp, lines: [], spans: [] };
      records.push(current);
    }
    const f = pairs.get(i);
    const finish = f === undefined ? undefined : events[f];
    const span: Span = {
      name: e.name,
      description: finish?.description ?? e.description,
      start: e.timestamp,
      finish: finish?.timestamp ?? null,
      result: finish?.result ?? null,
      origin: e.origin,
      depth: e.name.split('/').length - 1,
      leaf: f === i + 1,
    };
    current.spans.push(span);
    if (span.leaf) current.lines.push({ kind: 'leaf', span });
    else {
      current.lines.push({ kind: 'open', span });
      if (f !== undefined) closing.set(f, span);
    }
  });
  return records;
}
