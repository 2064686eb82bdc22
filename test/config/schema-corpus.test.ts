/**
 * The corpus: real-world shaped cloud-configs (test/config/corpus/*.yaml)
 * and what `stratus schema` must say about each, by key path. A case whose
 * keys no stratus module declares yet is skipped with the reason printed
 * ("pending: module ntp"); once the module and its schema fragment exist
 * (and the schema is regenerated), the case runs and holds the fragment to
 * cloud-init's behaviour.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLOUD_CONFIG_SCHEMA } from '../../src/config/schema/cloud-config.generated.ts';
import { checkCloudConfigText } from '../../src/config/schema/inputs.ts';
import { formatPath } from '../../src/text/diagnostics.ts';
import { isMapping } from '../../src/text/reader.ts';
import { loadYaml } from '../../src/text/yaml.ts';
import { REPO } from '../cli/cli.ts';

const DIR = join(REPO, 'test/config/corpus');

interface Expected {
  /** Paths with errors (formatPath form); none: the config is valid. */
  errors?: string[];
  deprecations?: string[];
  /** Top-level keys expected to be reported as unknown (they do not make a case pending). */
  unknown?: string[];
}

const CASES: Record<string, Expected> = {
  'hostname.yaml': {},
  'hostname-bad.yaml': { errors: ['hostname', 'preserve_hostname'] },
  'final-message.yaml': {},
  'final-message-bad.yaml': { errors: ['final_message'] },
  'typo.yaml': { unknown: ['hostnmae'] },
  'write-files.yaml': {},
  'write-files-bad-encoding.yaml': { errors: ['write_files[1].encoding'] },
  'write-files-no-path.yaml': { errors: ['write_files[0]'] },
  'users.yaml': {},
  'users-bad.yaml': { errors: ['users[1].lock_passwd'] },
  'runcmd.yaml': {},
  'runcmd-bad.yaml': { errors: ['runcmd'] },
  'packages.yaml': {},
  'packages-deprecated.yaml': { deprecations: ['apt_update', 'apt_upgrade'] },
  'ntp.yaml': {},
  'ntp-bad.yaml': { errors: ['ntp.servers'] },
  'timezone.yaml': {},
  'bootcmd.yaml': {},
  'ssh.yaml': {},
  'apt-sources.yaml': {},
  'mounts.yaml': {},
  'power-state.yaml': {},
  'power-state-bad.yaml': { errors: ['power_state.mode'] },
  'ca-certs-deprecated.yaml': { deprecations: ['ca-certs'] },
  'manage-etc-hosts.yaml': {},
  'growpart.yaml': {},
  'locale.yaml': {},
  'phone-home.yaml': {},
  'bootcmd-bad.yaml': { errors: ['bootcmd[1][1]'] },
  'resolv-conf.yaml': {},
  'seed-random.yaml': {},
  'chpasswd.yaml': {},
  'chpasswd-list-deprecated.yaml': { deprecations: ['chpasswd.list'] },
  'ssh-keys.yaml': {},
  'ca-certs.yaml': {},
  'keys-to-console.yaml': {},
  'disable-ec2-metadata.yaml': {},
  'write-files-defer.yaml': {},
  'users-sudo-groups.yaml': {},
  'timezone-bad.yaml': { errors: ['timezone'] },
  'web-server.yaml': {},
};

/** Which cloud-init module reads a top-level key, to name what a pending case waits for. */
const MODULE_OF: Record<string, string> = {
  write_files: 'write_files',
  users: 'users_groups',
  groups: 'users_groups',
  runcmd: 'runcmd',
  packages: 'package_update_upgrade_install',
  package_update: 'package_update_upgrade_install',
  package_upgrade: 'package_update_upgrade_install',
  package_reboot_if_required: 'package_update_upgrade_install',
  apt_update: 'package_update_upgrade_install',
  apt_upgrade: 'package_update_upgrade_install',
  ntp: 'ntp',
  timezone: 'timezone',
  bootcmd: 'bootcmd',
  ssh_authorized_keys: 'ssh',
  disable_root: 'ssh',
  ssh_deletekeys: 'ssh',
  ssh_genkeytypes: 'ssh',
  ssh_pwauth: 'set_passwords',
  apt: 'apt_configure',
  mounts: 'mounts',
  mount_default_fields: 'mounts',
  swap: 'mounts',
  power_state: 'power_state_change',
  'ca-certs': 'ca_certs',
  manage_etc_hosts: 'update_etc_hosts',
  growpart: 'growpart',
  locale: 'locale',
  phone_home: 'phone_home',
};

test('every corpus file has an expectation and every expectation a file', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();
  assert.deepEqual(files, Object.keys(CASES).sort());
  assert.ok(files.length >= 15);
});

for (const [file, expected] of Object.entries(CASES)) {
  const text = readFileSync(join(DIR, file), 'utf8');
  const value = loadYaml(text, file).doc?.value;
  const keys = isMapping(value) ? Object.keys(value) : [];
  const missing = keys.filter((k) => !Object.hasOwn(CLOUD_CONFIG_SCHEMA.properties, k) && !(expected.unknown ?? []).includes(k));
  const pending = [...new Set(missing.map((k) => `module ${MODULE_OF[k] ?? `for "${k}"`}`))];
  const skip = pending.length > 0 ? `pending: ${pending.join(', ')} (no schema for ${missing.join(', ')} yet)` : false;
  const what = expected.errors ? `invalid at ${expected.errors.join(', ')}` : 'valid';
  test(`${file}: ${what}`, { skip }, () => {
    const r = checkCloudConfigText(text, file);
    const paths = (list: { path: (string | number)[] }[]) => list.map((d) => formatPath(d.path));
    const messages = r.errors.map((d) => `${formatPath(d.path)}: ${d.message}`).join('\n');
    assert.deepEqual(paths(r.errors), expected.errors ?? [], messages);
    assert.deepEqual(paths(r.deprecations), expected.deprecations ?? []);
    assert.deepEqual(paths(r.warnings), expected.unknown ?? []);
    // Every problem can be found in the file.
    for (const d of [...r.errors, ...r.deprecations, ...r.warnings]) assert.ok(d.line !== undefined && d.column !== undefined, `${formatPath(d.path)} has no position`);
  });
}
