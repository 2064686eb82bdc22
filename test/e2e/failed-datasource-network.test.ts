/**
 * A reboot whose datasource is there but cannot be read keeps the network
 * config that datasource gave (src/stages/failed-datasource.ts); one whose
 * datasource is gone altogether gets the fallback, as before. NoCloud's
 * seedfrom over HTTP from a server on loopback (no namespaces needed): the
 * local stage defers it to the network stage, which reads it.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { buildCli, type Cli } from '../cli/cli.ts';
import { boot, describeRuns, fakeNics, targetRoot, type TargetRoot } from './harness.ts';

let cli: Cli;
before(() => {
  cli = buildCli();
});
after(() => cli?.dispose());

const MAC = '52:54:00:aa:bb:01';
const NETPLAN = '/etc/netplan/50-cloud-init.yaml';

/** A target with one NIC that has a link: a fallback config would take it (DHCP), so keeping the old config is a decision, not a lack of NICs. */
function rootWithNic(cfg: string, cmdline: string): TargetRoot {
  const root = targetRoot(cli);
  fakeNics(root, [{ name: 'eth0', mac: MAC, ifindex: 2 }]);
  root.write('/proc/cmdline', cmdline);
  root.write('/etc/cloud/cloud.cfg', cfg);
  return root;
}

describe('the network config of a datasource that fails on a later boot', () => {
  let server: Server;
  let base = '';
  /** What the seed server answers: the seed, or 500 for everything. */
  let broken = false;
  before(async () => {
    const files: Record<string, string> = {
      '/seed/meta-data': 'instance-id: iid-kept\n',
      '/seed/user-data': '#cloud-config\n{}\n',
      '/seed/network-config': `version: 2\nethernets:\n  eth0:\n    match: {macaddress: "${MAC}"}\n    addresses: [192.0.2.10/24]\n`,
    };
    server = createServer((req, res) => {
      const body = files[req.url ?? ''];
      if (broken) res.writeHead(500).end('down');
      else res.writeHead(body === undefined ? 404 : 200).end(body ?? 'not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/seed/`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('the seed server answers 500 on the reboot: the static config stays (no fallback), the status names the failure', async () => {
    broken = false;
    const root = rootWithNic('datasource_list: [ NoCloud, None ]\ndatasource:\n  NoCloud:\n    timeout: 1\n    retries: 1\n    max_wait: 5\nssh_genkeytypes: []\n', `ro ds=nocloud-net;s=${base}\n`);
    const first = await boot(cli, root);
    assert.deepEqual(first.map((r) => r.status), [0, 0, 0, 0], describeRuns(first));
    const good = root.read(NETPLAN);
    assert.match(good, /192\.0\.2\.10\/24/);

    root.reboot();
    broken = true;
    const second = await boot(cli, root);
    assert.equal(root.read(NETPLAN), good, 'the seed\'s network config is as the healthy boot wrote it');
    const log = root.read('/var/log/cloud-init.log');
    assert.match(log, /datasource NoCloud is read in a later stage: the network config of instance iid-kept stays in place until then/);
    assert.match(log, /datasource NoCloud failed: seedfrom http:\/\/127\.0\.0\.1:\d+\/seed\/: .*network-config: HTTP 500/);
    assert.match(log, /datasource NoCloud could not be read: the network config of instance iid-kept stays in place; no fallback network config is written/);
    const st = JSON.parse((await cli.run(['--root', root.dir, 'status', '--format', 'json'])).stdout) as Record<string, unknown>;
    assert.equal(st['status'], 'error', describeRuns(second));
    assert.match(JSON.stringify(st['recoverable_errors']), /datasource NoCloud failed: .*HTTP 500/);
  });

  test('the datasource is gone altogether (no seed named any more): the fallback replaces the old config, as before', async () => {
    broken = false;
    const root = rootWithNic('datasource_list: [ NoCloud, None ]\nssh_genkeytypes: []\n', `ro ds=nocloud-net;s=${base}\n`);
    const first = await boot(cli, root);
    assert.deepEqual(first.map((r) => r.status), [0, 0, 0, 0], describeRuns(first));
    const good = root.read(NETPLAN);
    root.reboot();
    // The image moved on: nothing names a seed now.
    root.write('/proc/cmdline', 'ro\n');
    await boot(cli, root);
    assert.doesNotMatch(root.read('/var/log/cloud-init.log'), /stays in place/);
    const fallback = root.read(NETPLAN);
    assert.notEqual(fallback, good, 'the old instance\'s static config is not kept for a datasource that is not there');
    assert.match(fallback, /dhcp4: true/, 'the fallback took the NIC');
  });
});
