/**
 * Metadata faults × the Ec2 datasource (AWS: the local stage through an
 * ephemeral lease, IMDSv2 tokens; the network stage again through the OS
 * network when the local one found nothing). Budgets are set small through
 * the documented knobs (datasource.Ec2 timeout 1 s, retries 2, max_wait
 * 4 s, docs/differences.md "One budget for the whole crawl"), so every
 * cell shows a fault ending within its budget with the status an operator
 * should see, and nothing half-written. Faults already covered by
 * ec2.test.ts (403, two token 503s, 429 throttling, a hung leaf, a short
 * identity document) are not repeated.
 *
 * The last cell boots healthy, then reboots with the IMDS refusing
 * connections: the rendered network config and the cached instance stay.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildCli, type Cli } from '../cli/cli.ts';
import { missingCloudTools, startCloud, type CloudSpec } from './cloud/cloud.ts';
import { awsTree } from './cloud/imds.ts';
import { targetRoot, type TargetRoot } from './harness.ts';
import { cachedCell, faultCell, report, statusLine, type FaultCell, type Matrix, type OsNetwork } from './metadata-faults.ts';

const skip = missingCloudTools();
if (skip) console.log(`# skipped: ${skip}`);

let cli: Cli;
before(() => {
  cli = buildCli();
});
after(() => cli?.dispose());

const MAC0 = '0a:11:22:33:44:0f';
const IID = 'i-0fa17ed0000000001';
const MAX_WAIT_S = 4;
/** The crawl's budget in each stage that crawls (max_wait). */
const BUDGET_MS = MAX_WAIT_S * 1000;
const NET: OsNetwork = { address: '10.42.0.10/24', gateway: '10.42.0.1' };

function spec(): CloudSpec {
  return {
    nics: [{ name: 'eth0', mac: MAC0, cloudAddress: '10.42.0.1/24', dhcp: { range: ['10.42.0.10', '10.42.0.10'] } }],
    addresses: ['169.254.169.254'],
    http: {
      listen: ['169.254.169.254'],
      imds: {
        httpTokens: 'required',
        tree: awsTree({
          instanceId: IID,
          region: 'eu-west-1',
          az: 'eu-west-1a',
          hostname: 'ip-10-42-0-10.eu-west-1.compute.internal',
          nics: [{ mac: MAC0, deviceNumber: 0, ipv4s: ['10.42.0.10'], subnetV4: '10.42.0.0/24' }],
          userData: '#cloud-config\nfinal_message: metadata faults\n',
        }),
      },
    },
  };
}

function awsRoot(): TargetRoot {
  const root = targetRoot(cli);
  root.write('/sys/class/dmi/id/product_uuid', 'ec2e1b5c-6a1e-4c2b-9a3d-1f2e3d4c5b6a\n');
  root.write('/etc/cloud/cloud.cfg', `datasource_list: [ Ec2, None ]\ndatasource:\n  Ec2:\n    timeout: 1\n    retries: 2\n    max_wait: ${MAX_WAIT_S}\nssh_genkeytypes: []\n`);
  return root;
}

const V = '/2021-03-23';
const CELLS: FaultCell[] = [
  { name: 'connection refused', faults: { refuse: true }, expect: /datasource Ec2 failed: .*(ECONNREFUSED|refused)/ },
  { name: 'black-holed (no SYN-ACK)', faults: { blackhole: true }, expect: /datasource Ec2 failed: .*(no answer within|budget)/ },
  { name: 'slow drip (1 byte / 300 ms on every GET)', faults: { faults: [{ method: 'GET', kind: 'drip', intervalMs: 300 }] }, expect: /datasource Ec2 failed: .*(no complete answer within|budget)/ },
  { name: '5xx burst (the first 6 GETs: 500, 502, 504)', faults: { faults: [{ method: 'GET', first: 2, kind: 'status', status: 500 }, { method: 'GET', first: 4, kind: 'status', status: 502 }, { method: 'GET', first: 6, kind: 'status', status: 504 }] }, expect: 'found' },
  { name: '503 with Retry-After: 1 on the first 3 GETs', faults: { faults: [{ method: 'GET', first: 3, kind: 'status', status: 503, retryAfterSeconds: 1 }] }, expect: 'found' },
  { name: '429 with Retry-After: 600 (beyond the budget)', faults: { faults: [{ method: 'GET', kind: 'status', status: 429, retryAfterSeconds: 600 }] }, expect: /datasource Ec2 failed: .*(budget|429)/ },
  { name: 'truncated user-data, connection closed', faults: { faults: [{ path: `${V}/user-data`, kind: 'truncate', close: true }] }, expect: /datasource Ec2 failed: .*2021-03-23\/user-data: the connection closed after \d+ of \d+ bytes/ },
  { name: 'truncated identity document, Content-Length larger, connection held open', faults: { faults: [{ path: `${V}/dynamic/instance-identity/document`, kind: 'truncate', close: false }] }, expect: /datasource Ec2 failed: .*instance-identity\/document/ },
  { name: 'oversized user-data (20 MiB)', faults: { faults: [{ path: `${V}/user-data`, kind: 'oversize', bytes: 20 * 1024 * 1024 }] }, expect: /datasource Ec2 failed: .*user-data: the answer is larger than 16777216 bytes/ },
  { name: 'token endpoint hangs on the 1st, 2nd, 4th, 6th … PUT', faults: { faults: [{ path: '/latest/api/token', method: 'PUT', first: 1, kind: 'hang' }, { path: '/latest/api/token', method: 'PUT', every: 2, kind: 'hang' }] }, expect: 'found' },
  { name: 'token endpoint answers 503 every other time', faults: { faults: [{ path: '/latest/api/token', method: 'PUT', every: 2, kind: 'status', status: 503 }] }, expect: 'found' },
  { name: 'token endpoint never answers', faults: { faults: [{ path: '/latest/api/token', method: 'PUT', kind: 'hang' }] }, expect: /datasource Ec2 failed: .*api\/token/ },
];

const matrix: Matrix = {
  dsname: 'Ec2',
  statusName: /^ec2$/,
  cli: () => cli,
  startCloud: () => startCloud(spec(), { startTimeoutMs: 120_000 }),
  root: awsRoot,
  net: NET,
  instanceId: IID,
  budgetMs: BUDGET_MS,
};

describe('metadata faults × Ec2', { skip, concurrency: 4 }, () => {
  for (const cell of CELLS) test(cell.name, () => faultCell(matrix, cell));

  test('cached config: healthy boot, then a reboot with the IMDS refusing connections keeps the network config and the cache', async () => {
    const run = await cachedCell(matrix, { refuse: true }, '/etc/netplan/50-cloud-init.yaml', (r) => {
      const why = `${statusLine(r.status)}\n${r.log}`;
      assert.equal(r.status['status'], 'error', why);
      assert.match(JSON.stringify(r.status['recoverable_errors']), /datasource Ec2 failed: .*ECONNREFUSED/, why);
      assert.match(JSON.stringify(r.status['recoverable_errors']), new RegExp(`the network config of instance ${IID} stays in place`), why);
    });
    report('Ec2 × reboot with a cached instance, IMDS refusing', run, 'network config and cache kept');
  });
});
