/**
 * .netdev files: the virtual devices networkd must create (bonds, bridges,
 * VLANs), with cloud-init's v1 option names translated to networkd keys.
 */
import type { BondParams, BridgeParams, Interface } from '../../state.ts';
import { UnitFile, type Entry } from './unit-file.ts';

type Value = BondParams[string];

/** Kernel option numbers that v1/ENI configs may use instead of names. */
const BOND_ENUMS: Record<string, readonly string[]> = {
  'bond-mode': ['balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'],
  'bond-lacp-rate': ['slow', 'fast'],
  'bond-ad-select': ['stable', 'bandwidth', 'count'],
  'bond-arp-validate': ['none', 'active', 'backup', 'all', 'filter', 'filter_active', 'filter_backup'],
  'bond-arp-all-targets': ['any', 'all'],
  'bond-fail-over-mac': ['none', 'active', 'follow'],
  'bond-primary-reselect': ['always', 'better', 'failure'],
};

type Convert = 'plain' | 'enum' | 'milliseconds' | 'boolean' | 'list';

/** v1 bond option → [Bond] key, and how its value is written. */
const BOND_KEYS: Record<string, readonly [string, Convert]> = {
  'bond-mode': ['Mode', 'enum'],
  'bond-xmit-hash-policy': ['TransmitHashPolicy', 'plain'],
  'bond-lacp-rate': ['LACPTransmitRate', 'enum'],
  'bond-ad-select': ['AdSelect', 'enum'],
  'bond-ad-actor-sys-prio': ['AdActorSystemPriority', 'plain'],
  'bond-ad-user-port-key': ['AdUserPortKey', 'plain'],
  'bond-ad-actor-system': ['AdActorSystem', 'plain'],
  'bond-miimon': ['MIIMonitorSec', 'milliseconds'],
  'bond-updelay': ['UpDelaySec', 'milliseconds'],
  'bond-downdelay': ['DownDelaySec', 'milliseconds'],
  'bond-arp-interval': ['ARPIntervalSec', 'milliseconds'],
  'bond-arp-ip-target': ['ARPIPTargets', 'list'],
  'bond-arp-validate': ['ARPValidate', 'enum'],
  'bond-arp-all-targets': ['ARPAllTargets', 'enum'],
  'bond-fail-over-mac': ['FailOverMACPolicy', 'enum'],
  'bond-primary-reselect': ['PrimaryReselectPolicy', 'enum'],
  'bond-num-grat-arp': ['GratuitousARP', 'plain'],
  'bond-all-slaves-active': ['AllSlavesActive', 'boolean'],
  'bond-min-links': ['MinLinks', 'plain'],
  // Seconds in netplan, cloud-init and networkd alike.
  'bond-lp-interval': ['LearnPacketIntervalSec', 'plain'],
  'bond-packets-per-slave': ['PacketsPerSlave', 'plain'],
  'bond-resend-igmp': ['ResendIGMP', 'plain'],
  'bond-tlb-dynamic-lb': ['DynamicTransmitLoadBalancing', 'boolean'],
};

/** Options that are expressed elsewhere (member files) or only describe membership. */
const BOND_HANDLED_ELSEWHERE = new Set(['bond-primary', 'bond-slaves', 'bond-master']);

function text(v: Value): string {
  return Array.isArray(v) ? v.join(' ') : String(v);
}

function convert(option: string, how: Convert, v: Value): string {
  const s = text(v);
  switch (how) {
    case 'plain':
      return s;
    case 'enum':
      return /^\d+$/.test(s) ? (BOND_ENUMS[option]?.[Number(s)] ?? s) : s;
    // networkd reads a bare number as seconds; the config means milliseconds.
    case 'milliseconds':
      return /^\d+$/.test(s) ? `${s}ms` : s;
    case 'boolean':
      return s === '1' || s.toLowerCase() === 'true' || s.toLowerCase() === 'on' || s.toLowerCase() === 'yes' ? 'true' : 'false';
    case 'list':
      return s.split(/[\s,]+/).filter(Boolean).join(' ');
  }
}

function netdevSection(iface: Interface, kind: string): Entry[] {
  const entries: Entry[] = [
    ['Name', iface.name],
    ['Kind', kind],
  ];
  if (iface.macAddress) entries.push(['MACAddress', iface.macAddress]);
  if (iface.mtu) entries.push(['MTUBytes', String(iface.mtu)]);
  return entries;
}

