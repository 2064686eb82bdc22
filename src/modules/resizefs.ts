/**
 * resizefs (every boot): grows the root filesystem to fill its (possibly
 * just grown) partition, with the tool of its type. `resize_rootfs: false`
 * turns it off; "noblock" is accepted and runs like true (see below).
 */
import { runCommand } from '../host/exec.ts';
import type { StageContext } from '../stages/context.ts';
import { commandOptions } from '../stages/context.ts';
import { blockDevice, findMount, readMounts, type MountEntry } from './growpart.ts';
import { ModuleError, type ConfigModule } from './types.ts';

/** The device node a mount's filesystem is on ("/dev/root" is the kernel's alias, not a node). */
function deviceNode(ctx: StageContext, mount: MountEntry): string | null {
  if (mount.source.startsWith('/dev/') && mount.source !== '/dev/root') return mount.source;
  const dev = blockDevice(ctx, { ...(mount.majorMinor ? { majorMinor: mount.majorMinor } : {}), devPath: mount.source });
  return dev ? `/dev/${dev.name}` : null;
}

/** The command that grows the filesystem mounted at `mount`, or why there is none. */
export function resizeCommand(ctx: StageContext, mount: MountEntry): string[] | string {
  const fs = mount.fstype;
  if (fs === 'xfs') return ['xfs_growfs', mount.mountPoint];
  if (fs === 'btrfs') {
    // A read-only btrfs root (snapper) is resized through a writable subvolume mount.
    const at = mount.options.includes('ro') && ctx.fs.kind('/.snapshots') === 'dir' ? '/.snapshots' : mount.mountPoint;
    return ['btrfs', 'filesystem', 'resize', 'max', at];
  }
  if (fs === 'ext2' || fs === 'ext3' || fs === 'ext4' || fs === 'f2fs') {
    const node = deviceNode(ctx, mount);
    if (node === null) return `cannot tell which device ${mount.source} (${fs}) is`;
    return fs === 'f2fs' ? ['resize.f2fs', node] : ['resize2fs', node];
  }
  return `the ${fs} filesystem on ${mount.source} is not one stratus resizes (ext2/3/4, xfs, btrfs, f2fs)`;
}

export const resizefs: ConfigModule = {
  name: 'resizefs',
  frequency: 'always',
  schema: {
    properties: {
      resize_rootfs: {
        description: 'Grow the root filesystem to fill its partition (default true).',
        oneOf: [{ type: 'boolean' }, { type: 'string', enum: ['noblock'] }],
        default: true,
      },
    },
  },
  run(m) {
    const { ctx } = m;
    const want = m.cfg['resize_rootfs'] ?? true;
    if (want === false) {
      ctx.log.debug('resize_rootfs is false');
      return;
    }
    if (want !== true && want !== 'noblock') {
      ctx.log.warn(`resize_rootfs: ${JSON.stringify(want)} is not true, false or "noblock"; nothing resized`);
      return;
    }
    // cloud-init forks for noblock; an online grow of ext4/xfs takes well under a second, so stratus just does it.
    if (want === 'noblock') ctx.log.debug('resize_rootfs: noblock runs in place in stratus');
    const mount = findMount(readMounts(ctx), '/');
    if (!mount) {
      ctx.log.info('resizefs: no mount table entry for /; nothing resized');
      return;
    }
    const argv = resizeCommand(ctx, mount);
    if (typeof argv === 'string') {
      ctx.log.info(`resizefs: ${argv}; nothing resized`);
      return;
    }
    const r = runCommand(argv, commandOptions(ctx, 600_000));
    if (!r.ran) ctx.log.info(`resizefs: ${argv.join(' ')} not run (${r.why})`);
    else if (r.code !== 0) throw new ModuleError(`${argv.join(' ')} failed with exit code ${r.code ?? 'none (killed by a signal)'}`);
    else ctx.log.info(`resizefs: ${argv.join(' ')}: done`);
  },
};
