/**
 * Interface renames the network config asks for: which NICs are renamed
 * (v1 names with a MAC, v2 set-name only) and in which order (swaps through
 * a temporary name; a name held by a NIC the config does not rename is left
 * alone with a reason).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readNetworkInput } from '../../src/net/input.ts';
import { nameWishes, planRenames } from '../../src/net/rename.ts';
import type { NetworkState } from '../../src/net/state.ts';

function state(yaml: string): NetworkState {
  const r = readNetworkInput(yaml, 'test', 'yaml');
  assert.equal(r.kind, 'state', JSON.stringify(r.diagnostics));
  return (r as { state: NetworkState }).state;
}

const A = '52:54:00:00:00:0a';
const B = '52:54:00:00:00:0b';
const C = '52:54:00:00:00:0c';

describe('nameWishes', () => {
  test('v2: set-name renames, a plain match does not', () => {
    const s = state(`version: 2\nethernets:\n  lan:\n    match: {macaddress: "${A}"}\n    set-name: eth0\n    dhcp4: true\n  wan:\n    match: {macaddress: "${B}"}\n    dhcp4: true\n`);
    assert.deepEqual(nameWishes(s), [{ mac: A, name: 'eth0' }]);
  });
  test('v1: a physical name with a mac_address is a name for that NIC', () => {
    const s = state(`version: 1\nconfig:\n  - type: physical\n    name: eth1\n    mac_address: "${B.toUpperCase()}"\n    subnets: [{type: dhcp}]\n  - type: physical\n    name: eth2\n    subnets: [{type: dhcp}]\n`);
    assert.deepEqual(nameWishes(s), [{ mac: B, name: 'eth1' }]);
  });
});

describe('planRenames', () => {
  test('a NIC under the kernel\'s name gets the config\'s name; one already named or absent is left alone', () => {
    const r = planRenames([{ name: 'ens3', mac: A }, { name: 'eth1', mac: B }], [{ mac: A, name: 'eth0' }, { mac: B, name: 'eth1' }, { mac: C, name: 'eth2' }]);
    assert.deepEqual(r, { renames: [{ from: 'ens3', to: 'eth0' }], problems: [] });
  });
  test('a swap goes through a temporary name', () => {
    const r = planRenames([{ name: 'eth0', mac: B }, { name: 'eth1', mac: A }], [{ mac: A, name: 'eth0' }, { mac: B, name: 'eth1' }]);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.renames, [{ from: 'eth0', to: 'stratustmp0' }, { from: 'eth1', to: 'eth0' }, { from: 'stratustmp0', to: 'eth1' }]);
  });
  test('a name held by a NIC the config does not rename: that wish is left, with the reason', () => {
    const r = planRenames([{ name: 'eth0', mac: C }, { name: 'ens4', mac: A }], [{ mac: A, name: 'eth0' }]);
    assert.deepEqual(r.renames, []);
    assert.match(r.problems.join('\n'), /ens4 \(52:54:00:00:00:0a\) is not renamed to eth0: that name belongs to 52:54:00:00:00:0c/);
  });
  test('a name the kernel cannot take is refused', () => {
    const r = planRenames([{ name: 'ens3', mac: A }], [{ mac: A, name: 'a-very-long-interface-name' }]);
    assert.deepEqual(r.renames, []);
    assert.equal(r.problems.length, 1);
  });
});
