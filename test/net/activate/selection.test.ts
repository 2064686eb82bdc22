/** Which activator brings up which renderer's files, which links changed, and when nothing is brought up at all. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { activateNetwork, changedLinks, chooseActivator } from '../../../src/net/activate/index.ts';
import { readNetworkInput } from '../../../src/net/input.ts';
import type { NetworkState } from '../../../src/net/state.ts';
import { cleanupRoots, target } from './harness.ts';

after(cleanupRoots);

function state(yaml: string): NetworkState {
  const r = readNetworkInput(yaml, 'test', 'yaml');
  assert.equal(r.kind, 'state');
  return (r as { state: NetworkState }).state;
}

const TWO_NICS = state('version: 2\nethernets:\n  eth0: {addresses: [10.0.0.2/24]}\n  eth1: {dhcp4: true}\n');

describe('chooseActivator', () => {
  test('the activator that reads the renderer\'s files, not the first installed one (cloud-init would take ifupdown for netplan YAML here)', () => {
    const t = target({ tools: ['ifupdown', 'netplan', 'networkd'] });
    assert.equal(chooseActivator(t.actx, {}, 'netplan')?.name, 'netplan');
    assert.equal(chooseActivator(t.actx, {}, 'networkd')?.name, 'networkd');
    assert.equal(chooseActivator(t.actx, {}, 'eni')?.name, 'ifupdown');
  });

  test('sysconfig: NetworkManager (ifcfg-rh) when installed, else the legacy network-scripts', () => {
    assert.equal(chooseActivator(target({ tools: ['network-scripts', 'network-manager'] }).actx, {}, 'sysconfig')?.name, 'network-manager');
    assert.equal(chooseActivator(target({ tools: ['network-scripts'] }).actx, {}, 'sysconfig')?.name, 'network-scripts');
  });

  test('no matching activator installed: none, with a warning', () => {
    const t = target({ tools: ['ifupdown'] });
    assert.equal(chooseActivator(t.actx, {}, 'netplan'), null);
    assert.match(t.warnings().join('\n'), /no activator for netplan files is installed/);
  });

  test('system_info.network.activators is honoured in order (cloud-init names too), a mismatch warned about', () => {
    const t = target({ tools: ['ifupdown', 'netplan'] });
    const cfg = { system_info: { network: { activators: ['bogus', 'network-manager', 'eni', 'netplan'] } } };
    assert.equal(chooseActivator(t.actx, cfg, 'netplan')?.name, 'ifupdown');
    const w = t.warnings().join('\n');
    assert.match(w, /"bogus" is not an activator/);
    assert.match(w, /activator ifupdown .* does not read netplan files/);
  });

  test('none of the listed ones installed: none', () => {
    const t = target({ tools: ['netplan'] });
    assert.equal(chooseActivator(t.actx, { system_info: { network: { activators: ['networkd'] } } }, 'netplan'), null);
  });
});

describe('changedLinks', () => {
  const ifaces = ['eth0', 'eth0.100', 'bond0'];
  test('per-interface files name their link (a VLAN name with a dot is not its parent)', () => {
    assert.deepEqual(changedLinks(['/etc/systemd/network/10-cloud-init-eth0.100.network'], ifaces), ['eth0.100']);
    assert.deepEqual(changedLinks(['/etc/sysconfig/network-scripts/route-eth0', '/etc/sysconfig/network-scripts/ifcfg-bond0'], ifaces), ['eth0', 'bond0']);
  });
  test('a shared file changes every link; system-wide files none', () => {
    assert.deepEqual(changedLinks(['/etc/netplan/50-cloud-init.yaml'], ifaces), ifaces);
    assert.deepEqual(changedLinks(['/etc/resolv.conf', '/etc/NetworkManager/conf.d/99-cloud-init.conf', '/etc/udev/rules.d/70-persistent-net.rules', '/etc/sysconfig/network'], ifaces), []);
  });
});

describe('activateNetwork', () => {
  test('nothing changed: no command (the network service applied these files when it started)', () => {
    const t = target({ tools: ['networkd'], links: ['eth0'] });
    assert.equal(activateNetwork(t.actx, {}, { renderer: 'networkd', state: TWO_NICS, changedFiles: [] }), true);
    assert.deepEqual(t.commands(), []);
  });

  test('disable_network_activation: written, never brought up', () => {
    const t = target({ tools: ['networkd'], links: ['eth0'] });
    activateNetwork(t.actx, { disable_network_activation: true }, { renderer: 'networkd', state: TWO_NICS, changedFiles: ['/etc/systemd/network/10-cloud-init-eth0.network'] });
    assert.deepEqual(t.commands(), []);
  });

  test('networkd: only the changed link is reconfigured', () => {
    const t = target({ tools: ['networkd'], links: ['eth0', 'eth1'] });
    activateNetwork(t.actx, {}, { renderer: 'networkd', state: TWO_NICS, changedFiles: ['/etc/systemd/network/10-cloud-init-eth1.network'] });
    assert.deepEqual(t.commands(), ['networkctl reload', 'networkctl reconfigure eth1']);
  });

  test('sysconfig with network-scripts while NetworkManager is installed: the dns=none drop-in changed, so NM re-reads its config', () => {
    const t = target({ tools: ['network-scripts'], files: { '/usr/sbin/NetworkManager': '', '/etc/sysconfig/network-scripts/ifcfg-eth0': '' } });
    activateNetwork(t.actx, { system_info: { network: { activators: ['network-scripts'] } } }, {
      renderer: 'sysconfig',
      state: TWO_NICS,
      changedFiles: ['/etc/sysconfig/network-scripts/ifcfg-eth0', '/etc/NetworkManager/conf.d/99-cloud-init.conf'],
    });
    assert.deepEqual(t.commands(), ['systemctl reload-or-try-restart NetworkManager.service', '/usr/sbin/ifup eth0']);
  });
});
