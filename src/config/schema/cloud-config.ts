/**
 * Validating a cloud-config (user data, vendor data or system config)
 * against the schema compiled from the modules at build time. Used by
 * `stratus schema` and by the init stage, which logs the problems as
 * warnings, reports the boot as degraded when there are errors, and runs
 * the rest.
 *
 * Unknown top-level keys: cloud-init (since 23.4) calls them schema errors
 * ("Additional properties are not allowed"). stratus reports them apart, as
 * warnings with a "did you mean" when the key looks like a typo of a known
 * one: user data may carry keys for tools that read it later, or for
 * cloud-init modules stratus does not implement, and neither makes the
 * config wrong. A key cloud-init knows but stratus does not implement is
 * said to be ignored, so nobody waits for it to take effect.
 */
import type { PathSegment } from '../../text/diagnostics.ts';
import { isMapping } from '../../text/reader.ts';
import { CLOUD_CONFIG_SCHEMA } from './cloud-config.generated.ts';
import { CLOUD_INIT_ONLY_KEYS } from './cloud-init-keys.ts';
import { kindOf } from './secret-paths.ts';
import type { CloudConfigSchema } from './types.ts';
import { closestName, Findings, locateAll, Walker, type Locate, type SchemaReport } from './validate.ts';

export type { SchemaReport } from './validate.ts';

export function validateCloudConfig(value: unknown, locate: Locate | undefined, source: string, schema: CloudConfigSchema = CLOUD_CONFIG_SCHEMA): SchemaReport {
  const opts = { source, locate };
  const found = new Findings();
  const unknown = new Findings();
  // An empty document is an empty config.
  if (value !== null && value !== undefined) {
    if (!isMapping(value)) {
      // Only the kind: a scalar here is the user-data's own text, which never goes to the log.
      found.errors.push({ path: [], message: `a cloud-config must be a mapping of keys to values, not ${kindOf(value)}` });
    } else {
      const walker = new Walker(schema.$defs);
      for (const key of Object.keys(value)) {
        const sub = Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined;
        if (sub !== undefined) walker.check(sub, value[key], [key], found);
        else unknown.errors.push({ path: [key], message: unknownTopLevelKey(key, schema) });
      }
    }
  }
  return {
    errors: locateAll(found.errors, 'error', opts),
    deprecations: locateAll(found.deprecations, 'warning', opts),
    warnings: locateAll(unknown.errors, 'warning', opts),
  };
}

function unknownTopLevelKey(key: string, schema: CloudConfigSchema): string {
  if (CLOUD_INIT_ONLY_KEYS.has(key)) return 'a cloud-init key no stratus module reads yet; ignored';
  const near = closestName(key, Object.keys(schema.properties));
  return near === undefined ? 'unknown key; ignored' : `unknown key (did you mean "${near}"?); ignored`;
}

/**
 * The config without the top-level keys that have errors, for a caller that
 * would rather not hand a module a value it cannot use. (cloud-init hands
 * modules everything; whether stratus does is the init stage's choice.)
 */
export function withoutInvalidKeys(config: Record<string, unknown>, report: SchemaReport): Record<string, unknown> {
  const bad = new Set<PathSegment | undefined>(report.errors.map((d) => d.path[0]));
  return Object.fromEntries(Object.entries(config).filter(([k]) => !bad.has(k)));
}
