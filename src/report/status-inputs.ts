/**
 * Reads what `status` (and `cloud-id`) report on, through the target's
 * RootFs, plus the two facts of the machine running the command: the wall
 * clock and its uptime (/proc/uptime of this machine, never under --root:
 * status.json records uptimes of the boot that wrote it).
 */
import { readFileSync } from 'node:fs';
import type { RootFs } from '../host/root-fs.ts';
import { paths } from '../stages/paths.ts';
import { DISABLED_MARKER } from './boot-status.ts';
import { existsInRoot, readTextInRoot } from '../host/rooted-path.ts';
import type { StatusInputs } from './status.ts';

/** Seconds since boot from /proc/uptime text ("12345.67 23456.78"); null if unreadable. */
export function parseUptime(text: string): number | null {
  const first = Number(text.trim().split(/\s+/)[0]);
  return Number.isFinite(first) && first >= 0 ? first : null;
}

export function hostUptime(): number | null {
  try {
    return parseUptime(readFileSync('/proc/uptime', 'utf8'));
  } catch {
    return null;
  }
}

export interface HostFacts {
  env: Readonly<Record<string, string | undefined>>;
  now: Date;
  uptime: number | null;
}

export function readStatusInputs(fs: RootFs, host: HostFacts): StatusInputs {
  return {
    boot: {
      // lstat, as cloud-init: a link there does not make systemd the init.
      systemd: fs.kind('/run/systemd/system') === 'dir',
      cmdline: readTextInRoot(fs, paths.kernelCmdline) ?? '',
      markerFile: existsInRoot(fs, DISABLED_MARKER),
      envKernelCmdline: host.env['KERNEL_CMDLINE'] ?? '',
      runDisabled: existsInRoot(fs, paths.runDisabled),
      runEnabled: existsInRoot(fs, paths.runEnabled),
    },
    statusPath: paths.runStatusLink,
    statusText: readTextInRoot(fs, paths.runStatusLink),
    resultExists: existsInRoot(fs, paths.runResultLink),
    now: host.now,
    uptime: host.uptime,
  };
}
