/**
 * The OpenStack metadata service in the test cloud: a server following
 * nova's layout on 169.254.169.254 in the cloud namespace, reached from the
 * instance namespace through a real DHCP lease from dnsmasq (local stage,
 * stratus's ephemeral DHCP, torn down after) or through an address already
 * configured (network stage). stratus runs as the built bundle with
 * --root (a temp directory) and --live-network (the namespace is the
 * instance's network). Faults: 500s that pass, a version whose
 * meta_data.json is missing, a 403 that must not be retried, and a service
 * too slow for the budget.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildCli, type Cli } from '../cli/cli.ts';
import { missingCloudTools, startCloud, type CloudSpec, type HttpRoute, type TestCloud } from './cloud/cloud.ts';
import { openStackRoutes, type OpenStackService } from './cloud/openstack-metadata.ts';
import { targetRoot, type TargetRoot } from './harness.ts';
import { assertNoSecretLeaks } from './secrets-scan.ts';

const skip = missingCloudTools();
if (skip) console.log(`# skipped: ${skip}`);

let cli: Cli;
before(() => {
  cli = buildCli();
});
after(() => cli?.dispose());

const UUID = '0f3c5a8e-3d8e-4a43-9b61-2d7c9d1e55aa';
const MAC = '52:54:00:12:34:56';

const SERVICE: OpenStackService = {
  versions: {
    '2012-08-10': { meta_data: { uuid: UUID, hostname: 'old-layout', name: 'vm' } },
    '2018-08-27': {
      meta_data: { uuid: UUID, hostname: 'os-svc-host', name: 'vm', public_keys: { mykey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpenStackTestKey test@cloud' } },
      user_data: '#cloud-config\nruncmd: [[true]]\n',
      vendor_data: { 'cloud-init': '#cloud-config\nbootcmd: [[true]]\n' },
      network_data: {
        links: [{ id: 'tap1', type: 'ovs', ethernet_mac_address: MAC, mtu: 1450 }],
        networks: [{ id: 'net0', link: 'tap1', type: 'ipv4', ip_address: '10.20.0.50', netmask: '255.255.255.0', routes: [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: '10.20.0.1' }] }],
        services: [{ type: 'dns', address: '10.20.0.1' }],
      },
    },
  },
  ec2: { 'instance-id': 'i-0000abcd', 'local-ipv4': '10.20.0.50', placement: { 'availability-zone': 'nova' }, 'public-keys': { '0': { 'openssh-key': 'ssh-ed25519 AAAA test' } } },
};

function spec(routes: HttpRoute[], opts: { dhcp?: boolean; ipv6Only?: boolean } = {}): CloudSpec {
  return {
    nics: [
      {
        name: 'eth0',
        mac: MAC,
        cloudAddress: '10.20.0.1/24',
        ...(opts.dhcp === false ? {} : { dhcp: { range: ['10.20.0.100', '10.20.0.150'] as [string, string] } }),
        ...(opts.ipv6Only ? { ipv6: { linkLocal: ['fe80::a9fe:a9fe'] } } : {}),
      },
    ],
    ...(opts.ipv6Only ? {} : { addresses: ['169.254.169.254'] }),
    http: { listen: [opts.ipv6Only ? 'fe80::a9fe:a9fe%ceth0' : '169.254.169.254'], routes },
  };
}

/** Public keys list as nova's EC2 tree serves it ("0=mykey" under public-keys/). */
function withEc2PublicKeys(routes: HttpRoute[]): HttpRoute[] {
  return routes.map((r) => (r.path === '/latest/meta-data/public-keys/' ? { ...r, body: '0=mykey' } : r));
}

function openStackRoot(extraCfg = ''): TargetRoot {
  const root = targetRoot(cli);
  root.write('/etc/cloud/cloud.cfg', `datasource_list: [ OpenStack, None ]\n${extraCfg}`);
  return root;
}

async function stage(cloud: TestCloud, root: TargetRoot, args: string[], timeoutMs = 90_000): Promise<{ code: number | null; stderr: string; ms: number }> {
  const t = Date.now();
  const r = await cloud.run([...cli.command, '--root', root.dir, '--live-network', ...args], { timeoutMs });
  const ms = Date.now() - t;
  await assertNoSecretLeaks(root, [{ stage: args.join(' '), ...r }], { cloud });
  return { code: r.code, stderr: r.stderr, ms };
}

