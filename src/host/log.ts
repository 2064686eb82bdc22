/**
 * The agent's log: records kept in memory for status.json (every record at
 * WARNING or above is a "recoverable error" of the stage, as in cloud-init),
 * appended to /var/log/cloud-init.log on the target, and echoed to stderr
 * (everything with --debug, warnings and errors always).
 *
 * Never log user-data, vendor-data, passwords or tokens: callers log names
 * and sizes, not contents.
 */
import { err } from './console.ts';
import type { RootFs } from './root-fs.ts';

export type Level = 'DEBUG' | 'INFO' | 'WARNING' | 'DEPRECATED' | 'ERROR' | 'CRITICAL';

const RANK: Record<Level, number> = { DEBUG: 10, INFO: 20, WARNING: 30, DEPRECATED: 35, ERROR: 40, CRITICAL: 50 };

export interface LogRecord {
  level: Level;
  message: string;
  /** Milliseconds since the epoch. */
  time: number;
}

export const LOG_FILE = '/var/log/cloud-init.log';

export class Log {
  readonly records: LogRecord[] = [];
  private readonly echoAll: boolean;
  private readonly tag: string;

  constructor(opts: { debug: boolean; tag: string }) {
    this.echoAll = opts.debug;
    this.tag = opts.tag;
  }

  log(level: Level, message: string): void {
    const rec = { level, message, time: Date.now() };
    this.records.push(rec);
    if (this.echoAll || RANK[level] >= RANK.WARNING) err(`${this.tag}: ${level}: ${message}\n`);
  }

  debug(message: string): void {
    this.log('DEBUG', message);
  }
  info(message: string): void {
    this.log('INFO', message);
  }
  warn(message: string): void {
    this.log('WARNING', message);
  }
  deprecated(message: string): void {
    this.log('DEPRECATED', message);
  }
  error(message: string): void {
    this.log('ERROR', message);
  }

  /** Records from `from` on at WARNING or above, grouped by level (status.json's recoverable_errors). */
  recoverable(from = 0): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const r of this.records.slice(from)) {
      if (RANK[r.level] < RANK.WARNING) continue;
      (out[r.level] ??= []).push(r.message);
    }
    return out;
  }

  /** Append the records not yet written to the log file (0640; a failure to log never stops a boot). */
  flush(fs: RootFs, written: { count: number }): void {
    const fresh = this.records.slice(written.count);
    if (fresh.length === 0) return;
    const text = fresh.map((r) => `${new Date(r.time).toISOString().replace('T', ' ').replace('Z', '')} - ${this.tag}[${r.level}]: ${r.message}\n`).join('');
    try {
      fs.appendFile(LOG_FILE, text, 0o640);
      written.count = this.records.length;
    } catch (e) {
      err(`${this.tag}: cannot write ${LOG_FILE}: ${(e as Error).message}\n`);
    }
  }
}
