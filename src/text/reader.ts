/**
 * Typed access to a loaded document that records a located diagnostic for
 * every value of the wrong type instead of throwing.
 */
import { show, type Diagnostic, type PathSegment } from './diagnostics.ts';
import type { LocatedDocument } from './yaml.ts';

export type Mapping = Record<string, unknown>;

export class Reader {
  readonly diagnostics: Diagnostic[] = [];
  constructor(readonly doc: Pick<LocatedDocument, 'source' | 'locate'>) {}

  error(path: readonly PathSegment[], message: string): undefined {
    this.push('error', path, message);
    return undefined;
  }

  warn(path: readonly PathSegment[], message: string): void {
    this.push('warning', path, message);
  }

  private push(severity: Diagnostic['severity'], path: readonly PathSegment[], message: string): void {
    const at = this.doc.locate(path);
    this.diagnostics.push({ severity, source: this.doc.source, path: [...path], line: at?.line, column: at?.column, message });
  }

  get failed(): boolean {
    return this.diagnostics.some((d) => d.severity === 'error');
  }

  mapping(value: unknown, path: readonly PathSegment[]): Mapping | undefined {
    if (isMapping(value)) return value;
    return this.error(path, `must be a mapping, not ${show(value)}`);
  }

  list(value: unknown, path: readonly PathSegment[]): unknown[] | undefined {
    if (Array.isArray(value)) return value;
    return this.error(path, `must be a list, not ${show(value)}`);
  }

  /** A string; numbers are accepted and turned into their decimal text. */
  string(value: unknown, path: readonly PathSegment[]): string | undefined {
    if (typeof value === 'string') {
      if (/[\u0000-\u001f\u007f]/.test(value)) return this.error(path, `${show(value)} contains a line break, tab or other control character`);
      return value;
    }
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    return this.error(path, `must be a string, not ${show(value)}`);
  }

  /** A string or a list of strings; a string is split on whitespace when `split` is set. */
  strings(value: unknown, path: readonly PathSegment[], split = false): string[] | undefined {
    if (typeof value === 'string') {
      const s = this.string(value, path);
      if (s === undefined) return undefined;
      return split ? s.split(/\s+/).filter((x) => x !== '') : [s];
    }
    if (Array.isArray(value)) {
      const out: string[] = [];
      value.forEach((v, i) => {
        const s = this.string(v, [...path, i]);
        if (s !== undefined) out.push(s);
      });
      return out;
    }
    return this.error(path, `must be a string or a list of strings, not ${show(value)}`);
  }

  int(value: unknown, path: readonly PathSegment[], min?: number, max?: number): number | undefined {
    let n: number | undefined;
    if (typeof value === 'number' && Number.isInteger(value)) n = value;
    else if (typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value)) n = Number(value);
    if (n === undefined) return this.error(path, `must be an integer, not ${show(value)}`);
    if ((min !== undefined && n < min) || (max !== undefined && n > max)) {
      const range = max === undefined ? `at least ${min}` : min === undefined ? `at most ${max}` : `between ${min} and ${max}`;
      return this.error(path, `${n} is out of range (must be ${range})`);
    }
    return n;
  }

  /** A boolean; also the strings cloud-init treats as booleans (true/false, yes/no, on/off, 1/0). */
  bool(value: unknown, path: readonly PathSegment[]): boolean | undefined {
    const b = toBool(value);
    if (b === undefined) return this.error(path, `must be true or false, not ${show(value)}`);
    return b;
  }

  /** Warn about keys not in `known`. */
  checkKeys(obj: Mapping, path: readonly PathSegment[], known: ReadonlySet<string>, what: string): void {
    for (const key of Object.keys(obj)) {
      if (!known.has(key)) this.warn([...path, key], `unknown key in ${what}, ignored`);
    }
  }
}

/** A plain mapping as YAML and JSON produce it (not a list, binary data, !!set or !!omap). */
export function isMapping(value: unknown): value is Mapping {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

export function toBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (['true', 'yes', 'on', '1', 'y'].includes(v)) return true;
    if (['false', 'no', 'off', '0', 'n'].includes(v)) return false;
  }
  return undefined;
}
