/**
 * A small interpreter for the JsonSchema subset in types.ts. It is not a
 * schema compiler: the schema is a plain object made at build time, and one
 * walk over the document checks it, so nothing has to be generated or
 * evaluated at boot. Problems come back as located diagnostics, errors and
 * deprecations apart (a deprecation is advice; the key still works).
 *
 * Messages name the value and what was expected in a few words. Where the
 * schema offers alternatives (oneOf/anyOf), a user wants to hear about the
 * alternative they meant, not every one: when no branch fits, the one whose
 * problems lie deepest in the value (it matched the most) is reported, and
 * when every branch fails on the type alone, one line lists the types.
 */
import { show, type Diagnostic, type PathSegment } from '../../text/diagnostics.ts';
import { isMapping } from '../../text/reader.ts';
import { isSecretPath, kindOf } from './secret-paths.ts';
import type { JsonScalar, JsonSchema, JsonType } from './types.ts';

export type Locate = (path: readonly PathSegment[]) => { line: number; column: number } | undefined;

export interface SchemaReport {
  errors: Diagnostic[];
  deprecations: Diagnostic[];
  /** Neither errors nor deprecations: e.g. top-level keys no module reads. */
  warnings: Diagnostic[];
}

/** A problem before it is located; `expected` is set when the value has the wrong type. */
export interface Finding {
  path: PathSegment[];
  message: string;
  expected?: JsonType[];
}

export class Findings {
  readonly errors: Finding[] = [];
  readonly deprecations: Finding[] = [];
}

export interface ValidateOptions {
  source: string;
  locate?: Locate;
  /** The definitions "#/$defs/<name>" refers to. */
  defs?: Record<string, JsonSchema>;
}

/** Validate one value against one schema. */
export function validateValue(schema: JsonSchema, value: unknown, opts: ValidateOptions): SchemaReport {
  const found = new Findings();
  new Walker(opts.defs ?? {}).check(schema, value, [], found);
  return {
    errors: locateAll(found.errors, 'error', opts),
    deprecations: locateAll(found.deprecations, 'warning', opts),
    warnings: [],
  };
}

/** Findings → diagnostics in document order, each reported once. */
export function locateAll(findings: readonly Finding[], severity: Diagnostic['severity'], opts: Pick<ValidateOptions, 'source' | 'locate'>): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const f of findings) {
    const key = `${JSON.stringify(f.path)}\0${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const at = opts.locate?.(f.path);
    out.push({ severity, source: opts.source, path: f.path, line: at?.line, column: at?.column, message: f.message });
  }
  // Stable: findings without a position keep their order after the located ones.
  return out.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
}

const TYPE_WORDS: Record<JsonType, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  null: 'null',
};

export function describeTypes(types: readonly JsonType[]): string {
  const words = [...new Set(types.map((t) => TYPE_WORDS[t]))];
  return words.length <= 1 ? (words[0] ?? 'nothing') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

function hasType(value: unknown, type: JsonType): boolean {
  switch (type) {
    case 'string':
      // YAML !!binary (write_files content, say) is a string to the schema, as in cloud-init.
      return typeof value === 'string' || value instanceof Uint8Array;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isMapping(value);
    case 'null':
      return value === null;
  }
}

/** Enum values as the brief message shows them: strings bare, the rest as YAML would write them. */
function scalarText(v: JsonScalar): string {
  return typeof v === 'string' ? v : String(v);
}

/** cloud-init's descriptions use reStructuredText ``literals``; a terminal shows plain quotes. */
function plain(text: string): string {
  return text.replace(/``([^`]+)``/g, '"$1"').replace(/\s+/g, ' ').trim();
}

export function deprecationMessage(schema: JsonSchema): string {
  const since = schema.deprecated_version ? ` since ${schema.deprecated_version}` : '';
  const what = schema.deprecated_description ? `: ${plain(schema.deprecated_description)}` : '';
  return `deprecated${since}${what}`;
}

