/**
 * Whether cloud-init (here: stratus) is enabled on this boot and why, with
 * cloud-init's codes and texts (`status` prints both; scripts match on the
 * codes). The first rule that applies wins, in cloud-init's order.
 */
export type BootStatusCode =
  | 'enabled-by-sysvinit'
  | 'enabled-by-kernel-command-line'
  | 'disabled-by-marker-file'
  | 'disabled-by-kernel-command-line'
  | 'disabled-by-environment-variable'
  | 'disabled-by-generator'
  | 'enabled-by-generator'
  | 'unknown';

const DISABLED: ReadonlySet<BootStatusCode> = new Set([
  'disabled-by-generator',
  'disabled-by-kernel-command-line',
  'disabled-by-marker-file',
  'disabled-by-environment-variable',
]);

export const DISABLED_MARKER = '/etc/cloud/cloud-init.disabled';

export interface BootFacts {
  /** /run/systemd/system is a directory: systemd is the init system. */
  systemd: boolean;
  /** The kernel command line ('' when unknown). */
  cmdline: string;
  /** /etc/cloud/cloud-init.disabled exists. */
  markerFile: boolean;
  /**
   * The KERNEL_CMDLINE environment variable ('' when unset). cloud-init also
   * reads `systemctl show-environment`; stratus does not run systemctl from a
   * status query (it can hang early in boot and does not exist under --root).
   */
  envKernelCmdline: string;
  /** /run/cloud-init/disabled exists (the generator said no). */
  runDisabled: boolean;
  /** /run/cloud-init/enabled exists (the generator said yes). */
  runEnabled: boolean;
}

export interface BootStatus {
  code: BootStatusCode;
  description: string;
}

export function bootStatus(f: BootFacts): BootStatus {
  const words = f.cmdline.split(/\s+/);
  if (!f.systemd) return { code: 'enabled-by-sysvinit', description: 'Cloud-init enabled on sysvinit' };
  if (words.includes('cloud-init=enabled')) {
    return { code: 'enabled-by-kernel-command-line', description: 'Cloud-init enabled by kernel command line cloud-init=enabled' };
  }
  if (f.markerFile) return { code: 'disabled-by-marker-file', description: `Cloud-init disabled by ${DISABLED_MARKER}` };
  if (words.includes('cloud-init=disabled')) {
    return { code: 'disabled-by-kernel-command-line', description: 'Cloud-init disabled by kernel parameter cloud-init=disabled' };
  }
  // A substring test, as cloud-init does: the variable holds a whole command line.
  if (f.envKernelCmdline.includes('cloud-init=disabled')) {
    return {
      code: 'disabled-by-environment-variable',
      description: 'Cloud-init disabled by environment variable KERNEL_CMDLINE=cloud-init=disabled',
    };
  }
  if (f.runDisabled) return { code: 'disabled-by-generator', description: 'Cloud-init disabled by cloud-init-generator' };
  if (f.runEnabled) return { code: 'enabled-by-generator', description: 'Cloud-init enabled by systemd cloud-init-generator' };
  return { code: 'unknown', description: 'Systemd generator may not have run yet.' };
}

export function isDisabledCode(code: BootStatusCode): boolean {
  return DISABLED.has(code);
}
