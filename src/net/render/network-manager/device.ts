/**
 * Link-layer settings of one interface: the [ethernet], [bond], [bridge],
 * [vlan] and [infiniband] sections, bridge-port settings on the ports, and
 * [match] for v2 match rules NetworkManager can express.
 */
import type { BondParams, BridgeParams, Interface } from '../../state.ts';
import type { Keyfile } from './keyfile.ts';

/** A keyfile being built, and what other profiles need to refer to it. */
export interface Profile {
  iface: Interface;
  kf: Keyfile;
  uuid: string;
}

export type ProfileLookup = (name: string) => Profile | undefined;

export function nmMac(mac: string): string {
  return mac.replace(/-/g, ':').toUpperCase();
}

/** cloud-init's order for the bond options it knows; the others follow in config order. */
const BOND_OPTION_ORDER = ['mode', 'miimon', 'xmit_hash_policy', 'num_grat_arp', 'downdelay', 'updelay', 'fail_over_mac', 'primary_reselect', 'primary'];
/** ifupdown's own keys among the bond- options, not kernel bonding options. */
const BOND_NOT_OPTIONS = new Set(['slaves', 'master']);

export function renderBondOptions(kf: Keyfile, iface: Interface, notes: string[]): void {
  const params: BondParams = iface.bondParams ?? {};
  const options = new Map<string, string>();
  for (const [key, value] of Object.entries(params)) {
    const name = key.replace(/^bond-/, '').replace(/-/g, '_');
    if (BOND_NOT_OPTIONS.has(name)) continue;
    // The kernel (and NetworkManager's validation) wants 1/0 and comma lists.
    options.set(name, typeof value === 'boolean' ? (value ? '1' : '0') : Array.isArray(value) ? value.join(',') : String(value));
  }
  const ordered = [...BOND_OPTION_ORDER.filter((k) => options.has(k)), ...[...options.keys()].filter((k) => !BOND_OPTION_ORDER.includes(k))];
  for (const k of ordered) kf.set('bond', k, options.get(k)!);
  const mode = options.get('mode');
  if ((mode === 'balance-tlb' || mode === 'balance-alb') && Number(options.get('arp_interval') ?? 0) > 0) {
    notes.push(`${iface.name}: NetworkManager rejects bond mode ${mode} with arp_interval > 0 (the kernel does not support ARP monitoring there)`);
  }
}

/** v1 bridge option → keyfile [bridge] property, with the range NetworkManager accepts. */
const BRIDGE_PROPERTIES: Record<string, { key: string; min: number; max: number }> = {
  bridge_bridgeprio: { key: 'priority', min: 0, max: 65535 },
  bridge_fd: { key: 'forward-delay', min: 2, max: 30 },
  bridge_hello: { key: 'hello-time', min: 1, max: 10 },
  bridge_maxage: { key: 'max-age', min: 6, max: 40 },
  bridge_ageing: { key: 'ageing-time', min: 0, max: 1000000 },
};
const PORT_PROPERTIES: Record<string, { key: string; min: number; max: number }> = {
  bridge_pathcost: { key: 'path-cost', min: 1, max: 65535 },
  bridge_portprio: { key: 'priority', min: 0, max: 63 },
};
/** ifupdown-only bridge options with no NetworkManager equivalent. */
const BRIDGE_IFUPDOWN_ONLY = new Set(['bridge_gcint', 'bridge_maxwait', 'bridge_waitport']);

