/**
 * Metadata faults × NoCloud over HTTP (`ds=nocloud-net;s=http://…/seed/` on
 * the kernel command line): the local stage leaves it to the network
 * stage, which reads the four seed files through the OS network. Budgets
 * through datasource.NoCloud timeout 1 s, retries 2, max_wait 4 s
 * (docs/differences.md "NoCloud"). nocloud-sources.test.ts covers a seed
 * without meta-data (404).
 *
 * The cached cell: after a healthy boot, a reboot with the seed server
 * refusing keeps the seed's network config (the local stage leaves it in
 * place for the network stage, which cannot read the seed and keeps it too).
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

const MAC = '52:54:00:63:00:0f';
const IID = 'iid-nocloud-net-faults';
const SEED = 'http://10.63.0.1/seed/';
const MAX_WAIT_S = 4;

function spec(): CloudSpec {
  return {
    nics: [{ name: 'eth0', mac: MAC, cloudAddress: '10.63.0.1/24' }],
    http: {
      listen: ['10.63.0.1'],
      routes: [
        { path: '/seed/meta-data', body: `instance-id: ${IID}\nlocal-hostname: faulty-nocloud\n` },
        { path: '/seed/user-data', body: '#cloud-config\nfinal_message: metadata faults\n' },
        {
          path: '/seed/network-config',
          body: `version: 2\nethernets:\n  eth0:\n    match: {macaddress: "${MAC}"}\n    addresses: [10.63.0.50/24]\n    routes: [{to: default, via: 10.63.0.1}]\n`,
        },
      ],
    },
  };
}

function nocloudRoot(): TargetRoot {
  const root = targetRoot(cli);
  root.write('/proc/cmdline', `ro ds=nocloud-net;s=${SEED}\n`);
  root.write('/etc/cloud/cloud.cfg', `datasource_list: [ NoCloud, None ]\ndatasource:\n  NoCloud:\n    timeout: 1\n    retries: 2\n    max_wait: ${MAX_WAIT_S}\nssh_genkeytypes: []\n`);
  return root;
}

const matrix: Matrix = {
  dsname: 'NoCloud',
  statusName: /^nocloud$/,
  cli: () => cli,
  startCloud: () => startCloud(spec(), { startTimeoutMs: 120_000 }),
  root: nocloudRoot,
  // The address the seed's network config gives: the OS network as the previous boot left it, or as a first boot's fallback DHCP would.
  net: { address: '10.63.0.50/24', gateway: '10.63.0.1' },
  instanceId: IID,
  budgetMs: MAX_WAIT_S * 1000,
};

const CELLS: FaultCell[] = [
  { name: 'connection refused', faults: { refuse: true }, expect: /datasource NoCloud failed: seedfrom http:\/\/10\.63\.0\.1\/seed\/: .*network-config: .*ECONNREFUSED/ },
  { name: 'black-holed (no SYN-ACK)', faults: { blackhole: true }, expect: /datasource NoCloud failed: seedfrom .*network-config: .*(no answer within|budget)/ },
  { name: 'slow drip of meta-data (1 byte / 300 ms)', faults: { faults: [{ path: '/seed/meta-data', kind: 'drip', intervalMs: 300 }] }, expect: /datasource NoCloud failed: seedfrom .*meta-data: .*(no complete answer within|budget)/ },
  // The files are read one after the other: the burst hits network-config's first two attempts (retries: 2 leaves a third).
  { name: '5xx burst (the first 2 requests: 500, 502)', faults: { faults: [{ first: 1, kind: 'status', status: 500 }, { first: 2, kind: 'status', status: 502 }] }, expect: 'found' },
  { name: '5xx burst longer than the retries (500 ×3)', faults: { faults: [{ first: 3, kind: 'status', status: 500 }] }, expect: /datasource NoCloud failed: seedfrom .*network-config: HTTP 500/ },
  { name: '429 with Retry-After: 1 on the first 2 requests', faults: { faults: [{ first: 2, kind: 'status', status: 429, retryAfterSeconds: 1 }] }, expect: 'found' },
  { name: '503 with Retry-After: 600 on network-config (beyond the budget)', faults: { faults: [{ path: '/seed/network-config', kind: 'status', status: 503, retryAfterSeconds: 600 }] }, expect: /datasource NoCloud failed: seedfrom .*network-config: .*(budget|503)/ },
  { name: 'network-config answers 500 every time (not "absent")', faults: { faults: [{ path: '/seed/network-config', kind: 'status', status: 500 }] }, expect: /datasource NoCloud failed: seedfrom .*network-config: .*HTTP 500/ },
  { name: 'truncated user-data, connection closed', faults: { faults: [{ path: '/seed/user-data', kind: 'truncate', close: true }] }, expect: /datasource NoCloud failed: seedfrom .*user-data: the connection closed after \d+ of \d+ bytes/ },
  { name: 'truncated meta-data, Content-Length larger, connection held open', faults: { faults: [{ path: '/seed/meta-data', kind: 'truncate', close: false }] }, expect: /datasource NoCloud failed: seedfrom .*meta-data: .*(no complete answer within|budget)/ },
  { name: 'oversized user-data (20 MiB)', faults: { faults: [{ path: '/seed/user-data', kind: 'oversize', bytes: 20 * 1024 * 1024 }] }, expect: /datasource NoCloud failed: seedfrom .*user-data: the answer is larger than 16777216 bytes/ },
];

describe('metadata faults × NoCloud over HTTP', { skip, concurrency: 4 }, () => {
  for (const cell of CELLS) test(cell.name, () => faultCell(matrix, cell));

  test('cached config: healthy boot, then a reboot with the seed server refusing keeps the seed\'s network config and the cache', async () => {
    const run = await cachedCell(matrix, { refuse: true }, '/etc/netplan/50-cloud-init.yaml', (r) => {
      const why = `${statusLine(r.status)}\n${r.log}`;
      assert.equal(r.status['status'], 'error', why);
      assert.match(r.log, new RegExp(`datasource NoCloud is read in a later stage: the network config of instance ${IID} stays in place until then`), why);
      assert.match(JSON.stringify(r.status['recoverable_errors']), /datasource NoCloud failed: seedfrom .*ECONNREFUSED/, why);
      assert.match(JSON.stringify(r.status['recoverable_errors']), new RegExp(`the network config of instance ${IID} stays in place; no fallback`), why);
    });
    report('NoCloud × reboot with a cached instance, seed server refusing', run, 'network config and cache kept');
  });
});