async function addrsAndRoutes(cloud: TestCloud): Promise<string> {
  const a = await cloud.run(['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
  const r = await cloud.run(['ip', '-4', 'route', 'show', 'table', 'all']);
  const l = await cloud.run(['ip', '-o', 'link', 'show', 'dev', 'eth0']);
  return `${a.stdout}|${r.stdout.split('\n').filter((x) => !x.includes('table local')).join('\n')}|${/state (\S+)/.exec(l.stdout)?.[1] ?? '?'}`;
}

const log = (root: TargetRoot) => root.read('/var/log/cloud-init.log');

describe('OpenStack metadata service', { skip }, () => {
  test('local stage: ephemeral DHCP from dnsmasq, crawl, teardown; the network stage uses the cache', async () => {
    const cloud = await startCloud(spec(withEc2PublicKeys(openStackRoutes(SERVICE))));
    try {
      const before = await addrsAndRoutes(cloud);
      const root = openStackRoot();
      const local = await stage(cloud, root, ['init', '--local']);
      assert.equal(local.code, 0, `${local.stderr}\n${log(root)}`);
      // The lease is gone: the namespace looks as it did.
      assert.equal(await addrsAndRoutes(cloud), before);
      assert.match(log(root), /ephemeral DHCP on eth0: 10\.20\.0\.1\d\d\/24/);
      assert.match(log(root), /found datasource DataSourceOpenStack/);
      assert.equal(root.read('/var/lib/cloud/data/instance-id'), `${UUID}\n`);
      // The newest known version is read, not the old one.
      const idata = root.json('/run/cloud-init/instance-data.json');
      const v1 = idata['v1'] as Record<string, unknown>;
      assert.equal(v1['local_hostname'], 'os-svc-host');
      assert.equal(v1['platform'], 'openstack');
      assert.equal(v1['subplatform'], 'metadata (http://169.254.169.254)');
      assert.deepEqual(v1['public_ssh_keys'], ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpenStackTestKey test@cloud']);
      const ds = idata['ds'] as Record<string, Record<string, unknown>>;
      assert.equal(ds['ec2_metadata']?.['instance-id'], 'i-0000abcd');
      assert.deepEqual(ds['ec2_metadata']?.['public-keys'], { mykey: 'ssh-ed25519 AAAA test' });
      // network_data.json rendered for the target's stack (netplan), matched by MAC.
      const netplan = root.read('/etc/netplan/50-cloud-init.yaml');
      assert.match(netplan, /macaddress: ['"]?52:54:00:12:34:56['"]?/);
      assert.match(netplan, /10\.20\.0\.50\/24/);
      assert.match(netplan, /mtu: 1450/);
      const seen = (await cloud.requests()).map((r) => r.path);
      assert.ok(seen.includes('/openstack/2018-08-27/meta_data.json'), seen.join(' '));
      assert.ok(!seen.includes('/openstack/2012-08-10/meta_data.json'), 'the old version is not read');
      // Network stage: same boot, restored from the cache, nothing asked of the service.
      const net = await stage(cloud, root, ['init']);
      assert.equal(net.code, 0, net.stderr);
      assert.deepEqual(await cloud.requests(), []);
    } finally {
      await cloud.close();
    }
  });

  test('network stage: the OS network is up, no DHCP is taken; vendor and user data are used', async () => {
    const cloud = await startCloud(spec(openStackRoutes(SERVICE), { dhcp: false }));
    try {
      for (const argv of [
        ['ip', 'link', 'set', 'eth0', 'up'],
        ['ip', 'addr', 'add', '10.20.0.50/24', 'dev', 'eth0'],
        ['ip', 'route', 'add', 'default', 'via', '10.20.0.1'],
      ]) {
        const r = await cloud.run(argv);
        assert.equal(r.code, 0, r.stderr);
      }
      const root = openStackRoot();
      const net = await stage(cloud, root, ['init']);
      assert.equal(net.code, 0, `${net.stderr}\n${log(root)}`);
      assert.doesNotMatch(log(root), /ephemeral DHCP on/);
      assert.equal(root.read('/var/lib/cloud/data/instance-id'), `${UUID}\n`);
      assert.match(root.read(`/var/lib/cloud/instances/${UUID}/vendor-data.txt`), /bootcmd/);
      assert.match(root.read(`/var/lib/cloud/instances/${UUID}/user-data.txt`), /runcmd/);
    } finally {
      await cloud.close();
    }
  });

  test('faults: two 500s are retried, and a version listed without meta_data.json falls back to the next one', async () => {
    const routes = openStackRoutes(SERVICE).map((r): HttpRoute => {
      if (r.path === '/openstack/2018-08-27/meta_data.json') return { ...r, status: 404, body: 'gone' };
      if (r.path === '/openstack/2012-08-10/meta_data.json') return { ...r, failFirst: { count: 2, status: 500 } };
      return r;
    });
    const cloud = await startCloud(spec(routes));
    try {
      const root = openStackRoot();
      const local = await stage(cloud, root, ['init', '--local']);
      assert.equal(local.code, 0, `${local.stderr}\n${log(root)}`);
      const seen = (await cloud.requests()).map((r) => r.path);
      assert.equal(seen.filter((x) => x === '/openstack/2012-08-10/meta_data.json').length, 3, seen.join(' '));
      assert.match(log(root), /openstack\/2018-08-27\/meta_data\.json is missing; trying the next version/);
      assert.equal(root.read('/var/lib/cloud/data/instance-id'), `${UUID}\n`);
      assert.equal((root.json('/run/cloud-init/instance-data.json')['v1'] as Record<string, unknown>)['local_hostname'], 'old-layout');
    } finally {
      await cloud.close();
    }
  });

  test('a 403 is not retried: the crawl fails at once, naming the URL and status', async () => {
    const routes = openStackRoutes(SERVICE).map((r): HttpRoute => (r.path === '/openstack/2018-08-27/user_data' ? { ...r, status: 403, body: 'forbidden' } : r));
    const cloud = await startCloud(spec(routes));
    try {
      const root = openStackRoot();
      const local = await stage(cloud, root, ['init', '--local']);
      assert.equal(local.code, 0, local.stderr);
      const seen = (await cloud.requests()).map((r) => r.path);
      assert.equal(seen.filter((x) => x === '/openstack/2018-08-27/user_data').length, 1, seen.join(' '));
      assert.match(log(root), /datasource OpenStack failed: http:\/\/169\.254\.169\.254\/openstack\/2018-08-27\/user_data: HTTP 403/);
      assert.equal(root.exists('/var/lib/cloud/data/instance-id'), false);
    } finally {
      await cloud.close();
    }
  });

  test('only on IPv6 link-local (fe80::a9fe:a9fe on the NIC): reached after the lease, as OpenStack serves it', async () => {
    const cloud = await startCloud(spec(openStackRoutes(SERVICE), { ipv6Only: true }));
    try {
      const root = openStackRoot();
      const local = await stage(cloud, root, ['init', '--local']);
      assert.equal(local.code, 0, `${local.stderr}\n${log(root)}`);
      assert.ok(root.exists('/var/lib/cloud/data/instance-id'), log(root));
      assert.equal(root.read('/var/lib/cloud/data/instance-id'), `${UUID}\n`);
      const v1 = root.json('/run/cloud-init/instance-data.json')['v1'] as Record<string, unknown>;
      assert.equal(v1['subplatform'], 'metadata (http://[fe80::a9fe:a9fe%25eth0])');
      const seen = await cloud.requests();
      assert.ok(seen.length > 0 && seen.every((r) => r.local.startsWith('fe80::a9fe:a9fe')), JSON.stringify(seen.slice(0, 3)));
    } finally {
      await cloud.close();
    }
  });

  test('an oversized answer (user_data of 17 MiB) is refused, naming the URL; nothing of it is kept', async () => {
    const routes = openStackRoutes(SERVICE).map((r): HttpRoute => (r.path === '/openstack/2018-08-27/user_data' ? { ...r, body: 'x'.repeat(1024), repeat: 17 * 1024 } : r));
    const cloud = await startCloud(spec(routes));
    try {
      const root = openStackRoot();
      const local = await stage(cloud, root, ['init', '--local']);
      assert.equal(local.code, 0, local.stderr);
      assert.match(log(root), /datasource OpenStack failed: http:\/\/169\.254\.169\.254\/openstack\/2018-08-27\/user_data: the answer is larger than 16777216 bytes/);
      assert.equal(root.exists('/var/lib/cloud/data/instance-id'), false);
    } finally {
      await cloud.close();
    }
  });

  test('a service too slow for the budget ends the crawl within max_wait', async () => {
    const routes = openStackRoutes(SERVICE).map((r): HttpRoute => (r.path.startsWith('/openstack/2018-08-27/') ? { ...r, delayMs: 4_000 } : r));
    const cloud = await startCloud(spec(routes));
    try {
      const root = openStackRoot('datasource:\n  OpenStack:\n    timeout: 1\n    retries: 10\n    max_wait: 3\n');
      const local = await stage(cloud, root, ['init', '--local']);
      assert.equal(local.code, 0, local.stderr);
      assert.match(log(root), /datasource OpenStack failed: .*(budget|within)/);
      assert.equal(root.exists('/var/lib/cloud/data/instance-id'), false);
      // DHCP (well under 10 s here) + 3 s of budget + process start: far below what 10 retries of 1 s would cost.
      assert.ok(local.ms < 12_000, `the local stage took ${local.ms} ms`);
    } finally {
      await cloud.close();
    }
  });
});
