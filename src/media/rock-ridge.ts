/**
 * Rock Ridge names over the System Use Sharing Protocol (SUSP, IEEE P1281 /
 * RRIP, IEEE P1282): the System Use area at the end of an ISO 9660 directory
 * record holds entries "XY" len version data…; "CE" moves the rest to a
 * continuation area elsewhere on the volume, "ST" ends the area.
 *
 * Only what a reader of config seeds needs: the alternate name (NM), and the
 * relocation entries (CL/RE) that genisoimage uses for directories nested
 * deeper than 8 levels. Permissions, times and symbolic links are ignored.
 */
import { MediaError, readExact, type BlockReader } from './block-reader.ts';

export interface SuspEntry {
  signature: string;
  /** The bytes after the 4-byte header. */
  data: Buffer;
}

/** Entries of one System Use area (or continuation area), up to "ST" or the first malformed entry. */
export function suspEntries(area: Buffer): SuspEntry[] {
  const out: SuspEntry[] = [];
  let pos = 0;
  while (pos + 4 <= area.length) {
    const len = area[pos + 2]!;
    // Padding (a zero length) or an entry running past the area ends the list: there is nothing
    // further that can be located reliably.
    if (len < 4 || pos + len > area.length) break;
    const signature = area.toString('latin1', pos, pos + 2);
    if (signature === 'ST') break;
    out.push({ signature, data: area.subarray(pos + 4, pos + len) });
    pos += len;
  }
  return out;
}

/** The "SP" entry that starts the root's "." record when SUSP is in use: gives the bytes to skip in every other record. */
export function sharingProtocolSkip(rootDotArea: Buffer): number | null {
  if (rootDotArea.length < 7) return null;
  const isSp = rootDotArea.toString('latin1', 0, 2) === 'SP' && rootDotArea[2] === 7 && rootDotArea[4] === 0xbe && rootDotArea[5] === 0xef;
  return isSp ? rootDotArea[6]! : null;
}

export interface RockRidgeRecord {
  /** The NM name (parts joined); undefined when the record has none. */
  name?: string;
  /** "RE": this directory was moved here from deeper in the tree; its real place lists it. */
  relocated: boolean;
  /** "CL": this (file) record stands for a directory relocated to this logical block. */
  childLink?: number;
  /** Signatures seen, to recognise Rock Ridge on the root. */
  signatures: Set<string>;
}

const MAX_CONTINUATIONS = 16;
const MAX_CONTINUATION_BYTES = 64 * 1024;

/** Read the Rock Ridge fields of one record's System Use area, following continuation areas. */
export function readRockRidge(r: BlockReader, area: Buffer, blockSize: number, where: string): RockRidgeRecord {
  const out: RockRidgeRecord = { relocated: false, signatures: new Set() };
  const nameParts: Buffer[] = [];
  let hops = 0;
  let current: Buffer | null = area;
  while (current) {
    let next: Buffer | null = null;
    for (const e of suspEntries(current)) {
      out.signatures.add(e.signature);
      switch (e.signature) {
        case 'NM': {
          const flags = e.data[0] ?? 0;
          // Bits 1 and 2 mark "." and "..": no name of their own.
          if ((flags & 0x06) === 0) nameParts.push(e.data.subarray(1));
          break;
        }
        case 'RE':
          out.relocated = true;
          break;
        case 'CL':
          if (e.data.length >= 4) out.childLink = e.data.readUInt32LE(0);
          break;
        case 'CE': {
          if (e.data.length < 24) throw new MediaError(r.name, `iso9660: ${where}: malformed Rock Ridge continuation entry`);
          if (++hops > MAX_CONTINUATIONS) {
            throw new MediaError(r.name, `iso9660: ${where}: more than ${MAX_CONTINUATIONS} Rock Ridge continuation areas (a loop?)`);
          }
          const block = e.data.readUInt32LE(0);
          const offset = e.data.readUInt32LE(8);
          const length = e.data.readUInt32LE(16);
          if (length > MAX_CONTINUATION_BYTES) {
            throw new MediaError(r.name, `iso9660: ${where}: Rock Ridge continuation area of ${length} bytes is implausibly large`);
          }
          next = readExact(r, block * blockSize + offset, length, `iso9660: ${where}: Rock Ridge continuation area`);
          break;
        }
      }
    }
    current = next;
  }
  if (nameParts.length > 0) out.name = Buffer.concat(nameParts).toString('utf8');
  return out;
}
