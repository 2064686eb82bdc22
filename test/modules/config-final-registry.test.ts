import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadModule } from '../../src/modules/registry.ts';

/** The config- and final-stage modules with cloud-init's frequencies and activating keys. */
const EXPECTED: Record<string, { frequency: string; activateBy?: string[] }> = {
  runcmd: { frequency: 'once-per-instance', activateBy: ['runcmd'] },
  timezone: { frequency: 'once-per-instance', activateBy: ['timezone'] },
  locale: { frequency: 'once-per-instance' },
  ntp: { frequency: 'once-per-instance', activateBy: ['ntp'] },
  apt_configure: { frequency: 'once-per-instance', activateBy: ['apt'] },
  package_update_upgrade_install: { frequency: 'once-per-instance', activateBy: ['apt_update', 'package_update', 'apt_upgrade', 'package_upgrade', 'packages'] },
  disable_ec2_metadata: { frequency: 'always', activateBy: ['disable_ec2_metadata'] },
  scripts_vendor: { frequency: 'once-per-instance' },
  ssh_authkey_fingerprints: { frequency: 'once-per-instance' },
  keys_to_console: { frequency: 'once-per-instance' },
  phone_home: { frequency: 'once-per-instance', activateBy: ['phone_home'] },
  power_state_change: { frequency: 'once-per-instance', activateBy: ['power_state'] },
};

describe('config and final stage modules in the registry', () => {
  for (const [name, want] of Object.entries(EXPECTED)) {
    it(`${name}: registered under its name, with cloud-init's frequency and a schema`, async () => {
      const mod = await loadModule(name);
      assert.ok(mod, name);
      assert.equal(mod.name, name);
      assert.equal(mod.frequency, want.frequency);
      assert.deepEqual(mod.activateBy, want.activateBy);
      assert.ok(mod.schema && Object.keys(mod.schema.properties).length > 0);
    });
  }

  it('cloud-init spellings load the same module', async () => {
    assert.equal((await loadModule('cc_power_state_change'))?.name, 'power_state_change');
    assert.equal((await loadModule('package-update-upgrade-install'))?.name, 'package_update_upgrade_install');
  });
});
