/**
 * Reading the per-NIC part of EC2 instance metadata
 * (`network/interfaces/macs/<mac>/…`) into checked values.
 *
 * IMDS data is not trusted: any value may be of the wrong type, malformed or
 * absurdly large. A NIC with a bad value is left out with warnings that point
 * at the value (the rest of the instance still gets networking); nothing
 * here throws and no list is read past its cap.
 */
import { show, type PathSegment } from '../../../text/diagnostics.ts';
import { isMapping, Reader, type Mapping } from '../../../text/reader.ts';
import { isIPv4, parsePrefix } from '../../ip.ts';
import { present } from '../../parse/fields.ts';
import { parseCidr, type Cidr } from './cidr.ts';

/** More NICs than any instance type has: the metadata is not believable past this. */
export const MAX_NICS = 64;
/** Addresses per NIC (IPv4 and IPv6 together); EC2 allows 50 of each. */
export const MAX_ADDRESSES = 256;
/** IPv6 blocks per subnet; a VPC has at most 5. */
const MAX_SUBNET_BLOCKS = 16;
/** device-number and network-card stay below this, which also keeps route table numbers apart (see policy.ts). */
export const MAX_INDEX = 99;

const MAC_KEY = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

export interface Ec2Address {
  address: string;
  /** An explicit prefix length written after the address (IMDS writes none, some tests do). */
  prefix?: number;
}

export interface Ec2Nic {
  /** Lower-case MAC: the key under `macs` (not the NIC's own `mac` value, as cloud-init). */
  mac: string;
  path: PathSegment[];
  /** Undefined when IMDS did not say (yet). */
  deviceNumber?: number;
  /** 0 when absent: the key exists only on instance types with several network cards. */
  networkCard: number;
  /** local-ipv4s in metadata order; the first is the NIC's primary address. */
  ipv4: string[];
  /** ipv6s in metadata order; the first is the one DHCPv6 hands out. */
  ipv6: Ec2Address[];
  subnet4?: Cidr;
  subnets6: Cidr[];
}

/** The NICs under `macs`, in metadata order, without those that had to be left out. */
export function readNics(r: Reader, macs: Mapping, path: readonly PathSegment[]): Ec2Nic[] {
  let entries = Object.entries(macs);
  if (entries.length > MAX_NICS) {
    r.warn(path, `${entries.length} NICs, more than the ${MAX_NICS} any instance type has; only the first ${MAX_NICS} are read`);
    entries = entries.slice(0, MAX_NICS);
  }
  const nics: Ec2Nic[] = [];
  const seen = new Map<string, string>();
  for (const [key, value] of entries) {
    const at = [...path, key];
    if (!MAC_KEY.test(key)) {
      r.warn(at, `${show(key)} is not a MAC address; this entry is left out`);
      continue;
    }
    const mac = key.toLowerCase();
    const first = seen.get(mac);
    if (first !== undefined) {
      r.warn(at, `MAC ${mac} is also the key ${show(first)}; this entry is left out`);
      continue;
    }
    seen.set(mac, key);
    if (!isMapping(value)) {
      r.warn(at, `must be a mapping, not ${show(value)}; NIC ${mac} is left out`);
      continue;
    }
    const nic = readNic(r, value, at, mac);
    if (nic) nics.push(nic);
  }
  return nics;
}

/**
 * One NIC. Its problems are collected on a scratch reader and handed on as
 * warnings, so that a bad NIC costs only itself.
 */
function readNic(r: Reader, m: Mapping, path: PathSegment[], mac: string): Ec2Nic | undefined {
  const s = new Reader(r.doc);
  const nic: Ec2Nic = { mac, path, networkCard: 0, ipv4: [], ipv6: [], subnets6: [] };
  if (present(m['device-number'])) nic.deviceNumber = s.int(m['device-number'], [...path, 'device-number'], 0, MAX_INDEX);
  if (present(m['network-card'])) nic.networkCard = s.int(m['network-card'], [...path, 'network-card'], 0, MAX_INDEX) ?? 0;

  const v4 = readList(s, m['local-ipv4s'], [...path, 'local-ipv4s']);
  const v6 = readList(s, m['ipv6s'], [...path, 'ipv6s']);
  if (v4.length + v6.length > MAX_ADDRESSES) {
    s.error(path, `${v4.length} IPv4 and ${v6.length} IPv6 addresses, more than ${MAX_ADDRESSES}`);
  } else {
    for (const { text, at } of v4) {
      if (isIPv4(text)) nic.ipv4.push(text);
      else s.error(at, `${show(text)} is not an IPv4 address`);
    }
    for (const { text, at } of v6) {
      const p = parsePrefix(text);
      if (p && p.family === 6 && (p.prefix === undefined || /\/\d{1,3}$/.test(text))) nic.ipv6.push(p.prefix === undefined ? { address: p.address } : { address: p.address, prefix: p.prefix });
      else s.error(at, `${show(text)} is not an IPv6 address`);
    }
  }

  if (present(m['subnet-ipv4-cidr-block'])) {
    const at = [...path, 'subnet-ipv4-cidr-block'];
    const text = s.string(m['subnet-ipv4-cidr-block'], at)?.trim();
    if (text !== undefined) {
      nic.subnet4 = parseCidr(text, 4);
      if (!nic.subnet4) s.error(at, `${show(text)} is not an IPv4 subnet block (address/prefix length)`);
    }
  }
  const blocks = readList(s, m['subnet-ipv6-cidr-blocks'], [...path, 'subnet-ipv6-cidr-blocks']);
  if (blocks.length > MAX_SUBNET_BLOCKS) s.error([...path, 'subnet-ipv6-cidr-blocks'], `${blocks.length} blocks, more than ${MAX_SUBNET_BLOCKS}`);
  else {
    for (const { text, at } of blocks) {
      const c = parseCidr(text, 6);
      if (c) nic.subnets6.push(c);
      else s.error(at, `${show(text)} is not an IPv6 subnet block (address/prefix length)`);
    }
  }

  // The NIC's own `mac` should repeat its key; cloud-init goes by the key, and so does stratus.
  const own = m['mac'];
  if (typeof own === 'string' && own.toLowerCase() !== mac) r.warn([...path, 'mac'], `${show(own)} differs from the key ${mac}; the key is used`);

  for (const d of s.diagnostics) r.warn(d.path, d.severity === 'error' ? `${d.message}; NIC ${mac} is left out` : d.message);
  return s.failed ? undefined : nic;
}

/**
 * A list-valued leaf: IMDS sends one item per line (the crawler may or may
 * not have split it into a list already). Absent or empty means no items.
 * Items are not checked here beyond being strings; the list is not looked
 * at item by item when it is longer than any cap.
 */
function readList(s: Reader, value: unknown, path: PathSegment[]): { text: string; at: PathSegment[] }[] {
  if (!present(value)) return [];
  if (typeof value === 'string') return value.split(/\s+/).filter((t) => t !== '').map((text) => ({ text, at: path }));
  if (!Array.isArray(value)) {
    s.error(path, `must be a string or a list of strings, not ${show(value)}`);
    return [];
  }
  if (value.length > MAX_ADDRESSES) {
    s.error(path, `${value.length} items, more than ${MAX_ADDRESSES}`);
    return [];
  }
  const out: { text: string; at: PathSegment[] }[] = [];
  value.forEach((v, i) => {
    const text = s.string(v, [...path, i]);
    if (text !== undefined) out.push({ text: text.trim(), at: [...path, i] });
  });
  return out;
}
