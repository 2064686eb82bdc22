/**
 * The lowest config layer, cloud-init's built-in settings (cloudinit/settings.py),
 * restricted to the datasources stratus implements. The module lists are left
 * out on purpose: the caller takes them from /etc/cloud/cloud.cfg or from the
 * stratus defaults, and must be able to tell "not configured" from "empty".
 */

/**
 * cloud-init's builtin datasource order, keeping only the sources stratus
 * has; `None` stays last as the fallback.
 */
export const BUILTIN_DATASOURCE_LIST: readonly string[] = ['NoCloud', 'ConfigDrive', 'OpenStack', 'Ec2', 'CloudStack', 'None'];

/** A fresh copy on every call: callers may modify what they get. */
export function builtinConfig(): Record<string, unknown> {
  return {
    datasource_list: [...BUILTIN_DATASOURCE_LIST],
    def_log_file: '/var/log/cloud-init.log',
    log_cfgs: [],
    syslog_fix_perms: ['syslog:adm', 'root:adm', 'root:wheel', 'root:root'],
    system_info: {
      paths: {
        cloud_dir: '/var/lib/cloud',
        docs_dir: '/usr/share/doc/cloud-init/',
        templates_dir: '/etc/cloud/templates/',
      },
      network: { renderers: null },
    },
    vendor_data: { enabled: true, prefix: [] },
    vendor_data2: { enabled: true, prefix: [] },
  };
}
