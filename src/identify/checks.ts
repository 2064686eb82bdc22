/**
 * Questions about the facts that several datasources' detect functions ask.
 */
import { hasOwn } from '../config/object.ts';
import { paths } from '../stages/paths.ts';
import { isMapping } from '../text/reader.ts';
import { CONFIG_DRIVE_DIRS } from './facts.ts';
import type { Facts, FilesystemInfo } from './types.ts';

/** The filesystem types a seed disk (cidata, config-2) may have. */
export const SEED_FS_TYPES: readonly string[] = ['vfat', 'iso9660'];

/** The first seed dir `<root>/<name>` holding all `files`, or null. */
export function seedDirWith(facts: Facts, name: string, files: readonly string[], roots: readonly string[] = [paths.seedDir]): string | null {
  for (const root of roots) {
    const dir = `${root}/${name}`;
    const present = facts.seedDirs[dir];
    if (present && files.every((f) => present.includes(f))) return dir;
  }
  return null;
}

/** The first filesystem with one of `labels` (exact) and one of `types`. */
export function filesystemLabelled(facts: Facts, labels: readonly string[], types: readonly string[] = SEED_FS_TYPES): FilesystemInfo | undefined {
  return facts.filesystems.find((f) => labels.includes(f.label) && types.includes(f.type));
}

export function describeFilesystem(f: FilesystemInfo): string {
  return `${f.device} (${f.type}, label ${f.label})`;
}

const VERSION_DIR = /^\d{4}-\d{2}-\d{2}$|^latest$/;

/** Why we think a config drive is present, or null: an unpacked tree or a labelled disk. */
export function configDrivePresent(facts: Facts): string | null {
  for (const dir of CONFIG_DRIVE_DIRS) {
    const version = facts.configDriveDirs[dir]?.find((v) => VERSION_DIR.test(v));
    if (version !== undefined) return `${dir}/openstack/${version}/meta_data.json exists`;
  }
  const disk = filesystemLabelled(facts, ['config-2', 'CONFIG-2']);
  return disk ? `filesystem ${describeFilesystem(disk)}` : null;
}

/**
 * In a container the DMI files describe the host, not us, so DMI-based
 * checks must not match there (as in ds-identify).
 */
export function inContainer(facts: Facts): boolean {
  return facts.container !== null;
}

/** The config value at a path of mapping keys, or undefined. */
export function configAt(cfg: Record<string, unknown>, keys: readonly string[]): unknown {
  let value: unknown = cfg;
  for (const key of keys) {
    if (!isMapping(value) || !hasOwn(value, key)) return undefined;
    value = value[key];
  }
  return value;
}
