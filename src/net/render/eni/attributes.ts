/**
 * Device options of an ENI stanza (bond, bridge, VLAN, MTU, MAC, Wake-on-LAN
 * and v1 `params`), written once, on the first stanza of an interface.
 * Option names use dashes (`bond-xmit-hash-policy`, `bridge-ports`,
 * `vlan-raw-device`), which ifenslave, bridge-utils and vlan all read.
 */
import type { Interface, NetworkState, Subnet } from '../../state.ts';
import { subnetFamily } from '../../state.ts';

type Value = string | number | boolean | string[] | Record<string, number>;

/** Options that take one "port value" pair per line. */
const PER_LINE = new Set(['bridge-pathcost', 'bridge-portprio', 'bridge-waitport']);
/** v1 params that are facts about the device, not ifupdown options. */
const NOT_OPTIONS = new Set(['driver', 'device_id']);
/** Devices ifupdown creates itself, so a MAC address can be set on them. */
const VIRTUAL = new Set(['bond', 'bridge', 'infiniband', 'vlan']);

function optionLines(key: string, value: Value, indent: string): string[] {
  const name = key.replace(/_/g, '-');
  if (typeof value === 'boolean') return [`${indent}${name} ${value ? 'on' : 'off'}`];
  // cloud-init skips every falsy option value, so a numeric 0 is never written.
  if (typeof value === 'number' || typeof value === 'string') return value === '' || value === 0 ? [] : [`${indent}${name} ${value}`];
  if (Array.isArray(value)) {
    if (value.length === 0) return [];
    return PER_LINE.has(name) ? value.map((v) => `${indent}${name} ${v}`) : [`${indent}${name} ${value.join(' ')}`];
  }
  const pairs = Object.entries(value).map(([port, v]) => `${port} ${v}`);
  if (pairs.length === 0) return [];
  return PER_LINE.has(name) ? pairs.map((p) => `${indent}${name} ${p}`) : [`${indent}${name} ${pairs.join(' ')}`];
}

/**
 * The sorted device options for the first stanza of `iface`. `first` is the
 * subnet of that stanza: an IPv4 subnet MTU replaces the device MTU there.
 */
export function attributeLines(iface: Interface, state: NetworkState, first: Subnet | undefined, indent: string, notes: string[]): string[] {
  const options: [string, Value][] = [];
  const subnetMtu = first !== undefined && subnetFamily(first) !== 6 ? first.mtu : undefined;
  if (iface.mtu !== undefined && iface.mtu !== 0) {
    if (subnetMtu === undefined || subnetMtu === 0) options.push(['mtu', iface.mtu]);
    else if (subnetMtu !== iface.mtu) {
      notes.push(`${iface.name}: device MTU ${iface.mtu} is not rendered because its IPv4 subnet sets MTU ${subnetMtu}`);
    }
  }
  if (iface.macAddress !== undefined && VIRTUAL.has(iface.type)) options.push(['hwaddress', iface.macAddress]);
  if (iface.wakeOnLan) options.push(['ethernet-wol', 'g']);
  for (const [key, value] of Object.entries(iface.extraParams ?? {})) {
    if (!NOT_OPTIONS.has(key)) options.push([key, value]);
  }
  if (iface.type === 'bond') {
    for (const [key, value] of Object.entries(iface.bondParams ?? {})) if (key !== 'bond-slaves') options.push([key, value]);
    // Members name their bond with bond-master, so the bond lists none.
    options.push(['bond-slaves', 'none']);
  }
  if (iface.bondMaster !== undefined) {
    // ifenslave reads the bond options from every member's stanza too.
    options.push(['bond-master', iface.bondMaster]);
    const bond = state.interfaces.find((i) => i.name === iface.bondMaster);
    for (const [key, value] of Object.entries(bond?.bondParams ?? {})) if (key !== 'bond-slaves') options.push([key, value]);
  }
  if (iface.type === 'bridge') {
    const ports = iface.bridgePorts ?? [];
    options.push(['bridge_ports', ports.length > 0 ? ports : 'none']);
    for (const [key, value] of Object.entries(iface.bridgeParams ?? {})) options.push([key, value]);
  }
  if (iface.type === 'vlan') {
    if (iface.vlanLink !== undefined) options.push(['vlan-raw-device', iface.vlanLink]);
    if (iface.vlanId !== undefined) options.push(['vlan_id', iface.vlanId]);
  }
  return uniqueLines(options.flatMap(([k, v]) => optionLines(k, v, indent))).sort();
}

/** A bond member's own params may repeat the bond's options. */
function uniqueLines(lines: string[]): string[] {
  return [...new Set(lines)];
}
