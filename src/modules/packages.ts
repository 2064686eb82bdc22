/**
 * What the package modules share: the distro's package manager commands
 * (spelled as cloud-init's distro classes spell them, so logs and tests
 * read the same) and a look for binaries on the target root.
 */
import type { RootFs } from '../host/root-fs.ts';
import { distroFamily } from '../net/render/distro.ts';

const BIN_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Whether the target has this program (a name is looked up in the usual dirs; a path is checked as is). */
export function hasProgram(fs: RootFs, name: string): boolean {
  const present = (p: string) => {
    const k = fs.kind(p);
    return k === 'file' || k === 'link';
  };
  return name.startsWith('/') ? present(name) : BIN_DIRS.some((d) => present(`${d}/${name}`));
}

/** A package to install: a name, optionally pinned to a version. */
export interface PackageSpec {
  name: string;
  version?: string;
}

export interface PackageManager {
  name: 'apt-get' | 'dnf' | 'yum' | 'apk' | 'zypper';
  /** Environment the commands need (apt must never prompt). */
  env?: Record<string, string>;
  update: string[];
  upgrade: string[];
  install(pkgs: readonly PackageSpec[]): string[];
}

const APT_BASE = ['apt-get', '--option=Dpkg::Options::=--force-confold', '--option=Dpkg::options::=--force-unsafe-io', '--assume-yes', '--quiet'];

/** The package manager of the target, or null for a family stratus has none for. */
export function packageManager(fs: RootFs, distro: string): PackageManager | null {
  const withVersion = (sep: string) => (p: PackageSpec) => (p.version ? `${p.name}${sep}${p.version}` : p.name);
  switch (distroFamily(distro)) {
    case 'debian':
      return {
        name: 'apt-get',
        env: { ...(process.env as Record<string, string>), DEBIAN_FRONTEND: 'noninteractive' },
        update: [...APT_BASE, 'update'],
        upgrade: [...APT_BASE, 'dist-upgrade'],
        install: (pkgs) => [...APT_BASE, 'install', ...pkgs.map(withVersion('='))],
      };
    case 'redhat': {
      // dnf where it exists (it is the default since RHEL 8); an old image may have only yum.
      const tool = !hasProgram(fs, 'dnf') && hasProgram(fs, 'yum') ? 'yum' : 'dnf';
      return {
        name: tool,
        update: [tool, '-y', 'makecache'],
        upgrade: [tool, '-y', 'upgrade'],
        install: (pkgs) => [tool, '-y', 'install', ...pkgs.map(withVersion('-'))],
      };
    }
    case 'alpine':
      return {
        name: 'apk',
        update: ['apk', '--quiet', 'update'],
        upgrade: ['apk', '--quiet', 'upgrade', '--available'],
        install: (pkgs) => ['apk', '--quiet', 'add', ...pkgs.map(withVersion('='))],
      };
    case 'suse':
      return {
        name: 'zypper',
        update: ['zypper', '--non-interactive', 'refresh'],
        upgrade: ['zypper', '--non-interactive', 'update'],
        install: (pkgs) => ['zypper', '--non-interactive', 'install', '--auto-agree-with-licenses', ...pkgs.map(withVersion('='))],
      };
    default:
      return null;
  }
}
