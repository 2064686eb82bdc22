/** Pure IPv4/IPv6 address and prefix helpers. No dependencies, no I/O. */

const V4_OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => V4_OCTET.test(p));
}

/** Parse an IPv6 address (no zone, no prefix) into 8 16-bit groups, or undefined. */
export function parseIPv6(text: string): number[] | undefined {
  if (text.length === 0 || text.length > 45 || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let head = text;
  let tailV4: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    const v4 = text.slice(lastColon + 1);
    if (!isIPv4(v4)) return undefined;
    const o = v4.split('.').map(Number) as [number, number, number, number];
    tailV4 = [(o[0] << 8) | o[1], (o[2] << 8) | o[3]];
    head = text.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const want = 8 - tailV4.length;
  const dbl = head.indexOf('::');
  if (dbl !== head.lastIndexOf('::')) return undefined;
  const groupsOf = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const left = groupsOf(head.slice(0, dbl));
    const right = groupsOf(head.slice(dbl + 2));
    if (!left || !right || left.length + right.length > want - 1) return undefined;
    groups = [...left, ...new Array<number>(want - left.length - right.length).fill(0), ...right];
  } else {
    const all = groupsOf(head);
    if (!all || all.length !== want) return undefined;
    groups = all;
  }
  return [...groups, ...tailV4];
}

export function isIPv6(text: string): boolean {
  return parseIPv6(text) !== undefined;
}

export function isIP(text: string): boolean {
  return isIPv4(text) || isIPv6(text);
}

export function ipFamily(text: string): 4 | 6 | undefined {
  if (isIPv4(text)) return 4;
  if (isIPv6(text)) return 6;
  return undefined;
}

export function prefixToIPv4Mask(prefix: number): string {
  const bits = prefix <= 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 0xff).join('.');
}

/** Prefix length of a contiguous IPv4 netmask ("255.255.255.0" → 24), else undefined. */
export function ipv4MaskToPrefix(mask: string): number | undefined {
  if (/^\d{1,2}$/.test(mask)) {
    const n = Number(mask);
    return n <= 32 ? n : undefined;
  }
  if (!isIPv4(mask)) return undefined;
  const bits = mask.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
  const inverted = ~bits >>> 0;
  if ((inverted & (inverted + 1)) !== 0) return undefined;
  return 32 - Math.log2(inverted + 1);
}

/** Prefix length of an IPv6 prefix ("64") or mask ("ffff:ffff::"), else undefined. */
export function ipv6MaskToPrefix(mask: string): number | undefined {
  if (/^\d{1,3}$/.test(mask)) {
    const n = Number(mask);
    return n <= 128 ? n : undefined;
  }
  const groups = parseIPv6(mask);
  if (!groups) return undefined;
  let prefix = 0;
  let ended = false;
  for (const g of groups) {
    for (let bit = 15; bit >= 0; bit--) {
      const set = (g >> bit) & 1;
      if (set && ended) return undefined;
      if (set) prefix++;
      else ended = true;
    }
  }
  return prefix;
}

export interface IPPrefix {
  address: string;
  prefix: number;
  family: 4 | 6;
}

/**
 * Parse "addr", "addr/len" or "addr/mask". Returns undefined when the text is
 * not an address of either family or the prefix part is invalid.
 */
export function parsePrefix(text: string): { address: string; prefix?: number; family: 4 | 6 } | undefined {
  const slash = text.indexOf('/');
  const addr = slash >= 0 ? text.slice(0, slash) : text;
  const family = ipFamily(addr);
  if (family === undefined) return undefined;
  if (slash < 0) return { address: addr, family };
  const p = text.slice(slash + 1);
  const prefix = family === 4 ? ipv4MaskToPrefix(p) : ipv6MaskToPrefix(p);
  if (prefix === undefined) return undefined;
  return { address: addr, prefix, family };
}

function v4ToInt(a: string): number {
  return a.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
}

/** Whether `ip` lies inside `network/prefix` (same family required). */
export function inNetwork(ip: string, network: string, prefix: number): boolean {
  if (isIPv4(ip) && isIPv4(network)) {
    if (prefix === 0) return true;
    const mask = (0xffffffff << (32 - prefix)) >>> 0;
    return ((v4ToInt(ip) & mask) >>> 0) === ((v4ToInt(network) & mask) >>> 0);
  }
  const a = parseIPv6(ip);
  const b = parseIPv6(network);
  if (!a || !b) return false;
  let left = prefix;
  for (let i = 0; i < 8 && left > 0; i++) {
    const bits = Math.min(16, left);
    const mask = (0xffff << (16 - bits)) & 0xffff;
    if (((a[i] ?? 0) & mask) !== ((b[i] ?? 0) & mask)) return false;
    left -= bits;
  }
  return true;
}

/** Canonical (RFC 5952) text of an IPv6 address. */
export function compressIPv6(text: string): string {
  const g = parseIPv6(text);
  if (!g) return text;
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$|^[0-9a-fA-F]{2}(-[0-9a-fA-F]{2}){5}$/;
const MAC_IB = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){19}$/;

/** Ethernet MAC (6 bytes, ":" or "-" separated) or InfiniBand hardware address (20 bytes). */
export function isMac(text: string): boolean {
  return MAC.test(text) || MAC_IB.test(text);
}
