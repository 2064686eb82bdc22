/**
 * install_hotplug (cloud-init's name, final stage): make NIC hotplug match
 * the decision for this instance (datasource support and default, the
 * user's `updates.network.when`, `hotplug-hook enable`). stratus ships its
 * udev rule and socket with the package; the rule acts only while
 * /var/lib/cloud/hotplug.enabled exists, and the init stages keep that file
 * in step from the local stage on, so this module only says where things
 * stand (and repairs the file if something removed it).
 */
import { loadSource } from '../sources/index.ts';
import { syncHotplugFile } from '../hotplug/sync.ts';
import type { ConfigModule } from './types.ts';

export const installHotplug: ConfigModule = {
  name: 'install_hotplug',
  frequency: 'always',
  // `updates` (network.when) is in the base schema: every stage reads it.
  schema: { properties: {} },
  async run(m) {
    syncHotplugFile(m.ctx, m.cfg, m.instance, await loadSource(m.instance.dsname));
  },
};
