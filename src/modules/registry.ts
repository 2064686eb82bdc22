/**
 * The config modules stratus has, by cloud-init's name, each loaded only
 * when a stage runs it. Module lists in cloud.cfg name modules; an unknown
 * name is a warning (the boot goes on, the status says degraded).
 */
import type { ConfigModule } from './types.ts';

const LOADERS: Record<string, () => Promise<ConfigModule>> = {
  seed_random: async () => (await import('./seed-random.ts')).seedRandom,
  bootcmd: async () => (await import('./bootcmd.ts')).bootcmd,
  write_files: async () => (await import('./write-files.ts')).writeFiles,
  write_files_deferred: async () => (await import('./write-files.ts')).writeFilesDeferred,
  growpart: async () => (await import('./growpart.ts')).growpart,
  resizefs: async () => (await import('./resizefs.ts')).resizefs,
  mounts: async () => (await import('./mounts.ts')).mounts,
  update_etc_hosts: async () => (await import('./update-etc-hosts.ts')).updateEtcHosts,
  resolv_conf: async () => (await import('./resolv-conf.ts')).resolvConf,
  ca_certs: async () => (await import('./ca-certs.ts')).caCerts,
  set_hostname: async () => (await import('./set-hostname.ts')).setHostname,
  update_hostname: async () => (await import('./set-hostname.ts')).updateHostname,
  users_groups: async () => (await import('./users-groups.ts')).usersGroups,
  ssh: async () => (await import('./ssh.ts')).ssh,
  set_passwords: async () => (await import('./set-passwords.ts')).setPasswords,
  scripts_per_once: async () => (await import('./scripts.ts')).scriptsPerOnce,
  scripts_per_boot: async () => (await import('./scripts.ts')).scriptsPerBoot,
  scripts_per_instance: async () => (await import('./scripts.ts')).scriptsPerInstance,
  scripts_user: async () => (await import('./scripts.ts')).scriptsUser,
  runcmd: async () => (await import('./runcmd.ts')).runcmd,
  timezone: async () => (await import('./timezone.ts')).timezone,
  locale: async () => (await import('./locale.ts')).locale,
  ntp: async () => (await import('./ntp.ts')).ntp,
  apt_configure: async () => (await import('./apt-configure.ts')).aptConfigure,
  package_update_upgrade_install: async () => (await import('./package-update-upgrade-install.ts')).packageUpdateUpgradeInstall,
  disable_ec2_metadata: async () => (await import('./disable-ec2-metadata.ts')).disableEc2Metadata,
  scripts_vendor: async () => (await import('./scripts.ts')).scriptsVendor,
  ssh_authkey_fingerprints: async () => (await import('./ssh-authkey-fingerprints.ts')).sshAuthkeyFingerprints,
  keys_to_console: async () => (await import('./keys-to-console.ts')).keysToConsole,
  phone_home: async () => (await import('./phone-home.ts')).phoneHome,
  power_state_change: async () => (await import('./power-state-change.ts')).powerStateChange,
  final_message: async () => (await import('./final-message.ts')).finalMessage,
  install_hotplug: async () => (await import('./install-hotplug.ts')).installHotplug,
};

export const KNOWN_MODULES: readonly string[] = Object.keys(LOADERS);

/** cloud-init accepts "cc_set_hostname" and "set-hostname" for "set_hostname". */
export function canonicalModuleName(name: string): string {
  return name.replace(/^cc_/, '').replace(/-/g, '_');
}

export async function loadModule(name: string): Promise<ConfigModule | null> {
  const load = LOADERS[canonicalModuleName(name)];
  return load ? load() : null;
}

/**
 * The module lists stratus runs when the system config names none: what
 * stratus implements, in the order of cloud-init's default cloud.cfg.
 */
export const DEFAULT_MODULE_LISTS: Record<'cloud_init_modules' | 'cloud_config_modules' | 'cloud_final_modules', string[]> = {
  cloud_init_modules: [
    'seed_random', 'bootcmd', 'write_files', 'growpart', 'resizefs', 'mounts', 'set_hostname', 'update_hostname',
    'update_etc_hosts', 'resolv_conf', 'ca_certs', 'users_groups', 'ssh', 'set_passwords',
  ],
  cloud_config_modules: ['locale', 'apt_configure', 'ntp', 'timezone', 'disable_ec2_metadata', 'runcmd'],
  cloud_final_modules: [
    'package_update_upgrade_install', 'write_files_deferred', 'scripts_vendor', 'scripts_per_once', 'scripts_per_boot',
    'scripts_per_instance', 'scripts_user', 'ssh_authkey_fingerprints', 'keys_to_console', 'install_hotplug', 'phone_home', 'final_message',
    'power_state_change',
  ],
};
