/**
 * What counts as a good answer to a bad input. A parser either accepts, or
 * rejects with located diagnostics (every error names its source and a line
 * or a key path, or is one of the few messages about the input as a whole),
 * or throws one of the project's typed errors whose message names the input.
 * Anything else — TypeError, RangeError, stack overflow, a plain Error, an
 * error diagnostic with no place — is a crash.
 */
import { MediaError } from '../../src/media/block-reader.ts';
import { formatDiagnostic, InputError, type Diagnostic } from '../../src/text/diagnostics.ts';

export type Verdict = { kind: 'accepted' } | { kind: 'rejected' } | { kind: 'crash'; reason: string };

export const ACCEPTED: Verdict = { kind: 'accepted' };
export const REJECTED: Verdict = { kind: 'rejected' };

export function crash(reason: string): Verdict {
  return { kind: 'crash', reason };
}

/**
 * Why these diagnostics are not acceptable, or undefined when they are.
 * `whole` matches the messages that are about the input as a whole and so
 * need no line or path (an empty file, a file too large...).
 */
export function diagnosticsProblem(diags: readonly Diagnostic[], source: string, whole?: RegExp): string | undefined {
  for (const d of diags) {
    if (typeof d.message !== 'string' || d.message.trim() === '') return `a diagnostic without a message: ${JSON.stringify(d)}`;
    if (typeof d.source !== 'string' || !d.source.startsWith(source)) return `a diagnostic that does not name the input ${JSON.stringify(source)}: ${formatDiagnostic(d)}`;
    if (d.severity !== 'error') continue;
    const located = (d.line !== undefined && Number.isInteger(d.line) && d.line >= 1) || d.path.length > 0;
    if (!located && !(whole && whole.test(d.message))) return `an error with no line and no key path: ${formatDiagnostic(d)}`;
    if (d.line !== undefined && (!Number.isInteger(d.line) || d.line < 0)) return `an error with a bad line number: ${formatDiagnostic(d)}`;
  }
  return undefined;
}

/** Verdict for a rejection through diagnostics: there must be at least one error, and all located. */
export function rejection(diags: readonly Diagnostic[], source: string, whole?: RegExp): Verdict {
  if (!diags.some((d) => d.severity === 'error')) return crash('rejected with no error diagnostic');
  const p = diagnosticsProblem(diags, source, whole);
  return p ? crash(p) : REJECTED;
}

/** Verdict for an exception: a typed, located project error is a rejection; anything else a crash. */
export function thrown(e: unknown, source: string, whole?: RegExp): Verdict {
  if (e instanceof InputError) {
    const p = diagnosticsProblem(e.diagnostics, source, whole);
    if (p) return crash(`InputError: ${p}`);
    return e.diagnostics.some((d) => d.severity === 'error') ? REJECTED : crash('InputError without an error diagnostic');
  }
  if (e instanceof MediaError) {
    return e.message.startsWith(`${source}: `) && e.message.length > source.length + 2 ? REJECTED : crash(`MediaError without the image name: ${e.message}`);
  }
  return crash(describeError(e));
}

export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const frames = (e.stack ?? '').split('\n').slice(1, 6).map((l) => l.trim()).join(' | ');
    return `${e.name}: ${e.message.slice(0, 300)} @ ${frames}`;
  }
  return `threw a non-Error: ${String(e).slice(0, 200)}`;
}
