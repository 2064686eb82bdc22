/**
 * FAT directory entries (32 bytes each), pure over the directory's bytes:
 * 8.3 short names with the Windows NT lowercase flags, VFAT long names
 * (UCS-2 LE, stored in reverse order before their short entry and tied to it
 * by a checksum), deleted entries (0xE5) and the end marker (0x00).
 */

export interface FatDirEntry {
  /** The long name when a valid one precedes the entry, else the short name. */
  name: string;
  /** The 8.3 alias ("META-D~1"), as vfat also accepts it in lookups. */
  shortName: string;
  isDir: boolean;
  firstCluster: number;
  size: number;
}

export interface FatDirectory {
  entries: FatDirEntry[];
  /** The volume-label entry's text, when the directory (the root) has one. */
  label?: string;
}

const ATTR_VOLUME = 0x08;
const ATTR_DIR = 0x10;
const ATTR_LFN = 0x0f;
/** Offsets of the 13 UCS-2 characters in a long-name entry. */
const LFN_CHAR_OFFSETS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];

/** The checksum of the 11 short-name bytes a long name carries, so a stale long name is recognised. */
export function shortNameChecksum(raw: Buffer): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + raw[i]!) & 0xff;
  return sum;
}

/**
 * Short names are in the volume's OEM code page, which the volume does not
 * record; like Linux's default (codepage=437), bytes above 0x7f are read as
 * code page 437. (Tools write long names for most non-ASCII names anyway.)
 */
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

function decodeCp437(bytes: Buffer): string {
  let s = '';
  for (const b of bytes) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
  return s;
}

function shortNamePart(raw: Buffer, lower: boolean): string {
  const bytes = Buffer.from(raw);
  if (bytes[0] === 0x05) bytes[0] = 0xe5; // 0xE5 as a first character is stored as 0x05
  const text = decodeCp437(bytes).replace(/ +$/, '');
  return lower ? text.toLowerCase() : text;
}

/** A volume label's 11 bytes, trailing spaces dropped (0x05 stands for 0xE5 here too). */
export function labelText(raw: Buffer): string {
  const bytes = Buffer.from(raw);
  if (bytes[0] === 0x05) bytes[0] = 0xe5;
  return bytes.toString('latin1').replace(/ +$/, '');
}

function shortName(e: Buffer): string {
  const nt = e[12]!;
  const base = shortNamePart(e.subarray(0, 8), (nt & 0x08) !== 0);
  const ext = shortNamePart(e.subarray(8, 11), (nt & 0x10) !== 0);
  return ext ? `${base}.${ext}` : base;
}

function longNameChars(e: Buffer): number[] {
  return LFN_CHAR_OFFSETS.map((o) => e.readUInt16LE(o));
}

/** Long-name entries seen so far, waiting for their short entry. */
interface PendingLongName {
  checksum: number;
  /** Sequence number the next entry must carry (they count down to 1). */
  next: number;
  /** Characters by entry, index 0 = the first 13 characters. */
  parts: number[][];
}

export function parseFatDirectory(data: Buffer, fat32: boolean): FatDirectory {
  const out: FatDirectory = { entries: [] };
  let pending: PendingLongName | null = null;
  for (let pos = 0; pos + 32 <= data.length; pos += 32) {
    const e = data.subarray(pos, pos + 32);
    const first = e[0]!;
    if (first === 0x00) break;
    if (first === 0xe5) {
      pending = null;
      continue;
    }
    const attr = e[11]!;
    if ((attr & 0x3f) === ATTR_LFN) {
      const seq = first & 0x1f;
      if (first & 0x40) {
        pending = seq >= 1 && seq <= 20 ? { checksum: e[13]!, next: seq, parts: [] } : null;
      } else if (!pending || seq !== pending.next || e[13] !== pending.checksum) {
        pending = null; // an orphan or out-of-order piece: the short name will be used
      }
      if (pending) {
        pending.parts[seq - 1] = longNameChars(e);
        pending.next = seq - 1;
      }
      continue;
    }
    const longName = pending && pending.next === 0 && pending.checksum === shortNameChecksum(e) ? decodeLongName(pending.parts) : null;
    pending = null;
    if (attr & ATTR_VOLUME) {
      // blkid reports the label's bytes as they are: no code page.
      if (!(attr & ATTR_DIR) && out.label === undefined) out.label = labelText(e.subarray(0, 11));
      continue;
    }
    const short = shortName(e);
    if (short === '.' || short === '..') continue;
    // The high half of the first cluster is only meaningful on FAT32 (OS/2 kept other data there).
    const high = fat32 ? e.readUInt16LE(20) : 0;
    out.entries.push({
      name: longName || short,
      shortName: short,
      isDir: (attr & ATTR_DIR) !== 0,
      firstCluster: high * 0x10000 + e.readUInt16LE(26),
      size: e.readUInt32LE(28),
    });
  }
  return out;
}

function decodeLongName(parts: number[][]): string | null {
  const units: number[] = [];
  for (const part of parts) {
    for (const u of part) {
      if (u === 0x0000) return String.fromCharCode(...units);
      units.push(u);
    }
  }
  return units.length > 0 ? String.fromCharCode(...units) : null;
}