function bondEntries(iface: Interface, notes: string[]): Entry[] {
  const entries: Entry[] = [];
  for (const [option, value] of Object.entries(iface.bondParams ?? {})) {
    const key = BOND_KEYS[option];
    if (key) entries.push([key[0], convert(option, key[1], value)]);
    else if (!BOND_HANDLED_ELSEWHERE.has(option)) notes.push(`${iface.name}: bond option ${option} has no systemd-networkd equivalent; not rendered`);
  }
  return entries;
}

/** Bridge options that are per port, or that describe ports, and go to the ports' .network files. */
const BRIDGE_PORT_OPTIONS = new Set(['bridge_pathcost', 'bridge_portprio', 'bridge_ports']);

function bridgeEntries(iface: Interface, notes: string[]): Entry[] {
  const p: BridgeParams = iface.bridgeParams ?? {};
  const stp = p['bridge_stp'] === true;
  const entries: Entry[] = [];
  // STP is off unless enabled, so "off" needs no line (cloud-init writes none either).
  if (stp) entries.push(['STP', 'yes']);
  const scalars: [string, string][] = [
    ['bridge_fd', 'ForwardDelaySec'],
    ['bridge_hello', 'HelloTimeSec'],
    ['bridge_maxage', 'MaxAgeSec'],
    ['bridge_ageing', 'AgeingTimeSec'],
    ['bridge_bridgeprio', 'Priority'],
  ];
  for (const [option, key] of scalars) {
    const v = p[option];
    if (v === undefined || typeof v === 'object') continue;
    // The kernel ignores the forward delay without STP (ports forward at once),
    // and cloud-init drops a zero one; keep the file the same.
    if (option === 'bridge_fd' && !stp && Number(v) === 0) continue;
    if (option === 'bridge_bridgeprio' && Number(v) === 0) {
      notes.push(`${iface.name}: systemd-networkd (252 at least) reads bridge Priority=0 as unset and keeps the kernel default 32768`);
    }
    entries.push([key, String(v)]);
  }
  for (const option of Object.keys(p)) {
    if (option === 'bridge_stp' || option === 'bridge_hw' || BRIDGE_PORT_OPTIONS.has(option) || scalars.some(([o]) => o === option)) continue;
    notes.push(`${iface.name}: bridge option ${option} has no systemd-networkd equivalent; not rendered`);
  }
  return entries;
}

/** The .netdev for a bond, bridge or VLAN; undefined for devices networkd does not create. */
export function renderNetdev(iface: Interface, notes: string[]): string | undefined {
  const file = new UnitFile();
  switch (iface.type) {
    case 'bond':
      file.single('NetDev').entries.push(...netdevSection(iface, 'bond'));
      file.single('Bond').entries.push(...bondEntries(iface, notes));
      break;
    case 'bridge': {
      const hw = iface.bridgeParams?.['bridge_hw'];
      const withMac = iface.macAddress === undefined && typeof hw === 'string' ? { ...iface, macAddress: hw.toLowerCase() } : iface;
      file.single('NetDev').entries.push(...netdevSection(withMac, 'bridge'));
      file.single('Bridge').entries.push(...bridgeEntries(iface, notes));
      break;
    }
    case 'vlan':
      file.single('NetDev').entries.push(...netdevSection(iface, 'vlan'));
      if (iface.vlanId !== undefined) file.single('VLAN').entries.push(['Id', String(iface.vlanId)]);
      break;
    default:
      return undefined;
  }
  return file.toString();
}

/** Per-port bridge settings ([Bridge] Cost=, Priority= in the port's .network). */
export function bridgePortEntries(bridge: Interface, port: Interface): Entry[] {
  const entries: Entry[] = [];
  const cost = portValue(bridge.bridgeParams?.['bridge_pathcost'], port);
  if (cost !== undefined) entries.push(['Cost', cost]);
  const prio = portValue(bridge.bridgeParams?.['bridge_portprio'], port);
  if (prio !== undefined) entries.push(['Priority', prio]);
  return entries;
}

/** v2 gives {port: value}; v1/ENI give ["port value", ...]. */
function portValue(option: BridgeParams[string] | undefined, port: Interface): string | undefined {
  if (option === undefined) return undefined;
  const names = [port.name, port.configId];
  if (Array.isArray(option)) {
    for (const item of option) {
      const [name, value] = item.trim().split(/\s+/);
      if (name !== undefined && value !== undefined && names.includes(name)) return value;
    }
    return undefined;
  }
  if (typeof option === 'object') {
    for (const n of names) {
      const v = option[n];
      if (v !== undefined) return String(v);
    }
  }
  return undefined;
}
