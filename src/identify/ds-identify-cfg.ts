/**
 * /etc/cloud/ds-identify.cfg, read line by line as ds-identify reads it (it
 * is "key: value" lines, not general YAML): text after `#` is dropped, key
 * and value are trimmed, one pair of surrounding quotes is removed, and the
 * last line for a key wins.
 */
import { hasOwn } from '../config/object.ts';
import type { DsIdentifyCfg } from './types.ts';

const KEYS: Record<string, keyof DsIdentifyCfg> = {
  datasource: 'datasource',
  policy: 'policy',
  'ci.datasource.ec2.strict_id': 'ec2StrictId',
};

export function parseDsIdentifyCfg(text: string): DsIdentifyCfg {
  const cfg: DsIdentifyCfg = {};
  for (const raw of text.split('\n')) {
    const line = raw.split('#', 1)[0] ?? '';
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const field = hasOwn(KEYS, key) ? KEYS[key] : undefined;
    if (field) cfg[field] = unquote(line.slice(colon + 1).trim());
  }
  return cfg;
}

function unquote(value: string): string {
  const m = /^(["'])(.*)\1$/.exec(value);
  return m ? (m[2] ?? '') : value;
}
