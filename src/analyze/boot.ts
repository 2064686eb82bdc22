/**
 * `analyze boot`: stratus's account of the most recent boot. The kernel's
 * start is the time of a stage's welcome line less the uptime it records
 * ("Up N seconds"); each stage's start (seconds since boot) comes from
 * status.json or those lines, its duration from the stage's events (or
 * status.json). Userspace start is systemd's, when known: without systemd
 * the report says so and gives the rest. Pure.
 */
import type { StageName, StatusFile } from '../report/status-file.ts';
import type { UptimeMark } from './events.ts';
import { duration, type BootRecord } from './records.ts';
import { seconds8 } from './format.ts';

/** systemd's monotonic timestamps, in seconds since the kernel started. */
export interface SystemdTimes {
  /** UserspaceTimestampMonotonic: the kernel handed over to PID 1. */
  userspace: number;
  /** When the local stage's unit was started (InactiveExitTimestampMonotonic), when known. */
  unit: number | null;
}

export interface BootInput {
  /** The log's last boot record, if it has one. */
  record: BootRecord | null;
  /** Welcome lines of the log (all boots; the last boot's are used). */
  uptimes: readonly UptimeMark[];
  status: StatusFile | null;
  /** systemd's times, or why they are not available. */
  systemd: SystemdTimes | string;
}

export const BOOT_STAGES: readonly { event: string; status: StageName }[] = [
  { event: 'init-local', status: 'init-local' },
  { event: 'init-network', status: 'init' },
  { event: 'modules-config', status: 'modules-config' },
  { event: 'modules-final', status: 'modules-final' },
];

export interface StageTiming {
  stage: string;
  /** Seconds since the kernel started. */
  upAt: number | null;
  seconds: number | null;
  result: string | null;
}

function lastBoot(uptimes: readonly UptimeMark[]): UptimeMark[] {
  let from = 0;
  uptimes.forEach((u, i) => {
    if (u.stage === 'init-local') from = i;
  });
  return uptimes.slice(from);
}

export function stageTimings(input: BootInput): StageTiming[] {
  const marks = lastBoot(input.uptimes);
  return BOOT_STAGES.map(({ event, status }) => {
    const st = input.status?.v1[status];
    const span = input.record?.spans.find((s) => s.name === event && s.depth === 0) ?? null;
    const mark = [...marks].reverse().find((m) => m.stage === event);
    const fromStatus = st && st.start !== null && st.finished !== null ? st.finished - st.start : null;
    return {
      stage: event,
      upAt: st?.start ?? mark?.uptime ?? null,
      seconds: (span ? duration(span) : null) ?? fromStatus,
      result: span ? (span.result ?? 'did not finish') : null,
    };
  });
}

/** Epoch seconds as "YYYY-MM-DD HH:MM:SS.mmm UTC". */
export function wallTime(epochSeconds: number): string {
  return `${new Date(Math.round(epochSeconds * 1000)).toISOString().replace('T', ' ').replace('Z', '')} UTC`;
}

/** The kernel's start, epoch seconds: a welcome line's time less its uptime. */
export function kernelStart(uptimes: readonly UptimeMark[]): number | null {
  const first = lastBoot(uptimes)[0];
  return first ? first.timestamp - first.uptime : null;
}

export function bootText(input: BootInput): string {
  const kstart = kernelStart(input.uptimes);
  const timings = stageTimings(input);
  const first = timings[0]?.upAt ?? null;
  const lines = ['-- Most Recent Boot Record --'];
  lines.push(`Kernel started at: ${kstart === null ? 'unknown (no "Up N seconds" line in the log)' : wallTime(kstart)}`);
  if (typeof input.systemd === 'string') {
    lines.push(`Userspace started at: unknown (systemd's timestamps are not available: ${input.systemd})`);
  } else {
    const sd = input.systemd;
    lines.push(`Userspace started at: ${kstart === null ? `${sd.userspace.toFixed(3)} s after the kernel` : wallTime(kstart + sd.userspace)} (systemd)`);
    lines.push(`Kernel time to boot (seconds): ${seconds8(sd.userspace)}`);
    if (sd.unit !== null) lines.push(`stratus activated by systemd at: ${sd.unit.toFixed(3)} s after the kernel`);
    if (first !== null) lines.push(`Time between userspace start and init-local (seconds): ${seconds8(first - sd.userspace)}`);
  }
  if (first !== null) lines.push(`stratus started (init-local) at: ${kstart === null ? '' : `${wallTime(kstart + first)}, `}${first.toFixed(3)} s after the kernel`);
  else lines.push('stratus started (init-local) at: unknown');
  lines.push('');
  lines.push(`${'Stage'.padEnd(16)}${'Up at (s)'.padStart(12)}${'Duration (s)'.padStart(14)}  Result`);
  let total = 0;
  for (const t of timings) {
    total += t.seconds ?? 0;
    const up = t.upAt === null ? '-' : t.upAt.toFixed(3);
    const d = t.seconds === null ? '-' : seconds8(t.seconds);
    lines.push(`${t.stage.padEnd(16)}${up.padStart(12)}${d.padStart(14)}  ${t.result ?? (t.seconds === null ? 'not run' : '-')}`);
  }
  lines.push('');
  lines.push(`Total time in the four stages (seconds): ${total.toFixed(5)}`);
  const last = timings[timings.length - 1];
  if (first !== null && last?.upAt != null && last.seconds !== null) lines.push(`From init-local start to modules-final end (seconds): ${seconds8(last.upAt + last.seconds - first)}`);
  return `${lines.map((l) => (l === '' || l.startsWith('--') ? l : `    ${l}`)).join('\n')}\n`;
}
