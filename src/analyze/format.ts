/**
 * The text of `analyze show`, `blame` and `dump`, in cloud-init's layout:
 * "-- Boot Record NN --" blocks, times as %08.5f, "N boot records analyzed".
 * Pure.
 */
import { pyJsonDumps } from '../report/py-json.ts';
import type { DataValue } from '../report/values.ts';
import type { AnalyzeEvent } from './events.ts';
import { duration, totalTime, type BootRecord, type Span } from './records.ts';

export const DEFAULT_SHOW_FORMAT = '%I%D @%Es +%ds';

/** The keys of --format, as cloud-init documents them. */
export const FORMAT_KEYS: Readonly<Record<string, string>> = {
  '%d': 'delta',
  '%D': 'description',
  '%E': 'elapsed',
  '%e': 'event_type',
  '%I': 'indent',
  '%l': 'level',
  '%n': 'name',
  '%o': 'origin',
  '%r': 'result',
  '%t': 'timestamp',
  '%T': 'total_time',
};

/** Python's '{:08.5f}': five decimals, zero-padded to eight characters. */
export function seconds8(x: number): string {
  const body = Math.abs(x).toFixed(5);
  const sign = x < 0 ? '-' : '';
  return sign + body.padStart(8 - sign.length, '0');
}

export function indentOf(span: Span): string {
  return `|${' '.repeat(Math.max(0, span.depth - 1))}\`->`;
}

/** One event through a --format string; `total` is the record's stage time so far (%T). */
export function formatSpan(format: string, span: Span, recordStart: number, total: number): string {
  const values: Record<string, string> = {
    delta: seconds8(duration(span) ?? 0),
    description: span.description,
    elapsed: seconds8(span.start - recordStart),
    event_type: span.finish === null ? 'start' : 'finish',
    indent: indentOf(span),
    level: 'DEBUG',
    name: span.name,
    origin: span.origin,
    result: span.result ?? '',
    timestamp: seconds8(span.finish ?? span.start),
    total_time: seconds8(total),
  };
  return format.replace(/%[dDEeIlnortT]/g, (k) => values[FORMAT_KEYS[k] ?? ''] ?? k);
}

function recordLines(record: BootRecord, format: string): string[] {
  const lines: string[] = [];
  let total = 0;
  for (const line of record.lines) {
    const d = duration(line.span);
    if (line.kind === 'leaf') lines.push(formatSpan(format, line.span, record.start, total));
    else if (line.kind === 'open') lines.push(`Starting stage: ${line.span.name}`);
    else {
      if (line.span.depth === 0) total += d ?? 0;
      lines.push(`Finished stage: (${line.span.name}) ${seconds8(d ?? 0)} seconds\n`);
    }
  }
  lines.push(`Total Time: ${totalTime(record).toFixed(5)} seconds\n`);
  return lines;
}

function header(i: number): string {
  return `-- Boot Record ${String(i + 1).padStart(2, '0')} --\n`;
}

function footer(records: readonly BootRecord[]): string {
  return `${records.length} boot records analyzed\n`;
}

export function showText(records: readonly BootRecord[], format = DEFAULT_SHOW_FORMAT): string {
  let out = '';
  records.forEach((r, i) => {
    out += header(i);
    out += 'The total time elapsed since completing an event is printed after the "@" character.\n';
    out += 'The time the event takes is printed after the "+" character.\n\n';
    out += `${recordLines(r, format).join('\n')}\n`;
  });
  return out + footer(records);
}

/** The events that finished with nothing inside them, longest first. */
export function blameText(records: readonly BootRecord[]): string {
  let out = '';
  records.forEach((r, i) => {
    const leaves = r.lines.filter((l) => l.kind === 'leaf').map((l) => l.span);
    const sorted = [...leaves].sort((a, b) => (duration(b) ?? 0) - (duration(a) ?? 0));
    out += header(i);
    out += `${sorted.map((s) => `     ${seconds8(duration(s) ?? 0)}s (${s.name})`).join('\n')}\n\n`;
  });
  return out + footer(records);
}

/** The events as JSON, cloud-init's way (indent 1, sorted keys). */
export function dumpText(events: readonly AnalyzeEvent[]): string {
  return `${pyJsonDumps(events.map((e) => ({ ...e }) as unknown as DataValue), 1)}\n`;
}
