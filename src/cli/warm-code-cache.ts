/**
 * `stratus devel warm-code-cache` (hidden): run the parsers and every
 * renderer once on built-in samples, writing nothing, so the bundle loader
 * can save V8's compiled code for them (STRATUS_WRITE_CODE_CACHE). A later
 * process that finds that cache skips compiling most of the code it runs,
 * which is the largest part of a one-shot process's own cost.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNetworkInput, type InputKind } from '../net/input.ts';
import { renderStatus, statusReport } from '../report/status.ts';
import { planBoot } from '../stages/boot.ts';
import { renderEni, renderNetplan, renderNetworkd, renderNetworkManager, renderSysconfig } from '../net/render/index.ts';

const V2 = `network:
  version: 2
  ethernets:
    nic0: {match: {macaddress: "52:54:00:00:00:01"}, set-name: eth0, dhcp4: true, dhcp6: true}
    nic1:
      match: {macaddress: "52:54:00:00:00:02"}
      set-name: eth1
      mtu: 9000
      addresses: [10.0.0.5/24, "2001:db8::5/64"]
      nameservers: {addresses: [10.0.0.2], search: [example.com]}
      routes: [{to: default, via: 10.0.0.1, table: 100}, {to: 10.9.0.0/16, via: 10.0.0.1, metric: 50}]
      routing-policy: [{from: 10.0.0.5/32, table: 100, priority: 100}]
    p0: {match: {macaddress: "52:54:00:00:00:03"}}
    p1: {match: {macaddress: "52:54:00:00:00:04"}}
  bonds:
    bond0: {interfaces: [p0, p1], parameters: {mode: active-backup, mii-monitor-interval: 100}, dhcp4: true}
  vlans:
    bond0.7: {id: 7, link: bond0, addresses: [192.168.7.2/24]}
`;

const V1 = `version: 1
config:
  - {type: physical, name: eth0, mac_address: "52:54:00:00:00:01", subnets: [{type: dhcp}]}
  - type: physical
    name: eth1
    subnets: [{type: static, address: 10.1.0.5/24, gateway: 10.1.0.1, dns_nameservers: [10.1.0.2]}, {type: static6, address: "2001:db8:1::5/64"}]
  - {type: bridge, name: br0, bridge_interfaces: [eth2, eth3], params: {bridge_stp: "off"}, subnets: [{type: dhcp6}]}
  - {type: route, destination: 10.8.0.0/16, gateway: 10.1.0.1}
  - {type: nameserver, address: [1.1.1.1], search: [example.org]}
`;

const NETWORK_DATA = JSON.stringify({
  links: [{ id: 'tap0', type: 'phy', ethernet_mac_address: '52:54:00:00:00:01', mtu: 1500 }],
  networks: [{ id: 'net0', link: 'tap0', type: 'ipv4', ip_address: '10.2.0.5', netmask: '255.255.255.0', routes: [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: '10.2.0.1' }] }],
  services: [{ type: 'dns', address: '10.2.0.2' }],
});

const ENI = `auto eth0
iface eth0 inet static
    address 10.3.0.5/24
    gateway 10.3.0.1
`;

export async function warmCodeCache(): Promise<number> {
  const inputs: [string, InputKind][] = [
    [V2, 'yaml'],
    [V1, 'yaml'],
    [NETWORK_DATA, 'network_data.json'],
    [ENI, 'eni'],
  ];
  const macs = new Map([['52:54:00:00:00:01', 'eth0']]);
  for (const [text, kind] of inputs) {
    const r = readNetworkInput(text, 'warm-up', kind, { macToName: macs });
    if (r.kind !== 'state') throw new Error(`warm-up sample (${kind}) is invalid`);
    renderNetplan(r.state);
    renderNetworkd(r.state);
    renderNetworkManager(r.state);
    renderSysconfig(r.state, { flavor: 'rhel' });
    renderSysconfig(r.state, { flavor: 'suse' });
    renderEni(r.state);
  }
  await warmBoot();
  return 0;
}

/** A whole boot planned on an empty temporary root (nothing is written there), and the status of it. */
async function warmBoot(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-warm-'));
  try {
    mkdirSync(join(dir, 'usr/sbin'), { recursive: true });
    writeFileSync(join(dir, 'usr/sbin/netplan'), '');
    const seed = {
      'meta-data': Buffer.from('instance-id: iid-warm-up\nlocal-hostname: warm-up\n'),
      'user-data': Buffer.from('#cloud-config\nhostname: warm-up\n'),
      'network-config': Buffer.from(V2),
    };
    const planned = await planBoot({ root: dir, debug: false, force: false, files: [], dryRun: true }, seed);
    const status = planned.changes.find((c) => c.path === '/var/lib/cloud/data/status.json');
    if (status?.node.kind === 'file') {
      const report = statusReport({
        boot: { systemd: false, cmdline: '', markerFile: false, envKernelCmdline: '', runDisabled: false, runEnabled: true },
        statusPath: status.path,
        statusText: status.node.content.toString('utf8'),
        resultExists: true,
        now: new Date(),
        uptime: 1,
      });
      renderStatus(report, { format: 'json', long: true, wait: false });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
