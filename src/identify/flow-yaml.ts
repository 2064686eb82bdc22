/**
 * One-line YAML for the config identify adds to /run/cloud-init/cloud.cfg
 * (`datasource: {Ec2: {strict_id: "warn"}}`), the form ds-identify writes.
 * Strings are always quoted so no value changes type on the way back in.
 */
import { isMapping } from '../text/reader.ts';

/** A plain key needs no quotes only when YAML 1.1 would read it back as the same string. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const SPECIAL_WORDS = /^(y|n|yes|no|on|off|true|false|null)$/i;

function key(k: string): string {
  return PLAIN_KEY.test(k) && !SPECIAL_WORDS.test(k) ? k : JSON.stringify(k);
}

export function flowYaml(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flowYaml).join(', ')}]`;
  if (isMapping(value)) return `{${Object.keys(value).map((k) => `${key(k)}: ${flowYaml(value[k])}`).join(', ')}}`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return 'null';
}

/** One `key: value` line per top-level key. */
export function flowYamlLines(config: Record<string, unknown>): string[] {
  return Object.keys(config).map((k) => `${key(k)}: ${flowYaml(config[k])}`);
}
