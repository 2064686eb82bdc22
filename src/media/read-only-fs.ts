/**
 * What the filesystem readers offer their users (datasources): list a
 * directory and read a file by path. `null` means "not there" (or the wrong
 * kind: a directory where a file was asked for); a broken filesystem throws a
 * MediaError instead, so a corrupt seed is reported rather than taken for an
 * absent one.
 */

export type MediaFsType = 'iso9660' | 'vfat';

export interface ReadOnlyFs {
  readonly type: MediaFsType;
  readonly label: string;
  readonly uuid?: string;
  /** Names in a directory, sorted; null when it is not a directory. */
  list(dir: string): string[] | null;
  /** Content of a regular file; null when it is not a file. */
  readFile(path: string): Buffer | null;
}

export interface MediaLimits {
  /**
   * Largest file readFile returns (bytes). Seeds are small; the limit keeps a
   * corrupt size field from allocating gigabytes.
   */
  maxFileBytes: number;
}

export const DEFAULT_LIMITS: MediaLimits = { maxFileBytes: 64 * 1024 * 1024 };

/**
 * Path components of "/a/b", "a/b/" or "./a//b"; ".." steps up (never above
 * the root), as the path would resolve on a mounted filesystem.
 */
export function pathComponents(path: string): string[] {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out;
}
