/**
 * Metadata faults × the OpenStack metadata service (the local stage through
 * an ephemeral lease; the network stage again through the OS network when
 * the local one found nothing). Budgets through the documented knobs
 * (datasource.OpenStack timeout 1 s, retries 2, max_wait 4 s for discovery
 * and crawl; docs/differences.md "OpenStack metadata service: Budgets"),
 * plus the IPv6 link-local wait (at most 3 s).
 * Already covered by openstack-service.test.ts and not repeated: two 500s
 * retried, a 403 not retried, a 17 MiB user_data refused, a service too
 * slow for the budget (a delayed answer).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildCli, type Cli } from '../cli/cli.ts';
import { missingCloudTools, startCloud, type CloudSpec } from './cloud/cloud.ts';
import { openStackRoutes, type OpenStackService } from './cloud/openstack-metadata.ts';
import { targetRoot, type TargetRoot } from './harness.ts';
import { cachedCell, faultCell, report, statusLine, type FaultCell, type Matrix } from './metadata-faults.ts';

const skip = missingCloudTools();
if (skip) console.log(`# skipped: ${skip}`);

let cli: Cli;
before(() => {
  cli = buildCli();
});
after(() => cli?.dispose());

const UUID = '6a1c0e2f-4b7d-4e3a-9c2b-0d1e2f3a4b5c';
const MAC = '52:54:00:12:34:5f';
const V = '/openstack/2018-08-27';

const SERVICE: OpenStackService = {
  versions: {
    '2018-08-27': {
      meta_data: { uuid: UUID, hostname: 'faulty-os', name: 'vm' },
      user_data: '#cloud-config\nfinal_message: metadata faults\n',
      network_data: {
        links: [{ id: 'tap1', type: 'ovs', ethernet_mac_address: MAC, mtu: 1450 }],
        networks: [{ id: 'net0', link: 'tap1', type: 'ipv4', ip_address: '10.21.0.50', netmask: '255.255.255.0', routes: [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: '10.21.0.1' }] }],
        services: [{ type: 'dns', address: '10.21.0.1' }],
      },
    },
  },
  ec2: { 'instance-id': 'i-0000f001', 'local-ipv4': '10.21.0.50' },
};

function spec(): CloudSpec {
  return {
    nics: [{ name: 'eth0', mac: MAC, cloudAddress: '10.21.0.1/24', dhcp: { range: ['10.21.0.100', '10.21.0.100'] } }],
    addresses: ['169.254.169.254'],
    http: { listen: ['169.254.169.254'], routes: openStackRoutes(SERVICE) },
  };
}

const MAX_WAIT_S = 4;

function openStackRoot(): TargetRoot {
  const root = targetRoot(cli);
  root.write('/etc/cloud/cloud.cfg', `datasource_list: [ OpenStack, None ]\ndatasource:\n  OpenStack:\n    timeout: 1\n    retries: 2\n    max_wait: ${MAX_WAIT_S}\nssh_genkeytypes: []\n`);
  return root;
}

const matrix: Matrix = {
  dsname: 'OpenStack',
  statusName: /^openstack$/,
  cli: () => cli,
  startCloud: () => startCloud(spec(), { startTimeoutMs: 120_000 }),
  root: openStackRoot,
  net: { address: '10.21.0.50/24', gateway: '10.21.0.1' },
  instanceId: UUID,
  // The link-local wait (at most 3 s), then discovery and crawl (max_wait).
  budgetMs: 3_000 + MAX_WAIT_S * 1000,
};

const CELLS: FaultCell[] = [
  { name: 'connection refused', faults: { refuse: true }, expect: /datasource OpenStack failed: no OpenStack metadata service answered .*ECONNREFUSED/ },
  { name: 'black-holed (no SYN-ACK)', faults: { blackhole: true }, expect: /datasource OpenStack failed: no OpenStack metadata service answered .*no answer within 1000 ms/ },
  { name: 'slow drip of every file (1 byte / 300 ms)', faults: { faults: [{ path: `${V}/*`, kind: 'drip', intervalMs: 300 }] }, expect: /datasource OpenStack failed: .*2018-08-27\/meta_data\.json: .*(no complete answer within|budget)/ },
  // The files are read one after the other: meta_data.json's first two attempts are throttled, its third (retries: 2) is served.
  { name: '429 with Retry-After: 1 on the first 2 file requests', faults: { faults: [{ path: `${V}/*`, first: 2, kind: 'status', status: 429, retryAfterSeconds: 1 }] }, expect: 'found' },
  { name: '503 with Retry-After: 600 (beyond the budget)', faults: { faults: [{ path: `${V}/*`, kind: 'status', status: 503, retryAfterSeconds: 600 }] }, expect: /datasource OpenStack failed: .*2018-08-27\/meta_data\.json: .*(budget|503)/ },
  { name: '5xx burst on discovery (503, 503) and on the files (500, 500)', faults: { faults: [{ path: '/openstack', first: 2, kind: 'status', status: 503 }, { path: `${V}/*`, first: 2, kind: 'status', status: 500 }] }, expect: 'found' },
  { name: 'truncated meta_data.json, connection closed', faults: { faults: [{ path: `${V}/meta_data.json`, kind: 'truncate', close: true }] }, expect: /datasource OpenStack failed: .*meta_data\.json/ },
  { name: 'truncated network_data.json, Content-Length larger, connection held open', faults: { faults: [{ path: `${V}/network_data.json`, kind: 'truncate', close: false }] }, expect: /datasource OpenStack failed: .*network_data\.json/ },
  { name: 'connection reset on every file', faults: { faults: [{ path: `${V}/*`, kind: 'reset' }] }, expect: /datasource OpenStack failed: .*2018-08-27\/meta_data\.json: .*(ECONNRESET|socket hang up|budget)/ },
];

describe('metadata faults × OpenStack', { skip, concurrency: 4 }, () => {
  for (const cell of CELLS) test(cell.name, () => faultCell(matrix, cell));

  test('cached config: healthy boot, then a reboot with the service black-holed keeps the network config and the cache', async () => {
    const run = await cachedCell(matrix, { blackhole: true }, '/etc/netplan/50-cloud-init.yaml', (r) => {
      const why = `${statusLine(r.status)}\n${r.log}`;
      assert.equal(r.status['status'], 'error', why);
      assert.match(JSON.stringify(r.status['recoverable_errors']), /datasource OpenStack failed: no OpenStack metadata service answered/, why);
      assert.match(JSON.stringify(r.status['recoverable_errors']), new RegExp(`the network config of instance ${UUID} stays in place`), why);
    });
    report('OpenStack × reboot with a cached instance, service black-holed', run, 'network config and cache kept');
  });
});
