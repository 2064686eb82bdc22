/**
 * The shape of the bad-input catalogue: every row names one malformed or
 * hostile input and says exactly what must become of it — rejected with a
 * located message, or accepted with a safe result — and every area says how
 * its inputs reach the real code (a parser in-process, or the built CLI).
 */
import { formatDiagnostic, type Diagnostic } from '../../../src/text/diagnostics.ts';

/** What came out of one input: messages as a user reads them, and the value when there is one. */
export interface Outcome<V> {
  /** Error lines, e.g. `network-config line 4: ethernets.eth0.mtu: 70000 is out of range (…)`. */
  errors: string[];
  /** Warning lines (located where the input has a place to point at). */
  warnings: string[];
  /** The parsed or produced value; undefined when the input was refused. */
  value: V | undefined;
}

/**
 * The expected outcome. A message is given as the start of the line a user
 * sees (source, line, key path and the message text), so the location is
 * part of what is checked.
 */
export type Expected<V> =
  | { rejected: string; alsoWarns?: string[] }
  | {
      /** Accepted: this check of the value states the safe result. */
      accepted: (value: V) => void;
      /** Lines that must be among the warnings (a value dropped or refused says so). */
      warns?: string[];
      /** Lines that must be among the errors when a part is refused but the rest is used. */
      errs?: string[];
    };

export interface Row<I, V> {
  name: string;
  input: I;
  expect: Expected<V>;
}

export interface Area<I, V> {
  area: string;
  rows: Row<I, V>[];
  run(input: I): Outcome<V> | Promise<Outcome<V>>;
}

/** A row with its input bound: what the runner sees of every area alike. */
export interface BoundRow {
  area: string;
  name: string;
  /** A stable text of the input, to prove the inputs distinct. */
  key: string;
  run(): Promise<Outcome<unknown>>;
  expect: Expected<unknown>;
}

export function bind<I, V>(a: Area<I, V>): BoundRow[] {
  return a.rows.map((row) => ({
    area: a.area,
    name: row.name,
    key: `${a.area}\u0000${inputKey(row.input)}`,
    run: async () => (await a.run(row.input)) as Outcome<unknown>,
    expect: row.expect as Expected<unknown>,
  }));
}

function inputKey(input: unknown): string {
  return JSON.stringify(input, (_k, v: unknown) => {
    if (v instanceof Uint8Array) return `bytes:${Buffer.from(v).toString('base64')}`;
    if (typeof v === 'function') return `fn:${String(v)}`;
    if (typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return `bytes:${Buffer.from((v as { data: number[] }).data).toString('base64')}`;
    }
    return v;
  });
}

/** Split diagnostics into the error and warning lines a user sees. */
export function lines(diags: readonly Diagnostic[]): { errors: string[]; warnings: string[] } {
  return {
    errors: diags.filter((d) => d.severity === 'error').map(formatDiagnostic),
    warnings: diags.filter((d) => d.severity === 'warning').map(formatDiagnostic),
  };
}