/** A canonical text of a value, for uniqueItems (key order does not matter in a mapping). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isMapping(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? String(value);
}

/** Edit distance bounded by `max` (anything further is max + 1): for "did you mean". */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      best = Math.min(best, v);
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known name closest to `name`, if it is close enough to be a likely typo. */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/-/g, '_');
  const n = norm(name);
  const max = n.length <= 4 ? 1 : n.length <= 10 ? 2 : 3;
  let best: string | undefined;
  let bestD = max + 1;
  for (const k of known) {
    const d = editDistance(n, norm(k), max);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

export function unknownKeyMessage(key: string, known: Iterable<string>): string {
  const near = closestName(key, known);
  return near === undefined ? 'unknown key' : `unknown key (did you mean "${near}"?)`;
}

const patterns = new Map<string, RegExp>();
function regex(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (re === undefined) {
    // No 'u' flag: the patterns are written for Python's re, which accepts escapes such as \_ that unicode mode refuses.
    re = new RegExp(pattern);
    patterns.set(pattern, re);
  }
  return re;
}

function deepest(f: Findings): number {
  return f.errors.reduce((m, e) => Math.max(m, e.path.length), 0);
}

/** A value in a message; under a password, token or key only its kind (secret-paths.ts): messages reach the log and status.json. */
function showAt(path: readonly PathSegment[], value: unknown): string {
  return isSecretPath(path) ? kindOf(value) : show(value);
}

export class Walker {
  constructor(private readonly defs: Record<string, JsonSchema>) {}

  check(schema: JsonSchema, value: unknown, path: PathSegment[], out: Findings): void {
    if (schema.$ref !== undefined) {
      const name = schema.$ref.startsWith('#/$defs/') ? schema.$ref.slice('#/$defs/'.length) : undefined;
      const target = name !== undefined && Object.hasOwn(this.defs, name) ? this.defs[name] : undefined;
      // The build refuses unresolved references; this guards a hand-made schema.
      if (target === undefined) out.errors.push({ path, message: `schema error: unknown reference ${schema.$ref}` });
      else this.check(target, value, path, out);
    }
    if (schema.deprecated) out.deprecations.push({ path, message: deprecationMessage(schema) });

    if (schema.type !== undefined) {
      const types = Array.isArray(schema.type) ? schema.type : [schema.type];
      if (!types.some((t) => hasType(value, t))) {
        // Nothing else can be said usefully about a value of the wrong type.
        out.errors.push({ path, message: `must be ${describeTypes(types)}, not ${showAt(path, value)}`, expected: types });
        return;
      }
    }
    if (schema.enum !== undefined && !schema.enum.some((e) => e === value)) {
      out.errors.push({ path, message: `${showAt(path, value)} is not one of ${schema.enum.map(scalarText).join(', ')}` });
    }
    if (schema.const !== undefined && schema.const !== value) {
      out.errors.push({ path, message: `must be ${show(schema.const)}, not ${showAt(path, value)}` });
    }
    if (typeof value === 'string') this.checkString(schema, value, path, out);
    else if (typeof value === 'number') this.checkNumber(schema, value, path, out);
    else if (Array.isArray(value)) this.checkArray(schema, value, path, out);
    else if (isMapping(value)) this.checkMapping(schema, value, path, out);

    for (const sub of schema.allOf ?? []) this.check(sub, value, path, out);
    if (schema.anyOf !== undefined) this.alternatives(schema.anyOf, false, value, path, out);
    if (schema.oneOf !== undefined) this.alternatives(schema.oneOf, true, value, path, out);
    if (schema.not !== undefined) {
      const probe = new Findings();
      this.check(schema.not, value, path, probe);
      if (probe.errors.length === 0) {
        const keys = schema.not.required;
        out.errors.push({
          path,
          message: keys?.length ? `must not have ${keys.map((k) => `"${k}"`).join(' and ')} together` : 'has a form that is not allowed here',
        });
      }
    }
  }

  private checkString(schema: JsonSchema, value: string, path: PathSegment[], out: Findings): void {
    if (schema.minLength !== undefined || schema.maxLength !== undefined) {
      const length = [...value].length;
      if (schema.minLength !== undefined && length < schema.minLength) {
        out.errors.push({ path, message: schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters long` });
      }
      if (schema.maxLength !== undefined && length > schema.maxLength) {
        out.errors.push({ path, message: `must be at most ${schema.maxLength} characters long (it has ${length})` });
      }
    }
    if (schema.pattern !== undefined && !regex(schema.pattern).test(value)) {
      out.errors.push({ path, message: `${showAt(path, value)} does not match the pattern ${schema.pattern}` });
    }
  }

  private checkNumber(schema: JsonSchema, value: number, path: PathSegment[], out: Findings): void {
    if (schema.minimum !== undefined && value < schema.minimum) out.errors.push({ path, message: `${value} is less than the minimum ${schema.minimum}` });
    if (schema.maximum !== undefined && value > schema.maximum) out.errors.push({ path, message: `${value} is more than the maximum ${schema.maximum}` });
  }

  private checkArray(schema: JsonSchema, value: unknown[], path: PathSegment[], out: Findings): void {
    const items = (n: number) => `${n} item${n === 1 ? '' : 's'}`;
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      out.errors.push({ path, message: schema.minItems === 1 ? 'must not be an empty list' : `must have at least ${items(schema.minItems)}` });
    }
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      out.errors.push({ path, message: `must have at most ${items(schema.maxItems)} (it has ${value.length})` });
    }
    if (schema.uniqueItems) {
      const first = new Map<string, number>();
      value.forEach((v, i) => {
        const key = canonical(v);
        const j = first.get(key);
        if (j === undefined) first.set(key, i);
        else out.errors.push({ path: [...path, i], message: `repeats item [${j}] (the items must be unique)` });
      });
    }
    if (schema.items !== undefined) {
      for (let i = 0; i < value.length; i++) this.check(schema.items, value[i], [...path, i], out);
    }
  }

  private checkMapping(schema: JsonSchema, value: Record<string, unknown>, path: PathSegment[], out: Findings): void {
    const props = schema.properties ?? {};
    const patternProps = schema.patternProperties;
    for (const key of Object.keys(value)) {
      const at = [...path, key];
      let matched = false;
      if (Object.hasOwn(props, key)) {
        matched = true;
        this.check(props[key]!, value[key], at, out);
      }
      if (patternProps !== undefined) {
        for (const [p, sub] of Object.entries(patternProps)) {
          if (!regex(p).test(key)) continue;
          matched = true;
          this.check(sub, value[key], at, out);
        }
      }
      if (matched || schema.additionalProperties === undefined || schema.additionalProperties === true) continue;
      if (schema.additionalProperties === false) out.errors.push({ path: at, message: unknownKeyMessage(key, Object.keys(props)) });
      else this.check(schema.additionalProperties, value[key], at, out);
    }
    const missing = (schema.required ?? []).filter((k) => !Object.hasOwn(value, k));
    if (missing.length > 0) {
      const names = missing.map((k) => `"${k}"`).join(', ');
      out.errors.push({ path, message: `${names} ${missing.length === 1 ? 'is' : 'are'} required` });
    }
    if (schema.minProperties !== undefined && Object.keys(value).length < schema.minProperties) {
      out.errors.push({ path, message: schema.minProperties === 1 ? 'must not be an empty mapping' : `must have at least ${schema.minProperties} keys` });
    }
  }

  private alternatives(branches: readonly JsonSchema[], exactlyOne: boolean, value: unknown, path: PathSegment[], out: Findings): void {
    const results: Findings[] = [];
    for (const b of branches) {
      const f = new Findings();
      this.check(b, value, path, f);
      results.push(f);
      // anyOf is settled by the first branch that fits.
      if (!exactlyOne && f.errors.length === 0) break;
    }
    const fitting = results.filter((f) => f.errors.length === 0);
    if (fitting.length === 1 || (!exactlyOne && fitting.length > 0)) {
      out.deprecations.push(...fitting[0]!.deprecations);
      return;
    }
    if (fitting.length > 1) {
      out.errors.push({ path, message: `matches ${fitting.length} of the allowed forms; it must match exactly one` });
      return;
    }
    const depth = path.length;
    const wrongType = (f: Findings) => f.errors.length === 1 && f.errors[0]!.expected !== undefined && f.errors[0]!.path.length === depth;
    const candidates = results.filter((f) => !wrongType(f));
    if (candidates.length === 0) {
      const expected = results.flatMap((f) => f.errors[0]?.expected ?? []);
      out.errors.push({ path, message: `must be ${describeTypes(expected)}, not ${showAt(path, value)}`, expected });
      return;
    }
    let best = candidates[0]!;
    for (const c of candidates.slice(1)) {
      const d = deepest(c) - deepest(best);
      if (d > 0 || (d === 0 && c.errors.length < best.errors.length)) best = c;
    }
    out.errors.push(...best.errors);
  }
}
