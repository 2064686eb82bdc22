/**
 * A NIC attached while the instance boots: udev sees it before the hotplug
 * socket listens (the socket starts with cloud-config.target), so the
 * shipped udev helper (udev/hotplug-queue, run here as udev runs it, with
 * DEVPATH and ACTION in its environment) appends the event to
 * /run/cloud-init/hotplug-pending, and the final stage handles it: the event
 * is not lost (cloud-init drops it). Then the same with the socket there:
 * the helper writes to the FIFO instead, and nothing is left pending.
 *
 * The helper writes to the absolute path /run/cloud-init: it runs in a
 * private mount namespace in which the target root's /run is bound over
 * /run, so the host's /run is never touched. stratus runs in the test
 * cloud's instance namespace against the test IMDS, as in hotplug.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildCli, type Cli } from '../cli/cli.ts';
import { missingCloudTools, startCloud, type TestCloud } from './cloud/cloud.ts';
import { awsTree } from './cloud/imds.ts';
import { STAGES, targetRoot, type TargetRoot } from './harness.ts';
import { assertNoSecretLeaks } from './secrets-scan.ts';

const skip = missingCloudTools();
if (skip) console.log(`# skipped: ${skip}`);

const QUEUE_HELPER = join(process.cwd(), 'udev/hotplug-queue');
const MAC0 = '0a:71:00:00:00:10';
const MAC1 = '0a:71:00:00:00:11';
const MAC2 = '0a:71:00:00:00:12';

let cli: Cli;
let cloud: TestCloud;
let root: TargetRoot;
before(() => {
  cli = buildCli();
});
after(() => cli?.dispose());

/** Runs the udev helper as udev would for one event, with the target root's /run as /run (private mount namespace). */
function udevEvent(devpath: string, action: 'add' | 'remove'): void {
  const script = 'mount --make-rprivate / && mount --bind "$RUN_DIR" /run && exec /bin/sh "$HELPER"';
  const r = spawnSync('unshare', ['--mount', '/bin/sh', '-c', script], {
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', RUN_DIR: join(root.dir, 'run'), HELPER: QUEUE_HELPER, DEVPATH: devpath, ACTION: action },
    encoding: 'utf8',
    timeout: 10_000,
  });
  assert.equal(r.status, 0, `udev helper: ${r.stderr}`);
}

const log = () => root.read('/var/log/cloud-init.log');
const networkFile = (name: string) => (root.exists(`/etc/systemd/network/10-cloud-init-${name}.network`) ? root.read(`/etc/systemd/network/10-cloud-init-${name}.network`) : '');

