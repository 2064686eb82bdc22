/**
 * YAML (and JSON) loading with positions. Values follow the YAML 1.1 rules
 * cloud-config and network-config rely on, as PyYAML (which cloud-init uses)
 * reads them: yes/no/on/off booleans, 0644 octal, 0x hex, ~ and empty as
 * null, .inf/.nan. The exceptions are two 1.1 types that only ever surprise
 * users, sexagesimal numbers (an unquoted MAC such as 52:54:00:12:34:56 stays
 * a string) and timestamps (dates stay strings), and JSON's number forms
 * ("1e3"), which are numbers here.
 *
 * The syntax is PyYAML's: stratus accepts what PyYAML accepts and rejects
 * what it rejects (test/text/yaml-differential.test.ts holds it to that),
 * with a located, user-facing message. Stricter than PyYAML where leniency
 * hides mistakes: a key given twice in one mapping is an error (PyYAML keeps
 * the last one silently), and so are documents nested absurdly deep,
 * expanding too many aliases, or referring to themselves. Unknown tags
 * (which PyYAML refuses) are warnings, and the value is read untagged.
 * docs/differences.md lists every difference.
 *
 * The loader lives in ./yaml/: scanner (text → tokens), parser (tokens →
 * nodes), construct and resolve (nodes → values), locate (path → position).
 */
import { type Diagnostic, type PathSegment } from './diagnostics.ts';
import { findForbiddenChar } from './yaml/chars.ts';
import { construct } from './yaml/construct.ts';
import { YamlError } from './yaml/error.ts';
import { locateOffset } from './yaml/locate.ts';
import { parse } from './yaml/parser.ts';
import { LineIndex } from './yaml/positions.ts';
import { scan } from './yaml/scanner.ts';

export interface LocatedDocument {
  source: string;
  value: unknown;
  /** 1-based line and column of the value at `path` (or of its key), if known. */
  locate(path: readonly PathSegment[]): { line: number; column: number } | undefined;
}

/** Alias uses allowed in the expanded document (against "billion laughs" documents). */
const MAX_ALIASES = 100;
/** Nesting allowed; a network config needs about six levels. */
export const MAX_DEPTH = 64;

export function loadYaml(text: string, source: string): { doc?: LocatedDocument; diagnostics: Diagnostic[] } {
  const lines = new LineIndex(text);
  const at = (offset: number | undefined): { line?: number; column?: number } => (offset === undefined ? {} : lines.position(offset));
  try {
    const bad = findForbiddenChar(text);
    if (bad >= 0) {
      const code = text.charCodeAt(bad).toString(16).toUpperCase().padStart(4, '0');
      throw new YamlError(`the character U+${code} is not allowed in YAML text (a control character can be written as an escape in a double-quoted string, such as "\\x07")`, bad);
    }
    const root = parse(scan(text, MAX_DEPTH), lines, { maxDepth: MAX_DEPTH });
    const { value, findings } = construct(root, { maxDepth: MAX_DEPTH, maxAliases: MAX_ALIASES }, (o) => lines.line(o));
    const diagnostics: Diagnostic[] = findings
      .map((f) => ({ severity: f.severity, source, path: f.path, ...at(f.offset), message: f.severity === 'warning' ? `YAML: ${f.message}` : f.message }))
      .sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics: diagnostics.filter((d) => d.severity === 'error') };
    const locate = (path: readonly PathSegment[]) => {
      const offset = locateOffset(root, path);
      return offset === undefined ? undefined : lines.position(offset);
    };
    return { doc: { source, value, locate }, diagnostics };
  } catch (e) {
    let error: YamlError;
    if (e instanceof YamlError) error = e;
    // The parser bounds nesting, so this is a safety net, not a path taken.
    else if (e instanceof RangeError && /call stack/i.test(e.message)) error = new YamlError(`nested more than ${MAX_DEPTH} levels deep`, undefined);
    else throw e;
    return { diagnostics: [{ severity: 'error', source, path: [], ...at(error.offset), message: `not valid YAML: ${error.message}` }] };
  }
}
