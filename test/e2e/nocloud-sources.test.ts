/**
 * The other places a NoCloud seed comes from: the DMI serial number, inline
 * config in cloud.cfg.d, and `seedfrom` over HTTP (read in the network
 * stage; the local stage leaves it). Also the config knobs a boot honours:
 * `system_info.network.renderers`, `network: {config: disabled}` and --file.
 * The HTTP seed server listens on loopback only.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { buildCli, type Cli } from '../cli/cli.ts';
import { boot, describeRuns, seedDir, STAGES, targetRoot } from './harness.ts';
import { assertNoSecretLeaks } from './secrets-scan.ts';

let cli: Cli;
before(() => {
  cli = buildCli();
});
after(() => cli?.dispose());

describe('seed sources', () => {
  let server: Server;
  let base = '';
  const requests: string[] = [];
  before(async () => {
    const files: Record<string, string> = {
      '/seed/meta-data': 'instance-id: iid-http\nlocal-hostname: http-host\n',
      '/seed/user-data': '#cloud-config\n{}\n',
    };
    server = createServer((req, res) => {
      requests.push(`${req.url} ${req.headers['user-agent'] ?? ''}`);
      const body = files[req.url ?? ''];
      res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'text/plain' });
      res.end(body ?? 'not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/seed/`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('seedfrom http://: deferred by the local stage, read by the network stage', async () => {
    const root = targetRoot(cli);
    root.write('/proc/cmdline', `ro ds=nocloud;s=${base}\n`);
    const runs = await boot(cli, root);
    assert.deepEqual(runs.map((r) => r.status), [0, 0, 0, 0], describeRuns(runs));
    assert.equal(root.read('/var/lib/cloud/data/instance-id'), 'iid-http\n');
    assert.equal(root.read('/etc/hostname'), 'http-host\n');
    const v1 = root.json('/run/cloud-init/instance-data.json')['v1'] as Record<string, unknown>;
    assert.equal(v1['subplatform'], `seed-url (${base})`);
    assert.match(root.read('/var/log/cloud-init.log'), /NoCloud seedfrom http:\/\/127\.0\.0\.1:\d+\/seed\/ is read in the network stage/);
    assert.ok(requests.some((r) => r.startsWith('/seed/meta-data Cloud-Init/')), requests.join('\n'));
    assert.ok(requests.some((r) => r.startsWith('/seed/network-config')), 'network-config is asked for (404 is fine)');
  });

  test('a seed URL that lacks meta-data is an error naming the URL and status', async () => {
    const root = targetRoot(cli);
    root.write('/proc/cmdline', `ds=nocloud;s=${base}missing/\n`);
    const runs = await boot(cli, root, STAGES.slice(0, 2));
    assert.deepEqual(runs.map((r) => r.status), [0, 1], describeRuns(runs));
    assert.match(runs[1]?.stderr ?? '', /seedfrom http:\/\/127\.0\.0\.1:\d+\/seed\/missing\/: .*missing\/meta-data answered HTTP 404/);
  });

  test('DMI serial number ds=nocloud;i=…;h=…', async () => {
    const root = targetRoot(cli);
    root.write('/sys/class/dmi/id/product_serial', 'ds=nocloud;i=iid-dmi;h=dmi-host\n');
    const runs = await boot(cli, root);
    assert.deepEqual(runs.map((r) => r.status), [0, 0, 0, 0], describeRuns(runs));
    assert.equal(root.read('/var/lib/cloud/data/instance-id'), 'iid-dmi\n');
    assert.equal(root.read('/etc/hostname'), 'dmi-host\n');
  });

  test('inline meta-data and user-data in cloud.cfg.d', async () => {
    const root = targetRoot(cli);
    root.write(
      '/etc/cloud/cloud.cfg.d/90-seed.cfg',
      'datasource:\n  NoCloud:\n    meta-data: {instance-id: iid-inline, local-hostname: inline-host}\n    user-data: |\n      #cloud-config\n      {}\n',
    );
    const runs = await boot(cli, root);
    assert.deepEqual(runs.map((r) => r.status), [0, 0, 0, 0], describeRuns(runs));
    assert.equal(root.read('/var/lib/cloud/data/instance-id'), 'iid-inline\n');
    assert.equal(root.read('/etc/hostname'), 'inline-host\n');
  });
});

describe('config a boot honours', () => {
  const SEED = {
    'meta-data': 'instance-id: iid-cfg\n',
    'user-data': '',
    'network-config': 'version: 2\nethernets:\n  eth0:\n    dhcp4: true\n',
  };

  test('system_info.network.renderers picks the renderer over what the target has', async () => {
    const root = targetRoot(cli); // netplan is on the target…
    root.write('/etc/cloud/cloud.cfg.d/50-renderer.cfg', 'system_info:\n  network:\n    renderers: [network-manager, netplan]\n');
    seedDir(root, SEED);
    const runs = await boot(cli, root, STAGES.slice(0, 1));
    assert.equal(runs[0]?.status, 0, runs[0]?.stderr);
    // …but the config asks for NetworkManager first; it is not installed, so the first listed one that is: netplan.
    assert.ok(root.exists('/etc/netplan/50-cloud-init.yaml'));
    const nm = targetRoot(cli, { renderer: 'network-manager' });
    nm.write('/etc/cloud/cloud.cfg.d/50-renderer.cfg', 'system_info:\n  network:\n    renderers: [network-manager, netplan]\n');
    seedDir(nm, SEED);
    const nmRuns = await boot(cli, nm, STAGES.slice(0, 1));
    assert.equal(nmRuns[0]?.status, 0, nmRuns[0]?.stderr);
    assert.equal(nm.mode('/etc/NetworkManager/system-connections/cloud-init-eth0.nmconnection'), 0o600);
  });

  test('network: {config: disabled} writes no network config', async () => {
    const root = targetRoot(cli);
    root.write('/etc/cloud/cloud.cfg.d/99-disable-network-config.cfg', 'network: {config: disabled}\n');
    seedDir(root, SEED);
    const runs = await boot(cli, root, STAGES.slice(0, 1));
    assert.equal(runs[0]?.status, 0);
    assert.ok(!root.exists('/etc/netplan/50-cloud-init.yaml'));
    assert.match(root.read('/var/log/cloud-init.log'), /network config disabled by system config/);
  });

  test('--file adds config above everything else, the user\'s cloud-config included', async () => {
    const root = targetRoot(cli);
    seedDir(root, { ...SEED, 'user-data': '#cloud-config\nhostname: from-user\n' });
    root.write('/etc/extra.cfg', 'hostname: from-file\n');
    const local = await cli.run(['--root', root.dir, 'init', '--local']);
    assert.equal(local.status, 0, local.stderr);
    const net = await cli.run(['--root', root.dir, 'init', '--file', '/etc/extra.cfg']);
    assert.equal(net.status, 0, net.stderr);
    assert.equal(root.read('/etc/hostname'), 'from-file\n');
    await assertNoSecretLeaks(root, [local, net]);
  });
});
