// The VM scenarios: each is data (image variant, seed tree or IMDS, NICs, boots) plus assertions on the guest report.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha512Crypt } from '../../src/text/sha512-crypt.ts';
import { awsTree } from '../e2e/cloud/imds.ts';
import type { CloudStackVrSpec, ImdsSpec } from '../e2e/cloud/types.ts';
import type { MarkerTimes, NicSpec } from './boot.ts';
import type { ImdsRequestSeen } from './imds-host.ts';
import type { NetVariant } from './image.ts';
import type { HotNic } from './qmp.ts';
import { REPO_DIR, VM_DIR } from './paths.ts';
import type { VmReport } from './report.ts';
import type { SeedSpec } from './seed.ts';
import type { NetworkFacts, VmNetworkOptions, VmService } from './vm-network.ts';
import { Checks, commonChecks, USERDATA_NEEDLE } from './checks.ts';

/** What the host saw during a boot. */
export interface HostFacts {
  /** the requests the scenario's IMDS answered during this boot */
  imdsRequests?: readonly ImdsRequestSeen[];
  /** the scenario's VM network during this boot: dnsmasq's DHCPACKs and the services' output */
  network?: NetworkFacts;
  /** indexes of the scenario's `secrets` found on the guest's disk after this boot */
  secretsOnDisk?: readonly number[];
  /** the scenario's NIC hotplug: when the host acted on the guest's markers, what failed, the IMDS clock */
  hotplug?: {
    markers: Readonly<Record<string, MarkerTimes>>;
    errors: readonly string[];
    imdsClock?: { armedAtMs?: number; startedAtMs?: number };
  };
}

/** A tap network in a private network namespace (vm-network.ts); `services` gets the directory of its logs. */
export type VmNetworkSpec = Omit<VmNetworkOptions, 'dir' | 'services'> & {
  services?: (dir: string) => readonly VmService[];
};

export interface Scenario {
  id: number;
  name: string;
  variant: NetVariant;
  /** a NoCloud or config-drive medium; absent for a cloud with a metadata service */
  seed?: SeedSpec;
  /** an EC2 IMDS on the host's loopback, reached from the first NIC at IMDS_ADDRESS:80 (its `net` must hold it) */
  imds?: ImdsSpec;
  /** QEMU -smbios arguments: the DMI identity of the cloud's instances */
  smbios?: readonly string[];
  /** strings that must appear nowhere the guest wrote (its disk overlay is scanned after each boot) */
  secrets?: readonly string[];
  /** a tap network, up for all boots of the scenario, with QEMU inside its namespace; NICs with `tap` use it */
  vmNetwork?: VmNetworkSpec;
  nics: readonly NicSpec[];
  /**
   * a NIC the host hot-adds through QMP once the guest has booted (guest marker "hotplug-ready") and removes
   * once the guest saw it configured ("hotplug-remove-ready"); with an IMDS, its clock (and so its `appear`
   * delays) is held until the first request after the hot-add
   */
  hotplug?: HotNic;
  /** the user user-data creates (reported with getent) */
  user: string;
  /** files the report prints with mode and content */
  files: readonly string[];
  /** 2 = boot the same disk twice (persistent qcow2 overlay) */
  boots: 1 | 2;
  /** assertions for boot number `boot` (1-based); `first` is boot 1's report */
  check(c: Checks, r: VmReport, boot: number, first: VmReport | undefined, host: HostFacts): void;
}

export const IMDS_ADDRESS = '169.254.169.254';

export const MAC1 = '52:54:00:12:34:01';
export const MAC2 = '52:54:00:12:34:02';
const ONE_NIC: readonly NicSpec[] = [{ mac: MAC1 }];
const TWO_NICS: readonly NicSpec[] = [{ mac: MAC1 }, { mac: MAC2, net: '10.0.3.0/24' }];

const HELLO = '/etc/vmtest/hello.txt';
const BOOTCMD_LOG = '/var/lib/vmtest/bootcmd.log';
const RUNCMD_LOG = '/var/lib/vmtest/runcmd.log';
const FILES = [HELLO, BOOTCMD_LOG, RUNCMD_LOG];

const VMTEST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBm0Hq9uSOn3JmXw2QmR1q3yQxKxq8m3DW9mRrQ8xVtb vmtest';

