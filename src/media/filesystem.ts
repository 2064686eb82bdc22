/**
 * Recognise and open the filesystems config seeds come on (iso9660 and
 * vfat), from any BlockReader. ISO 9660 is tried first: a hybrid ISO carries
 * a boot sector at byte 0 as well, and its files are the ISO's.
 */
import { MediaError, type BlockReader } from './block-reader.ts';
import { openFat, probeFat } from './fat.ts';
import { openIso9660, probeIso9660 } from './iso9660.ts';
import { DEFAULT_LIMITS, type MediaFsType, type MediaLimits, type ReadOnlyFs } from './read-only-fs.ts';

export type { MediaFsType, MediaLimits, ReadOnlyFs } from './read-only-fs.ts';
export { MediaError, type BlockReader } from './block-reader.ts';

export interface FilesystemProbe {
  type: MediaFsType;
  /** As blkid reports LABEL ("" when there is none). */
  label: string;
  /** As blkid reports UUID: the iso9660 volume date or the FAT serial ("1234-ABCD"). */
  uuid?: string;
}

/**
 * The filesystem on `r`, or null when neither signature is there. A
 * signature with a broken structure behind it throws a MediaError.
 */
export function probeFilesystem(r: BlockReader): FilesystemProbe | null {
  const iso = probeIso9660(r);
  if (iso) return { type: 'iso9660', ...iso };
  const fat = probeFat(r);
  if (fat) return fat.uuid === undefined ? { type: 'vfat', label: fat.label } : { type: 'vfat', label: fat.label, uuid: fat.uuid };
  return null;
}

export function openFilesystem(r: BlockReader, limits: MediaLimits = DEFAULT_LIMITS): ReadOnlyFs {
  if (probeIso9660(r)) return openIso9660(r, limits);
  if (probeFat(r)) return openFat(r, limits);
  throw new MediaError(r.name, 'no iso9660 or vfat filesystem found');
}