export function renderBridge(kf: Keyfile, iface: Interface, profile: Profile, lookup: ProfileLookup, notes: string[]): void {
  const params: BridgeParams = iface.bridgeParams ?? {};
  // cloud-init writes stp then priority; the rest follow.
  if (typeof params['bridge_stp'] === 'boolean') kf.set('bridge', 'stp', params['bridge_stp'] ? 'true' : 'false');
  for (const option of Object.keys(BRIDGE_PROPERTIES)) {
    const value = params[option];
    if (value === undefined) continue;
    const spec = BRIDGE_PROPERTIES[option]!;
    const n = integer(value);
    if (n === undefined || n < spec.min || n > spec.max) {
      notes.push(`${iface.name}: ${option} ${JSON.stringify(value)} is outside NetworkManager's range for bridge.${spec.key} (${spec.min}-${spec.max}); not written`);
    } else kf.set('bridge', spec.key, String(n));
  }
  for (const option of Object.keys(params)) {
    if (BRIDGE_IFUPDOWN_ONLY.has(option)) notes.push(`${iface.name}: ${option} is an ifupdown option with no NetworkManager equivalent; ignored`);
    else if (!(option in BRIDGE_PROPERTIES) && !(option in PORT_PROPERTIES) && option !== 'bridge_stp' && option !== 'bridge_hw') {
      notes.push(`${iface.name}: bridge option ${option} is not known to the NetworkManager renderer; ignored`);
    }
  }

  for (const port of iface.bridgePorts ?? []) {
    const p = lookup(port);
    if (!p) continue;
    // The bridge names its ports; the ports' own rendering may come before or after.
    p.kf.setDefault('connection', 'slave-type', 'bridge');
    p.kf.setDefault('connection', 'master', profile.uuid);
    for (const [option, spec] of Object.entries(PORT_PROPERTIES)) {
      const value = portValue(params[option], port);
      if (value === undefined) continue;
      const n = integer(value);
      if (n === undefined || n < spec.min || n > spec.max) {
        notes.push(`${iface.name}: ${option} of port ${port} ${JSON.stringify(value)} is outside NetworkManager's range for bridge-port.${spec.key} (${spec.min}-${spec.max}); not written`);
      } else p.kf.set('bridge-port', spec.key, String(n));
    }
  }

  const hw = params['bridge_hw'];
  const mac = iface.macAddress ?? (typeof hw === 'string' ? hw : undefined);
  if (mac !== undefined) kf.set('bridge', 'mac-address', nmMac(mac));
}

/** v2 gives {port: n}; v1 gives ["port n", ...]. */
function portValue(value: BridgeParams[string] | undefined, port: string): string | number | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    for (const entry of value) {
      const [name, n] = entry.trim().split(/\s+/);
      if (name === port && n !== undefined) return n;
    }
    return undefined;
  }
  if (typeof value === 'object') return value[port];
  return undefined;
}

function integer(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  return Number.isInteger(n) ? n : undefined;
}

/**
 * How a physical device is selected beyond its MAC address, for v2 match
 * rules cloud-init loses. A driver becomes [match] driver; a device matched
 * only by driver may be any number of devices, so the profile may be active
 * on all of them at once (as netplan means it) and pins no interface name.
 * An exact name without set-name is the name to pin. A name glob keeps
 * cloud-init's interface-name=<config id> (the conformance fixtures pin it)
 * and is reported.
 */
export function renderMatch(kf: Keyfile, iface: Interface, notes: string[]): { pinName: boolean; exactName?: string } {
  const m = iface.match;
  if (!m || iface.type !== 'physical') return { pinName: true };
  if (m.driver !== undefined) kf.set('match', 'driver', `${m.driver.split(/\s+/).join(';')};`);
  const name = iface.setName ? undefined : m.name;
  if (name !== undefined && /[*?[]/.test(name)) {
    notes.push(
      `${iface.name}: match by name glob ${JSON.stringify(name)} is written as cloud-init writes it (interface-name=${iface.name}), ` +
        `so the profile applies only to a device named ${iface.name}; [match] interface-name=${name} with multi-connect=3 would express it`,
    );
    return { pinName: true };
  }
  if (name !== undefined) return { pinName: true, exactName: name };
  if (m.macAddress === undefined && m.driver !== undefined) {
    kf.set('connection', 'multi-connect', '3');
    return { pinName: false };
  }
  return { pinName: true };
}
