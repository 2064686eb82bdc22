/**
 * The CloudStack datasource against the test cloud's virtual router
 * (test/e2e/cloud/cloudstack-vr.ts: metadata on port 80, the password
 * server on 8080, dnsmasq giving DHCP and the name `data-server`).
 *
 * Cloud A is CloudStack's own layout: the VR is the DHCP server. There the
 * local stage takes its own lease, finds the VR by the lease's server
 * identifier, crawls and tears the lease down; the config stage sets the
 * default user's password once and acknowledges it; a second boot of the
 * same instance asks nothing; NetworkManager keyfiles are rendered in the
 * local stage with no DHCP client left behind; the password appears in no
 * file and no log. Faults: the password server down (degraded, asked again
 * next boot) and answering bad_request.
 *
 * Cloud B has the VR's name pointing at a dead address, so the discovery
 * must go on: in the network stage (datasource.CloudStack.local: false,
 * the NIC configured by the test) each later method is shown alone —
 * networkd, dhclient (a real dhclient's lease), dhcpcd (a real dhcpcd's
 * binary lease), NetworkManager, the default gateway — and with no DHCP
 * server the local stage fails within its budget with a clear status.
 * stratus runs as the built bundle with --root (a temp directory holding
 * the DMI facts and the account files) and --live-network.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sha512Crypt } from '../../src/text/sha512-crypt.ts';
import { buildCli, type Cli } from '../cli/cli.ts';
import { ACCOUNT_FILES } from '../modules/accounts-root.ts';
import { missingCloudTools, startCloud, type CloudSpec, type TestCloud } from './cloud/cloud.ts';
import { targetRoot, type TargetRoot } from './harness.ts';
import { assertNoSecretLeaks } from './secrets-scan.ts';

const skip = missingCloudTools() ?? (process.getuid?.() === 0 ? undefined : 'needs root (useradd and chpasswd --root)');
if (skip) console.log(`# skipped: ${skip}`);

let cli: Cli;
before(() => {
  cli = buildCli();
});
after(() => cli?.dispose());

const MAC0 = '0a:c5:00:00:00:01';
const VM_UUID = '7d9c2e1a-4b3f-4c5d-9e8f-0a1b2c3d4e5f';
const PASSWORD = 'Vr-S3cret pw!7419';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICloudStackTestKeyForStratus ops@cloudstack';
const USER = 'cloud-user';

function metaData(ip: string): Record<string, string> {
  return {
    'service-offering': 'Small Instance',
    'availability-zone': 'zone-1',
    'local-ipv4': ip,
    'local-hostname': 'web01',
    'public-ipv4': '203.0.113.17',
    'public-hostname': '203.0.113.17',
    'instance-id': 'i-2-17-VM',
    'vm-id': VM_UUID,
    'public-keys': KEY,
    'cloud-identifier': 'CloudStack-{4c8e0b52-1b67-4d9f-a3b3-6f0d2c1e7a90}',
  };
}

/** Cloud A: the VR is the DHCP server (10.60.0.1), and `data-server` names it. */
function cloudA(password: string | undefined = PASSWORD): CloudSpec {
  return {
    nics: [{ name: 'eth0', mac: MAC0, cloudAddress: '10.60.0.1/24', dhcp: { range: ['10.60.0.50', '10.60.0.50'], dns: ['10.60.0.1'], domain: 'cs.example.test' } }],
    dnsNames: { 'data-server': '10.60.0.1' },
    http: { listen: ['10.60.0.1'], cloudstack: { metaData: metaData('10.60.0.50'), userData: '#cloud-config\nruncmd: [[true]]\n', ...(password === undefined ? {} : { password }) } },
  };
}

/** Cloud B: the VR is the DHCP server (10.61.0.1), but `data-server` names 10.61.0.99, where nothing listens. */
function cloudB(): CloudSpec {
  return {
    nics: [{ name: 'eth0', mac: MAC0, cloudAddress: '10.61.0.1/24', dhcp: { range: ['10.61.0.50', '10.61.0.50'], dns: ['10.61.0.1'], domain: 'cs.example.test' } }],
    addresses: ['10.61.0.99'],
    dnsNames: { 'data-server': '10.61.0.99' },
    http: { listen: ['10.61.0.1'], cloudstack: { metaData: metaData('10.61.0.50') } },
  };
}

