/**
 * EC2 instance metadata (`latest/meta-data/` as a nested mapping) → network
 * config v2, the document cloud-init's convert_ec2_metadata_network_config
 * produces, which the v2 parser then reads and every renderer writes.
 *
 * Pure: the local MAC → interface table comes in through the options.
 *
 * Every NIC that is both present locally and in the metadata gets DHCP (v4
 * always, v6 when it has IPv6 addresses), its secondary addresses, and, when
 * there are several NICs, a route metric by (network-card, device-number)
 * and policy routing on all but the primary NIC.
 *
 * Where this differs from cloud-init (docs/differences.md, "EC2 metadata
 * network config"): the IPv4 router of a secondary NIC's table is computed
 * from the subnet instead of running DHCP; policy routing is on for every
 * renderer, with rule priorities; secondary IPv6 addresses get their
 * subnet's prefix instead of /128; a non-primary NIC with device-number 0
 * is reported as not yet propagated instead of being configured; bad or
 * absurd metadata leaves out the NIC concerned with located warnings.
 */
import { show, type PathSegment } from '../../text/diagnostics.ts';
import { isMapping, Reader, type Mapping } from '../../text/reader.ts';
import { readIfName } from '../parse/fields.ts';
import { compareAddresses, contains } from './ec2/cidr.ts';
import { policyRouting, type Ec2Route, type Ec2Rule } from './ec2/policy.ts';
import { readNics, type Ec2Nic } from './ec2/read.ts';

export type { Ec2Route, Ec2Rule } from './ec2/policy.ts';

export interface Ec2Options {
  /** Lower-case MAC → local interface name (sysfs, or net-convert --mac). */
  knownMacs?: ReadonlyMap<string, string>;
  /**
   * cloud-init's `apply_full_imds_network_config` (default true). When false,
   * only `fallbackNic` is configured (DHCPv4, and DHCPv6 if it has IPv6).
   */
  fullNetworkConfig?: boolean;
  /** The NIC the metadata was fetched through; needed when fullNetworkConfig is false. */
  fallbackNic?: string;
  /**
   * Route tables and rules for secondary NICs (default true). cloud-init
   * writes them only for netplan; false gives its output for other renderers.
   */
  policyRouting?: boolean;
}

export interface Ec2DhcpOverrides {
  'route-metric': number;
  /** Set with policy routing, as cloud-init does. */
  'use-routes'?: true;
}

/** One v2 `ethernets` entry as the converter writes it. */
export interface Ec2Ethernet {
  match?: { macaddress: string };
  'set-name'?: string;
  dhcp4: true;
  'dhcp4-overrides'?: Ec2DhcpOverrides;
  dhcp6: boolean;
  'dhcp6-overrides'?: Ec2DhcpOverrides;
  addresses?: string[];
  routes?: Ec2Route[];
  'routing-policy'?: Ec2Rule[];
  /** The table for routes learned from router advertisements (the IPv6 default route of a secondary NIC). */
  'ra-overrides'?: { table: number };
}

export interface Ec2NetworkConfig {
  version: 2;
  /** Keyed by local interface name, in preference order (lowest route metric first). */
  ethernets: Record<string, Ec2Ethernet>;
}

/** A local NIC whose metadata has not fully propagated: the caller should wait and fetch again. */
export interface Ec2PendingNic {
  mac: string;
  name: string;
  /** Where in the metadata the missing or provisional value is. */
  path: PathSegment[];
  reason: string;
}

export interface Ec2NetworkResult {
  /** Undefined after an error (recorded on the reader), or when every local NIC is pending. */
  config?: Ec2NetworkConfig;
  /** Non-empty: IMDS has not caught up; those NICs are left out of `config` rather than guessed at. */
  pending: Ec2PendingNic[];
}

const MACS_PATH = ['network', 'interfaces', 'macs'];
/** Route metric of the first NIC; the next get 200, 300, … (cloud-init's). */
const METRIC_STEP = 100;
/** Secondary IPv4 prefix when the subnet block is missing (cloud-init's default). */
const DEFAULT_V4_PREFIX = 24;

