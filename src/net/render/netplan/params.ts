/** Bond and bridge options: cloud-init v1 names in NetworkState → netplan `parameters`. */
import type { BondParams, BridgeParams } from '../../state.ts';
import type { YamlValue } from './yaml.ts';

/** v1 bond option (after "bond-") → netplan key. */
const BOND_KEYS: Readonly<Record<string, string>> = {
  'ad-select': 'ad-select',
  'all-slaves-active': 'all-slaves-active',
  'arp-all-targets': 'arp-all-targets',
  'arp-interval': 'arp-interval',
  // cloud-init writes "arp-ip-target", which netplan rejects as an unknown key.
  'arp-ip-target': 'arp-ip-targets',
  'arp-validate': 'arp-validate',
  downdelay: 'down-delay',
  'fail-over-mac': 'fail-over-mac-policy',
  'lacp-rate': 'lacp-rate',
  'lp-interval': 'learn-packet-interval',
  miimon: 'mii-monitor-interval',
  'min-links': 'min-links',
  mode: 'mode',
  'num-grat-arp': 'gratuitous-arp',
  'packets-per-slave': 'packets-per-slave',
  primary: 'primary',
  'primary-reselect': 'primary-reselect-policy',
  'resend-igmp': 'resend-igmp',
  updelay: 'up-delay',
  'xmit-hash-policy': 'transmit-hash-policy',
};

/** Options that describe membership, which netplan expresses with `interfaces`. */
const BOND_MEMBERSHIP = new Set(['slaves', 'master', 'interfaces']);

/** v1 bridge option (after "bridge_") → netplan key; maps port → value for the per-port ones. */
const BRIDGE_KEYS: Readonly<Record<string, string>> = {
  ageing: 'ageing-time',
  bridgeprio: 'priority',
  fd: 'forward-delay',
  hello: 'hello-time',
  maxage: 'max-age',
  pathcost: 'path-cost',
  portprio: 'port-priority',
  stp: 'stp',
};
const BRIDGE_PER_PORT = new Set(['path-cost', 'port-priority']);
const BRIDGE_MEMBERSHIP = new Set(['ports', 'interfaces']);

export interface Converted {
  parameters: Record<string, YamlValue>;
  /** Options netplan has no key for. */
  unsupported: string[];
}

export function bondParameters(params: BondParams): Converted {
  const parameters: Record<string, YamlValue> = {};
  const unsupported: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    const option = name.replace(/^bond-/, '');
    if (BOND_MEMBERSHIP.has(option)) continue;
    const key = BOND_KEYS[option];
    if (key === undefined) {
      unsupported.push(name);
      continue;
    }
    if (key === 'arp-ip-targets') parameters[key] = listOf(value);
    else if (key === 'all-slaves-active') parameters[key] = truthy(value);
    else parameters[key] = Array.isArray(value) ? value.join(' ') : (value as string | number | boolean);
  }
  return { parameters, unsupported };
}

export function bridgeParameters(params: BridgeParams): Converted {
  const parameters: Record<string, YamlValue> = {};
  const unsupported: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    const option = name.replace(/^bridge_/, '');
    if (BRIDGE_MEMBERSHIP.has(option)) continue;
    const key = BRIDGE_KEYS[option];
    if (key === undefined) {
      unsupported.push(name);
      continue;
    }
    if (BRIDGE_PER_PORT.has(key)) {
      const perPort = portValues(value);
      if (perPort === undefined) unsupported.push(name);
      else parameters[key] = perPort;
    } else if (key === 'stp') parameters[key] = truthy(value);
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') parameters[key] = value;
    else unsupported.push(name);
  }
  return { parameters, unsupported };
}

function listOf(value: BondParams[string]): string[] {
  if (Array.isArray(value)) return value;
  return String(value).split(/[\s,]+/).filter((s) => s !== '');
}

function truthy(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  return ['1', 'on', 'yes', 'true', 'y'].includes(String(value).toLowerCase());
}

/** "eth3 50" lines (v1) or a port → value map (v2) → { port: number }. */
function portValues(value: BridgeParams[string]): Record<string, number> | undefined {
  const out: Record<string, number> = {};
  if (typeof value === 'string' || Array.isArray(value)) {
    for (const line of typeof value === 'string' ? [value] : value) {
      const [port, v, ...rest] = line.trim().split(/\s+/);
      const n = Number(v);
      if (port === undefined || v === undefined || rest.length > 0 || !Number.isInteger(n)) return undefined;
      out[port] = n;
    }
    return out;
  }
  if (typeof value === 'object') return { ...value };
  return undefined;
}
