/**
 * growpart (every boot): grows the partition under `/` (or the mount points
 * and devices in `growpart.devices`) to the end of its disk with the
 * `growpart` tool, so a VM booted with a disk larger than its image uses
 * it. The partition and its disk are found from the mount table and sysfs
 * of the target; resizefs then grows the filesystem.
 */
import { posix } from 'node:path';
import { runCommand } from '../host/exec.ts';
import type { StageContext } from '../stages/context.ts';
import { commandOptions } from '../stages/context.ts';
import { isMapping } from '../text/reader.ts';
import { targetHasCommand } from './target-command.ts';
import type { ConfigModule } from './types.ts';

export interface MountEntry {
  mountPoint: string;
  fstype: string;
  source: string;
  options: string[];
  /** "8:1"; absent when read from /proc/mounts. */
  majorMinor?: string;
}

/** mountinfo and mounts escape blanks and backslashes as octal. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** The mount table of the target (mountinfo, else /proc/mounts); the later of two entries for a mount point is the visible one. */
export function readMounts(ctx: StageContext): MountEntry[] {
  const info = ctx.fs.readText('/proc/self/mountinfo');
  if (info !== null) {
    const out: MountEntry[] = [];
    for (const line of info.split('\n')) {
      const f = line.trim().split(' ');
      const dash = f.indexOf('-');
      if (f.length < 10 || dash < 6) continue;
      out.push({
        majorMinor: f[2] ?? '',
        mountPoint: unescape(f[4] ?? ''),
        options: (f[5] ?? '').split(','),
        fstype: f[dash + 1] ?? '',
        source: unescape(f[dash + 2] ?? ''),
      });
    }
    return out;
  }
  const mounts = ctx.fs.readText('/proc/mounts') ?? '';
  return mounts
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 4)
    .map((f) => ({ source: unescape(f[0] ?? ''), mountPoint: unescape(f[1] ?? ''), fstype: f[2] ?? '', options: (f[3] ?? '').split(',') }));
}

export function findMount(mounts: readonly MountEntry[], mountPoint: string): MountEntry | undefined {
  const want = posix.normalize(mountPoint).replace(/(.)\/$/, '$1');
  return mounts.filter((m) => m.mountPoint === want).pop();
}

export interface BlockDevice {
  /** The kernel's name ("sda1", "nvme0n1p2", "dm-0"). */
  name: string;
  /** Its sysfs dir on the target. */
  sysPath: string;
  /** For a partition: its number and its disk's name. */
  partition?: { number: number; disk: string };
}

/** A block device by major:minor or by /dev path, through the target's sysfs. */
export function blockDevice(ctx: StageContext, by: { majorMinor?: string; devPath?: string }): BlockDevice | null {
  let sysPath: string | null = null;
  if (by.majorMinor && /^\d+:\d+$/.test(by.majorMinor) && by.majorMinor !== '0:0') sysPath = ctx.fs.readLink(`/sys/dev/block/${by.majorMinor}`);
  if (sysPath === null && by.devPath?.startsWith('/dev/')) {
    // /dev/disk/by-uuid/… and friends are links to the node.
    const node = ctx.fs.kind(by.devPath) === 'link' ? (ctx.fs.readLink(by.devPath) ?? by.devPath) : by.devPath;
    sysPath = ctx.fs.readLink(`/sys/class/block/${posix.basename(node)}`);
  }
  if (sysPath === null) return null;
  const name = posix.basename(sysPath);
  const part = ctx.fs.readText(`${sysPath}/partition`)?.trim();
  if (part && /^\d+$/.test(part)) return { name, sysPath, partition: { number: Number(part), disk: posix.basename(posix.dirname(sysPath)) } };
  return { name, sysPath };
}

/** The growpart command for a mount point or device, or why there is none. */
export function growpartCommand(ctx: StageContext, device: string, mounts: readonly MountEntry[]): string[] | string {
  let dev: BlockDevice | null;
  if (device.startsWith('/dev/')) dev = blockDevice(ctx, { devPath: device });
  else {
    const mount = findMount(mounts, device);
    if (!mount) return `nothing is mounted at ${device}`;
    dev = blockDevice(ctx, { ...(mount.majorMinor ? { majorMinor: mount.majorMinor } : {}), devPath: mount.source });
    if (dev === null) return `${device} is on ${mount.source} (${mount.fstype}), not a block device stratus can find in /sys`;
  }
  if (dev === null) return `${device} is not a block device in /sys`;
  if (!dev.partition) return `${device} is on /dev/${dev.name}, which is not a partition (a whole disk or a mapped device)`;
  return ['growpart', `/dev/${dev.partition.disk}`, String(dev.partition.number)];
}