/** The shadow tools' files, and an sshd_config that includes its drop-ins (where PasswordAuthentication goes). */
const ACCOUNTS: Record<string, [string, number]> = {
  ...ACCOUNT_FILES,
  '/etc/ssh/sshd_config': ['Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\n', 0o644],
};

/** A target that identifies as a CloudStack KVM guest (DMI product name and the VM's UUID), with the accounts the shadow tools need. */
function csRoot(renderer: 'netplan' | 'network-manager' = 'netplan', extraCfg = ''): TargetRoot {
  const root = targetRoot(cli, { renderer });
  root.write('/sys/class/dmi/id/product_name', 'CloudStack KVM Hypervisor\n');
  root.write('/sys/class/dmi/id/product_uuid', `${VM_UUID.toUpperCase()}\n`);
  for (const [p, [c, m]] of Object.entries(ACCOUNTS)) root.write(p, c, m);
  root.write(
    '/etc/cloud/cloud.cfg',
    `datasource_list: [ CloudStack, None ]
system_info:
  default_user: {name: ${USER}, lock_passwd: true, shell: /bin/sh}
users: [default]
ssh_genkeytypes: []
cloud_init_modules: [users_groups, ssh]
cloud_config_modules: [set_passwords]
cloud_final_modules: [scripts_user]
${extraCfg}`,
  );
  return root;
}

async function stage(cloud: TestCloud, root: TargetRoot, args: string[]): Promise<{ code: number | null; out: string; ms: number }> {
  const t = Date.now();
  const r = await cloud.run([...cli.command, '--root', root.dir, '--live-network', ...args], { timeoutMs: 180_000 });
  const ms = Date.now() - t;
  await assertNoSecretLeaks(root, [{ stage: args.join(' '), ...r }], { cloud });
  return { code: r.code, out: `${r.stdout}${r.stderr}`, ms };
}

const STAGES = [['init', '--local'], ['init'], ['modules', '--mode=config'], ['modules', '--mode=final']];

/**
 * The OS network as the image's network service brings it up after the
 * network stage (here by hand: the address the cloud's DHCP gives), and
 * down again, as a reboot does.
 */
async function osNetwork(cloud: TestCloud, up: boolean, address = '10.60.0.50/24'): Promise<void> {
  if (up) {
    await cloud.run(['ip', 'link', 'set', 'eth0', 'up']);
    await cloud.run(['ip', 'addr', 'add', address, 'dev', 'eth0']);
  } else {
    await cloud.run(['ip', 'addr', 'flush', 'dev', 'eth0']);
    await cloud.run(['ip', 'link', 'set', 'eth0', 'down']);
  }
}

