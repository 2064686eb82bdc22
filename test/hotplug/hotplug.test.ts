/**
 * The pure parts of NIC hotplug: udev event lines and bursts, whether
 * hotplug is on (as cloud-init decides it), and when an EC2 NIC's metadata
 * is complete. The handler against the test IMDS is in
 * test/e2e/hotplug.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { enabledScopes, hotplugEnabled, withNetworkScope } from '../../src/hotplug/enabled.ts';
import { coalesce, parseEvent, parseQueue } from '../../src/hotplug/events.ts';
import { nicMissing } from '../../src/sources/ec2/hotplug.ts';
import { NOT_LISTED } from '../../src/sources/types.ts';
import { listedMacs } from '../../src/sources/hotplug-recrawl.ts';
import type { HotplugSupport } from '../../src/sources/types.ts';

describe('udev events', () => {
  test('a devpath and an action; the name is the last part', () => {
    assert.deepEqual(parseEvent('/devices/pci0000:00/0000:00:05.0/net/ens5', 'add'), { devpath: '/devices/pci0000:00/0000:00:05.0/net/ens5', action: 'add', name: 'ens5' });
    for (const [d, a, why] of [
      ['/devices/virtual/net/eth1', 'change', /not add or remove/],
      ['devices/net/eth1', 'add', /not a sysfs device path/],
      ['/devices/../../etc/eth1', 'add', /not a sysfs device path/],
      ['/devices/net/a-name-far-too-long-for-linux', 'add', /interface name/],
      ['/devices/net/', 'remove', /interface name/],
    ] as const) {
      const e = parseEvent(d, a);
      assert.ok('problem' in e && why.test(e.problem), JSON.stringify(e));
    }
  });

  test('queue lines: blank lines skipped, bad ones located', () => {
    const q = parseQueue('/devices/virtual/net/eth1 add\n\n/devices/virtual/net/eth2 bogus\n/devices/virtual/net/eth3 add extra\n/devices/virtual/net/eth1 remove\n');
    assert.deepEqual(q.events.map((e) => `${e.name} ${e.action}`), ['eth1 add', 'eth1 remove']);
    assert.deepEqual(q.problems, ['line 3: udev action "bogus" is not add or remove', 'line 4: more than "DEVPATH ACTION"']);
  });

  test('a burst: the last action per device wins, in the order of those last events', () => {
    const ev = (name: string, action: 'add' | 'remove') => ({ devpath: `/devices/virtual/net/${name}`, action, name });
    const out = coalesce([ev('eth1', 'add'), ev('eth2', 'add'), ev('eth1', 'remove'), ev('eth3', 'add'), ev('eth1', 'add'), ev('eth4', 'add')]);
    assert.deepEqual(out.map((e) => `${e.name} ${e.action}`), ['eth2 add', 'eth3 add', 'eth1 add', 'eth4 add']);
    // A driver reload (remove then add of the same device) is one add.
    assert.deepEqual(coalesce([ev('ens5', 'remove'), ev('ens5', 'add')]).map((e) => e.action), ['add']);
  });
});

describe('is hotplug on', () => {
  const on: HotplugSupport = { defaultOn: true, open: () => Promise.reject(new Error('unused')) };
  const off: HotplugSupport = { defaultOn: false, open: () => Promise.reject(new Error('unused')) };
  test('the datasource must support it', () => {
    assert.deepEqual(hotplugEnabled({}, 'CloudStack', undefined, '{"scopes":["network"]}'), { enabled: false, why: 'the CloudStack datasource does not support hotplug' });
  });
  test('on by default (EC2) unless updates.network.when leaves it out; the enabled file wins', () => {
    assert.equal(hotplugEnabled({}, 'Ec2', on, null).enabled, true);
    assert.equal(hotplugEnabled({ updates: { network: { when: ['boot-new-instance'] } } }, 'Ec2', on, null).enabled, false);
    assert.equal(hotplugEnabled({ updates: { network: { when: ['boot-new-instance'] } } }, 'Ec2', on, '{"scopes": ["network"]}').enabled, true);
  });
  test('off by default elsewhere; on with updates.network.when: [hotplug] or the file', () => {
    assert.match(hotplugEnabled({}, 'NoCloud', off, null).why, /off by default for NoCloud/);
    assert.equal(hotplugEnabled({ updates: { network: { when: ['hotplug'] } } }, 'NoCloud', off, null).enabled, true);
    assert.equal(hotplugEnabled({}, 'NoCloud', off, withNetworkScope(null)).enabled, true);
  });
  test('the file: scopes kept, network added once; unreadable means none', () => {
    assert.equal(withNetworkScope('{"scopes":["block"]}'), '{"scopes":["block","network"]}\n');
    assert.equal(withNetworkScope(withNetworkScope(null)), '{"scopes":["network"]}\n');
    assert.deepEqual(enabledScopes('not json'), []);
    assert.deepEqual(enabledScopes('{"scopes": "network"}'), []);
  });
});

describe('an EC2 NIC\'s metadata is complete', () => {
  const md = (nic: Record<string, string>) => ({ mac: '0a:00:00:00:00:01', network: { interfaces: { macs: { '0a:00:00:00:00:01': { 'device-number': '0', 'local-ipv4s': '10.0.0.5' }, '0A:00:00:00:00:02': nic } } } });
  const full = { 'device-number': '1', 'local-ipv4s': '10.0.1.5', 'subnet-ipv6-cidr-blocks': '2600:1f18::/64', ipv6s: '2600:1f18::5' };
  test('complete: device number, IPv4 and (in a dual-stack subnet) IPv6', () => {
    assert.deepEqual(nicMissing(md(full), '0a:00:00:00:00:02'), []);
    const { 'subnet-ipv6-cidr-blocks': _b, ipv6s: _i, ...v4only } = full;
    assert.deepEqual(nicMissing(md(v4only), '0a:00:00:00:00:02'), [], 'an IPv4-only subnet needs no ipv6s');
  });
  test('what is missing, named by its key', () => {
    const { ipv6s: _i, ...noV6 } = full;
    assert.deepEqual(nicMissing(md(noV6), '0a:00:00:00:00:02'), ['ipv6s']);
    assert.deepEqual(nicMissing(md({ ...noV6, 'device-number': '0', 'local-ipv4s': '' }), '0a:00:00:00:00:02'), ['device-number', 'local-ipv4s', 'ipv6s']);
    assert.deepEqual(nicMissing(md(full), '0a:00:00:00:00:09'), [NOT_LISTED]);
  });
});

describe('a NIC described by a re-read network config (NoCloud, OpenStack, config drive)', () => {
  test('listed once its MAC is in the text; at once when the config names no MAC at all', () => {
    const nd = '{"links": [{"id": "tap1", "ethernet_mac_address": "FA:16:3E:00:00:01"}]}';
    assert.deepEqual(listedMacs(nd, ['fa:16:3e:00:00:01', 'fa:16:3e:00:00:02']), { 'fa:16:3e:00:00:01': [], 'fa:16:3e:00:00:02': [NOT_LISTED] });
    assert.deepEqual(listedMacs('version: 2\nethernets:\n  eth1: {dhcp4: true}\n', ['fa:16:3e:00:00:02']), { 'fa:16:3e:00:00:02': [] });
    assert.deepEqual(listedMacs(null, ['fa:16:3e:00:00:02']), { 'fa:16:3e:00:00:02': [] });
  });
});
