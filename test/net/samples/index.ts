/**
 * The sample network configs and what a user would expect from each once
 * rendered: which interfaces exist and which static addresses they carry.
 * Written by hand from the configs (not computed by the parsers), so a parser
 * or renderer that loses something is caught.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SAMPLES_DIR = dirname(fileURLToPath(import.meta.url));

export interface Sample {
  /** File name in this directory. */
  file: string;
  kind: 'yaml' | 'network_data.json';
  /** The machine's NICs (final name, MAC) the config is written for. */
  nics: { name: string; mac: string }[];
  /** Every interface the config defines (final names, including bonds, bridges, VLANs) → its static addresses. */
  interfaces: Record<string, string[]>;
  /** Interfaces with an MTU the config sets. */
  mtu?: Record<string, number>;
  /** Policy routing the config sets up: rules, and routes in their tables. */
  policy?: { rules: PolicyRule[]; routes: TableRoute[] };
}

export interface PolicyRule {
  priority: number;
  from?: string;
  to?: string;
  table: number;
}

export interface TableRoute {
  /** Destination prefix ("0.0.0.0/0" for the default route). */
  to: string;
  via?: string;
  dev: string;
  table: number;
}

const NIC0 = { name: 'eth0', mac: '52:54:00:12:34:56' };
const NIC1 = { name: 'eth1', mac: '52:54:00:12:34:57' };

export const SAMPLES: Sample[] = [
  { file: 'dhcp-v1.yaml', kind: 'yaml', nics: [NIC0], interfaces: { eth0: [] } },
  { file: 'dhcp-v2.yaml', kind: 'yaml', nics: [NIC0], interfaces: { eth0: [] } },
  {
    file: 'static-multi-nic-v1.yaml',
    kind: 'yaml',
    nics: [NIC0, NIC1],
    interfaces: { eth0: ['192.0.2.10/24', '2001:db8:1::10/64'], eth1: ['198.51.100.10/24', '2001:db8:2::10/64'] },
  },
  {
    file: 'static-multi-nic-v2.yaml',
    kind: 'yaml',
    nics: [NIC0, NIC1],
    interfaces: { eth0: ['192.0.2.10/24', '2001:db8:1::10/64'], eth1: ['198.51.100.10/24', '2001:db8:2::10/64'] },
  },
  {
    file: 'bond-vlan-v1.yaml',
    kind: 'yaml',
    nics: [NIC0, NIC1],
    interfaces: { eth0: [], eth1: [], bond0: ['10.10.0.10/24'], 'bond0.200': ['10.200.0.10/24'] },
  },
  {
    file: 'bond-vlan-v2.yaml',
    kind: 'yaml',
    nics: [NIC0, NIC1],
    interfaces: { eth0: [], eth1: [], bond0: [], 'bond0.100': ['10.100.0.10/24', '2001:db8:100::10/64'] },
    mtu: { bond0: 9000 },
  },
  { file: 'bridge-v2.yaml', kind: 'yaml', nics: [NIC0, NIC1], interfaces: { eth0: [], eth1: [], br0: ['172.16.0.10/24'] } },
  {
    file: 'policy-routing-v2.yaml',
    kind: 'yaml',
    nics: [NIC0, NIC1],
    interfaces: { eth0: ['10.0.0.10/24'], eth1: ['192.168.10.10/24'] },
    policy: {
      rules: [
        { priority: 100, from: '192.168.10.0/24', table: 100 },
        { priority: 101, to: '192.168.20.0/24', table: 100 },
      ],
      routes: [
        { to: '0.0.0.0/0', via: '192.168.10.1', dev: 'eth1', table: 100 },
        { to: '192.168.10.0/24', dev: 'eth1', table: 100 },
      ],
    },
  },
  {
    file: 'mtu-mac-match-v2.yaml',
    kind: 'yaml',
    nics: [
      { name: 'lan0', mac: '52:54:00:12:34:56' },
      { name: 'stor0', mac: '52:54:00:12:34:57' },
    ],
    interfaces: { lan0: [], stor0: ['10.50.0.10/24'] },
    mtu: { lan0: 9000, stor0: 1400 },
  },
  {
    file: 'openstack-network_data.json',
    kind: 'network_data.json',
    nics: [NIC0, NIC1],
    interfaces: { eth0: ['192.0.2.20/24', '2001:db8:1::20/64'], eth1: [] },
    mtu: { eth0: 1450, eth1: 1450 },
  },
];

export function sampleText(sample: Sample): string {
  return readFileSync(join(SAMPLES_DIR, sample.file), 'utf8');
}

/** The samples' local MAC → NIC name table (what `net-convert --mac` passes). */
export function macToName(sample: Sample): Map<string, string> {
  return new Map(sample.nics.map((n) => [n.mac, n.name]));
}