/**
 * The scenarios' user-data; without a hostname the metadata's name is the instance's, and `withDefault` keeps the
 * image's default user. Its comment line carries USERDATA_NEEDLE: the guest report checks that no non-root user can
 * read it anywhere, and that no log or journal holds it (commonChecks).
 */
function userData(hostname: string | undefined, withDefault = false): string {
  const names = hostname ? `hostname: ${hostname}\nfqdn: ${hostname}.example.test\n` : '';
  return `#cloud-config
# ${USERDATA_NEEDLE}: user-data only; no world-readable file, log or journal may hold it
${names}manage_etc_hosts: true
users:${withDefault ? '\n  - default' : ''}
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

/** The NoCloud seed: MAC1 on DHCP with a static DNS server; `runcmd` lines are appended to the user-data's runcmd. */
const nocloudSeed = (dns: string, runcmd: readonly string[] = []): SeedSpec => ({
  kind: 'cidata',
  files: {
    'meta-data': 'instance-id: iid-vmtest-nocloud-1\nlocal-hostname: vmtest-meta\n',
    'user-data': userData('vmtest-nocloud') + runcmd.map((l) => `  - ${l}\n`).join(''),
    'network-config': `version: 2
ethernets:
  eth0:
    match:
      macaddress: "${MAC1}"
    set-name: eth0
    dhcp4: true
    nameservers:
      addresses: [${dns}]
      search: [example.test]
`,
  },
});
const NOCLOUD = nocloudSeed('10.0.2.3');

const CD_META = (uuid: string, name: string): string => JSON.stringify({
  uuid, hostname: name, name, availability_zone: 'nova', launch_index: 0,
  public_keys: { vmtest: VMTEST_KEY },
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

// EC2: one NIC on a slirp network that holds 169.254.169.254 (guestfwd only reaches addresses inside the
// NIC's network), so the guest's DHCP address is 169.254.169.15 and the IMDS is on-link, as on a VPC subnet
// whose router forwards to the IMDS. IMDSv2 only. DMI: an EC2 product UUID and serial, Nitro's chassis tag, and the
// instance id as the board asset tag (what check_instance_id reads on a later boot).
const EC2_INSTANCE = 'i-0a1b2c3d4e5f60718';
const EC2_UUID = 'ec2d3f1a-5b6c-4d7e-8f90-a1b2c3d4e5f6';
const EC2_IP = '169.254.169.15';
const EC2_HOSTNAME = `ip-${EC2_IP.replace(/\./g, '-')}`;
const DEBIAN_KEYS = '/home/debian/.ssh/authorized_keys';
const EC2_NIC1 = { mac: MAC1, deviceNumber: 0, ipv4s: [EC2_IP], subnetV4: '169.254.169.0/24' };
const ec2Tree = (nics: Parameters<typeof awsTree>[0]['nics']) => awsTree({
  instanceId: EC2_INSTANCE, region: 'eu-west-1', az: 'eu-west-1b', hostname: `${EC2_HOSTNAME}.eu-west-1.compute.internal`,
  nics, publicKeys: { vmtest: VMTEST_KEY }, userData: userData(undefined, true),
});
const EC2_IMDS: ImdsSpec = { httpTokens: 'required', tree: ec2Tree([EC2_NIC1]) };
const EC2_SMBIOS = [
  // On AWS the product serial is the product UUID (cloud-init's ds-identify requires both).
  '-smbios', `type=1,manufacturer=Amazon EC2,product=t3.micro,uuid=${EC2_UUID},serial=${EC2_UUID}`,
  '-smbios', `type=2,manufacturer=Amazon EC2,asset=${EC2_INSTANCE}`,
  '-smbios', 'type=3,manufacturer=Amazon EC2,asset=Amazon EC2',
];

function ec2Checks(c: Checks, r: VmReport, host: HostFacts): void {
  commonChecks(c, r, EC2_HOSTNAME, 'tester', HELLO);
  c.address(r, MAC1, `${EC2_IP}/24`);
  const ds = String(r.status?.['datasource'] ?? '');
  c.ok('datasource is EC2', /ec2/i.test(ds), `status datasource ${JSON.stringify(ds)}`);
  c.equal('instance id', r.instanceId, EC2_INSTANCE);
  const keys = r.files[DEBIAN_KEYS];
  c.ok(`IMDS public key in ${DEBIAN_KEYS}`, keys?.lines.includes(VMTEST_KEY) ?? false, JSON.stringify(keys?.lines ?? 'missing'));
  c.equal(`mode of ${DEBIAN_KEYS}`, keys?.mode, '600');
  const rendered = Object.entries(r.netFiles).filter(([, lines]) => lines.some((l) => l.toLowerCase().includes(MAC1)));
  c.ok('the network config from IMDS is rendered for networkd (matched by MAC)',
    rendered.some(([f]) => f.startsWith('/etc/systemd/network/')), `files: ${Object.keys(r.netFiles).join(', ') || 'none'}`);
  const reqs = host.imdsRequests ?? [];
  c.ok('the guest asked the IMDS for a token', reqs.some((q) => q.method === 'PUT' && q.path === '/latest/api/token' && q.status === 200),
    `${reqs.length} requests`);
  const gets = reqs.filter((q) => q.method === 'GET');
  const bare = gets.filter((q) => !q.token);
  c.ok('every GET carried the IMDSv2 token', bare.length === 0, bare.map((q) => q.path).slice(0, 5).join(' '));
  c.ok('the crawl read the instance id and the user-data',
    gets.some((q) => q.path.endsWith('/meta-data/instance-id') && q.status === 200) && gets.some((q) => q.path.endsWith('/user-data') && q.status === 200),
    `GETs: ${gets.length}`);
  const secret = gets.filter((q) => q.path.includes('security-credentials'));
  c.ok('no request for IAM credentials', secret.length === 0, secret.map((q) => q.path).join(' '));
}

// EC2 NIC hotplug: scenario 7's instance, plus a second NIC that the host hot-adds through QMP after boot (its own
// slirp network, restrict=on, no IMDS: the primary NIC reaches it). IMDS lists the NIC from the hot-add on (its
// directory appears at once), and its local-ipv4s 3 s later, counted from the first request after the hot-add
// (the handler's token PUT), so the handler has to wait for it. No IPv6: slirp has no DHCPv6.
export const MAC9 = '52:54:00:12:34:09';
const HP_NET = '10.0.5.0/24';
const HP_IP = '10.0.5.15';
const HP_MACDIR = `meta-data/network/interfaces/macs/${MAC9}`;
const HP_IPV4_DELAY_MS = 3000;
/** seconds stratus may take (under TCG) from restoring the instance to deciding a NIC is gone */
const HP_REMOVE_BOUND_S = 5;
const HP_NIC: HotNic = { netdevId: 'hp1', deviceId: 'hpnic1', mac: MAC9, net: HP_NET };
const EC2_HOTPLUG_IMDS: ImdsSpec = {
  httpTokens: 'required',
  tree: ec2Tree([EC2_NIC1, { mac: MAC9, deviceNumber: 1, ipv4s: [HP_IP], subnetV4: HP_NET }]),
  appear: [{ path: HP_MACDIR, afterMs: 0 }, { path: `${HP_MACDIR}/local-ipv4s`, afterMs: HP_IPV4_DELAY_MS }],
};

function ec2HotplugChecks(c: Checks, r: VmReport, host: HostFacts): void {
  ec2Checks(c, r, host);
  c.ok('no host-side hotplug action failed', (host.hotplug?.errors.length ?? 1) === 0, (host.hotplug?.errors ?? ['no hotplug facts']).join('; '));
  const hp = r.hotplug;
  if (!hp) {
    c.fail('the report has no hotplug step (no "@@VMR hotplug-ready|")');
    return;
  }
  const markers = host.hotplug?.markers ?? {};
  c.ok('the host hot-added the NIC and later removed it', 'hotplug-ready' in markers && 'hotplug-remove-ready' in markers,
    `markers acted on: ${Object.keys(markers).join(', ') || 'none'}`);
  c.note(`hot-added NIC ${hp.ifname || '?'}: the guest waited ${hp.configuredSeconds ?? 'timeout (240)'} s for an IPv4 address, ` +
    `${hp.settledSeconds ?? 'timeout'} s until the handler was idle; ${hp.removedSeconds ?? 'timeout (60)'} s for the NIC to vanish after device_del, ` +
    `then ${hp.idleSeconds ?? 'timeout (120)'} s (+2) until the handler was idle`);
  c.ok('the hot-added NIC got an IPv4 address', hp.configuredSeconds !== undefined, `timeout after 240 s (${hp.ifname || 'no interface with the MAC'})`);
  const link = hp.links.find((l) => l.address?.toLowerCase() === MAC9);
  const have = (link?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
  c.ok(`IPv4 address of the hot-added NIC (guest waited ${hp.configuredSeconds ?? 'timeout'} s)`, have.includes(`${HP_IP}/24`),
    `expected ${HP_IP}/24, have [${have.join(', ')}] on ${link?.ifname ?? 'no interface with the MAC'}`);
  const table101 = hp.rules.filter((x) => String(x['table']) === '101');
  c.ok('the handler finished the add (idle again)', hp.settledSeconds !== undefined, 'cloud-init-hotplugd.service still running after 120 s');
  c.ok('a policy routing rule to table 101 while the NIC was up', table101.length > 0, JSON.stringify(hp.rules).slice(0, 300));
  const files = Object.entries(r.netFiles).filter(([f, lines]) => f.startsWith('/etc/systemd/network/') && lines.some((l) => l.toLowerCase().includes(MAC9)));
  c.ok('stratus rendered a networkd file for the hot-added NIC (matched by MAC)', files.length > 0, `files: ${Object.keys(r.netFiles).join(', ') || 'none'}`);
  const policy = files.some(([, lines]) => lines.some((l) => l.trim() === '[RoutingPolicyRule]') && lines.some((l) => /^Table=101\b/.test(l.trim())));
  c.ok('its file has a RoutingPolicyRule for table 101', policy, files.map(([f, l]) => `${f}: ${l.join(' / ')}`).join('; ').slice(0, 600) || 'no file');
  const log = [...hp.journal, ...hp.log];
  const stdio = hp.journal.find((l) => l.startsWith('StandardInput='));
  if (stdio) c.note(`cloud-init-hotplugd.service: ${stdio.trim()}`);
  const added = log.find((l) => /configured in \d+ ms/.test(l));
  c.ok(`the handler configured the NIC (guest waited ${hp.configuredSeconds ?? 'timeout'} s)`, added !== undefined, log.slice(-8).join(' / ') || 'no hotplug log');
  if (added) c.note(`stratus: ${added.replace(/^.*hotplug: /, '')}`);
  c.ok('the handler waited for the NIC\'s local-ipv4s', log.some((l) => /local-ipv4s not published yet/.test(l)), 'no "not published yet" line');
  const gone = log.find((l) => /is gone/.test(l));
  c.ok(`the handler saw the NIC removed (the guest waited ${hp.removedSeconds ?? 'timeout'} s for it to vanish)`, gone !== undefined, log.slice(-8).join(' / ') || 'no hotplug log');
  // "is gone" is logged (cloud-init.log: UTC, ms) after the guest saw the link vanish (polled every 0.5 s): the
  // remove's latency (udev, the socket starting the handler: node under TCG, stratus); stratus's own part is from
  // the handler's first record of that run ("restored instance") to "is gone"
  const stamp = (l: string | undefined): number | undefined => {
    const m = l === undefined ? null : /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d+)/.exec(l);
    return m ? Date.parse(`${m[1] ?? ''}T${m[2] ?? ''}Z`) / 1000 : undefined;
  };
  const goneAt = stamp(gone);
  if (goneAt !== undefined && hp.removedAtEpoch !== undefined) {
    c.note(`remove: stratus logged "is gone" ${(goneAt - hp.removedAtEpoch).toFixed(2)} s after the guest saw the NIC vanish`);
  }
  const goneIndex = gone === undefined ? -1 : hp.log.indexOf(gone);
  const runStart = stamp(hp.log.slice(0, Math.max(goneIndex, 0)).reverse().find((l) => /\[hotplug\].*restored instance/.test(l)));
  if (goneAt !== undefined && runStart !== undefined) {
    const own = goneAt - runStart;
    c.note(`remove: stratus's own time from restoring the instance to "is gone": ${(own * 1000).toFixed(0)} ms`);
    // a purely local decision; under TCG (~10× slower than a real CPU) a generous bound
    c.ok(`the remove took stratus under ${HP_REMOVE_BOUND_S} s under TCG (instance restored → "is gone")`, own < HP_REMOVE_BOUND_S, `${own.toFixed(3)} s`);
  }
  const clock = host.hotplug?.imdsClock;
  const during = (host.imdsRequests ?? []).filter((q) => clock?.armedAtMs !== undefined && q.atMs >= clock.armedAtMs);
  c.ok('the handler asked the IMDS for a token', during.some((q) => q.method === 'PUT' && q.path === '/latest/api/token' && q.status === 200),
    `${during.length} requests after the hot-add`);
  const bare = during.filter((q) => q.method === 'GET' && !q.token);
  c.ok('every GET of the handler carried the token', bare.length === 0, bare.map((q) => q.path).slice(0, 5).join(' '));
  const ipv4s = during.filter((q) => q.method === 'GET' && q.path.endsWith(`/macs/${MAC9}/local-ipv4s`));
  const clockStart = clock?.startedAtMs;
  const early = during.filter((q) => clockStart !== undefined && q.atMs < clockStart + HP_IPV4_DELAY_MS && q.path.includes(MAC9));
  c.ok('the handler read the new NIC before its local-ipv4s was published, then polled it', early.length > 0 && ipv4s.some((q) => q.status === 200),
    `${early.length} requests for the NIC in the first ${HP_IPV4_DELAY_MS} ms; local-ipv4s: ${ipv4s.map((q) => `${q.status}@${q.atMs}`).join(' ') || 'no request'}`);
  c.note(`IMDS during the hotplug: ${during.length} requests, local-ipv4s ${ipv4s.map((q) => q.status).join(',') || '-'}; clock armed at ${clock?.armedAtMs ?? '?'} ms, ` +
    `started at ${clock?.startedAtMs ?? '?'} ms`);
}

