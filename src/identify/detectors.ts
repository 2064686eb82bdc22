/**
 * The datasources identify can check, in one table, so the names written to
 * /run/cloud-init/cloud.cfg and the checks cannot drift apart.
 */
import { hasOwn } from '../config/object.ts';
import { detectCloudStack } from '../sources/cloudstack/detect.ts';
import { detectConfigDrive } from '../sources/configdrive/detect.ts';
import { detectEc2 } from '../sources/ec2/detect.ts';
import { detectNoCloud } from '../sources/nocloud/detect.ts';
import { detectOpenStack } from '../sources/openstack/detect.ts';
import type { Detect } from './types.ts';

export const DETECTORS: ReadonlyMap<string, Detect> = new Map([
  ['NoCloud', detectNoCloud],
  ['ConfigDrive', detectConfigDrive],
  ['OpenStack', detectOpenStack],
  ['Ec2', detectEc2],
  ['CloudStack', detectCloudStack],
]);

/** Names cloud-init accepts for a datasource that are not its name in any case. */
const ALIASES: Record<string, string> = { 'nocloud-net': 'NoCloud' };

/**
 * The datasource's own spelling ("nocloud" → "NoCloud"), as cloud-init
 * matches names without case; names stratus does not know are kept as given.
 */
export function canonicalDatasourceName(name: string): string {
  const lower = name.toLowerCase();
  if (hasOwn(ALIASES, lower)) return ALIASES[lower] ?? name;
  if (lower === 'none') return 'None';
  for (const known of DETECTORS.keys()) if (known.toLowerCase() === lower) return known;
  return name;
}
