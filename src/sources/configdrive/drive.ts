/**
 * Where a config drive is read from: an unpacked directory on the target
 * (the config_drive seed, /config-drive) or a filesystem labelled config-2,
 * read in user space (no mount: nothing to clean up, nothing left mounted
 * if the boot stops, and it works where the kernel has no iso9660 or vfat).
 */
import type { RootFs } from '../../host/root-fs.ts';
import { MediaError } from '../../media/block-reader.ts';
import { DatasourceError, MAX_DATASOURCE_FILE, type FoundFilesystem } from '../types.ts';
import type { TreeReader } from '../openstack/tree.ts';

/** A reader that answers synchronously (both kinds of drive are local). */
export interface DriveReader extends TreeReader {
  /** config-disk (/dev/sr0) or seed-dir (/config-drive). */
  subplatform: string;
}

function tooBig(where: string, path: string, size: number): DatasourceError {
  return new DatasourceError(`${where}: ${path} is ${size} bytes, more than the ${MAX_DATASOURCE_FILE} a config drive file may have`);
}

export function directoryDrive(fs: RootFs, dir: string): DriveReader {
  const at = (p: string) => `${dir}/${p}`;
  return {
    where: dir,
    subplatform: `seed-dir (${dir})`,
    list: async (p) => (fs.kind(at(p)) === 'dir' ? fs.list(at(p)) : null),
    read: async (p) => {
      const st = fs.kind(at(p)) === 'file' ? fs.stat(at(p)) : null;
      if (st === null) return null;
      if (st.size > MAX_DATASOURCE_FILE) throw tooBig(dir, p, st.size);
      return fs.readFile(at(p));
    },
  };
}

export function filesystemDrive(found: FoundFilesystem): DriveReader {
  const guard = <T>(p: string, fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      // The media readers refuse a file above the limit, and broken structures, with a MediaError that
      // names the image by its host path: the device's target path is what a user knows.
      if (e instanceof MediaError) throw new DatasourceError(`${found.device}: ${e.message.slice(e.image.length + 2)}`);
      throw new DatasourceError(`${found.device}: ${p}: ${(e as Error).message}`);
    }
  };
  return {
    where: found.device,
    subplatform: `config-disk (${found.device})`,
    list: async (p) => guard(p, () => found.list(p)),
    read: async (p) => {
      const data = guard(p, () => found.readFile(p));
      if (data !== null && data.length > MAX_DATASOURCE_FILE) throw tooBig(found.device, p, data.length);
      return data;
    },
  };
}