async function stage(argv: string[]): Promise<void> {
  const r = await cloud.run([...cli.command, '--root', root.dir, '--live-network', ...argv], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}\n${log().slice(-3000)}`);
  await assertNoSecretLeaks(root, [{ stage: argv.join(' '), ...r }], { cloud });
}

describe('a NIC attached during boot (EC2)', { skip }, () => {
  before(async () => {
    cloud = await startCloud({
      nics: [{ name: 'eth0', mac: MAC0, cloudAddress: '10.71.0.1/24', dhcp: { range: ['10.71.0.10', '10.71.0.10'] } }],
      addresses: ['169.254.169.254'],
      http: {
        listen: ['169.254.169.254'],
        imds: {
          httpTokens: 'required',
          tree: awsTree({
            instanceId: 'i-0717171717171717a',
            region: 'eu-west-1',
            az: 'eu-west-1b',
            hostname: 'ip-10-71-0-10.eu-west-1.compute.internal',
            nics: [
              { mac: MAC0, deviceNumber: 0, ipv4s: ['10.71.0.10'], subnetV4: '10.71.0.0/24' },
              { mac: MAC1, deviceNumber: 1, ipv4s: ['10.72.0.20'], subnetV4: '10.72.0.0/24' },
              { mac: MAC2, deviceNumber: 2, ipv4s: ['10.73.0.20'], subnetV4: '10.73.0.0/24' },
            ],
          }),
        },
      },
    });
    root = targetRoot(cli, { renderer: 'networkd' });
    root.write('/sys/class/dmi/id/product_uuid', 'ec2a7171-0000-4000-8000-000000007171\n');
    root.write('/etc/cloud/cloud.cfg', 'datasource_list: [ Ec2, None ]\nhotplug:\n  include_virtual: true\n');
  });
  after(async () => {
    await cloud?.close();
  });

  test('before the socket listens: queued in /run/cloud-init/hotplug-pending, handled by the final stage', async () => {
    await stage(STAGES[0]![1]);
    // The OS network comes up after the local stage; the IMDS is reached through it.
    for (const argv of [['ip', 'link', 'set', 'eth0', 'up'], ['ip', 'addr', 'add', '10.71.0.10/24', 'dev', 'eth0'], ['ip', 'route', 'add', 'default', 'via', '10.71.0.1']]) {
      assert.equal((await cloud.run(argv)).code, 0, argv.join(' '));
    }
    // eth1 is attached while the network stage runs: udev runs the helper; no socket yet.
    await cloud.addNic({ name: 'eth1', mac: MAC1, cloudAddress: '10.72.0.1/24' });
    udevEvent('/devices/virtual/net/eth1', 'add');
    assert.equal(root.read('/run/cloud-init/hotplug-pending'), '/devices/virtual/net/eth1 add\n');
    await stage(STAGES[1]![1]);
    await stage(STAGES[2]![1]);
    assert.equal(networkFile('eth1'), '', 'not configured before the final stage: no stage before it handles hotplug events');
    assert.ok(root.exists('/run/cloud-init/hotplug-pending'), 'still queued');

    await stage(STAGES[3]![1]);
    assert.equal(root.exists('/run/cloud-init/hotplug-pending'), false, 'taken away, so it is handled once');
    assert.match(log(), /hotplug: 1 NIC event\(s\) queued during boot/);
    assert.match(log(), /hotplug: eth1 \(0a:71:00:00:00:11\) configured in \d+ ms/);
    const file = networkFile('eth1');
    assert.match(file, /MACAddress=0a:71:00:00:00:11/, file);
    assert.match(file, /From=10\.72\.0\.20/, file);
    const status = root.json('/run/cloud-init/status.json') as { v1?: { 'modules-final'?: { errors?: unknown[] } } };
    assert.deepEqual(status.v1?.['modules-final']?.errors, []);
  });

  test('once the socket listens: the helper writes to the FIFO, nothing is left pending', async () => {
    // systemd's cloud-init-hotplugd.socket: a FIFO it holds open. Here the test holds the read end.
    const fifo = join(root.dir, 'run/cloud-init/hook-hotplug-cmd');
    assert.equal(spawnSync('mkfifo', ['-m', '0600', fifo]).status, 0);
    // The reader holds the FIFO open read-write (so neither side blocks on open), as systemd does, and takes one line.
    const done = spawnSync(
      '/bin/sh',
      [
        '-c',
        `exec 3<>"${fifo}"; timeout 5 head -n 1 <&3 > "${fifo}.seen" & reader=$!; ` +
          `unshare --mount /bin/sh -c 'mount --make-rprivate / && mount --bind "$RUN_DIR" /run && exec /bin/sh "$HELPER"'; wait $reader`,
      ],
      { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', RUN_DIR: join(root.dir, 'run'), HELPER: QUEUE_HELPER, DEVPATH: '/devices/virtual/net/eth2', ACTION: 'add' }, encoding: 'utf8', timeout: 10_000 },
    );
    assert.equal(done.status, 0, done.stderr);
    assert.equal(root.read('/run/cloud-init/hook-hotplug-cmd.seen'), '/devices/virtual/net/eth2 add\n');
    assert.equal(root.exists('/run/cloud-init/hotplug-pending'), false);
  });
});
