// The VM scenarios: each is data (image variant, seed tree, NICs, boots) plus assertions on the guest report.
import type { NicSpec } from './boot.ts';
import type { NetVariant } from './image.ts';
import type { VmReport } from './report.ts';
import type { SeedSpec } from './seed.ts';
import { Checks, commonChecks } from './checks.ts';

export interface Scenario {
  id: number;
  name: string;
  variant: NetVariant;
  seed: SeedSpec;
  nics: readonly NicSpec[];
  /** the user user-data creates (reported with getent) */
  user: string;
  /** files the report prints with mode and content */
  files: readonly string[];
  /** 2 = boot the same disk twice (persistent qcow2 overlay) */
  boots: 1 | 2;
  /** assertions for boot number `boot` (1-based); `first` is boot 1's report */
  check(c: Checks, r: VmReport, boot: number, first: VmReport | undefined): void;
}

export const MAC1 = '52:54:00:12:34:01';
export const MAC2 = '52:54:00:12:34:02';
const ONE_NIC: readonly NicSpec[] = [{ mac: MAC1 }];
const TWO_NICS: readonly NicSpec[] = [{ mac: MAC1 }, { mac: MAC2, net: '10.0.3.0/24' }];

const HELLO = '/etc/vmtest/hello.txt';
const BOOTCMD_LOG = '/var/lib/vmtest/bootcmd.log';
const RUNCMD_LOG = '/var/lib/vmtest/runcmd.log';
const FILES = [HELLO, BOOTCMD_LOG, RUNCMD_LOG];

function userData(hostname: string): string {
  return `#cloud-config
hostname: ${hostname}
fqdn: ${hostname}.example.test
manage_etc_hosts: true
users:
  - name: tester
    gecos: VM Tester
    shell: /bin/bash
    groups: [sudo]
    sudo: "ALL=(ALL) NOPASSWD:ALL"
write_files:
  - path: ${HELLO}
    content: |
      hello from user-data
    permissions: '0640'
bootcmd:
  - mkdir -p /var/lib/vmtest && echo boot >> ${BOOTCMD_LOG}
runcmd:
  - mkdir -p /var/lib/vmtest && echo run >> ${RUNCMD_LOG}
`;
}

const NOCLOUD: SeedSpec = {
  kind: 'cidata',
  files: {
    'meta-data': 'instance-id: iid-vmtest-nocloud-1\nlocal-hostname: vmtest-meta\n',
    'user-data': userData('vmtest-nocloud'),
    'network-config': `version: 2
ethernets:
  eth0:
    match:
      macaddress: "${MAC1}"
    set-name: eth0
    dhcp4: true
    nameservers:
      addresses: [10.0.2.3]
      search: [example.test]
`,
  },
};

const CD_META = (uuid: string, name: string): string => JSON.stringify({
  uuid, hostname: name, name, availability_zone: 'nova', launch_index: 0,
  public_keys: { vmtest: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBm0Hq9uSOn3JmXw2QmR1q3yQxKxq8m3DW9mRrQ8xVtb vmtest' },
});

const CONFIGDRIVE_LEGACY: SeedSpec = {
  kind: 'config-2',
  files: {
    'openstack/2012-08-10/meta_data.json': CD_META('5d1c4c52-7d6e-4f36-9c41-7a3e0c0d2a01', 'vmtest-cd-legacy'),
    'openstack/2012-08-10/user_data': userData('vmtest-cd-legacy'),
  },
};

const NETWORK_DATA = JSON.stringify({
  links: [
    { id: 'tap1', type: 'phy', ethernet_mac_address: MAC1, mtu: 1500 },
    { id: 'tap2', type: 'phy', ethernet_mac_address: MAC2, mtu: 1500 },
  ],
  networks: [
    { id: 'net0', type: 'ipv4_dhcp', link: 'tap1', network_id: 'n0' },
    {
      id: 'net1', type: 'ipv4', link: 'tap2', network_id: 'n1', ip_address: '10.0.3.50', netmask: '255.255.255.0',
      routes: [{ network: '192.0.2.0', netmask: '255.255.255.0', gateway: '10.0.3.2' }],
    },
  ],
  services: [{ type: 'dns', address: '10.0.2.3' }],
});

const CONFIGDRIVE_NETDATA: SeedSpec = {
  kind: 'config-2',
  files: {
    'openstack/latest/meta_data.json': CD_META('5d1c4c52-7d6e-4f36-9c41-7a3e0c0d2a02', 'vmtest-cd-net'),
    'openstack/latest/network_data.json': NETWORK_DATA,
    'openstack/latest/user_data': userData('vmtest-cd-net'),
  },
};

function nocloudChecks(c: Checks, r: VmReport, variant: NetVariant): void {
  commonChecks(c, r, 'vmtest-nocloud', 'tester', HELLO);
  c.address(r, MAC1, '10.0.2.15/24');
  c.linkName(r, MAC1, 'eth0');
  c.dns(r, variant, '10.0.2.3');
}

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 1, name: 'nocloud-nm', variant: 'nm', seed: NOCLOUD, nics: ONE_NIC, user: 'tester', files: FILES, boots: 1,
    check: (c, r) => nocloudChecks(c, r, 'nm'),
  },
  {
    id: 2, name: 'nocloud-networkd', variant: 'networkd', seed: NOCLOUD, nics: ONE_NIC, user: 'tester', files: FILES, boots: 1,
    check: (c, r) => nocloudChecks(c, r, 'networkd'),
  },
  {
    id: 3, name: 'nocloud-eni', variant: 'eni', seed: NOCLOUD, nics: ONE_NIC, user: 'tester', files: FILES, boots: 1,
    check: (c, r) => nocloudChecks(c, r, 'eni'),
  },
  {
    id: 4, name: 'configdrive-legacy-2nic-nm', variant: 'nm', seed: CONFIGDRIVE_LEGACY, nics: TWO_NICS, user: 'tester',
    files: FILES, boots: 1,
    check: (c, r) => {
      commonChecks(c, r, 'vmtest-cd-legacy', 'tester', HELLO);
      c.address(r, MAC1, '10.0.2.15/24');
      c.address(r, MAC2, '10.0.3.15/24');
    },
  },
  {
    id: 5, name: 'configdrive-netdata-2nic-networkd', variant: 'networkd', seed: CONFIGDRIVE_NETDATA, nics: TWO_NICS,
    user: 'tester', files: FILES, boots: 1,
    check: (c, r) => {
      commonChecks(c, r, 'vmtest-cd-net', 'tester', HELLO);
      c.address(r, MAC1, '10.0.2.15/24');
      c.address(r, MAC2, '10.0.3.50/24');
      c.route(r, MAC2, '192.0.2.0/24', '10.0.3.2');
      c.dns(r, 'networkd', '10.0.2.3');
    },
  },
  {
    id: 6, name: 'nocloud-networkd-second-boot', variant: 'networkd', seed: NOCLOUD, nics: ONE_NIC, user: 'tester',
    files: FILES, boots: 2,
    check: (c, r, boot, first) => {
      nocloudChecks(c, r, 'networkd');
      c.lineCount(r, BOOTCMD_LOG, boot);
      c.lineCount(r, RUNCMD_LOG, 1);
      c.equal('instance id', r.instanceId, 'iid-vmtest-nocloud-1');
      if (first) c.equal('instance id same as boot 1', r.instanceId, first.instanceId);
    },
  },
];

export const CI_SCENARIOS = [1, 4];
