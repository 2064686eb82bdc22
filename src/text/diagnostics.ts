/**
 * Located messages about an input: which input, where in it (line, column,
 * path of keys) and what is wrong. Parsers collect these instead of throwing,
 * so a user sees every problem of a file at once.
 */

export type PathSegment = string | number;

export interface Diagnostic {
  severity: 'error' | 'warning';
  /** Name of the input, e.g. "network-config" or a file path. */
  source: string;
  path: PathSegment[];
  line?: number;
  column?: number;
  message: string;
}

/** "ethernets.eth0.addresses[1]" */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** `network-config line 12: ethernets.eth0.addresses[1]: "10.0.0.300/24" is not an IP prefix` */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line !== undefined ? `${d.source} line ${d.line}` : d.source;
  const path = formatPath(d.path);
  const kind = d.severity === 'warning' ? 'warning: ' : '';
  return path ? `${where}: ${kind}${path}: ${d.message}` : `${where}: ${kind}${d.message}`;
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === 'error');
}

/** Thrown where a caller needs an exception; always carries located diagnostics. */
export class InputError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    super(diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n'));
    this.name = 'InputError';
    this.diagnostics = diagnostics;
  }
}

/** Show a value in a message: short, on one line, control characters escaped. */
export function show(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (value === null || value === undefined) text = String(value);
  else if (Array.isArray(value)) text = 'a list';
  else if (value instanceof Uint8Array) text = 'binary data (!!binary)';
  else if (value instanceof Set) text = 'a set (!!set)';
  else if (value instanceof Map) text = 'an ordered mapping (!!omap)';
  else if (typeof value === 'object') text = 'a mapping';
  else text = String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