const MODES = ['auto', 'growpart', 'gpart', 'off'] as const;

export const growpart: ConfigModule = {
  name: 'growpart',
  frequency: 'always',
  schema: {
    properties: {
      growpart: {
        type: 'object',
        additionalProperties: false,
        properties: {
          mode: {
            description: 'auto: use growpart when the target has it; growpart: require it; off: do nothing.',
            oneOf: [{ type: 'string', enum: [...MODES] }, { type: 'boolean', enum: [false], deprecated: true, deprecated_version: '22.2', deprecated_description: 'Use "off".' }],
            default: 'auto',
          },
          devices: { type: 'array', items: { type: 'string' }, default: ['/'], description: 'Mount points or /dev paths whose partition is grown.' },
          ignore_growroot_disabled: { type: 'boolean', default: false, description: 'Grow even when /etc/growroot-disabled exists.' },
        },
      },
    },
  },
  run(m) {
    const { ctx } = m;
    const cfg = m.cfg['growpart'] ?? {};
    if (!isMapping(cfg)) {
      ctx.log.warn('growpart must be a mapping (mode, devices, ignore_growroot_disabled); nothing grown');
      return;
    }
    let mode = cfg['mode'] ?? 'auto';
    if (mode === false) {
      ctx.log.deprecated('growpart.mode: false is deprecated; use "off"');
      mode = 'off';
    }
    if (typeof mode !== 'string' || !(MODES as readonly string[]).includes(mode)) {
      ctx.log.warn(`growpart.mode: ${JSON.stringify(mode)} is not one of ${MODES.join(', ')}; nothing grown`);
      return;
    }
    if (mode === 'off') {
      ctx.log.debug('growpart: mode is off');
      return;
    }
    if (ctx.fs.kind('/etc/growroot-disabled') !== null && cfg['ignore_growroot_disabled'] !== true) {
      ctx.log.info('growpart: /etc/growroot-disabled exists; nothing grown (set ignore_growroot_disabled to override)');
      return;
    }
    if (mode === 'gpart') {
      ctx.log.warn('growpart.mode: gpart (FreeBSD) is not supported by stratus; nothing grown');
      return;
    }
    if (!targetHasCommand(ctx, 'growpart')) {
      if (mode === 'growpart') ctx.log.warn('growpart: mode is growpart but the target has no growpart program (cloud-guest-utils / cloud-utils-growpart); nothing grown');
      else ctx.log.debug('growpart: the target has no growpart program; nothing grown');
      return;
    }
    const raw = cfg['devices'] ?? ['/'];
    if (!Array.isArray(raw)) {
      ctx.log.warn('growpart.devices must be a list of mount points or devices; nothing grown');
      return;
    }
    const mounts = readMounts(ctx);
    raw.forEach((device: unknown, i) => {
      if (typeof device !== 'string' || !device.startsWith('/')) {
        ctx.log.warn(`growpart.devices[${i}]: ${JSON.stringify(device)} is not a mount point or /dev path; skipped`);
        return;
      }
      const argv = growpartCommand(ctx, device, mounts);
      if (typeof argv === 'string') {
        ctx.log.info(`growpart: ${argv}; skipped`);
        return;
      }
      const r = runCommand(argv, commandOptions(ctx, 120_000));
      if (!r.ran) ctx.log.info(`growpart: ${argv.join(' ')} not run (${r.why})`);
      else if (r.code === 0) ctx.log.info(`growpart: ${argv.join(' ')}: grown`);
      else if (r.code === 1 && r.stdout.includes('NOCHANGE')) ctx.log.debug(`growpart: ${argv.join(' ')}: already as large as it can be`);
      else ctx.log.warn(`growpart: ${argv.join(' ')} failed with exit code ${r.code ?? 'none (killed by a signal)'}: ${r.stderr.trim().split('\n').pop() ?? ''}`);
    });
  },
};
