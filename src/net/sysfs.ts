/**
 * Network interfaces as the kernel shows them under `<root>/sys/class/net`:
 * MACs, carrier, link state, driver and what kind of link each one is.
 *
 * Reads only. The root makes it work on a mounted target or a test tree; in a
 * network namespace the caller mounts that namespace's sysfs (sysfs shows the
 * interfaces of the namespace that mounted it, not of the reader).
 *
 * sysfs attributes fail in ways regular files do not: `carrier` returns EINVAL
 * while the link is administratively down, `name_assign_type` returns EINVAL
 * when the origin is unknown, and a device can vanish between the directory
 * listing and the read (hotplug). None of that is an error here: the value is
 * simply unknown (null), and an interface that vanished is left out.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { underRoot } from '../host/fs.ts';

/** ARPHRD_* values from <linux/if_arp.h> that matter to stratus. */
export const ARPHRD_ETHER = 1;
export const ARPHRD_INFINIBAND = 32;
export const ARPHRD_LOOPBACK = 772;

/**
 * What a link is. `plain` is everything that is not built from other links:
 * a NIC, but also software links such as veth or tun (see `hasDevice`).
 */
export type LinkKind = 'loopback' | 'bridge' | 'bond' | 'vlan' | 'plain';

export interface NetInterface {
  name: string;
  /** Hardware address, lower case (20 bytes for InfiniBand); null when missing, empty or unreadable. */
  mac: string | null;
  ifindex: number | null;
  /** 1 when the link has carrier; 0 when not, and when the link is down (the kernel refuses the read then). */
  carrier: 0 | 1;
  /** RFC 2863 state as the kernel spells it (up, down, dormant, lowerlayerdown, unknown, …). */
  operstate: string | null;
  dormant: 0 | 1;
  /** ARPHRD_* link type (1 ethernet, 32 InfiniBand, 772 loopback). */
  type: number | null;
  mtu: number | null;
  /** NET_ADDR_*: 0 permanent, 1 random, 2 stolen from another device, 3 set by user space. */
  addrAssignType: number | null;
  /** NET_NAME_*: 1 kernel enumerated, 2 kernel predictable, 3 user space, 4 renamed; null when unknown. */
  nameAssignType: number | null;
  /** Kernel driver bound to the backing device (basename of `device/driver`). */
  driver: string | null;
  kind: LinkKind;
  /** The bond or bridge this interface is a member of (its `master` link). */
  master: string | null;
  /** Backed by a device (PCI, virtio, …) rather than being purely software, such as veth. */
  hasDevice: boolean;
}

/** Every interface under `<root>/sys/class/net`, sorted by name; [] when there is no such directory. */
export function readInterfaces(root: string): NetInterface[] {
  const classDir = underRoot(root, '/sys/class/net');
  let names: string[];
  try {
    names = readdirSync(classDir);
  } catch {
    return [];
  }
  const out: NetInterface[] = [];
  for (const name of names.sort()) {
    const nic = readInterface(root, classDir, name);
    if (nic) out.push(nic);
  }
  return out;
}

function readInterface(root: string, classDir: string, name: string): NetInterface | null {
  const dir = posix.join(classDir, name);
  // Entries are symlinks to device directories; regular files such as
  // bonding_masters sit beside them, and a device may be gone already.
  if (!isDirectory(dir)) return null;
  const attr = (file: string): string | null => readAttr(posix.join(dir, file));
  const int = (file: string): number | null => toInt(attr(file));
  const type = int('type');
  const mac = attr('address')?.toLowerCase() ?? null;
  const devtype = ueventValue(attr('uevent'), 'DEVTYPE');
  return {
    name,
    mac: mac === '' ? null : mac,
    ifindex: int('ifindex'),
    carrier: int('carrier') === 1 ? 1 : 0,
    operstate: attr('operstate'),
    dormant: int('dormant') === 1 ? 1 : 0,
    type,
    mtu: int('mtu'),
    addrAssignType: int('addr_assign_type'),
    nameAssignType: int('name_assign_type'),
    driver: linkBasename(posix.join(dir, 'device/driver')),
    kind: classify(root, dir, name, type, devtype),
    master: linkBasename(posix.join(dir, 'master')),
    hasDevice: exists(posix.join(dir, 'device')),
  };
}

function classify(root: string, dir: string, name: string, type: number | null, devtype: string | null): LinkKind {
  if (type === ARPHRD_LOOPBACK) return 'loopback';
  if (isDirectory(posix.join(dir, 'bridge')) || devtype === 'bridge') return 'bridge';
  if (isDirectory(posix.join(dir, 'bonding')) || devtype === 'bond') return 'bond';
  // /proc/net/vlan only exists once the 8021q module is loaded; uevent covers the rest.
  if (exists(underRoot(root, `/proc/net/vlan/${name}`)) || devtype === 'vlan') return 'vlan';
  return 'plain';
}

/** The trimmed text of a sysfs attribute, or null if it cannot be read for any reason (see the header). */
function readAttr(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

function toInt(text: string | null): number | null {
  if (text === null) return null;
  // Decimal (ifindex, mtu, …) and the 0x-prefixed hex some attributes use (flags).
  if (/^-?\d+$/.test(text)) return Number.parseInt(text, 10);
  if (/^0x[0-9a-f]+$/i.test(text)) return Number.parseInt(text.slice(2), 16);
  return null;
}

function ueventValue(uevent: string | null, key: string): string | null {
  if (uevent === null) return null;
  for (const line of uevent.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && line.slice(0, eq) === key) return line.slice(eq + 1).trim();
  }
  return null;
}

function linkBasename(path: string): string | null {
  try {
    return posix.basename(readlinkSync(path));
  } catch {
    return null;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** True if anything is at `path` (not following a final symlink, so a dangling link counts). */
function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
