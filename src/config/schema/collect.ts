/**
 * Build time only (scripts/build-schema.mjs and the up-to-date test; never
 * bundled): loads every module the registry knows, merges their schema
 * fragments and the base keys into one CloudConfigSchema, and renders it as
 * the TypeScript module the boot imports. Loading ~30 module files to learn
 * their keys is fine once per build and not fine once per boot.
 *
 * The merge refuses what would make the schema lie: two modules giving the
 * same key (or definition) different schemas, a $ref that resolves to
 * nothing, a pattern JavaScript cannot compile.
 */
import { KNOWN_MODULES, loadModule } from '../../modules/registry.ts';
import { BASE_FRAGMENT } from './base.ts';
import type { CloudConfigSchema, JsonSchema, SchemaFragment } from './types.ts';

/** Keywords only people read; leaving them out keeps the bundle small. */
const DOC_ONLY = new Set(['description', 'default']);

function stripDocs(schema: JsonSchema): JsonSchema {
  const out: Record<string, unknown> = {};
  const each = (m: Record<string, JsonSchema>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, stripDocs(v)]));
  for (const [k, v] of Object.entries(schema) as [keyof JsonSchema, unknown][]) {
    if (DOC_ONLY.has(k)) continue;
    if (k === 'properties' || k === 'patternProperties') out[k] = each(v as Record<string, JsonSchema>);
    else if (k === 'items' || k === 'not' || (k === 'additionalProperties' && typeof v === 'object')) out[k] = stripDocs(v as JsonSchema);
    else if (k === 'oneOf' || k === 'anyOf' || k === 'allOf') out[k] = (v as JsonSchema[]).map(stripDocs);
    else out[k] = v;
  }
  return out as JsonSchema;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Every fragment the build merges: the base keys, then each registered module's. */
export async function collectFragments(): Promise<{ owner: string; fragment: SchemaFragment }[]> {
  const list = [{ owner: 'base', fragment: BASE_FRAGMENT }];
  for (const name of [...KNOWN_MODULES].sort()) {
    const mod = await loadModule(name);
    if (mod?.schema) list.push({ owner: name, fragment: mod.schema });
  }
  return list;
}

export async function collectSchema(): Promise<CloudConfigSchema> {
  return mergeFragments(await collectFragments());
}

export function mergeFragments(fragments: readonly { owner: string; fragment: SchemaFragment }[]): CloudConfigSchema {
  const schema: CloudConfigSchema = { properties: {}, $defs: {}, readBy: {} };
  for (const { owner, fragment } of fragments) {
    for (const [key, sub] of Object.entries(fragment.properties)) {
      const s = stripDocs(sub);
      const had = schema.properties[key];
      if (had !== undefined && !same(had, s)) {
        throw new Error(`cloud-config key "${key}": ${owner} and ${schema.readBy[key]?.join(', ')} give it different schemas`);
      }
      schema.properties[key] = s;
      (schema.readBy[key] ??= []).push(owner);
    }
    for (const [name, sub] of Object.entries(fragment.$defs ?? {})) {
      const s = stripDocs(sub);
      const had = schema.$defs[name];
      if (had !== undefined && !same(had, s)) throw new Error(`schema definition "${name}": ${owner} redefines it differently`);
      schema.$defs[name] = s;
    }
  }
  checkSchema(schema);
  // Sorted keys: the generated file does not change when modules are registered in another order.
  const sorted = <T>(o: Record<string, T>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { properties: sorted(schema.properties), $defs: sorted(schema.$defs), readBy: sorted(schema.readBy) };
}

/** Every $ref resolves and every pattern compiles (so neither can fail at boot). */
export function checkSchema(schema: CloudConfigSchema): void {
  const visit = (s: unknown, where: string): void => {
    if (Array.isArray(s)) return s.forEach((x, i) => visit(x, `${where}[${i}]`));
    if (typeof s !== 'object' || s === null) return;
    const o = s as Record<string, unknown>;
    if (typeof o['$ref'] === 'string') {
      const name = o['$ref'].replace(/^#\/\$defs\//, '');
      if (!o['$ref'].startsWith('#/$defs/') || !Object.hasOwn(schema.$defs, name)) throw new Error(`${where}: $ref ${o['$ref']} does not resolve`);
    }
    const patterns = [typeof o['pattern'] === 'string' ? o['pattern'] : undefined, ...Object.keys(isObject(o['patternProperties']) ? o['patternProperties'] : {})];
    for (const p of patterns) {
      if (p === undefined) continue;
      try {
        new RegExp(p);
      } catch (e) {
        throw new Error(`${where}: pattern ${p} does not compile: ${(e as Error).message}`);
      }
    }
    for (const [k, v] of Object.entries(o)) visit(v, `${where}.${k}`);
  };
  visit(schema.properties, 'properties');
  visit(schema.$defs, '$defs');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export const GENERATED_PATH = 'src/config/schema/cloud-config.generated.ts';

export function renderGenerated(schema: CloudConfigSchema): string {
  return `// Generated by scripts/build-schema.mjs from the config modules' schema fragments
// (src/modules/*.ts through src/modules/registry.ts) and src/config/schema/base.ts.
// Do not edit: run \`node scripts/build-schema.mjs\` (\`npm run build\` runs it).
// test/config/schema-generated.test.ts fails when this file is out of date.
import type { CloudConfigSchema } from './types.ts';

export const CLOUD_CONFIG_SCHEMA: CloudConfigSchema = ${JSON.stringify(schema, null, 2)};
`;
}
