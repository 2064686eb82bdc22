/**
 * `query` on loaded instance data (pure): the jinja variable view cloud-init
 * builds from instance-data (keys sorted, the v1/v2... keys also at the top,
 * an underscore alias for every key with an operator character such as "-"
 * or "."), dot-path lookup, --list-keys, and a minimal --format that
 * substitutes `{{ dotted.path }}` (full jinja comes later: anything else is
 * refused with a message rather than rendered wrongly).
 */
import { pyJsonDumps } from './py-json.ts';
import { pyStr } from './py-repr.ts';
import { BinaryValue, isDataObject, sortedKeys, type DataObject, type DataValue } from './values.ts';

/** Characters (jinja operators) that make a key unusable in `a.b.c` notation; replaced by "_" in its alias. */
const JINJA_OPERATORS = /\/\/|\*\*|==|!=|>=|<=|[-+/*%~[\](){}=<>.:|,;]/g;

/** "availability-zone" → "availability_zone"; null when the key needs no alias. */
export function jinjaAlias(key: string): string | null {
  const alias = key.replace(JINJA_OPERATORS, '_');
  return alias === key ? null : alias;
}

function deepCopy(v: DataValue): DataValue {
  if (Array.isArray(v)) return v.map(deepCopy);
  if (isDataObject(v)) {
    const o: DataObject = {};
    for (const [k, x] of Object.entries(v)) o[k] = deepCopy(x);
    return o;
  }
  return v;
}

/** base64 text → UTF-8 text, or bytes when it is not UTF-8 (as cloud-init's b64d). */
function decodeBase64(v: DataValue): DataValue {
  if (typeof v !== 'string') return v;
  const bytes = Buffer.from(v, 'base64');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new BinaryValue(bytes);
  }
}

export interface ConvertOptions {
  /** "/"-separated key paths whose values are base64 (instance-data's base64_encoded_keys). */
  decodePaths?: readonly string[];
  aliases?: boolean;
}

/** instance-data → the variables templates and `query` see. */
export function jinjaVariables(data: DataObject, opts: ConvertOptions = {}, prefix = ''): DataObject {
  const decode = (opts.decodePaths ?? []).map((p) => p.replace(/-/g, '_'));
  const result: DataObject = {};
  for (const key of sortedKeys(data)) {
    let value = data[key] as DataValue;
    const keyPath = prefix ? `${prefix}/${key}` : key;
    if (decode.includes(keyPath)) value = decodeBase64(value);
    if (isDataObject(value)) {
      const converted = jinjaVariables(value, { ...opts, decodePaths: decode }, keyPath);
      result[key] = converted;
      // v1, v2...: their keys are also top-level variables ({{ cloud_name }}).
      if (/^v\d+$/.test(key)) for (const [k, x] of Object.entries(converted)) result[k] = deepCopy(x);
    } else {
      result[key] = value;
    }
    const alias = opts.aliases ? jinjaAlias(key) : null;
    if (alias !== null) result[alias] = deepCopy(result[key] as DataValue);
  }
  return result;
}

export type Lookup = { ok: true; value: DataValue } | { ok: false; message: string };

/**
 * The value at a dot path. A part matches a key, or the alias of a key
 * ("availability_zone" finds "availability-zone"), or, the other way round,
 * a key whose alias it spells with operators ("local-hostname" finds
 * "local_hostname").
 */
export function lookupPath(vars: DataObject, varname: string): Lookup {
  let current: DataValue = vars;
  let walked = '';
  for (const part of varname.split('.')) {
    const found = isDataObject(current) ? findKey(current, part) : undefined;
    if (found === undefined) {
      const message = walked ? `instance-data '${walked}' has no '${part}'` : `Undefined instance-data key '${varname}'`;
      return { ok: false, message };
    }
    current = (current as DataObject)[found] as DataValue;
    walked = walked ? `${walked}.${part}` : part;
  }
  return { ok: true, value: current };
}

function findKey(o: DataObject, part: string): string | undefined {
  if (Object.hasOwn(o, part)) return part;
  const keys = Object.keys(o);
  return keys.find((k) => jinjaAlias(k) === part) ?? keys.find((k) => jinjaAlias(part) !== null && jinjaAlias(part) === k);
}

export type QueryResult = { ok: true; text: string } | { ok: false; message: string };

export interface QueryRequest {
  varname?: string;
  listKeys: boolean;
}

/** What `query [--list-keys] [varname]` / `query --all` prints (without the final newline). */
export function answerQuery(data: DataObject, req: QueryRequest): QueryResult {
  let response: DataValue = jinjaVariables(data);
  if (req.varname) {
    const found = lookupPath(jinjaVariables(data, { aliases: true }), req.varname);
    if (!found.ok) return found;
    // Look up again in the view without aliases, so a dict prints without alias keys.
    response = resolveWithoutAliases(response, req.varname) ?? found.value;
  }
  if (req.listKeys) {
    if (!isDataObject(response)) return { ok: false, message: `--list-keys provided but '${req.varname ?? ''}' is not a dict` };
    return { ok: true, text: sortedKeys(response).join('\n') };
  }
  return { ok: true, text: typeof response === 'string' ? response : pyJsonDumps(response, 1) };
}

function resolveWithoutAliases(vars: DataValue, varname: string): DataValue | undefined {
  let current: DataValue = vars;
  for (const part of varname.split('.')) {
    const key = isDataObject(current) ? findKey(current, part) : undefined;
    if (key === undefined) return undefined;
    current = (current as DataObject)[key] as DataValue;
  }
  return current;
}

/** `{{ a.b_c }}`: a dotted path of names; everything else jinja can do is not supported yet. */
const SUBSTITUTION = /\{\{-?\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*-?\}\}/g;

/** `query --format TEMPLATE`: the rendered text, or why it cannot be rendered. */
export function renderFormat(template: string, data: DataObject): QueryResult {
  const encoded = data['base64_encoded_keys'] ?? data['base64-encoded-keys'];
  const decodePaths = Array.isArray(encoded) ? encoded.filter((k): k is string => typeof k === 'string') : [];
  const vars = jinjaVariables(data, { decodePaths, aliases: true });
  const missing: string[] = [];
  const rendered = template.replace(SUBSTITUTION, (_all, path: string) => {
    const found = lookupPath(vars, path);
    if (!found.ok) {
      missing.push(path);
      return '';
    }
    return pyStr(found.value);
  });
  // Looked for in the template, not the output: a value may well contain "{{".
  const rest = template.replace(SUBSTITUTION, '');
  const leftover = /\{\{|\{%|\{#/.exec(rest);
  if (leftover) {
    const at = rest.slice(leftover.index, leftover.index + 40).split('\n')[0];
    return {
      ok: false,
      message: `--format supports only {{ dotted.variable }} substitutions for now, not jinja expressions, statements or comments: ${JSON.stringify(at)}`,
    };
  }
  if (missing.length > 0) {
    return { ok: false, message: `Undefined jinja variable${missing.length > 1 ? 's' : ''}: ${missing.map((m) => JSON.stringify(m)).join(', ')}` };
  }
  // jinja drops one trailing newline of the template.
  return { ok: true, text: rendered.endsWith('\n') ? rendered.slice(0, -1) : rendered };
}