export function ec2MetadataToV2(r: Reader, metadata: unknown, opts: Ec2Options = {}): Ec2NetworkResult {
  const root = r.mapping(metadata, []);
  const macs = root && findMacs(r, root);
  if (!root || !macs) return { pending: [] };
  const nics = readNics(r, macs, MACS_PATH);
  const local = new Map<string, string>();
  for (const [mac, name] of opts.knownMacs ?? []) local.set(mac.toLowerCase().replace(/-/g, ':'), name);

  if (opts.fullNetworkConfig === false) return fallbackOnly(r, nics, local, opts.fallbackNic);

  const ordered = [...nics].sort(byCardAndDevice);
  const primary = primaryMac(r, root, nics) ?? ordered[0]?.mac;
  const { chosen, pending } = chooseNics(r, ordered, local, primary);
  if (chosen.length === 0) {
    if (pending.length > 0) return { pending };
    r.error(MACS_PATH, nics.length === 0 ? 'no usable NIC in the metadata' : 'no NIC in the metadata is present on this machine, so nothing could be configured');
    return { pending };
  }

  const ethernets: Record<string, Ec2Ethernet> = {};
  const several = chosen.length > 1;
  chosen.forEach(({ nic, name }, rank) => {
    const e: Ec2Ethernet = { match: { macaddress: nic.mac }, 'set-name': name, dhcp4: true, dhcp6: nic.ipv6.length > 0 };
    // One NIC needs no metric to rank it, and no policy routing: cloud-init then leaves both out.
    if (several) {
      const metric = METRIC_STEP * (rank + 1);
      e['dhcp4-overrides'] = { 'route-metric': metric };
      if (e.dhcp6) e['dhcp6-overrides'] = { 'route-metric': metric };
    }
    const addresses = secondaryAddresses(r, nic);
    if (addresses.length > 0) e.addresses = addresses;
    if (several && opts.policyRouting !== false && nic.mac !== primary && nic.deviceNumber !== undefined) {
      const { routes, rules, raTable } = policyRouting(r, { ...nic, deviceNumber: nic.deviceNumber });
      for (const o of [e['dhcp4-overrides'], e['dhcp6-overrides']]) if (o) o['use-routes'] = true;
      if (routes.length > 0) e.routes = routes;
      if (rules.length > 0) e['routing-policy'] = rules;
      if (raTable !== undefined) e['ra-overrides'] = { table: raTable };
    }
    ethernets[name] = e;
  });
  return { config: { version: 2, ethernets }, pending };
}

/** `network.interfaces.macs`; without it there is nothing to configure. */
function findMacs(r: Reader, root: Mapping): Mapping | undefined {
  let node: unknown = root;
  const path: string[] = [];
  for (const key of MACS_PATH) {
    const value = isMapping(node) ? node[key] : undefined;
    path.push(key);
    if (value === undefined || value === null) return r.error(path.slice(0, -1), `the metadata has no ${MACS_PATH.join('/')} (no ${show(key)} here)`);
    if (!isMapping(value)) return r.error(path, `must be a mapping, not ${show(value)}`);
    node = value;
  }
  return node as Mapping;
}

/**
 * The primary NIC: the top-level `mac` (the NIC the instance was launched
 * with). Undefined when the metadata lacks it (cloud-init's tests pass only
 * the `network` subtree); the caller then takes the first NIC by network
 * card and device number, as cloud-init does.
 */
function primaryMac(r: Reader, root: Mapping, nics: readonly Ec2Nic[]): string | undefined {
  const value = root['mac'];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(value)) {
    r.warn(['mac'], `${show(value)} is not a MAC address; the primary NIC is taken to be the first by network card and device number`);
    return undefined;
  }
  const mac = value.toLowerCase();
  if (!nics.some((n) => n.mac === mac)) {
    r.warn(['mac'], `the primary NIC ${mac} is not among the usable NICs under ${MACS_PATH.join('/')}; it is taken to be the first by network card and device number`);
    return undefined;
  }
  return mac;
}

/** cloud-init's order: network card, then device number (missing ones last), then MAC. */
function byCardAndDevice(a: Ec2Nic, b: Ec2Nic): number {
  const da = a.deviceNumber ?? Number.MAX_SAFE_INTEGER;
  const db = b.deviceNumber ?? Number.MAX_SAFE_INTEGER;
  return a.networkCard - b.networkCard || da - db || (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0);
}

/**
 * The NICs to configure, in order: those present locally under a valid,
 * unused name. A NIC other than the primary whose device-number is missing
 * or 0 on network card 0 (IMDS shows 0 for a new ENI until its data has
 * propagated; on card 0 only the primary really has it) is pending rather
 * than configured with a guessed metric and table. The same rule as the
 * datasource's wait (sources/ec2/crawl.ts pendingMacs).
 */
