/**
 * The Ec2 datasource against the test cloud's IMDS (test/e2e/cloud/imds.ts,
 * AWS's documented behaviour): the local stage on AWS through a real DHCP
 * lease from dnsmasq and IMDSv2 tokens, torn down after; the network stage
 * on an EC2-compatible cloud without IMDSv2; and the faults the issue names
 * — a token endpoint that fails then works, throttling with Retry-After, a
 * hung request, a truncated identity document, IMDS turned off — each
 * ending within its budget with the right outcome. stratus runs as the
 * built bundle with --root (a temp directory holding the DMI facts) and
 * --live-network (the instance namespace is the instance's network).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildCli, type Cli } from '../cli/cli.ts';
import { missingCloudTools, startCloud, type CloudSpec, type ImdsSettings, type ImdsTree, type TestCloud } from './cloud/cloud.ts';
import { awsTree } from './cloud/imds.ts';
import { targetRoot, type TargetRoot } from './harness.ts';
import { assertNoSecretLeaks } from './secrets-scan.ts';

const skip = missingCloudTools();
if (skip) console.log(`# skipped: ${skip}`);

let cli: Cli;
before(() => {
  cli = buildCli();
});
after(() => cli?.dispose());

const MAC0 = '0a:11:22:33:44:01';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEc2TestKeyForStratus test@aws';

function tree(userData?: string): ImdsTree {
  return awsTree({
    instanceId: 'i-0123456789abcdef0',
    region: 'eu-west-1',
    az: 'eu-west-1b',
    hostname: 'ip-10-40-0-10.eu-west-1.compute.internal',
    nics: [{ mac: MAC0, deviceNumber: 0, ipv4s: ['10.40.0.10'], subnetV4: '10.40.0.0/24' }],
    publicKeys: { 'my-key': KEY },
    ...(userData === undefined ? {} : { userData }),
  });
}

function spec(settings: ImdsSettings = {}, opts: { dhcp?: boolean; userData?: string } = {}): CloudSpec {
  return {
    nics: [{ name: 'eth0', mac: MAC0, cloudAddress: '10.40.0.1/24', ...(opts.dhcp === false ? {} : { dhcp: { range: ['10.40.0.10', '10.40.0.10'] as [string, string] } }) }],
    addresses: ['169.254.169.254'],
    http: { listen: ['169.254.169.254'], imds: { httpTokens: 'required', ...settings, tree: tree(opts.userData ?? '#cloud-config\nruncmd: [[true]]\n') } },
  };
}

/** A target that identifies as AWS (DMI product_uuid starting with ec2), with Ec2 as its datasource. */
function awsRoot(extraCfg = '', uuid = 'ec2e1b5c-6a1e-4c2b-9a3d-1f2e3d4c5b6a'): TargetRoot {
  const root = targetRoot(cli);
  root.write('/sys/class/dmi/id/product_uuid', `${uuid}\n`);
  root.write('/etc/cloud/cloud.cfg', `datasource_list: [ Ec2, None ]\n${extraCfg}`);
  return root;
}

async function stage(cloud: TestCloud, root: TargetRoot, args: string[]): Promise<{ code: number | null; stderr: string; ms: number }> {
  const t = Date.now();
  const r = await cloud.run([...cli.command, '--root', root.dir, '--live-network', ...args], { timeoutMs: 120_000 });
  const ms = Date.now() - t;
  await assertNoSecretLeaks(root, [{ stage: args.join(' '), ...r }], { cloud });
  return { code: r.code, stderr: r.stderr, ms };
}

const log = (root: TargetRoot) => root.read('/var/log/cloud-init.log');