// CloudStack on the NetworkManager image: the NIC on a tap network (vm-network.ts) whose DHCP server, DNS
// (data-server) and virtual router (metadata :80, password server :8080) are one address, as on a CloudStack
// guest network. DMI as CloudStack's KVM agent sets it: the product name, and the VM's UUID (its vm-id). Two boots:
// the password is set and acknowledged on the first, not asked for on the second; it is on no disk block.
const CS_VR = '10.9.8.1';
const CS_GUEST = '10.9.8.10';
const CS_UUID = '3f6e1c2a-9b8d-4e7f-a1c2-d3e4f5a6b7c8';
const CS_PASSWORD = 'Cs-VmTest pw 9137!';
const CS_SHADOW = '/etc/shadow';
const CS_SSHD = '/etc/ssh/sshd_config.d/50-cloud-init.conf';
const CS_VR_SPEC: CloudStackVrSpec = {
  metaData: {
    'service-offering': 'Small Instance', 'availability-zone': 'zone-1', 'local-ipv4': CS_GUEST, 'local-hostname': 'vmtest-cs',
    'public-ipv4': '203.0.113.31', 'public-hostname': '203.0.113.31', 'instance-id': 'i-2-31-VM', 'vm-id': CS_UUID,
    'public-keys': VMTEST_KEY,
  },
  userData: userData(undefined, true),
  password: CS_PASSWORD,
};
const CS_NETWORK: VmNetworkSpec = {
  subnet: '10.9.8.0/24', serverAddress: CS_VR, dhcpRange: { start: '10.9.8.10', end: '10.9.8.50' },
  dhcpHosts: [{ mac: MAC1, address: CS_GUEST }], dnsNames: { 'data-server': CS_VR }, domain: 'cs.example.test',
  services: (dir) => {
    const spec = join(dir, 'vr-spec.json');
    writeFileSync(spec, JSON.stringify(CS_VR_SPEC));
    return [{ name: 'vr', port: 8080, cwd: REPO_DIR, argv: [process.execPath, '--import', 'tsx', `${VM_DIR}/cloudstack-vr-server.ts`, CS_VR, spec] }];
  },
};
const CS_SMBIOS = ['-smbios', `type=1,manufacturer=Apache Software Foundation,product=CloudStack KVM Hypervisor,uuid=${CS_UUID}`];

