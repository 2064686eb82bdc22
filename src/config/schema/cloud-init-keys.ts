/**
 * Top-level keys cloud-init's config modules read. A key in this list that no
 * stratus module declares is valid cloud-config that stratus ignores, which
 * deserves a different message from a typo. Keys stratus implements may stay
 * listed: the schema is consulted first.
 */
export const CLOUD_INIT_ONLY_KEYS: ReadonlySet<string> = new Set([
  'allow_public_ssh_keys', 'ansible', 'apk_repos', 'apt', 'apt_pipelining', 'apt_preserve_sources_list',
  'apt_reboot_if_required', 'apt_update', 'apt_upgrade', 'apt_mirror', 'apt_mirror_search', 'apt_mirror_search_dns',
  'apt_proxy', 'apt_http_proxy', 'apt_https_proxy', 'apt_ftp_proxy', 'apt_sources', 'authkey_hash', 'autoinstall',
  'bootcmd', 'byobu_by_default', 'ca_certs', 'ca-certs', 'chef', 'chpasswd', 'device_aliases', 'disable_ec2_metadata',
  'disable_root', 'disable_root_opts', 'disk_setup', 'drivers', 'fan', 'fs_setup', 'groups', 'growpart', 'grub_dpkg',
  'grub-dpkg', 'keyboard', 'landscape', 'locale', 'locale_configfile', 'lxd', 'manage_etc_hosts', 'manage_resolv_conf',
  'mcollective', 'mount_default_fields', 'mounts', 'no_ssh_fingerprints', 'ntp', 'package_reboot_if_required',
  'package_update', 'package_upgrade', 'packages', 'password', 'phone_home', 'power_state', 'puppet', 'random_seed',
  'resize_rootfs', 'resolv_conf', 'rh_subscription', 'rpi', 'rsyslog', 'runcmd', 'salt_minion', 'snap', 'spacewalk',
  'ssh', 'ssh_authorized_keys', 'ssh_deletekeys', 'ssh_fp_console_blacklist', 'ssh_genkeytypes', 'ssh_import_id',
  'ssh_key_console_blacklist', 'ssh_keys', 'ssh_publish_hostkeys', 'ssh_pwauth', 'ssh_quiet_keygen', 'swap',
  'timezone', 'ubuntu_advantage', 'ubuntu_pro', 'user', 'users', 'wireguard', 'write_files', 'yum_repo_dir',
  'yum_repos', 'zypper',
]);