async function ipState(cloud: TestCloud): Promise<string> {
  const a = await cloud.run(['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
  const r = await cloud.run(['ip', '-4', 'route', 'show']);
  return `${a.stdout}|${r.stdout}`;
}

describe('Ec2 datasource', { skip }, () => {
  test('AWS, local stage: ephemeral DHCP, IMDSv2 token on every request, identity, keys, user-data; torn down after', async () => {
    const cloud = await startCloud(spec());
    try {
      const before = await ipState(cloud);
      const root = awsRoot();
      const r = await stage(cloud, root, ['init', '--local']);
      assert.equal(r.code, 0, `${r.stderr}\n${log(root)}`);
      assert.equal(await ipState(cloud), before, 'the ephemeral lease is gone');
      assert.match(log(root), /found datasource DataSourceEc2/);
      assert.equal(root.read('/var/lib/cloud/data/instance-id'), 'i-0123456789abcdef0\n');
      const idata = root.json('/run/cloud-init/instance-data.json');
      const v1 = idata['v1'] as Record<string, unknown>;
      assert.equal(v1['cloud_name'], 'aws');
      assert.equal(v1['cloud_id'], 'aws');
      assert.equal(v1['region'], 'eu-west-1');
      assert.equal(v1['availability_zone'], 'eu-west-1b');
      assert.equal(v1['platform'], 'ec2');
      assert.equal(v1['local_hostname'], 'ip-10-40-0-10.eu-west-1.compute.internal');
      assert.deepEqual(v1['public_ssh_keys'], [KEY]);
      const ds = idata['ds'] as Record<string, unknown>;
      assert.equal(ds['_metadata_api_version'], '2021-03-23');
      assert.equal(((ds['dynamic'] as Record<string, Record<string, Record<string, unknown>>>)['instance-identity']?.['document'])?.['instanceId'], 'i-0123456789abcdef0');
      assert.match(root.read('/var/lib/cloud/instances/i-0123456789abcdef0/user-data.txt'), /runcmd/);
      // The network config from IMDS, rendered for the target's stack: DHCP on the NIC, matched by MAC.
      const netplan = root.read('/etc/netplan/50-cloud-init.yaml');
      assert.match(netplan, /eth0:[\s\S]*dhcp4: true/);
      assert.match(netplan, new RegExp(`macaddress: ['"]?${MAC0}`));
      const seen = await cloud.requests();
      assert.ok(seen.some((q) => q.method === 'PUT' && q.path === '/latest/api/token' && q.status === 200));
      const gets = seen.filter((q) => q.method === 'GET');
      assert.ok(gets.length > 20, `${gets.length} GETs`);
      // The reachability probe before the lease is the only request without one.
      assert.deepEqual(gets.filter((q) => !q.headers['x-aws-ec2-metadata-token'] && q.path !== '/latest/meta-data/'), [], 'every crawl request carries the token');
      assert.ok(!seen.some((q) => q.path.includes('security-credentials')), 'IAM credentials are never fetched');
    } finally {
      await cloud.close();
    }
  });

  test('a secondary NIC whose device-number has not propagated yet: waited for, then configured with its own route table', async () => {
    const MAC1 = '0a:11:22:33:44:02';
    const t = awsTree({
      instanceId: 'i-0123456789abcdef0',
      region: 'eu-west-1',
      az: 'eu-west-1b',
      hostname: 'ip-10-40-0-10.eu-west-1.compute.internal',
      nics: [
        { mac: MAC0, deviceNumber: 0, ipv4s: ['10.40.0.10'], subnetV4: '10.40.0.0/24' },
        { mac: MAC1, deviceNumber: 1, ipv4s: ['10.41.0.20', '10.41.0.21'], subnetV4: '10.41.0.0/24' },
      ],
    });
    const base = spec();
    const cloud = await startCloud({
      ...base,
      nics: [...base.nics, { name: 'eth1', mac: MAC1, cloudAddress: '10.41.0.1/24' }],
      http: { listen: ['169.254.169.254'], imds: { httpTokens: 'required', tree: t, appear: [{ path: `meta-data/network/interfaces/macs/${MAC1}/device-number`, afterMs: 5_000 }] } },
    });
    try {
      await cloud.imdsResetClock();
      const root = awsRoot();
      const r = await stage(cloud, root, ['init', '--local']);
      assert.equal(r.code, 0, `${r.stderr}\n${log(root)}`);
      assert.match(log(root), new RegExp(`the metadata of ${MAC1} has not propagated yet`));
      assert.match(log(root), /the NICs' metadata is complete/);
      const netplan = root.read('/etc/netplan/50-cloud-init.yaml');
      assert.match(netplan, /eth1:/);
      assert.match(netplan, /10\.41\.0\.21\/24/);
      assert.match(netplan, /table: 101/);
      assert.match(netplan, /from: 10\.41\.0\.20/);
    } finally {
      await cloud.close();
    }
  });

  test('IMDS turned off (403): the crawl stops at once with a clear message; the boot goes on', async () => {
    const cloud = await startCloud(spec({ state: 'disabled' }));
    try {
      const root = awsRoot();
      const r = await stage(cloud, root, ['init', '--local']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(log(root), /datasource Ec2 failed: .*HTTP 403: the instance metadata service is turned off/);
      const puts = (await cloud.requests()).filter((q) => q.method === 'PUT');
      assert.equal(puts.length, 1, 'a 403 is not retried');
      assert.equal(root.exists('/var/lib/cloud/data/instance-id'), false);
    } finally {
      await cloud.close();
    }
  });

  test('the token endpoint fails twice (503), then gives a token: the crawl goes on', async () => {
    const cloud = await startCloud(spec({ faults: [{ path: '/latest/api/token', method: 'PUT', first: 2, kind: 'status', status: 503 }] }));
    try {
      const root = awsRoot();
      const r = await stage(cloud, root, ['init', '--local']);
      assert.equal(r.code, 0, `${r.stderr}\n${log(root)}`);
      assert.equal(root.read('/var/lib/cloud/data/instance-id'), 'i-0123456789abcdef0\n');
      const puts = (await cloud.requests()).filter((q) => q.method === 'PUT').map((q) => q.status);
      assert.deepEqual(puts, [503, 503, 200]);
    } finally {
      await cloud.close();
    }
  });

  test('throttled (429 with Retry-After: 1): retried after the pause the service asked for', async () => {
    const cloud = await startCloud(spec({ throttle: { every: 4, status: 429, retryAfterSeconds: 1 } }));
    try {
      const root = awsRoot();
      const r = await stage(cloud, root, ['init', '--local']);
      assert.equal(r.code, 0, `${r.stderr}\n${log(root)}`);
      assert.equal(root.read('/var/lib/cloud/data/instance-id'), 'i-0123456789abcdef0\n');
      const seen = await cloud.requests();
      const throttled = seen.filter((q) => q.status === 429).length;
      assert.ok(throttled >= 5, `${throttled} throttled answers`);
      // Every throttled request got its answer in the end.
      assert.ok(r.ms >= 1_000, `the stage took ${r.ms} ms: the Retry-After pause was not kept`);
    } finally {
      await cloud.close();
    }
  });

  test('a hung request and a spent budget: the crawl fails within max_wait, naming the URL', async () => {
    const cloud = await startCloud(spec({ faults: [{ path: '/2021-03-23/meta-data/ami-id', kind: 'hang' }] }));
    try {
      const root = awsRoot('datasource:\n  Ec2:\n    timeout: 1\n    retries: 2\n    max_wait: 4\n');
      const r = await stage(cloud, root, ['init', '--local']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(log(root), /datasource Ec2 failed: .*meta-data\/ami-id/);
      assert.equal(root.exists('/var/lib/cloud/data/instance-id'), false);
      // DHCP and node's start up plus at most the 4 s budget.
      assert.ok(r.ms < 15_000, `the local stage took ${r.ms} ms`);
    } finally {
      await cloud.close();
    }
  });

  test('a truncated identity document: a located JSON error, the datasource not used', async () => {
    const cloud = await startCloud(spec({ faults: [{ path: '/2021-03-23/dynamic/instance-identity/document', kind: 'truncate' }] }));
    try {
      const root = awsRoot();
      const r = await stage(cloud, root, ['init', '--local']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(log(root), /datasource Ec2 failed: .*instance-identity\/document:\d+:\d+: not valid JSON/);
      assert.equal(root.exists('/var/lib/cloud/data/instance-id'), false);
    } finally {
      await cloud.close();
    }
  });

  test('an EC2-compatible cloud without IMDSv2 (Brightbox): the network stage, no token, no identity document', async () => {
    const cloud = await startCloud(spec({ httpTokens: 'optional', faults: [{ path: '/latest/api/token', method: 'PUT', kind: 'status', status: 404 }] }, { dhcp: false }));
    try {
      for (const argv of [
        ['ip', 'link', 'set', 'eth0', 'up'],
        ['ip', 'addr', 'add', '10.40.0.10/24', 'dev', 'eth0'],
        ['ip', 'route', 'add', 'default', 'via', '10.40.0.1'],
      ]) assert.equal((await cloud.run(argv)).code, 0);
      const root = targetRoot(cli);
      root.write('/sys/class/dmi/id/product_serial', 'srv-abcde.gb1.brightbox.com\n');
      root.write('/etc/cloud/cloud.cfg', 'datasource_list: [ Ec2, None ]\n');
      const local = await stage(cloud, root, ['init', '--local']);
      assert.equal(local.code, 0, local.stderr);
      assert.match(log(root), /the local stage reads the metadata service on AWS and Outscale only/);
      const net = await stage(cloud, root, ['init']);
      assert.equal(net.code, 0, `${net.stderr}\n${log(root)}`);
      assert.equal(root.read('/var/lib/cloud/data/instance-id'), 'i-0123456789abcdef0\n');
      const v1 = root.json('/run/cloud-init/instance-data.json')['v1'] as Record<string, unknown>;
      assert.equal(v1['cloud_name'], 'brightbox');
      const gets = (await cloud.requests()).filter((q) => q.method === 'GET');
      assert.ok(gets.length > 0 && gets.every((q) => !q.headers['x-aws-ec2-metadata-token']), 'IMDSv1: no token');
      assert.ok(!gets.some((q) => q.path.includes('instance-identity')));
    } finally {
      await cloud.close();
    }
  });
});
