/** Who owns resolv.conf, per renderer (docs/network-dns.md). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideDns, NM_DNS_DROPIN_CONTENT, type DnsInput } from '../../../src/net/activate/dns.ts';
import { readNetworkInput } from '../../../src/net/input.ts';
import { renderFor, type OutputKind } from '../../../src/net/render/for-target.ts';
import type { NetworkState } from '../../../src/net/state.ts';

function state(yaml: string): NetworkState {
  const r = readNetworkInput(yaml, 'test', 'yaml');
  assert.equal(r.kind, 'state');
  return (r as { state: NetworkState }).state;
}

const WITH_DNS = state(
  'version: 1\nconfig:\n  - type: physical\n    name: eth0\n    subnets:\n      - type: static\n        address: 10.0.0.2/24\n        gateway: 10.0.0.1\n        dns_nameservers: [10.0.0.53]\n        dns_search: [example.org]\n  - type: nameserver\n    address: [192.0.2.53]\n',
);
const NO_DNS = state('version: 1\nconfig:\n  - type: physical\n    name: eth0\n    subnets: [{type: dhcp}]\n');

function input(renderer: OutputKind, st: NetworkState, over: Partial<DnsInput> = {}): DnsInput {
  const files = renderFor(st, renderer, renderer === 'sysconfig' ? 'rhel' : 'debian', () => undefined).files;
  return { renderer, state: st, files, networkManagerInstalled: true, resolvConf: { kind: null, text: null }, ...over };
}

const paths = (d: ReturnType<typeof decideDns>) => d.files.map((f) => `/${f.path}`);

describe('DNS ownership', () => {
  test('sysconfig with NetworkManager installed: the dns=none drop-in, and resolv.conf written by stratus (not via the manifest)', () => {
    const d = decideDns(input('sysconfig', WITH_DNS));
    const dropin = d.files.find((f) => f.path === 'etc/NetworkManager/conf.d/99-cloud-init.conf');
    assert.equal(dropin?.content, NM_DNS_DROPIN_CONTENT);
    assert.match(NM_DNS_DROPIN_CONTENT, /\[main\]\ndns = none\n$/);
    assert.equal(paths(d).includes('/etc/resolv.conf'), false);
    assert.equal(d.resolvConf, '; Created by cloud-init automatically, do not edit.\n;\nnameserver 10.0.0.53\nnameserver 192.0.2.53\nsearch example.org\n');
  });

  test('sysconfig without NetworkManager: resolv.conf, no drop-in (nothing would read it)', () => {
    const d = decideDns(input('sysconfig', WITH_DNS, { networkManagerInstalled: false }));
    assert.equal(paths(d).some((p) => p.includes('NetworkManager')), false);
    assert.notEqual(d.resolvConf, null);
  });

  test('ENI with NetworkManager installed: the same as sysconfig; with resolvconf (no NM) DNS stays with ifupdown\'s hook; with neither, stratus writes resolv.conf', () => {
    const d = decideDns(input('eni', WITH_DNS));
    assert.equal(paths(d).includes('/etc/NetworkManager/conf.d/99-cloud-init.conf'), true);
    assert.match(d.resolvConf ?? '', /nameserver 10\.0\.0\.53/);
    const hook = decideDns(input('eni', WITH_DNS, { networkManagerInstalled: false, resolvconfInstalled: true }));
    assert.equal(hook.resolvConf, null);
    assert.equal(paths(hook).some((p) => p.includes('NetworkManager/conf.d/99')), false);
    // Plain ifupdown reads no dns-* line: nobody else would put the servers anywhere.
    const plain = decideDns(input('eni', WITH_DNS, { networkManagerInstalled: false }));
    assert.match(plain.resolvConf ?? '', /nameserver 10\.0\.0\.53/);
    assert.equal(paths(plain).some((p) => p.includes('NetworkManager/conf.d/99')), false);
  });

  test('no DNS in the config: resolv.conf is never written (never an empty one), and no drop-in', () => {
    for (const r of ['sysconfig', 'eni'] as const) {
      const d = decideDns(input(r, NO_DNS));
      assert.equal(d.resolvConf, null);
      assert.equal(paths(d).some((p) => p.endsWith('99-cloud-init.conf') || p === '/etc/resolv.conf'), false);
    }
  });

  test('a symlinked resolv.conf (systemd-resolved, resolvconf) is left alone, and NetworkManager keeps its DNS mode', () => {
    const d = decideDns(input('sysconfig', WITH_DNS, { resolvConf: { kind: 'link', text: 'nameserver 127.0.0.53\n' } }));
    assert.equal(d.resolvConf, null);
    assert.equal(paths(d).some((p) => p.endsWith('99-cloud-init.conf') || p === '/etc/resolv.conf'), false);
  });

  test('an existing resolv.conf is merged: its options stay, the config\'s servers come first', () => {
    const d = decideDns(input('sysconfig', WITH_DNS, { resolvConf: { kind: 'file', text: 'options rotate\nnameserver 8.8.8.8\n' } }));
    assert.equal(d.resolvConf, '; Created by cloud-init automatically, do not edit.\n;\noptions rotate\nnameserver 10.0.0.53\nnameserver 192.0.2.53\nnameserver 8.8.8.8\nsearch example.org\n');
  });

  test('NetworkManager, netplan, networkd renderers: stratus writes neither resolv.conf nor a drop-in', () => {
    for (const r of ['network-manager', 'netplan', 'networkd'] as const) {
      const i = input(r, WITH_DNS);
      const d = decideDns(i);
      assert.equal(d.resolvConf, null, r);
      assert.deepEqual(d.files, i.files, r);
    }
  });
});