/** One boot: the four stages (each must exit 0), with the OS network up from the config stage on; returns what they printed. */
async function bootAll(cloud: TestCloud, root: TargetRoot, from = 0): Promise<string> {
  let out = '';
  try {
    for (const [i, args] of STAGES.entries()) {
      if (i < from) continue;
      if (i === 2) await osNetwork(cloud, true);
      const r = await stage(cloud, root, args);
      out += r.out;
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.out}\n${log(root)}`);
    }
  } finally {
    await osNetwork(cloud, false);
  }
  return out;
}

const log = (root: TargetRoot) => (root.exists('/var/log/cloud-init.log') ? root.read('/var/log/cloud-init.log') : '');

function shadowHash(root: TargetRoot, user: string): string {
  return root.read('/etc/shadow').split('\n').find((l) => l.startsWith(`${user}:`))?.split(':')[1] ?? '';
}

/** Whether a crypt(3) SHA-512 hash is of this password. */
function isHashOf(hash: string, password: string): boolean {
  const m = /^\$6\$(?:rounds=\d+\$)?([^$]+)\$/.exec(hash);
  return m !== null && sha512Crypt(password, hash.startsWith('$6$rounds=') ? hash.split('$').slice(2, 4).join('$') : (m[1] as string)) === hash;
}

/** Every file under the root whose bytes contain `secret` (the shadow file holds only its hash). */
function filesContaining(dir: string, secret: string): string[] {
  const hits: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && readFileSync(p).includes(secret)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

async function status(root: TargetRoot): Promise<Record<string, unknown>> {
  const r = await cli.run(['--root', root.dir, 'status', '--format', 'json']);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

async function instanceIp(cloud: TestCloud): Promise<string> {
  const a = await cloud.run(['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
  const r = await cloud.run(['ip', '-4', 'route', 'show']);
  return `${a.stdout}|${r.stdout}`;
}

async function dhcpClientsRunning(cloud: TestCloud): Promise<string> {
  // By process name: the pattern never matches pgrep itself.
  // Zombies (<defunct>) are dead already: the sandbox's PID 1 does not reap the orphans of dhcpcd's privilege separation.
  const r = await cloud.run(['pgrep', '-a', '^(dhclient|dhcpcd|udhcpc)$']);
  return r.stdout.split('\n').filter((l) => l.trim() !== '' && !l.includes('<defunct>')).join('\n');
}

describe('CloudStack: the virtual router is the DHCP server', { skip }, () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startCloud(cloudA());
  });
  after(async () => {
    await cloud?.close();
  });

  test('local stage with NetworkManager: own lease, VR by the lease, crawl, keyfiles, nothing left running; password set once and acknowledged; no secret anywhere', async () => {
    const root = csRoot('network-manager');
    const ipBefore = await instanceIp(cloud);
    const local = await stage(cloud, root, ['init', '--local']);
    assert.equal(local.code, 0, `${local.out}\n${log(root)}`);
    assert.match(log(root), /ephemeral DHCP on eth0: 10\.60\.0\.50\/24 from 10\.60\.0\.1/);
    assert.match(log(root), /CloudStack: virtual router 10\.60\.0\.1 found by ephemeral lease/);
    assert.match(log(root), /found datasource DataSourceCloudStack/);
    assert.equal(await instanceIp(cloud), ipBefore, 'the ephemeral lease is torn down');
    assert.equal(await dhcpClientsRunning(cloud), '', 'no DHCP client left running');
    // Fallback DHCP rendered for NetworkManager in the local stage, before NetworkManager would start.
    const keyfile = root.read('/etc/NetworkManager/system-connections/cloud-init-eth0.nmconnection');
    assert.match(keyfile, /\[ipv4\]\nmethod=auto/);
    assert.equal(root.read('/var/lib/cloud/data/instance-id'), 'i-2-17-VM\n');
    const v1 = root.json('/run/cloud-init/instance-data.json')['v1'] as Record<string, unknown>;
    assert.equal(v1['cloud_name'], 'cloudstack');
    assert.equal(v1['platform'], 'cloudstack');
    assert.equal(v1['availability_zone'], 'zone-1');
    // The hostname has no dot: the lease's domain makes the FQDN.
    assert.equal(v1['local_hostname'], 'web01.cs.example.test');
    assert.deepEqual(v1['public_ssh_keys'], [KEY]);
    const metaRequests = (await cloud.requests()).filter((q) => q.port === 80);
    assert.ok(metaRequests.some((q) => q.path === '/latest/user-data' && q.status === 200));
    assert.deepEqual(await cloud.vrPasswordLog(), [], 'the crawl does not touch the password server');

    const out = local.out + (await bootAll(cloud, root, 1));
    assert.equal((await cloud.requests()).filter((q) => q.port === 80).length, 0, 'the later stages use the cached crawl');
    assert.ok(isHashOf(shadowHash(root, USER), PASSWORD), `${USER} has the offered password: ${shadowHash(root, USER).slice(0, 12)}…`);
    // Not expired (an expired password has "last changed" 0): the operator handed it out to be used.
    assert.match(root.read('/etc/shadow').split('\n').find((l) => l.startsWith(`${USER}:`))?.split(':')[2] ?? '', /^[1-9]\d*$/, 'not expired');
    assert.match(root.read('/etc/ssh/sshd_config.d/50-cloud-init.conf'), /^PasswordAuthentication yes$/m);
    assert.match(root.read(`/home/${USER}/.ssh/authorized_keys`), new RegExp(KEY.split(' ')[1] as string));
    assert.deepEqual((await cloud.vrPasswordLog()).map((e) => `${e.request} → ${e.answer}`), ['send_my_password → <password>', 'saved_password → saved_password']);
    assert.match(log(root), /password acknowledged/);
    // The secret: in no file under the root (shadow holds a hash), in no log, in nothing printed.
    assert.deepEqual(filesContaining(root.dir, PASSWORD), []);
    assert.ok(!out.includes(PASSWORD), 'stage output');
    const st = await status(root);
    assert.equal(st['status'], 'done', JSON.stringify(st));
    assert.deepEqual(st['errors'], []);

    // Second boot of the same instance: confirmed by the DMI UUID (= vm-id); no lease, no crawl, no password request.
    root.reboot();
    const again = await bootAll(cloud, root);
    assert.match(log(root), /restored instance i-2-17-VM from cache: CloudStack confirms the instance id locally/);
    assert.deepEqual((await cloud.requests()).filter((q) => q.port === 80 || q.port === 8080), [], 'no request at all on the second boot');
    assert.equal((await cloud.vrPasswordLog()).length, 2, 'the password server is not asked again');
    assert.ok(isHashOf(shadowHash(root, USER), PASSWORD));
    assert.ok(!again.includes(PASSWORD));

    // The operator resets the password of the stopped VM. With password_every_boot the next boot sets it, once.
    await cloud.vrSetPassword('R3set-by-operator');
    root.write('/etc/cloud/cloud.cfg.d/90-reset.cfg', 'datasource:\n  CloudStack:\n    password_every_boot: true\n');
    root.reboot();
    await bootAll(cloud, root);
    assert.ok(isHashOf(shadowHash(root, USER), 'R3set-by-operator'), 'the reset password is set');
    root.reboot();
    await bootAll(cloud, root);
    assert.deepEqual((await cloud.vrPasswordLog()).slice(2).map((e) => `${e.request} → ${e.answer}`), [
      'send_my_password → <password>',
      'saved_password → saved_password',
      'send_my_password → saved_password',
    ]);
    assert.deepEqual(filesContaining(root.dir, 'R3set-by-operator'), []);
  });

  test('network stage (local: false): the VR by its DNS name, asked of the target\'s resolv.conf servers', async () => {
    const root = csRoot('netplan', 'datasource:\n  CloudStack:\n    local: false\n');
    root.write('/etc/resolv.conf', 'nameserver 10.60.0.1\n');
    await cloud.run(['ip', 'link', 'set', 'eth0', 'up']);
    await cloud.run(['ip', 'addr', 'add', '10.60.0.61/24', 'dev', 'eth0']);
    try {
      const local = await stage(cloud, root, ['init', '--local']);
      assert.equal(local.code, 0, local.out);
      assert.match(log(root), /datasource\.CloudStack\.local is false/);
      const net = await stage(cloud, root, ['init']);
      assert.equal(net.code, 0, `${net.out}\n${log(root)}`);
      assert.match(log(root), /virtual router 10\.60\.0\.1 found by dns data-server \(data-server from 10\.60\.0\.1\)/);
      assert.doesNotMatch(log(root), /ephemeral DHCP/);
    } finally {
      await cloud.run(['ip', 'addr', 'flush', 'dev', 'eth0']);
      await cloud.run(['ip', 'link', 'set', 'eth0', 'down']);
    }
  });

  test('password server down: the boot goes on, degraded with the reason; asked again (and set) on the next boot', async () => {
    await cloud.vrSetPassword(PASSWORD);
    await cloud.vrConfigure({ passwordDown: true });
    const root = csRoot();
    try {
      const t = Date.now();
      await bootAll(cloud, root);
      assert.ok(Date.now() - t < 90_000, `${Date.now() - t} ms`);
      assert.equal(shadowHash(root, USER).startsWith('$6$'), false, 'no password set');
      const st = await status(root);
      assert.equal(st['status'], 'done');
      assert.match(String(st['extended_status']), /degraded/);
      assert.match(JSON.stringify(st['recoverable_errors']), /8080.*the default user's password is unchanged/);
    } finally {
      await cloud.vrConfigure({ passwordDown: false });
    }
    root.reboot();
    await bootAll(cloud, root);
    assert.ok(isHashOf(shadowHash(root, USER), PASSWORD), 'set on the next boot');
    assert.deepEqual(filesContaining(root.dir, PASSWORD), []);
  });

  test('bad_request: logged, degraded, nothing set, nothing acknowledged', async () => {
    await cloud.vrSetPassword(PASSWORD);
    await cloud.vrConfigure({ passwordBadRequest: true });
    const root = csRoot();
    try {
      const before = (await cloud.vrPasswordLog()).length;
      await bootAll(cloud, root);
      assert.match(log(root), /the password server answered bad_request/);
      assert.equal(shadowHash(root, USER).startsWith('$6$'), false);
      const after = (await cloud.vrPasswordLog()).slice(before);
      assert.deepEqual(after.map((e) => e.request), ['send_my_password'], 'no acknowledgement');
      assert.match(String((await status(root))['extended_status']), /degraded/);
    } finally {
      await cloud.vrConfigure({ passwordBadRequest: false });
    }
  });
});

describe('CloudStack: each later discovery method on its own (data-server names a dead address)', { skip }, () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startCloud(cloudB());
  });
  after(async () => {
    await cloud?.close();
  });

  /**
   * The network stage with the NIC configured by the test (10.61.0.60/24):
   * `prepare` puts lease files into the root first (it gets the root and
   * eth0's ifindex). Returns the root after a successful stage.
   */
  async function networkStage(prepare: (root: TargetRoot, ifindex: string) => Promise<void>, gateway = false): Promise<TargetRoot> {
    const root = csRoot('netplan', 'datasource:\n  CloudStack:\n    local: false\n    max_wait: 30\n');
    root.write('/etc/resolv.conf', 'nameserver 10.61.0.1\n');
    const ifindex = (await cloud.run(['cat', '/sys/class/net/eth0/ifindex'])).stdout.trim();
    // The lease readers name networkd's files by ifindex through the target's sysfs.
    root.write('/sys/class/net/eth0/ifindex', `${ifindex}\n`);
    await cloud.run(['ip', 'link', 'set', 'eth0', 'up']);
    await prepare(root, ifindex);
    await cloud.run(['ip', 'addr', 'add', '10.61.0.60/24', 'dev', 'eth0']);
    if (gateway) await cloud.run(['ip', 'route', 'add', 'default', 'via', '10.61.0.1']);
    try {
      const r = await stage(cloud, root, ['init']);
      assert.equal(r.code, 0, `${r.out}\n${log(root)}`);
      // The dead name was tried and passed over.
      assert.match(log(root), /candidate 10\.61\.0\.99 from dns data-server .* does not answer; trying the next/);
      assert.equal(root.read('/var/lib/cloud/data/instance-id'), 'i-2-17-VM\n');
      return root;
    } finally {
      await cloud.run(['ip', 'route', 'flush', 'dev', 'eth0']);
      await cloud.run(['ip', 'addr', 'flush', 'dev', 'eth0']);
      await cloud.run(['ip', 'link', 'set', 'eth0', 'down']);
    }
  }

  test('systemd-networkd\'s lease (SERVER_ADDRESS)', async () => {
    const root = await networkStage(async (r, ifindex) => {
      r.write(`/run/systemd/netif/leases/${ifindex}`, '# This is private data. Do not parse.\nADDRESS=10.61.0.50\nNETMASK=255.255.255.0\nROUTER=10.61.0.1\nSERVER_ADDRESS=10.61.0.1\nDOMAINNAME=cs.example.test\n');
    });
    assert.match(log(root), /virtual router 10\.61\.0\.1 found by networkd lease \(\/run\/systemd\/netif\/leases\/\d+\)/);
  });

  test('dhclient\'s lease (a real dhclient run against the cloud)', async () => {
    const root = await networkStage(async (r) => {
      const leases = join(r.dir, 'var/lib/dhcp/dhclient.eth0.leases');
      r.write('/var/lib/dhcp/.keep', '');
      // -sf /bin/true: nothing is configured; -1: one try. It stays to renew: stopped by the PID it wrote.
      const d = await cloud.run(['timeout', '30', 'dhclient', '-4', '-1', '-v', '-sf', '/bin/true', '-lf', leases, '-pf', '/run/cs-dhclient.pid', 'eth0'], { timeoutMs: 40_000 });
      await cloud.run(['/bin/sh', '-c', '[ -s /run/cs-dhclient.pid ] && kill "$(cat /run/cs-dhclient.pid)"; rm -f /run/cs-dhclient.pid; true']);
      assert.match(r.read('/var/lib/dhcp/dhclient.eth0.leases'), /dhcp-server-identifier 10\.61\.0\.1;/, d.stderr);
    });
    assert.match(log(root), /virtual router 10\.61\.0\.1 found by dhclient lease \(\/var\/lib\/dhcp\/dhclient\.eth0\.leases\)/);
  });

  test('dhcpcd\'s binary lease (a real dhcpcd run against the cloud)', async () => {
    const root = await networkStage(async (r) => {
      // -c /bin/true: no hooks (nothing outside the namespace is touched); -1: exit once bound. /var/lib/dhcpcd is the sandbox's tmpfs.
      const d = await cloud.run(['timeout', '30', 'dhcpcd', '-f', '/dev/null', '-4', '-1', '-w', '--noarp', '-c', '/bin/true', 'eth0'], { timeoutMs: 40_000 });
      const lease = await cloud.run(['/bin/sh', '-c', 'base64 -w0 /var/lib/dhcpcd/eth0.lease']);
      assert.equal(lease.code, 0, `${d.stdout}${d.stderr}${lease.stderr}`);
      r.write('/var/lib/dhcpcd/eth0.lease', Buffer.from(lease.stdout.trim(), 'base64'));
      await cloud.run(['/bin/sh', '-c', 'dhcpcd -x eth0 >/dev/null 2>&1; rm -f /var/lib/dhcpcd/eth0.lease; ip addr flush dev eth0; true']);
    });
    assert.match(log(root), /virtual router 10\.61\.0\.1 found by dhcpcd lease \(\/var\/lib\/dhcpcd\/eth0\.lease\)/);
  });

  test('NetworkManager\'s lease (its internal client)', async () => {
    const root = await networkStage(async (r) => {
      r.write('/var/lib/NetworkManager/internal-6c3a8f0e-2b9d-4d3e-9f1a-7b2c4d5e6f70-eth0.lease', '# This is private data. Do not parse.\nADDRESS=10.61.0.50\nNETMASK=255.255.255.0\nROUTER=10.61.0.1\nSERVER_ADDRESS=10.61.0.1\n');
    });
    assert.match(log(root), /virtual router 10\.61\.0\.1 found by NetworkManager lease/);
  });

  test('the default gateway, when nothing else names the VR', async () => {
    const root = await networkStage(async () => {}, true);
    assert.match(log(root), /virtual router 10\.61\.0\.1 found by default gateway \(the default route\)/);
  });

  test('no DHCP server: the local stage fails within the DHCP budget, with a clear status', async () => {
    await cloud.stopDhcp();
    try {
      const root = csRoot();
      const t = Date.now();
      const r = await stage(cloud, root, ['init', '--local']);
      const ms = Date.now() - t;
      assert.ok(ms < 60_000, `${ms} ms`);
      assert.match(log(root), /datasource CloudStack failed: .*(DHCP|lease)/i, log(root));
      const st = await status(root);
      assert.notEqual(st['status'], 'done', `${r.code} ${JSON.stringify(st)}`);
      assert.match(JSON.stringify(st), /CloudStack/);
      assert.equal(await dhcpClientsRunning(cloud), '', 'no DHCP client left running');
    } finally {
      await cloud.startDhcp();
    }
  });
});
