/**
 * What the benchmarks share: the clean environment a systemd unit gets, the
 * summary statistics, number formatting and a note of how busy the machine is.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';

/** The PATH of a systemd service; benchmarks run every measured process with `env -i PATH=…`. */
export const CLEAN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface Stats {
  median: number;
  min: number;
  max: number;
}

export function stats(xs: readonly number[]): Stats {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return { median: NaN, min: NaN, max: NaN };
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

/** "median (min–max)" with one decimal. */
export function spread(x: Stats): string {
  return `${x.median.toFixed(1)} (${x.min.toFixed(1)}–${x.max.toFixed(1)})`;
}

/** The last line of a GNU `time -o` file (it puts "Command exited with non-zero status N" first on failure). */
export function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

/** The 1, 5 and 15 minute load averages, as /proc/loadavg gives them. */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}

/** Refuses to run without root (namespaces) or without the files named (path → how to get it). */
export function requireRootAndFiles(bench: string, files: readonly (readonly [string, string])[]): void {
  if (process.getuid?.() !== 0) throw new Error(`${bench} needs root (the test cloud creates namespaces)`);
  for (const [path, how] of files) if (!existsSync(path)) throw new Error(`${path} is missing (${how})`);
}

/** The installed cloud-init package's version, from dpkg's status file ("?" when not installed). */
export function cloudInitVersion(): string {
  const status = readFileSync('/var/lib/dpkg/status', 'utf8');
  const block = status.split('\n\n').find((b) => /^Package: cloud-init$/m.test(b)) ?? '';
  return /^Version: (.*)$/m.exec(block)?.[1] ?? '?';
}

/** Writes a benchmark's JSON with the facts every result carries (date, node, cloud-init, CPUs, load). */
export function writeResults(path: string, cloudInit: string, fields: Record<string, unknown>): void {
  mkdirSync(dirname(path), { recursive: true });
  const head = { date: new Date().toISOString(), node: process.version, cloud_init: cloudInit, cpus: cpus().length, load_average_after: loadAverage() };
  writeFileSync(path, `${JSON.stringify({ ...head, ...fields }, null, 1)}\n`);
}