function chooseNics(
  r: Reader,
  ordered: readonly Ec2Nic[],
  local: ReadonlyMap<string, string>,
  primary: string | undefined,
): { chosen: { nic: Ec2Nic; name: string }[]; pending: Ec2PendingNic[] } {
  const chosen: { nic: Ec2Nic; name: string }[] = [];
  const pending: Ec2PendingNic[] = [];
  const owner = new Map<string, string>();
  for (const nic of ordered) {
    const localName = local.get(nic.mac);
    if (localName === undefined) {
      r.warn(nic.path, `no local NIC has MAC ${nic.mac}; it is not configured`);
      continue;
    }
    const name = validName(r, localName, nic);
    if (name === undefined) continue;
    const other = owner.get(name);
    if (other !== undefined) {
      r.warn(nic.path, `the local name of ${nic.mac}, ${show(name)}, is also that of ${other}; ${nic.mac} is not configured`);
      continue;
    }
    owner.set(name, nic.mac);
    // Device 0 on network card 1 or higher is a real second card's first device.
    if (nic.mac !== primary && (nic.deviceNumber === undefined || (nic.deviceNumber === 0 && nic.networkCard === 0))) {
      const path = [...nic.path, 'device-number'];
      const reason =
        nic.deviceNumber === undefined
          ? 'it has no device-number yet'
          : 'its device-number is 0, which only the primary NIC has: IMDS has not caught up with this NIC yet';
      pending.push({ mac: nic.mac, name, path, reason });
      r.warn(path, `${name} (${nic.mac}) is left out until its metadata is complete: ${reason}`);
      continue;
    }
    chosen.push({ nic, name });
  }
  return { chosen, pending };
}

/** The local name, checked as an interface name; a bad one leaves the NIC out with a warning. */
function validName(r: Reader, name: string, nic: Ec2Nic): string | undefined {
  const s = new Reader(r.doc);
  const ok = readIfName(s, name, nic.path);
  for (const d of s.diagnostics) r.warn(d.path, `local interface of ${nic.mac}: ${d.message}; it is not configured`);
  return ok;
}

/**
 * Addresses beyond the first of each family (DHCP configures the first):
 * IPv4 with the subnet's prefix, IPv6 with the prefix of the subnet block
 * that holds it (cloud-init always uses /128 there), /128 when no block
 * does. Sorted, IPv4 first.
 */
function secondaryAddresses(r: Reader, nic: Ec2Nic): string[] {
  const v4 = nic.ipv4.slice(1).sort(compareAddresses);
  if (v4.length > 0 && !nic.subnet4) r.warn(nic.path, `NIC ${nic.mac} has no subnet-ipv4-cidr-block; its secondary IPv4 addresses get /${DEFAULT_V4_PREFIX}`);
  const v4Prefix = nic.subnet4?.prefix ?? DEFAULT_V4_PREFIX;
  const v6 = nic.ipv6.slice(1).sort((a, b) => compareAddresses(a.address, b.address));
  return [
    ...v4.map((a) => `${a}/${v4Prefix}`),
    ...v6.map((a) => `${a.address}/${a.prefix ?? nic.subnets6.find((c) => contains(c, a.address))?.prefix ?? 128}`),
  ];
}

/** cloud-init's reduced mode: only the NIC the metadata came through. */
function fallbackOnly(r: Reader, nics: readonly Ec2Nic[], local: ReadonlyMap<string, string>, name: string | undefined): Ec2NetworkResult {
  if (name === undefined) {
    r.error([], 'only the fallback NIC is to be configured, but none was given');
    return { pending: [] };
  }
  const mac = [...local].find(([, n]) => n === name)?.[0];
  const nic = mac === undefined ? undefined : nics.find((n) => n.mac === mac);
  const e: Ec2Ethernet = { dhcp4: true, dhcp6: (nic?.ipv6.length ?? 0) > 0 };
  if (mac === undefined) r.warn(MACS_PATH, `the MAC of the fallback NIC ${show(name)} is not known; it is configured by name, DHCPv4 only`);
  else {
    e.match = { macaddress: mac };
    e['set-name'] = name;
    // cloud-init fails here; without metadata the NIC still gets DHCPv4.
    if (!nic) r.warn(MACS_PATH, `the fallback NIC ${show(name)} (${mac}) is not in the metadata; it gets DHCPv4 only`);
  }
  return { config: { version: 2, ethernets: { [name]: e } }, pending: [] };
}
