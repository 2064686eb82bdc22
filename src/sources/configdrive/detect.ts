/**
 * Is there an OpenStack config drive? An unpacked tree (/config-drive or the
 * config_drive seed) or a vfat/iso9660 disk labelled config-2.
 */
import { configDrivePresent } from '../../identify/checks.ts';
import type { Detect } from '../../identify/types.ts';

export const detectConfigDrive: Detect = (facts) => {
  const why = configDrivePresent(facts);
  if (why) return { result: 'found', reason: why };
  return { result: 'not-found', reason: 'no openstack/<version>/meta_data.json in /config-drive or the config_drive seed, no config-2 filesystem' };
};
