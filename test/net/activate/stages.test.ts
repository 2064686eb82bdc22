/**
 * The stages' side: the local stage writes (never activates) and owns DNS
 * before NetworkManager starts; the network stage brings up what it wrote
 * itself. Run in-process against temp roots: commands are recorded, not run.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { DiskRoot } from '../../../src/host/root-fs.ts';
import { makeStageContext } from '../../../src/stages/context.ts';
import { readManifest } from '../../../src/stages/manifest.ts';
import { initStage } from '../../../src/stages/init.ts';
import { cleanupRoots, target, type Target } from './harness.ts';

after(cleanupRoots);

const NETWORK_CONFIG = `version: 1
config:
  - type: physical
    name: eth0
    mac_address: "52:54:00:12:34:56"
    subnets:
      - type: static
        address: 10.0.0.2/24
        gateway: 10.0.0.1
        dns_nameservers: [10.0.0.53]
        dns_search: [example.org]
`;

function rhelWithNetworkManager(stage: 'init-local' | 'init'): Target {
  return target({
    stage,
    tools: ['network-manager', 'network-scripts'],
    files: {
      '/etc/os-release': 'ID="rhel"\nVERSION_ID="9.4"\n',
      '/etc/cloud/cloud.cfg': 'datasource_list: [NoCloud]\nsystem_info:\n  network:\n    renderers: [sysconfig]\n',
      '/etc/resolv.conf': '# from the image\nnameserver 192.0.2.1\n',
      '/var/lib/cloud/seed/nocloud/meta-data': 'instance-id: iid-dns\n',
      '/var/lib/cloud/seed/nocloud/user-data': '',
      '/var/lib/cloud/seed/nocloud/network-config': NETWORK_CONFIG,
    },
  });
}

const ACTIVATING = /^(nmcli|networkctl|netplan|ifup|ifdown|systemctl|\/usr\/sbin\/ifup)\b/;

describe('the network config in the stages', () => {
  test('local stage, sysconfig renderer with NetworkManager installed: drop-in and resolv.conf written before NM starts; nothing activated', async () => {
    const t = rhelWithNetworkManager('init-local');
    await initStage(t.ctx, true);
    assert.deepEqual(t.commands().filter((c) => ACTIVATING.test(c)), []);
    assert.equal(t.ctx.fs.readText('/etc/NetworkManager/conf.d/99-cloud-init.conf'), '# Created by cloud-init automatically, do not edit.\n#\n[main]\ndns = none\n');
    assert.equal(t.ctx.fs.readText('/etc/resolv.conf'), '; Created by cloud-init automatically, do not edit.\n;\n# from the image\nnameserver 10.0.0.53\nnameserver 192.0.2.1\nsearch example.org\n');
    const { manifest } = readManifest(t.ctx.fs);
    assert.equal(manifest.files['/etc/NetworkManager/conf.d/99-cloud-init.conf']?.category, 'network');
    // The system's resolv.conf is never in the manifest: a later config without DNS, or `clean`, must not delete it.
    assert.equal(manifest.files['/etc/resolv.conf'], undefined);
  });

  test('local then network stage on the same boot: the network stage restores the instance and activates nothing', async () => {
    const t = rhelWithNetworkManager('init-local');
    await initStage(t.ctx, true);
    // The same root, now as the network stage.
    const ctx = makeStageContext('init', new DiskRoot(t.root), t.ctx.opts);
    await initStage(ctx, false);
    assert.match(ctx.log.records.map((r) => r.message).join('\n'), /restored instance iid-dns/);
    assert.deepEqual(ctx.commands.map((c) => c.argv.join(' ')).filter((c) => ACTIVATING.test(c)), []);
  });

  test('datasource found only in the network stage: its config is written and brought up — NM re-reads conf.d, reloads profiles, brings up exactly the ifcfg written', async () => {
    const t = rhelWithNetworkManager('init');
    await initStage(t.ctx, false);
    assert.deepEqual(t.commands().filter((c) => ACTIVATING.test(c)), [
      'systemctl reload-or-try-restart NetworkManager.service',
      'nmcli connection reload',
      'nmcli connection up filename /etc/sysconfig/network-scripts/ifcfg-eth0',
    ]);
    assert.match(t.ctx.fs.readText('/etc/resolv.conf') ?? '', /nameserver 10\.0\.0\.53/);
  });

  test('a config that only drops a NIC (its file removed, the others unchanged) is still brought up: networkd reloads', async () => {
    const twoNics = NETWORK_CONFIG + `  - type: physical
    name: eth1
    mac_address: "52:54:00:12:34:57"
    subnets:
      - type: dhcp
`;
    const seed = (nc: string) => ({
      '/etc/os-release': 'ID=debian\nVERSION_ID="12"\n',
      '/etc/cloud/cloud.cfg': 'datasource_list: [NoCloud]\nsystem_info:\n  network:\n    renderers: [networkd]\n',
      '/var/lib/cloud/seed/nocloud/meta-data': 'instance-id: iid-drop\n',
      '/var/lib/cloud/seed/nocloud/user-data': '',
      '/var/lib/cloud/seed/nocloud/network-config': nc,
    });
    const t = target({ stage: 'init', tools: ['networkd'], files: seed(twoNics), links: ['eth0', 'eth1'] });
    await initStage(t.ctx, false);
    assert.equal(t.ctx.fs.kind('/etc/systemd/network/10-cloud-init-eth1.network'), 'file');
    // A new boot whose datasource, found only in the network stage, has a config without eth1.
    t.ctx.fs.writeFiles([
      { path: '/var/lib/cloud/seed/nocloud/network-config', content: NETWORK_CONFIG, mode: 0o644 },
      { path: '/var/lib/cloud/seed/nocloud/meta-data', content: 'instance-id: iid-drop-2\n', mode: 0o644 },
    ]);
    t.ctx.fs.remove('/run/cloud-init');
    t.ctx.fs.remove('/var/lib/cloud/instance');
    const ctx = makeStageContext('init', new DiskRoot(t.root), t.ctx.opts);
    await initStage(ctx, false);
    assert.equal(ctx.fs.kind('/etc/systemd/network/10-cloud-init-eth1.network'), null);
    const cmds = ctx.commands.map((c) => c.argv.join(' ')).filter((c) => ACTIVATING.test(c));
    assert.ok(cmds.includes('networkctl reload'), cmds.join('\n'));
  });

  test('network config disabled: the network stage writes nothing and runs no network command', async () => {
    const t = rhelWithNetworkManager('init');
    t.ctx.fs.writeFiles([{ path: '/etc/cloud/cloud.cfg.d/99-disable-network-config.cfg', content: 'network: {config: disabled}\n', mode: 0o644 }]);
    await initStage(t.ctx, false);
    assert.deepEqual(t.commands().filter((c) => ACTIVATING.test(c)), []);
    assert.equal(t.ctx.fs.kind('/etc/NetworkManager/conf.d/99-cloud-init.conf'), null);
    assert.equal(t.ctx.fs.readText('/etc/resolv.conf'), '# from the image\nnameserver 192.0.2.1\n');
  });
});
