/**
 * `stratus cloud-id`: the id from instance-data, --long, --json, the exit
 * codes for disabled (2), not started (3) and errors (1), and the canonical
 * id rules it falls back on.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { runCloudId } from '../../src/cli/cloud-id.ts';
import { canonicalCloudId } from '../../src/report/cloud-id.ts';
import { capture, runVerbProcess, tempRoots, type Entry } from '../report/helpers.ts';

const roots = tempRoots('stratus-cloud-id-test-');
after(() => roots.dispose());

const DONE: Record<string, Entry> = {
  '/run/systemd/system': { dir: true },
  '/run/cloud-init/enabled': '',
  '/var/lib/cloud/data/status.json': JSON.stringify({ v1: { datasource: 'DataSourceEc2', stage: null, init: { errors: [], recoverable_errors: {}, start: 1, finished: 2 } } }),
  '/run/cloud-init/status.json': { link: '../../var/lib/cloud/data/status.json' },
  '/var/lib/cloud/data/result.json': '{"v1": {"datasource": "DataSourceEc2", "errors": []}}',
  '/run/cloud-init/result.json': { link: '../../var/lib/cloud/data/result.json' },
};

const INSTANCE = JSON.stringify({ v1: { cloud_id: 'aws-gov', cloud_name: 'aws', region: 'us-gov-west-1', platform: 'ec2', 'instance-id': 'i-1' } });

async function cloudId(argv: string[], root: string) {
  const c = capture();
  const status = await runCloudId(argv, { root, debug: false, force: false }, { ...c.io, host: () => ({ env: {}, now: new Date(), uptime: 50 }) });
  return { status, stdout: c.out, stderr: c.err };
}

describe('cloud-id', () => {
  test('a real run prints the id', async () => {
    const root = roots.make({ ...DONE, '/run/cloud-init/instance-data.json': INSTANCE });
    const plain = await runVerbProcess('cloud-id', 'cloudId', [], root, { KERNEL_CMDLINE: '' });
    assert.deepEqual(plain, { status: 0, stdout: 'aws-gov\n', stderr: '' });
  });

  test('--long adds the region, --json prints the v1 keys', async () => {
    const root = roots.make({ ...DONE, '/run/cloud-init/instance-data.json': INSTANCE });
    const long = await cloudId(['--long'], root);
    const json = await cloudId(['-j'], root);
    assert.deepEqual(long, { status: 0, stdout: 'aws-gov\tus-gov-west-1\n', stderr: '' });
    assert.equal(json.status, 0);
    assert.equal(
      json.stdout,
      '{\n "cloud_id": "aws-gov",\n "cloud_name": "aws",\n "instance-id": "i-1",\n "platform": "ec2",\n "region": "us-gov-west-1"\n}\n',
    );
  });

  test('disabled: exit 2; not started: exit 3; missing or corrupt data: exit 1', async () => {
    const disabled = roots.make({ ...DONE, '/etc/cloud/cloud-init.disabled': '' });
    const notStarted = roots.make({ '/run/systemd/system': { dir: true }, '/run/cloud-init/enabled': '' });
    const missing = roots.make(DONE);
    const corrupt = roots.make({ ...DONE, '/run/cloud-init/instance-data.json': '{"v1": {' });
    const d = await cloudId([], disabled);
    const n = await cloudId([], notStarted);
    const m = await cloudId([], missing);
    const c = await cloudId([], corrupt);
    assert.deepEqual(d, { status: 2, stdout: 'disabled\n', stderr: '' });
    assert.deepEqual(n, { status: 3, stdout: 'not started\n', stderr: '' });
    assert.equal(m.status, 1);
    assert.equal(
      m.stderr,
      "stratus cloud-id: File not found '/run/cloud-init/instance-data.json'. Provide a path to instance data json file using --instance-data\n",
    );
    assert.equal(c.status, 1);
    assert.match(c.stderr, /^stratus cloud-id: File '\/run\/cloud-init\/instance-data\.json' is not valid json\. /);
  });

  test('without v1.cloud_id, the id is computed from cloud_name, region and platform', async () => {
    const root = roots.make({ ...DONE, '/run/cloud-init/instance-data.json': JSON.stringify({ v1: { cloud_name: 'azure', region: 'chinanorth', platform: 'azure' } }) });
    assert.deepEqual(await cloudId([], root), { status: 0, stdout: 'azure-china\n', stderr: '' });
  });
});

describe('canonicalCloudId', () => {
  const cases: [string | null, string | null, string, string][] = [
    ['aws', 'cn-north-1', 'ec2', 'aws-china'],
    ['aws', 'us-gov-east-1', 'ec2', 'aws-gov'],
    ['azure', 'chinaeast', 'azure', 'azure-china'],
    ['aws', 'us-east-1', 'ec2', 'aws'],
    ['openstack', 'cn-1', 'openstack', 'openstack'],
    [null, null, 'nocloud', 'nocloud'],
    ['unknown', 'us-east-1', 'ec2', 'ec2'],
    ['', 'cn-north-1', 'ec2', 'ec2'],
  ];
  for (const [name, region, platform, id] of cases) {
    test(`${name}/${region}/${platform} → ${id}`, () => assert.equal(canonicalCloudId(name, region, platform), id));
  }
});
