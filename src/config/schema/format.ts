/**
 * How `stratus schema` shows a SchemaReport: errors, deprecations and
 * warnings in separate sections (a deprecation is advice and must not read
 * like a failure), each line "line N, column M: path: message"; or, with
 * --annotate, the document itself with E1/D1/W1 markers at the end of the
 * offending lines and a legend below it.
 */
import { formatPath, type Diagnostic } from '../../text/diagnostics.ts';
import type { SchemaReport } from './validate.ts';

const SECTIONS = [
  ['E', 'Errors', 'errors'],
  ['D', 'Deprecations', 'deprecations'],
  ['W', 'Warnings', 'warnings'],
] as const;

function what(d: Diagnostic): string {
  const path = formatPath(d.path);
  return path === '' ? d.message : `${path}: ${d.message}`;
}

/** "line 3, column 7: write_files[1].encoding: ..."; the file is named when it is not `source`. */
export function describeDiagnostic(d: Diagnostic, source?: string): string {
  const where: string[] = [];
  if (d.source !== source) where.push(d.source);
  if (d.line !== undefined) where.push(d.column !== undefined ? `line ${d.line}, column ${d.column}` : `line ${d.line}`);
  return where.length > 0 ? `${where.join(' ')}: ${what(d)}` : what(d);
}

export function isValid(report: SchemaReport): boolean {
  return report.errors.length === 0;
}

/** The sections with content, each heading followed by indented lines; "" when there is nothing to say. */
export function formatSections(report: SchemaReport, source: string, indent = ''): string {
  let out = '';
  for (const [, title, key] of SECTIONS) {
    const list = report[key];
    if (list.length === 0) continue;
    out += `${indent}${title} (${list.length}):\n`;
    for (const d of list) out += `${indent}  ${describeDiagnostic(d, source)}\n`;
  }
  return out;
}

/** The text with markers; a problem with no line (or past the end) is in the legend only. */
export function annotate(text: string, report: SchemaReport, source: string): string {
  const lines = text.split('\n');
  const trailingNewline = lines.length > 1 && lines[lines.length - 1] === '';
  if (trailingNewline) lines.pop();
  const marks = new Map<number, string[]>();
  const legend: string[] = [];
  for (const [letter, title, key] of SECTIONS) {
    const list = report[key];
    if (list.length === 0) continue;
    legend.push(`# ${title}: -------------`);
    list.forEach((d, i) => {
      const label = `${letter}${i + 1}`;
      const marked = d.line !== undefined && d.line <= lines.length;
      if (marked) {
        const at = marks.get(d.line! - 1) ?? [];
        at.push(label);
        marks.set(d.line! - 1, at);
      }
      // A marked problem's line is where the marker is; the others say where they are.
      legend.push(`# ${label}: ${marked ? what(d) : describeDiagnostic(d, source)}`);
    });
  }
  const body = lines.map((line, i) => {
    const m = marks.get(i);
    return m === undefined ? line : `${line.replace(/\r$/, '')}\t\t# ${m.join(', ')}`;
  });
  return `${body.join('\n')}\n${legend.length > 0 ? `\n${legend.join('\n')}\n` : ''}`;
}
