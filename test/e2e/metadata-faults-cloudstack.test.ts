/**
 * Metadata faults × the CloudStack datasource (the local stage with its own
 * lease finds the virtual router by the lease's server identifier, then
 * crawls port 80; the network stage tries again through the OS network).
 * Budgets through the documented knobs (datasource.CloudStack timeout 1 s,
 * retries 2, max_wait 4 s: one budget for discovery and crawl,
 * docs/differences.md "CloudStack datasource"). The faults hit the VR's
 * metadata port only; its password server (8080) is not part of a crawl.
 * cloudstack.test.ts covers no DHCP server and the password server's faults.
 *
 * The cached cell: CloudStack confirms the instance from DMI (system UUID =
 * vm-id), so a reboot with the metadata service refusing asks it nothing
 * and boots from the cache.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildCli, type Cli } from '../cli/cli.ts';
import { missingCloudTools, startCloud, type CloudSpec } from './cloud/cloud.ts';
import { targetRoot, type TargetRoot } from './harness.ts';
import { cachedCell, faultCell, report, statusLine, type FaultCell, type Matrix } from './metadata-faults.ts';

const skip = missingCloudTools();
if (skip) console.log(`# skipped: ${skip}`);

let cli: Cli;
before(() => {
  cli = buildCli();
});
after(() => cli?.dispose());

const MAC0 = '0a:c5:00:00:0f:01';
const VM_UUID = '3b1f6c2d-8e4a-4f5b-9c6d-7e8f9a0b1c2d';
const IID = 'i-2-42-VM';
const MAX_WAIT_S = 4;

function spec(): CloudSpec {
  return {
    nics: [{ name: 'eth0', mac: MAC0, cloudAddress: '10.62.0.1/24', dhcp: { range: ['10.62.0.50', '10.62.0.50'], dns: ['10.62.0.1'], domain: 'cs.example.test' } }],
    dnsNames: { 'data-server': '10.62.0.1' },
    http: {
      listen: ['10.62.0.1'],
      cloudstack: {
        metaData: {
          'service-offering': 'Small Instance',
          'availability-zone': 'zone-1',
          'local-ipv4': '10.62.0.50',
          'local-hostname': 'faulty-cs',
          'instance-id': IID,
          'vm-id': VM_UUID,
          'public-keys': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFaultsMatrixKey ops@cloudstack',
        },
        userData: '#cloud-config\nfinal_message: metadata faults\n',
      },
    },
  };
}

function csRoot(): TargetRoot {
  const root = targetRoot(cli);
  root.write('/sys/class/dmi/id/product_name', 'CloudStack KVM Hypervisor\n');
  root.write('/sys/class/dmi/id/product_uuid', `${VM_UUID.toUpperCase()}\n`);
  // No default user: the config stage has no password to ask the password server for.
  root.write('/etc/cloud/cloud.cfg', `datasource_list: [ CloudStack, None ]\ndatasource:\n  CloudStack:\n    timeout: 1\n    retries: 2\n    max_wait: ${MAX_WAIT_S}\nusers: []\nssh_genkeytypes: []\n`);
  return root;
}

const matrix: Matrix = {
  dsname: 'CloudStack',
  statusName: /^cloudstack$/,
  cli: () => cli,
  startCloud: () => startCloud(spec(), { startTimeoutMs: 120_000 }),
  root: csRoot,
  net: { address: '10.62.0.50/24', gateway: '10.62.0.1' },
  instanceId: IID,
  budgetMs: MAX_WAIT_S * 1000,
};

const CELLS: FaultCell[] = [
  { name: 'connection refused', faults: { refuse: true }, expect: /datasource CloudStack failed: no virtual router found within 4 s \(ephemeral lease: 10\.62\.0\.1 does not answer \(connect ECONNREFUSED/ },
  { name: 'black-holed (no SYN-ACK)', faults: { blackhole: true }, expect: /datasource CloudStack failed: no virtual router found within 4 s \(.*10\.62\.0\.1 does not answer \(no answer within/ },
  { name: 'slow drip of user-data (1 byte / 300 ms)', faults: { faults: [{ path: '/latest/user-data', kind: 'drip', intervalMs: 300 }] }, expect: /datasource CloudStack failed: .*latest\/user-data: .*(no complete answer within|budget)/ },
  // Discovery asks each candidate once per round (rounds 2 s apart): one 503 costs a round; the crawl's requests are retried (retries: 2).
  { name: '5xx burst (discovery: 503; user-data: 500, 502)', faults: { faults: [{ path: '/latest/meta-data/instance-id', first: 1, kind: 'status', status: 503 }, { path: '/latest/user-data', first: 1, kind: 'status', status: 500 }, { path: '/latest/user-data', first: 2, kind: 'status', status: 502 }] }, expect: 'found' },
  // Throttled discovery costs a 2 s round (no Retry-After there); here the crawl is throttled: two pauses of 1 s fit max_wait.
  { name: '429 with Retry-After: 1 on user-data twice', faults: { faults: [{ path: '/latest/user-data', first: 2, kind: 'status', status: 429, retryAfterSeconds: 1 }] }, expect: 'found' },
  { name: '503 with Retry-After: 600 on user-data (beyond the budget)', faults: { faults: [{ path: '/latest/user-data', kind: 'status', status: 503, retryAfterSeconds: 600 }] }, expect: /datasource CloudStack failed: .*latest\/user-data: .*(budget|503)/ },
  { name: 'truncated user-data, connection closed', faults: { faults: [{ path: '/latest/user-data', kind: 'truncate', close: true }] }, expect: /datasource CloudStack failed: .*latest\/user-data: the connection closed after \d+ of \d+ bytes/ },
  { name: 'truncated public-keys, Content-Length larger, connection held open', faults: { faults: [{ path: '/latest/meta-data/public-keys', kind: 'truncate', close: false }] }, expect: /datasource CloudStack failed: .*public-keys: .*(no complete answer within|budget)/ },
  { name: 'oversized user-data (20 MiB)', faults: { faults: [{ path: '/latest/user-data', kind: 'oversize', bytes: 20 * 1024 * 1024 }] }, expect: /datasource CloudStack failed: .*latest\/user-data: the answer is larger than 16777216 bytes/ },
];

describe('metadata faults × CloudStack', { skip, concurrency: 4 }, () => {
  for (const cell of CELLS) test(cell.name, () => faultCell(matrix, cell));

  test('cached config: healthy boot, then a reboot with the metadata service refusing boots from the cache (confirmed by DMI), asking nothing', async () => {
    const run = await cachedCell(matrix, { refuse: true }, '/etc/netplan/50-cloud-init.yaml', (r) => {
      const why = `${statusLine(r.status)}\n${r.log}`;
      assert.equal(r.status['status'], 'done', why);
      assert.deepEqual(r.status['errors'], [], why);
      assert.match(String(r.status['datasource']), /^cloudstack$/, why);
      assert.match(r.log, new RegExp(`restored instance ${IID} from cache: CloudStack confirms the instance id locally`), why);
    });
    report('CloudStack × reboot with a cached instance, metadata refusing', run, 'restored from cache');
  });
});
