/**
 * NICs renamed on the running system in the local stage, as the network
 * config names them (v2 set-name): a NIC the kernel called ens3 is eth0
 * before any network service reads the files that say eth0. Run in the test
 * cloud's instance namespace with --live-network against a temp root.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildCli, type Cli } from '../cli/cli.ts';
import { missingCloudTools, startCloud } from './cloud/cloud.ts';
import { seedDir, targetRoot } from './harness.ts';
import { assertNoSecretLeaks } from './secrets-scan.ts';

const skip = missingCloudTools();
if (skip) console.log(`# skipped: ${skip}`);

let cli: Cli;
before(() => {
  cli = buildCli();
});
after(() => cli?.dispose());

const MAC = '52:54:00:aa:bb:01';

describe('interface names', { skip }, () => {
  test('set-name: ens3 becomes eth0 in the local stage; a NIC the config does not name keeps its name', async () => {
    const cloud = await startCloud({
      nics: [
        { name: 'ens3', mac: MAC, cloudAddress: '10.60.0.1/24' },
        { name: 'ens4', mac: '52:54:00:aa:bb:02', cloudAddress: '10.61.0.1/24' },
      ],
    });
    try {
      const root = targetRoot(cli);
      seedDir(root, {
        'meta-data': 'instance-id: iid-rename\n',
        'user-data': '',
        'network-config': `version: 2\nethernets:\n  lan:\n    match: {macaddress: "${MAC}"}\n    set-name: eth0\n    dhcp4: true\n`,
      });
      const r = await cloud.run([...cli.command, '--root', root.dir, '--live-network', 'init', '--local'], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      await assertNoSecretLeaks(root, [{ stage: 'init --local', ...r }], { cloud });
      const links = JSON.parse((await cloud.run(['ip', '-j', 'link'])).stdout) as { ifname: string; address: string }[];
      const byMac = new Map(links.map((l) => [l.address, l.ifname]));
      assert.equal(byMac.get(MAC), 'eth0');
      assert.equal(byMac.get('52:54:00:aa:bb:02'), 'ens4');
      assert.match(root.read('/var/log/cloud-init.log'), /interface names: renamed ens3 to eth0/);
      assert.match(root.read('/etc/netplan/50-cloud-init.yaml'), /set-name: eth0/);
    } finally {
      await cloud.close();
    }
  });
});
