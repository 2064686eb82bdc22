/**
 * Random access to the bytes of a device node or an image file. The
 * filesystem readers (iso9660.ts, fat.ts) are pure functions over this
 * interface, so tests can feed them a Buffer and boot code a device.
 *
 * Reads are synchronous: boot code is sequential and reads a few sectors, and
 * a synchronous read avoids the promise machinery on the boot path.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface BlockReader {
  /** What the bytes are (device or image path), for messages. */
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
  /** Up to `length` bytes at `offset`; shorter (maybe empty) past the end. */
  read(offset: number, length: number): Buffer;
}

/** A filesystem structure is broken or unsupported; the message names the image and the place. */
export class MediaError extends Error {
  constructor(
    readonly image: string,
    detail: string,
  ) {
    super(`${image}: ${detail}`);
    this.name = 'MediaError';
  }
}

/** Exactly `length` bytes at `offset`, or a MediaError saying what was being read. */
export function readExact(r: BlockReader, offset: number, length: number, what: string): Buffer {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > r.size) {
    throw new MediaError(r.name, `${what} (bytes ${offset}..${offset + length}) lies beyond the end of the image (${r.size} bytes)`);
  }
  const data = r.read(offset, length);
  if (data.length !== length) {
    throw new MediaError(r.name, `${what}: short read at byte ${offset} (${data.length} of ${length} bytes)`);
  }
  return data;
}

export function bufferReader(data: Buffer, name = 'buffer'): BlockReader {
  return {
    name,
    size: data.length,
    read: (offset, length) => data.subarray(Math.min(offset, data.length), Math.min(offset + length, data.length)),
  };
}

/**
 * Open a device node or image file read-only. A block device's fstat size is
 * 0, so its size is either given (from sysfs) or found by probing reads.
 */
export function openFileReader(path: string, options: { size?: number } = {}): BlockReader & { close(): void } {
  const fd = openSync(path, 'r');
  let size: number;
  try {
    const st = fstatSync(fd);
    size = options.size ?? (st.isBlockDevice() ? deviceSizeByReading(fd) : st.size);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  let closed = false;
  return {
    name: path,
    size,
    read(offset, length) {
      const want = Math.max(0, Math.min(length, size - offset));
      const buf = Buffer.alloc(want);
      let got = 0;
      while (got < want) {
        const n = readSync(fd, buf, got, want - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      return got === want ? buf : buf.subarray(0, got);
    },
    close() {
      if (!closed) closeSync(fd);
      closed = true;
    },
  };
}

/**
 * Size of an open device in whole 512-byte sectors, by binary search with
 * one-byte reads (about 2·log2(sectors) of them). A read past the end returns
 * nothing, or fails on some drives (EIO): both mean "not there".
 */
export function deviceSizeByReading(fd: number): number {
  const one = Buffer.alloc(1);
  const hasSector = (n: number): boolean => {
    try {
      return n === 0 || readSync(fd, one, 0, 1, n * 512 - 1) === 1;
    } catch {
      return false;
    }
  };
  let lo = 0;
  let hi = 2048; // sectors: 1 MiB
  while (hasSector(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > 2 ** 43) return lo * 512; // 4 PiB: stop doubling
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (hasSector(mid)) lo = mid;
    else hi = mid;
  }
  return lo * 512;
}
