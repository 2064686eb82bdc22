/**
 * The little address arithmetic the EC2 converter needs: a subnet block's
 * network address, the VPC router's address in it, and an order for
 * addresses. Pure; builds on net/ip.ts.
 */
import { compressIPv6, ipFamily, parseIPv6, parsePrefix } from '../../ip.ts';

/** A subnet block from the metadata: the text as IMDS wrote it, and what it means. */
export interface Cidr {
  text: string;
  address: string;
  prefix: number;
  family: 4 | 6;
}

/** "172.31.32.0/20" → Cidr; undefined when it is not address/prefix-length of the wanted family. */
export function parseCidr(text: string, family: 4 | 6): Cidr | undefined {
  if (!text.includes('/')) return undefined;
  const p = parsePrefix(text);
  // parsePrefix also takes a netmask after the slash; IMDS writes prefix lengths only.
  if (!p || p.prefix === undefined || p.family !== family || !/\/\d{1,3}$/.test(text)) return undefined;
  return { text, address: p.address, prefix: p.prefix, family };
}

/** The block with its host bits cleared, as "address/prefix" (IPv6 in its compressed form). */
export function networkText(c: Cidr): string {
  if (c.family === 4) return `${intToV4(v4ToInt(c.address) & v4Mask(c.prefix))}/${c.prefix}`;
  const groups = parseIPv6(c.address) ?? [];
  const out = groups.map((g, i) => g & v6GroupMask(c.prefix, i));
  return `${compressIPv6(out.map((g) => g.toString(16)).join(':'))}/${c.prefix}`;
}

/** Whether the block's address has host bits set (IMDS never writes that; a route to it would be refused). */
export function hasHostBits(c: Cidr): boolean {
  if (c.family === 4) return (v4ToInt(c.address) & ~v4Mask(c.prefix)) >>> 0 !== 0;
  const groups = parseIPv6(c.address) ?? [];
  return groups.some((g, i) => (g & ~v6GroupMask(c.prefix, i) & 0xffff) !== 0);
}

/**
 * The VPC router of an IPv4 subnet: its network address + 1 (AWS reserves
 * that address for the router in every subnet). Undefined for /31 and /32,
 * which have no such address (EC2 subnets are /16 to /28).
 */
export function vpcRouter(c: Cidr): string | undefined {
  if (c.family !== 4 || c.prefix > 30) return undefined;
  return intToV4(((v4ToInt(c.address) & v4Mask(c.prefix)) >>> 0) + 1);
}

/** Whether `address` (same family) lies inside the block. */
export function contains(c: Cidr, address: string): boolean {
  if (ipFamily(address) !== c.family) return false;
  if (c.family === 4) return ((v4ToInt(address) ^ v4ToInt(c.address)) & v4Mask(c.prefix)) >>> 0 === 0;
  const a = parseIPv6(address) ?? [];
  const b = parseIPv6(c.address) ?? [];
  return a.every((g, i) => ((g ^ (b[i] ?? 0)) & v6GroupMask(c.prefix, i)) === 0);
}

/** Numeric order of two addresses of one family (so 10.0.0.9 sorts before 10.0.0.10). */
export function compareAddresses(a: string, b: string): number {
  const x = ipFamily(a) === 4 ? [v4ToInt(a)] : (parseIPv6(a) ?? []);
  const y = ipFamily(b) === 4 ? [v4ToInt(b)] : (parseIPv6(b) ?? []);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function v4ToInt(a: string): number {
  return a.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
}

function intToV4(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join('.');
}

function v4Mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** The mask of 16-bit group `i` of an IPv6 prefix of length `prefix`. */
function v6GroupMask(prefix: number, i: number): number {
  const bits = Math.max(0, Math.min(16, prefix - 16 * i));
  return bits === 0 ? 0 : (0xffff << (16 - bits)) & 0xffff;
}