function cloudstackChecks(c: Checks, r: VmReport, boot: number, host: HostFacts): void {
  commonChecks(c, r, 'vmtest-cs', 'tester', HELLO);
  c.address(r, MAC1, `${CS_GUEST}/24`);
  const ds = String(r.status?.['datasource'] ?? '');
  c.ok('datasource is CloudStack', /cloudstack/i.test(ds), `status datasource ${JSON.stringify(ds)}`);
  c.equal('instance id', r.instanceId, 'i-2-31-VM');
  c.ok(`the metadata's public key in ${DEBIAN_KEYS}`, r.files[DEBIAN_KEYS]?.lines.includes(VMTEST_KEY) ?? false, JSON.stringify(r.files[DEBIAN_KEYS]?.lines ?? 'missing'));
  c.ok('the local stage rendered NetworkManager keyfiles', Object.keys(r.netFiles).some((f) => f.startsWith('/etc/NetworkManager/system-connections/')),
    Object.keys(r.netFiles).join(', ') || 'none');
  // The local stage is over before NetworkManager starts: it neither waits for NetworkManager nor needs it.
  const local = r.units['cloud-init-local.service'];
  const nm = r.netUnits['NetworkManager.service'];
  c.ok('NetworkManager started after the local stage had finished', !!local && !!nm && local.execExitUs > 0 && nm.execStartUs > local.execExitUs,
    `local exit ${local?.execExitUs ?? '?'} us, NetworkManager start ${nm?.execStartUs ?? '?'} us`);
  // The default user's password: the offered one, hashed, not expired, and PasswordAuthentication on.
  const line = r.files[CS_SHADOW]?.lines.find((l) => l.startsWith('debian:')) ?? '';
  const hash = line.split(':')[1] ?? '';
  const salt = /^\$6\$([^$]+)\$/.exec(hash)?.[1];
  c.ok('the password server\'s password is the default user\'s', salt !== undefined && sha512Crypt(CS_PASSWORD, salt) === hash, `shadow: ${hash.slice(0, 12)}…`);
  c.ok('the password is not expired', /^[1-9]\d*$/.test(line.split(':')[2] ?? ''), line.split(':').slice(2).join(':'));
  c.ok('PasswordAuthentication yes', r.files[CS_SSHD]?.lines.includes('PasswordAuthentication yes') ?? false, JSON.stringify(r.files[CS_SSHD]?.lines ?? 'missing'));
  const vr = (host.network?.serviceOutput['vr'] ?? '').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const pw = vr.filter((q) => q['port'] === 8080).map((q) => `${String(q['request'])} → ${String(q['answer'])}`);
  const md = vr.filter((q) => q['port'] === 80);
  if (boot === 1) {
    c.equal('password server exchange', pw.join(', '), 'send_my_password → <password>, saved_password → saved_password');
    c.ok('the crawl read instance-id and user-data from the VR', md.some((q) => q['path'] === '/latest/meta-data/instance-id') && md.some((q) => q['path'] === '/latest/user-data'),
      `${md.length} metadata requests`);
  } else {
    c.equal('no password server request on the same instance', pw.join(', '), '');
    c.equal('no metadata request on the same instance (the DMI UUID is the cached vm-id)', md.length, 0);
  }
  c.equal('the password on the guest\'s disk', (host.secretsOnDisk ?? []).length, 0);
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
  {
    id: 7, name: 'ec2-imdsv2-networkd', variant: 'networkd', imds: EC2_IMDS, smbios: EC2_SMBIOS,
    nics: [{ mac: MAC1, net: '169.254.169.0/24' }], user: 'tester', files: [...FILES, DEBIAN_KEYS], boots: 1,
    check: (c, r, _boot, _first, host) => ec2Checks(c, r, host),
  },
  {
    id: 8, name: 'cloudstack-nm-second-boot', variant: 'nm', vmNetwork: CS_NETWORK, smbios: CS_SMBIOS, secrets: [CS_PASSWORD],
    nics: [{ mac: MAC1, tap: true }], user: 'tester', files: [...FILES, DEBIAN_KEYS, CS_SHADOW, CS_SSHD], boots: 2,
    check: (c, r, boot, _first, host) => cloudstackChecks(c, r, boot, host),
  },
  {
    id: 9, name: 'ec2-hotplug-networkd', variant: 'networkd', imds: EC2_HOTPLUG_IMDS, smbios: EC2_SMBIOS,
    nics: [{ mac: MAC1, net: '169.254.169.0/24' }], hotplug: HP_NIC, user: 'tester', files: [...FILES, DEBIAN_KEYS], boots: 1,
    check: (c, r, _boot, _first, host) => ec2HotplugChecks(c, r, host),
  },
];

export const CI_SCENARIOS = [1, 4, 7, 8];
