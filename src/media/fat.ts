/**
 * Read-only FAT12/16/32 (as Linux's vfat shows it): the boot sector's BIOS
 * Parameter Block gives the layout; files and (on FAT32) the root directory
 * are chains of clusters linked through the File Allocation Table. Names are
 * looked up case-insensitively, by long name or 8.3 alias, as vfat does.
 *
 * Every chain is bounded (by the file's size, or the 65536-entry limit of a
 * directory) and checked for loops and out-of-range clusters, so a corrupt
 * image gives a MediaError, never a hang.
 */
import { MediaError, readExact, type BlockReader } from './block-reader.ts';
import { parseFatDirectory, type FatDirEntry } from './fat-directory.ts';
import { DEFAULT_LIMITS, pathComponents, type MediaLimits, type ReadOnlyFs } from './read-only-fs.ts';

export type FatBits = 12 | 16 | 32;

export interface FatLayout {
  bits: FatBits;
  bytesPerSector: number;
  clusterBytes: number;
  /** Byte offset of the FAT in use (FAT32 may disable mirroring and pick one). */
  fatOffset: number;
  fatBytes: number;
  /** FAT12/16: the fixed root directory area. */
  rootOffset: number;
  rootBytes: number;
  /** FAT32: the root directory's first cluster. */
  rootCluster: number;
  dataOffset: number;
  /** Data clusters; valid cluster numbers are 2 .. clusterCount + 1. */
  clusterCount: number;
  /** The boot sector's label ("NO NAME" is no label; blkid's LABEL_FATBOOT) and serial, when the extended boot signature is there. */
  bpbLabel?: string;
  serial?: number;
}

/** A directory holds at most 65536 entries of 32 bytes. */
const MAX_DIRECTORY_BYTES = 65536 * 32;
const FAT_CHUNK = 64 * 1024;

/** The layout from the boot sector, or null when it is not a FAT boot sector. */
export function parseFatBootSector(b: Buffer, name: string): FatLayout | null {
  if (b.length < 512) return null;
  const bytesPerSector = b.readUInt16LE(11);
  const sectorsPerCluster = b[13]!;
  const reserved = b.readUInt16LE(14);
  const fats = b[16]!;
  const rootEntries = b.readUInt16LE(17);
  const totalSectors = b.readUInt16LE(19) || b.readUInt32LE(32);
  const media = b[21]!;
  const fatSize16 = b.readUInt16LE(22);
  const fat32 = fatSize16 === 0;
  const fatSectors = fat32 ? b.readUInt32LE(36) : fatSize16;
  const valid =
    (b[0] === 0xeb || b[0] === 0xe9) &&
    [512, 1024, 2048, 4096].includes(bytesPerSector) &&
    [1, 2, 4, 8, 16, 32, 64, 128].includes(sectorsPerCluster) &&
    reserved >= 1 &&
    fats >= 1 &&
    fats <= 4 &&
    (media === 0xf0 || media >= 0xf8) &&
    totalSectors > 0 &&
    fatSectors > 0 &&
    !(fat32 && rootEntries !== 0);
  // The BPB fields alone match too much (an MBR's code): also want the boot signature or the "FAT" type text.
  const typeText = b.toString('latin1', fat32 ? 82 : 54, (fat32 ? 82 : 54) + 3);
  const signed = b[510] === 0x55 && b[511] === 0xaa;
  if (!valid || !(signed || typeText === 'FAT')) return null;

  const rootSectors = Math.ceil((rootEntries * 32) / bytesPerSector);
  const rootSector = reserved + fats * fatSectors;
  const dataSector = rootSector + rootSectors;
  if (dataSector >= totalSectors) throw new MediaError(name, `vfat: the data area starts at sector ${dataSector}, past the volume's ${totalSectors} sectors`);
  const countFromSize = Math.floor((totalSectors - dataSector) / sectorsPerCluster);
  const bits: FatBits = fat32 ? 32 : countFromSize < 4085 ? 12 : 16;
  // A FAT too small for the volume limits the usable clusters, as Linux does.
  const fatBytes = fatSectors * bytesPerSector;
  const clusterCount = Math.min(countFromSize, Math.floor((fatBytes * 8) / bits) - 2);
  // FAT32 ext flags bit 7: mirroring off, bits 0-3 name the active FAT.
  const flags = fat32 ? b.readUInt16LE(40) : 0;
  const activeFat = flags & 0x80 ? flags & 0x0f : 0;
  if (activeFat >= fats) throw new MediaError(name, `vfat: the active FAT ${activeFat} does not exist (${fats} FATs)`);
  const extAt = fat32 ? 64 : 36;
  const layout: FatLayout = {
    bits,
    bytesPerSector,
    clusterBytes: sectorsPerCluster * bytesPerSector,
    fatOffset: (reserved + activeFat * fatSectors) * bytesPerSector,
    fatBytes,
    rootOffset: rootSector * bytesPerSector,
    rootBytes: rootEntries * 32,
    rootCluster: fat32 ? b.readUInt32LE(44) : 0,
    dataOffset: dataSector * bytesPerSector,
    clusterCount,
  };
  // Extended boot signature 0x29 carries serial and label; 0x28 only the serial.
  if (b[extAt + 2] === 0x29 || b[extAt + 2] === 0x28) layout.serial = b.readUInt32LE(extAt + 3);
  if (b[extAt + 2] === 0x29) {
    const label = b.toString('latin1', extAt + 7, extAt + 18).replace(/ +$/, '');
    if (label !== 'NO NAME' && label !== '') layout.bpbLabel = label;
  }
  return layout;
}

