/** Each activator's commands (argv exact), recorded against temp roots: nothing runs, the record is what a boot on "/" would run. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ifupdown } from '../../../src/net/activate/ifupdown.ts';
import { netplan } from '../../../src/net/activate/netplan.ts';
import { networkManager } from '../../../src/net/activate/network-manager.ts';
import { networkScripts } from '../../../src/net/activate/network-scripts.ts';
import { networkd } from '../../../src/net/activate/networkd.ts';
import type { BringUpRequest } from '../../../src/net/activate/types.ts';
import { cleanupRoots, target } from './harness.ts';

after(cleanupRoots);

const KEYFILE = '/etc/NetworkManager/system-connections/cloud-init-eth0.nmconnection';

function req(over: Partial<BringUpRequest>): BringUpRequest {
  return { renderer: 'networkd', writtenFiles: [], interfaces: ['eth0', 'eth1'], changedLinks: [], ...over };
}

describe('NetworkManager', () => {
  test('available only with both the daemon and nmcli', () => {
    assert.equal(networkManager.available(target({ tools: ['network-manager'] }).actx), true);
    assert.equal(networkManager.available(target({ files: { '/usr/sbin/NetworkManager': '' } }).actx), false);
    assert.equal(networkManager.available(target().actx), false);
  });

  test('reload, then up by file for exactly the profiles written; no restart', () => {
    const t = target({ tools: ['network-manager'] });
    const ok = networkManager.bringUp(t.actx, req({ renderer: 'network-manager', writtenFiles: [KEYFILE, '/etc/NetworkManager/system-connections/cloud-init-eth1.nmconnection'], changedLinks: ['eth0', 'eth1'] }));
    assert.equal(ok, true);
    assert.deepEqual(t.commands(), [
      'nmcli connection reload',
      `nmcli connection up filename ${KEYFILE}`,
      'nmcli connection up filename /etc/NetworkManager/system-connections/cloud-init-eth1.nmconnection',
    ]);
    assert.equal(t.ctx.commands.every((c) => !c.ran && c.why?.includes('not this machine')), true);
  });

  test('a changed conf.d drop-in: NetworkManager reloads its config (reload-or-try-restart: nothing when it is not running)', () => {
    const t = target({ tools: ['network-manager'] });
    networkManager.bringUp(t.actx, req({ renderer: 'network-manager', writtenFiles: ['/etc/NetworkManager/conf.d/30-cloud-init-ip6-addr-gen-mode.conf', KEYFILE] }));
    assert.deepEqual(t.commands(), ['systemctl reload-or-try-restart NetworkManager.service', 'nmcli connection reload', `nmcli connection up filename ${KEYFILE}`]);
  });

  test('sysconfig ifcfg files are profiles too (NetworkManager reads them with ifcfg-rh); route files are not', () => {
    const t = target({ tools: ['network-manager'] });
    networkManager.bringUp(t.actx, req({ renderer: 'sysconfig', writtenFiles: ['/etc/sysconfig/network-scripts/ifcfg-eth0', '/etc/sysconfig/network-scripts/route-eth0', '/etc/resolv.conf'] }));
    assert.deepEqual(t.commands(), ['nmcli connection reload', 'nmcli connection up filename /etc/sysconfig/network-scripts/ifcfg-eth0']);
  });

  test('nothing of NetworkManager changed: no command at all', () => {
    const t = target({ tools: ['network-manager'] });
    assert.equal(networkManager.bringUp(t.actx, req({ renderer: 'sysconfig', writtenFiles: ['/etc/udev/rules.d/70-persistent-net.rules'] })), true);
    assert.deepEqual(t.commands(), []);
  });
});

describe('systemd-networkd', () => {
  test('available with networkctl and the daemon', () => {
    assert.equal(networkd.available(target({ tools: ['networkd'] }).actx), true);
    assert.equal(networkd.available(target({ files: { '/usr/bin/networkctl': '' } }).actx), false);
  });

  test('reload, then reconfigure the changed links that exist (a bond not created yet is configured when networkd creates it)', () => {
    const t = target({ tools: ['networkd'], links: ['eth0', 'eth1'] });
    networkd.bringUp(t.actx, req({ writtenFiles: ['/etc/systemd/network/10-cloud-init-eth0.network', '/etc/systemd/network/10-cloud-init-bond0.netdev'], interfaces: ['eth0', 'eth1', 'bond0'], changedLinks: ['eth0', 'bond0'] }));
    assert.deepEqual(t.commands(), ['networkctl reload', 'networkctl reconfigure eth0']);
  });

  test('no existing changed link: reload only', () => {
    const t = target({ tools: ['networkd'] });
    networkd.bringUp(t.actx, req({ writtenFiles: ['/etc/systemd/network/10-cloud-init-bond0.netdev'], changedLinks: ['bond0'] }));
    assert.deepEqual(t.commands(), ['networkctl reload']);
  });
});

describe('netplan', () => {
  test('netplan apply once', () => {
    const t = target({ tools: ['netplan'] });
    assert.equal(netplan.available(t.actx), true);
    netplan.bringUp(t.actx, req({ renderer: 'netplan', writtenFiles: ['/etc/netplan/50-cloud-init.yaml'], changedLinks: ['eth0', 'eth1'] }));
    assert.deepEqual(t.commands(), ['netplan apply']);
  });
});

describe('ifupdown', () => {
  test('needs ifup, ifdown and /etc/network/interfaces', () => {
    assert.equal(ifupdown.available(target({ tools: ['ifupdown'] }).actx), true);
    assert.equal(ifupdown.available(target({ files: { '/sbin/ifup': '', '/sbin/ifdown': '' } }).actx), false);
  });

  test('ifup per changed link; a link ifupdown already configured is taken down first', () => {
    const t = target({ tools: ['ifupdown'], files: { '/run/network/ifstate.eth0': 'eth0\n', '/run/network/ifstate.eth1': '' } });
    ifupdown.bringUp(t.actx, req({ renderer: 'eni', writtenFiles: ['/etc/network/interfaces.d/50-cloud-init'], changedLinks: ['eth0', 'eth1'] }));
    assert.deepEqual(t.commands(), ['ifdown eth0', 'ifup eth0', 'ifup eth1']);
  });

  test('the older single state file (iface=logical lines)', () => {
    const t = target({ tools: ['ifupdown'], files: { '/run/network/ifstate': 'lo=lo\neth1=eth1\n' } });
    ifupdown.bringUp(t.actx, req({ renderer: 'eni', changedLinks: ['eth0', 'eth1'] }));
    assert.deepEqual(t.commands(), ['ifup eth0', 'ifdown eth1', 'ifup eth1']);
  });
});

describe('network-scripts', () => {
  test('ifup (the target\'s own) for each changed link that has an ifcfg file', () => {
    const t = target({ tools: ['network-scripts'], files: { '/etc/sysconfig/network-scripts/ifcfg-eth0': 'DEVICE=eth0\n' } });
    assert.equal(networkScripts.available(t.actx), true);
    networkScripts.bringUp(t.actx, req({ renderer: 'sysconfig', changedLinks: ['eth0', 'eth1'] }));
    assert.deepEqual(t.commands(), ['/usr/sbin/ifup eth0']);
  });

  test('not available without network-functions (RHEL 9: NetworkManager reads the ifcfg files)', () => {
    assert.equal(networkScripts.available(target({ files: { '/usr/sbin/ifup': '' } }).actx), false);
  });
});
