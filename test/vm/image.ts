// Image builder: a cached debootstrap base rootfs, then per (variant, flavour) a raw ext4 image
// made with `mkfs.ext4 -d` (no loop mounts) plus the guest's own kernel and initramfs.
// The chroot work happens in rootfs.sh inside a private mount namespace (unshare --mount).
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from './exec.ts';
import { withLock } from './lock.ts';
import { CACHE_DIR, VM_DIR, fileText, sha256 } from './paths.ts';

export type NetVariant = 'nm' | 'networkd' | 'eni';
export type Flavour = 'stratus' | 'cloudinit';

export interface GuestImage {
  variant: NetVariant;
  flavour: Flavour;
  dir: string;
  disk: string;
  kernel: string;
  initrd: string;
  /** seconds spent building (0 when it came from the cache) */
  buildSeconds: number;
}

const MIRROR = process.env['DEBIAN_MIRROR'] ?? 'http://deb.debian.org/debian';
const SECURITY_MIRROR = process.env['DEBIAN_SECURITY_MIRROR'] ?? 'http://deb.debian.org/debian-security';
const BASE_PACKAGES = [
  'systemd', 'systemd-sysv', 'udev', 'dbus', 'iproute2', 'kmod', 'procps',
  'linux-image-cloud-amd64', 'initramfs-tools', 'nodejs', 'isc-dhcp-client',
  'openssh-server', 'sudo', 'locales', 'ca-certificates',
];
/** fetched into the apt cache with the base so the variants install quickly */
const PREFETCH_PACKAGES = ['network-manager', 'ifupdown', 'cloud-init'];
const IMAGE_SIZE = '4G';

const ROOTFS_SH = join(VM_DIR, 'rootfs.sh');
const GUEST_DIR = join(VM_DIR, 'guest');
const APT_CACHE = join(CACHE_DIR, 'apt-archives');

function baseKey(): string {
  return sha256(fileText(ROOTFS_SH), BASE_PACKAGES.join(' '), PREFETCH_PACKAGES.join(' '), MIRROR, SECURITY_MIRROR).slice(0, 16);
}

function inNamespace(args: readonly string[]): [string, string[]] {
  return ['unshare', ['--mount', '--propagation', 'private', '--fork', 'bash', ROOTFS_SH, ...args]];
}

function elapsed(t0: number): number {
  return Math.round((Date.now() - t0) / 100) / 10;
}

/** Removes cached entries named prefix* other than keep (older recipes or .debs); an image is ~650 MB. */
function pruneStale(dir: string, prefix: string, keep: string): void {
  for (const name of readdirSync(dir)) {
    if (name.startsWith(prefix) && name !== keep && !name.endsWith('.tmp')) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/** The debootstrapped base with the common packages; rebuilt only when the recipe changes. Call under the build lock. */
async function ensureBase(log: (m: string) => void): Promise<string> {
  const dir = join(CACHE_DIR, `base-${baseKey()}`);
  const root = join(dir, 'rootfs');
  if (existsSync(join(dir, 'done'))) return root;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  mkdirSync(APT_CACHE, { recursive: true });
  const t0 = Date.now();
  log(`building base rootfs ${dir} (debootstrap minbase bookworm + packages, ~2-3 min)`);
  const [cmd, args] = inNamespace(['base', root, APT_CACHE, MIRROR, SECURITY_MIRROR, BASE_PACKAGES.join(' '), PREFETCH_PACKAGES.join(' ')]);
  await exec(cmd, args, { log: join(dir, 'build.log') });
  writeFileSync(join(dir, 'done'), `${elapsed(t0)}\n`);
  log(`base rootfs ready in ${elapsed(t0)} s`);
  pruneStale(CACHE_DIR, 'base-', `base-${baseKey()}`);
  return root;
}

function newest(dir: string, prefix: string): string {
  const names = readdirSync(dir).filter((n) => n.startsWith(prefix)).sort();
  const last = names[names.length - 1];
  if (!last) throw new Error(`no ${prefix}* in ${dir}`);
  return join(dir, last);
}

/**
 * Image for one (variant, flavour). debSha is the .deb's sha256 for the stratus flavour.
 * Cached under images/<variant>-<flavour>-<key> where key hashes the recipe, guest files and .deb.
 */
export async function ensureImage(
  variant: NetVariant,
  flavour: Flavour,
  deb: { path: string; sha256: string } | undefined,
  log: (m: string) => void,
): Promise<GuestImage> {
  if (flavour === 'stratus' && !deb) throw new Error('the stratus flavour needs the .deb');
  const guestFiles = readdirSync(GUEST_DIR).sort().map((n) => n + '\n' + fileText(join(GUEST_DIR, n)));
  const key = sha256(baseKey(), variant, flavour, ...guestFiles, flavour === 'stratus' ? deb?.sha256 ?? '' : '').slice(0, 16);
  const dir = join(CACHE_DIR, 'images', `${variant}-${flavour}-${key}`);
  const image: GuestImage = {
    variant, flavour, dir,
    disk: join(dir, 'root.img'), kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd'),
    buildSeconds: 0,
  };
  if (existsSync(join(dir, 'done'))) return image;
  mkdirSync(CACHE_DIR, { recursive: true });
  return withLock(join(CACHE_DIR, 'build.lock'), async () => {
    if (existsSync(join(dir, 'done'))) return image;
    await buildImage(image, key, deb, log);
    return image;
  }, log);
}

async function buildImage(image: GuestImage, key: string, deb: { path: string } | undefined, log: (m: string) => void): Promise<void> {
  const { variant, flavour, dir } = image;
  const base = await ensureBase(log);
  const t0 = Date.now();
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const root = join(tmp, 'rootfs');
  const buildLog = join(tmp, 'build.log');
  log(`building image ${variant}/${flavour} -> ${dir}`);
  try {
    await exec('cp', ['-a', base, root], { log: buildLog });
    const [cmd, args] = inNamespace(['variant', root, APT_CACHE, variant, flavour, deb?.path ?? '-', GUEST_DIR]);
    await exec(cmd, args, { log: buildLog });
    copyFileSync(newest(join(root, 'boot'), 'vmlinuz-'), join(tmp, 'vmlinuz'));
    copyFileSync(newest(join(root, 'boot'), 'initrd.img-'), join(tmp, 'initrd'));
    renameSync(join(root, '.vm-packages'), join(tmp, 'packages.txt'));
    await exec('mkfs.ext4', ['-q', '-F', '-L', 'rootfs', '-d', root, join(tmp, 'root.img'), IMAGE_SIZE], { log: buildLog });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  pruneStale(join(CACHE_DIR, 'images'), `${variant}-${flavour}-`, `${variant}-${flavour}-${key}`);
  image.buildSeconds = elapsed(t0);
  writeFileSync(join(dir, 'done'), `${image.buildSeconds}\n`);
  log(`image ${variant}/${flavour} built in ${image.buildSeconds} s`);
}