class FatVolume {
  private readonly fatChunks = new Map<number, Buffer>();
  /** Parsed directories by first cluster (0: the root): a datasource reads several files from the same few. */
  private readonly dirs = new Map<number, FatDirEntry[]>();

  constructor(
    readonly r: BlockReader,
    readonly layout: FatLayout,
    readonly limits: MediaLimits,
  ) {}

  private fatBytesAt(offset: number, length: number): Buffer {
    const chunk = Math.floor(offset / FAT_CHUNK);
    const within = offset - chunk * FAT_CHUNK;
    if (within + length > FAT_CHUNK) return readExact(this.r, this.layout.fatOffset + offset, length, 'vfat: FAT');
    let data = this.fatChunks.get(chunk);
    if (!data) {
      const len = Math.min(FAT_CHUNK, this.layout.fatBytes - chunk * FAT_CHUNK);
      data = readExact(this.r, this.layout.fatOffset + chunk * FAT_CHUNK, len, 'vfat: FAT');
      this.fatChunks.set(chunk, data);
    }
    return data.subarray(within, within + length);
  }

  /** The FAT's entry for `cluster` (already range-checked), normalised to FAT32's values. */
  private next(cluster: number): number {
    const { bits } = this.layout;
    if (bits === 32) return this.fatBytesAt(cluster * 4, 4).readUInt32LE(0) & 0x0fffffff;
    if (bits === 16) {
      const v = this.fatBytesAt(cluster * 2, 2).readUInt16LE(0);
      return v >= 0xfff7 ? v + 0x0fff0000 : v;
    }
    const pair = this.fatBytesAt(Math.floor((cluster * 3) / 2), 2).readUInt16LE(0);
    const v = cluster & 1 ? pair >> 4 : pair & 0x0fff;
    return v >= 0xff7 ? v + 0x0ffff000 : v;
  }

  /**
   * Clusters of a chain, at most `limit` of them: a file needs only as many
   * as its size; a longer directory is corrupt (`failIfLonger`).
   */
  chain(first: number, limit: number, what: string, failIfLonger: boolean): number[] {
    const out: number[] = [];
    const seen = new Set<number>();
    let cluster = first;
    const max = this.layout.clusterCount + 1;
    for (;;) {
      if (out.length === limit) {
        if (failIfLonger) throw new MediaError(this.r.name, `vfat: ${what}: the cluster chain is longer than ${limit} clusters`);
        return out;
      }
      if (cluster < 2 || cluster > max) throw new MediaError(this.r.name, `vfat: ${what}: cluster ${cluster} is out of range (2..${max})`);
      if (seen.has(cluster)) throw new MediaError(this.r.name, `vfat: ${what}: the cluster chain loops back to cluster ${cluster}`);
      seen.add(cluster);
      out.push(cluster);
      const next = this.next(cluster);
      if (next >= 0x0ffffff8) return out;
      if (next === 0x0ffffff7) throw new MediaError(this.r.name, `vfat: ${what}: cluster ${cluster} links to the bad-cluster mark`);
      if (next < 2) throw new MediaError(this.r.name, `vfat: ${what}: cluster ${cluster} links to a free FAT entry`);
      cluster = next;
    }
  }

  /** Contents of clusters, reading contiguous runs at once, cut to `size` bytes. */
  readClusters(clusters: number[], size: number, what: string): Buffer {
    const { clusterBytes, dataOffset } = this.layout;
    const parts: Buffer[] = [];
    for (let i = 0; i < clusters.length; ) {
      let j = i + 1;
      while (j < clusters.length && clusters[j] === clusters[j - 1]! + 1) j++;
      parts.push(readExact(this.r, dataOffset + (clusters[i]! - 2) * clusterBytes, (j - i) * clusterBytes, `vfat: ${what}`));
      i = j;
    }
    return Buffer.concat(parts).subarray(0, size);
  }

  directory(first: number, where: string): FatDirEntry[] {
    let entries = this.dirs.get(first);
    if (!entries) {
      const bytes = first === 0 ? this.rootDirectoryBytes() : this.directoryBytes(first, where);
      entries = parseFatDirectory(bytes, this.layout.bits === 32).entries;
      this.dirs.set(first, entries);
    }
    return entries;
  }

