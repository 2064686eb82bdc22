/**
 * Block devices and the filesystems on them, found the way blkid would but
 * without it: the device names are those in `<root>/sys/class/block/`
 * (disks and partitions), the node is `<root>/dev/<name>`, and the
 * filesystem is recognised by reading it (see media/filesystem.ts). Under
 * `--root` in tests, a "device" is a regular file holding an image.
 *
 * Devices whose sysfs `size` is 0 are skipped: an empty CD drive, an unused
 * loop, ram or zram device has nothing to find, and opening some of them
 * fails slowly or noisily. A device that cannot be read or holds a broken
 * filesystem is reported in `errors`, never thrown.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { openFileReader } from '../media/block-reader.ts';
import { openFilesystem, probeFilesystem, type MediaFsType, type MediaLimits, type ReadOnlyFs } from '../media/filesystem.ts';
import { underRoot } from './fs.ts';

export interface ProbedDevice {
  /** Device path on the target, "/dev/vdb". */
  device: string;
  type: MediaFsType;
  label: string;
  uuid?: string;
}

export interface DeviceError {
  device: string;
  reason: string;
}

export interface BlockDeviceScan {
  devices: ProbedDevice[];
  errors: DeviceError[];
}

/** sysfs escapes "/" in names as "!" ("cciss!c0d0" is /dev/cciss/c0d0). */
function devicePath(name: string): string {
  return `/dev/${name.replace(/!/g, '/')}`;
}

/** Size in bytes from sysfs (512-byte sectors), or undefined when sysfs does not say. */
function sysfsSize(root: string, name: string): number | undefined {
  try {
    const sectors = Number(readFileSync(underRoot(root, `/sys/class/block/${name}/size`), 'utf8').trim());
    return Number.isSafeInteger(sectors) && sectors >= 0 ? sectors * 512 : undefined;
  } catch {
    return undefined;
  }
}

function reasonOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Every block device with an iso9660 or vfat filesystem, sorted by name. */
export function probeBlockDevices(root: string): BlockDeviceScan {
  const scan: BlockDeviceScan = { devices: [], errors: [] };
  let names: string[];
  try {
    names = readdirSync(underRoot(root, '/sys/class/block')).sort();
  } catch {
    return scan; // no sysfs (a container, a bare test root): no devices
  }
  for (const name of names) {
    const size = sysfsSize(root, name);
    if (size === 0) continue;
    const device = devicePath(name);
    try {
      const r = openFileReader(underRoot(root, device), size === undefined ? {} : { size });
      try {
        const found = probeFilesystem(r);
        if (found) scan.devices.push({ device, ...found });
      } finally {
        r.close();
      }
    } catch (e) {
      scan.errors.push({ device, reason: reasonOf(e) });
    }
  }
  return scan;
}

/** Devices whose filesystem has one of `labels` (exactly, as `blkid -t LABEL=…`) and one of `types`. */
export function findFilesystemsByLabel(root: string, labels: readonly string[], types: readonly string[]): BlockDeviceScan {
  const scan = probeBlockDevices(root);
  return { ...scan, devices: scan.devices.filter((d) => labels.includes(d.label) && types.includes(d.type)) };
}

/** Open the filesystem on a device ("/dev/vdb") for reading; close it when done. */
export function openDeviceFilesystem(root: string, device: string, limits?: MediaLimits): ReadOnlyFs & { close(): void } {
  const name = device.replace(/^\/dev\//, '').replace(/\//g, '!');
  const size = sysfsSize(root, name);
  const r = openFileReader(underRoot(root, device), size === undefined ? {} : { size });
  try {
    const fs = openFilesystem(r, limits);
    return { type: fs.type, label: fs.label, ...(fs.uuid === undefined ? {} : { uuid: fs.uuid }), list: (d) => fs.list(d), readFile: (p) => fs.readFile(p), close: () => r.close() };
  } catch (e) {
    r.close();
    throw e;
  }
}