  rootDirectoryBytes(): Buffer {
    const { bits, rootOffset, rootBytes, rootCluster, clusterBytes } = this.layout;
    if (bits !== 32) return readExact(this.r, rootOffset, rootBytes, 'vfat: root directory');
    const clusters = this.chain(rootCluster, Math.ceil(MAX_DIRECTORY_BYTES / clusterBytes), 'root directory', true);
    return this.readClusters(clusters, clusters.length * clusterBytes, 'root directory');
  }

  private directoryBytes(first: number, where: string): Buffer {
    const { clusterBytes } = this.layout;
    const clusters = this.chain(first, Math.ceil(MAX_DIRECTORY_BYTES / clusterBytes), `directory ${where}`, true);
    return this.readClusters(clusters, clusters.length * clusterBytes, `directory ${where}`);
  }

  fileBytes(e: FatDirEntry, path: string): Buffer {
    if (e.size > this.limits.maxFileBytes) throw new MediaError(this.r.name, `vfat: ${path}: file of ${e.size} bytes exceeds the ${this.limits.maxFileBytes}-byte limit`);
    if (e.size === 0) return Buffer.alloc(0);
    const need = Math.ceil(e.size / this.layout.clusterBytes);
    const clusters = this.chain(e.firstCluster, need, `file ${path}`, false);
    if (clusters.length < need) {
      throw new MediaError(this.r.name, `vfat: file ${path}: the cluster chain ends after ${clusters.length} clusters, its size needs ${need}`);
    }
    return this.readClusters(clusters, e.size, `file ${path}`);
  }
}

function matches(e: FatDirEntry, name: string): boolean {
  const n = name.toLowerCase();
  return e.name.toLowerCase() === n || e.shortName.toLowerCase() === n;
}

/** Entries of the directory at `path`, or null when it is not a directory. */
function directoryAt(v: FatVolume, path: string): FatDirEntry[] | null {
  let entries = v.directory(0, '/');
  let where = '';
  for (const part of pathComponents(path)) {
    const e = entries.find((x) => matches(x, part));
    if (!e?.isDir) return null;
    where = `${where}/${e.name}`;
    // Cluster 0 stands for the root only in "..": a subdirectory starting there is corrupt.
    if (e.firstCluster === 0) throw new MediaError(v.r.name, `vfat: directory ${where} has no first cluster`);
    entries = v.directory(e.firstCluster, where);
  }
  return entries;
}

/**
 * The volume label blkid (2.38) reports as LABEL: the root directory's label
 * entry only. The boot sector's copy (blkid's LABEL_FATBOOT) is not used even
 * when the entry is missing, so a seed is found exactly when blkid finds it.
 */
function volumeLabel(v: FatVolume): string {
  const rootLabel = parseFatDirectory(v.rootDirectoryBytes(), v.layout.bits === 32).label;
  return rootLabel !== undefined && rootLabel !== 'NO NAME' ? rootLabel : '';
}

function serialText(serial: number): string {
  const hex = serial.toString(16).toUpperCase().padStart(8, '0');
  return `${hex.slice(0, 4)}-${hex.slice(4)}`;
}

function openVolume(r: BlockReader, limits: MediaLimits): FatVolume | null {
  const layout = parseFatBootSector(r.read(0, 512), r.name);
  return layout ? new FatVolume(r, layout, limits) : null;
}

export function probeFat(r: BlockReader): { label: string; uuid?: string; bits: FatBits } | null {
  const v = openVolume(r, DEFAULT_LIMITS);
  if (!v) return null;
  const { serial, bits } = v.layout;
  return serial === undefined ? { label: volumeLabel(v), bits } : { label: volumeLabel(v), uuid: serialText(serial), bits };
}

export function openFat(r: BlockReader, limits: MediaLimits = DEFAULT_LIMITS): ReadOnlyFs {
  const v = openVolume(r, limits);
  if (!v) throw new MediaError(r.name, 'not a vfat filesystem (no FAT boot sector)');
  const fs: ReadOnlyFs = {
    type: 'vfat',
    label: volumeLabel(v),
    list(dir) {
      return directoryAt(v, dir)?.map((e) => e.name).sort() ?? null;
    },
    readFile(path) {
      const parts = pathComponents(path);
      const name = parts.pop();
      if (name === undefined) return null;
      const e = directoryAt(v, parts.join('/'))?.find((x) => matches(x, name));
      return e && !e.isDir ? v.fileBytes(e, `/${[...parts, e.name].join('/')}`) : null;
    },
  };
  return v.layout.serial === undefined ? fs : { ...fs, uuid: serialText(v.layout.serial) };
}

/** The clusters a file occupies (for tests and diagnostics: shows fragmentation). */
export function fatFileClusters(r: BlockReader, path: string): number[] | null {
  const v = openVolume(r, DEFAULT_LIMITS);
  const parts = pathComponents(path);
  const name = parts.pop();
  const e = v && name !== undefined ? directoryAt(v, parts.join('/'))?.find((x) => matches(x, name)) : undefined;
  if (!v || !e || e.isDir || e.size === 0) return null;
  return v.chain(e.firstCluster, Math.ceil(e.size / v.layout.clusterBytes), path, false);
}
