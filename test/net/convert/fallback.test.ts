/**
 * Fallback network config from hand-built interface lists: which NICs are
 * chosen, in which order, with which route metrics; cloud-init's single-NIC
 * rule when nothing has carrier; what is left out and why. Then the document
 * goes through the project's own v2 parser and the netplan and networkd
 * renderers, so the metrics are known to reach the files.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fallbackNetworkConfig, unsettledNames, type FallbackResult } from '../../../src/net/convert/fallback.ts';
import { parseNetworkConfig } from '../../../src/net/parse/index.ts';
import { renderNetplan, renderNetworkd } from '../../../src/net/render/index.ts';
import type { NetworkState } from '../../../src/net/state.ts';
import type { NetInterface } from '../../../src/net/sysfs.ts';
import { formatDiagnostic } from '../../../src/text/diagnostics.ts';
import { loadYaml } from '../../../src/text/yaml.ts';

/** A NIC with carrier, backed by a device; `over` changes what a case is about. */
function nic(name: string, ifindex: number, over: Partial<NetInterface> = {}): NetInterface {
  return {
    name,
    mac: `52:54:00:00:00:${ifindex.toString(16).padStart(2, '0')}`,
    ifindex,
    carrier: 1,
    operstate: 'up',
    dormant: 0,
    type: 1,
    mtu: 1500,
    addrAssignType: 0,
    nameAssignType: 4,
    driver: 'virtio_net',
    kind: 'plain',
    master: null,
    hasDevice: true,
    ...over,
  };
}

const LO = nic('lo', 1, { mac: '00:00:00:00:00:00', type: 772, kind: 'loopback', operstate: 'unknown', hasDevice: false, driver: null });
const DOWN = { carrier: 0, operstate: 'down' } as const;

function metrics(r: FallbackResult): [string, number | undefined, number | undefined][] {
  assert.ok(r.config, r.reasons.join('\n'));
  return Object.entries(r.config.ethernets).map(([name, e]) => [name, e['dhcp4-overrides']?.['route-metric'], e['dhcp6-overrides']?.['route-metric']]);
}

describe('connected NICs', () => {
  test('a single NIC with carrier gets exactly cloud-init\'s fallback (no route metric)', () => {
    const r = fallbackNetworkConfig([LO, nic('ens3', 2, { mac: '52:54:00:AB:CD:EF' })]);
    assert.deepEqual(r.config, {
      version: 2,
      ethernets: { ens3: { dhcp4: true, dhcp6: true, match: { macaddress: '52:54:00:ab:cd:ef' }, 'set-name': 'ens3' } },
    });
  });

  test('every NIC with carrier gets DHCP; lowest ifindex first with metric 100, then 200, 300', () => {
    const r = fallbackNetworkConfig([nic('eth1', 3), LO, nic('eth10', 4), nic('eth0', 2)]);
    assert.deepEqual(r.chosen, ['eth0', 'eth1', 'eth10']);
    assert.deepEqual(metrics(r), [
      ['eth0', 100, 100],
      ['eth1', 200, 200],
      ['eth10', 300, 300],
    ]);
    assert.deepEqual(r.config?.ethernets['eth1'], {
      dhcp4: true,
      dhcp6: true,
      'dhcp4-overrides': { 'route-metric': 200 },
      'dhcp6-overrides': { 'route-metric': 200 },
      match: { macaddress: '52:54:00:00:00:03' },
      'set-name': 'eth1',
    });
    assert.equal(r.config?.version, 2);
    assert.ok(r.reasons.some((l) => l.startsWith('eth0:') && l.includes('preferred')), r.reasons.join('\n'));
  });

  test('NICs just attached (hotplug) are configured without carrier, after every NIC that has it, whatever their ifindex', () => {
    // ens9 was attached at boot and is up; ens4 and ens5 were attached now (their links are still down), ens6 is down and not new.
    const attached = nic('ens4', 2, { ...DOWN, mac: '52:54:00:00:00:A4' });
    const r = fallbackNetworkConfig([LO, nic('ens9', 9), attached, nic('ens5', 3, { carrier: 0, operstate: 'down' }), nic('ens6', 4, DOWN)], {
      attached: ['52:54:00:00:00:a4', '52:54:00:00:00:03'],
    });
    assert.deepEqual(r.chosen, ['ens9', 'ens4', 'ens5']);
    assert.deepEqual(metrics(r), [
      ['ens9', 100, 100],
      ['ens4', 200, 200],
      ['ens5', 300, 300],
    ]);
    assert.ok(r.reasons.some((l) => l.startsWith('ens4: just attached')), r.reasons.join('\n'));
    // The only NIC, just attached: exactly the single-NIC fallback.
    const alone = fallbackNetworkConfig([LO, attached], { attached: ['52:54:00:00:00:a4'] });
    assert.deepEqual(alone.chosen, ['ens4']);
    assert.deepEqual(metrics(alone), [['ens4', undefined, undefined]]);
  });

  test('ifindex, not the name, decides the preferred NIC (eth0 is not special when others have carrier)', () => {
    const r = fallbackNetworkConfig([nic('eth0', 7), nic('ens5', 2)]);
    assert.deepEqual(r.chosen, ['ens5', 'eth0']);
    assert.deepEqual(metrics(r), [
      ['ens5', 100, 100],
      ['eth0', 200, 200],
    ]);
  });

  test('NICs without carrier are left out while some have it; ranks count only the chosen', () => {
    const r = fallbackNetworkConfig([nic('eth0', 2, DOWN), nic('eth1', 3), nic('eth2', 4, { carrier: 0, operstate: 'lowerlayerdown' }), nic('eth3', 5)]);
    assert.deepEqual(metrics(r), [
      ['eth1', 100, 100],
      ['eth3', 200, 200],
    ]);
  });

  test('MACs are written lower case', () => {
    const r = fallbackNetworkConfig([nic('eth0', 2, { mac: '52:54:00:AB:CD:EF' })]);
    assert.equal(r.config?.ethernets['eth0']?.match.macaddress, '52:54:00:ab:cd:ef');
  });

  test('an interface without ifindex sorts after those with one', () => {
    const r = fallbackNetworkConfig([nic('eth0', 2, { ifindex: null }), nic('eth1', 3)]);
    assert.deepEqual(r.chosen, ['eth1', 'eth0']);
  });
});

describe('no NIC has carrier: one "possibly connected" NIC, as cloud-init', () => {
  test('eth0 is preferred, with plain DHCP and no metrics', () => {
    const r = fallbackNetworkConfig([nic('eth1', 2, DOWN), nic('eth0', 3, DOWN), LO]);
    assert.deepEqual(r.chosen, ['eth0']);
    assert.deepEqual(r.config, {
      version: 2,
      ethernets: { eth0: { dhcp4: true, dhcp6: true, match: { macaddress: '52:54:00:00:00:03' }, 'set-name': 'eth0' } },
    });
  });

  test('without eth0, natural sort (eth2 before eth10), whatever the ifindex', () => {
    const r = fallbackNetworkConfig([nic('eth10', 2, DOWN), nic('eth2', 3, DOWN)]);
    assert.deepEqual(r.chosen, ['eth2']);
  });

  test('dormant and the operstates dormant, lowerlayerdown, unknown count; others do not', () => {
    for (const [over, expected] of [
      [{ carrier: 0, operstate: 'up', dormant: 1 }, ['ens3']],
      [{ carrier: 0, operstate: 'dormant' }, ['ens3']],
      [{ carrier: 0, operstate: 'lowerlayerdown' }, ['ens3']],
      [{ carrier: 0, operstate: 'unknown' }, ['ens3']],
      [{ carrier: 0, operstate: 'notpresent' }, []],
      [{ carrier: 0, operstate: 'testing' }, []],
      [{ carrier: 0, operstate: null }, []],
    ] as const) {
      const r = fallbackNetworkConfig([nic('ens3', 2, over)]);
      assert.deepEqual(r.chosen, expected, JSON.stringify(over));
      if (expected.length === 0) {
        assert.equal(r.config, null);
        assert.match(r.reasons.at(-1) ?? '', /no interface has carrier or may get one \(ens3: operstate/);
      }
    }
  });
});

describe('nothing qualifies', () => {
  test('no interfaces at all', () => {
    const r = fallbackNetworkConfig([]);
    assert.equal(r.config, null);
    assert.deepEqual(r.chosen, []);
    assert.deepEqual(r.reasons, ['no interface qualifies for the fallback network config']);
  });

  test('only loopback (left out without a reason line: nobody expects it configured)', () => {
    const r = fallbackNetworkConfig([LO]);
    assert.equal(r.config, null);
    assert.deepEqual(r.reasons, ['no interface qualifies for the fallback network config']);
  });
});

describe('left out, with a reason each', () => {
  const nics = [
    LO,
    nic('br0', 2, { kind: 'bridge', hasDevice: false }),
    nic('bond0', 3, { kind: 'bond', hasDevice: false }),
    nic('eth0.7', 4, { kind: 'vlan', hasDevice: false }),
    nic('eth1', 5, { master: 'br0' }),
    nic('eth2', 6, { master: 'bond0' }),
    nic('ib0', 7, { type: 32, mac: '80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0a:bc:01' }),
    nic('tun0', 8, { mac: null, hasDevice: false }),
    nic('eth3', 9, { mac: '00:00:00:00:00:00' }),
    nic('veth0', 10, { hasDevice: false }),
    nic('eth7', 14, { hasDevice: false, mac: '52:54:00:00:00:77' }),
    nic('eth4', 11, { mac: '52:54:00:00:00:0c' }),
    nic('eth5', 12, { mac: '52:54:00:00:00:0C' }),
    nic('eth6', 13),
  ];

  test('bridges, bonds, VLANs, members, InfiniBand, no or zero MAC, software-only, duplicate MAC', () => {
    const r = fallbackNetworkConfig(nics);
    // eth7 has no device link but is named like a NIC: a container's eth0 is a veth's far end.
    assert.deepEqual(r.chosen, ['eth4', 'eth6', 'eth7']);
    const leftOut = r.reasons.filter((l) => l.includes('left out'));
    assert.deepEqual(leftOut, [
      'br0: left out: a bridge',
      'bond0: left out: a bond',
      'eth0.7: left out: a vlan',
      'eth1: left out: a member of br0',
      'eth2: left out: a member of bond0',
      'ib0: left out: InfiniBand is not configured by the fallback',
      'tun0: left out: no MAC address',
      'eth3: left out: all-zero MAC address',
      'veth0: left out: host-side software interface (no device link, named like veth, tap or a container bridge)',
      'eth5: left out: same MAC 52:54:00:00:00:0c as eth4, which comes first by ifindex',
    ]);
  });

  test('the duplicate kept is the one with the lower ifindex, whatever the list order or carrier', () => {
    const r = fallbackNetworkConfig([nic('eth9', 9, { mac: '52:54:00:00:00:aa' }), nic('eth8', 8, { mac: '52:54:00:00:00:aa', ...DOWN })]);
    // eth9 has carrier and eth8 has not: eth8 still wins (a MAC match would catch both anyway).
    assert.deepEqual(r.chosen, ['eth8']);
    assert.ok(r.reasons.includes('eth9: left out: same MAC 52:54:00:00:00:aa as eth8, which comes first by ifindex'), r.reasons.join('\n'));
  });

  test('allowVirtual also admits host-side software interfaces, nothing else', () => {
    const r = fallbackNetworkConfig(nics, { allowVirtual: true });
    assert.deepEqual(r.chosen, ['veth0', 'eth4', 'eth6', 'eth7']);
    assert.deepEqual(metrics(r).map(([n, m]) => [n, m]), [
      ['veth0', 100],
      ['eth4', 200],
      ['eth6', 300],
      ['eth7', 400],
    ]);
  });
});

describe('kernel command line and udev names', () => {
  test('net.ifnames=0 only adds a note', () => {
    const list = [nic('eth0', 2), nic('eth1', 3, DOWN)];
    const plain = fallbackNetworkConfig(list);
    const off = fallbackNetworkConfig(list, { cmdline: 'BOOT_IMAGE=/vmlinuz root=/dev/vda1 net.ifnames=0 quiet' });
    assert.deepEqual(off.config, plain.config);
    assert.deepEqual(off.chosen, plain.chosen);
    assert.match(off.reasons[0] ?? '', /^net\.ifnames=0/);
    assert.ok(!plain.reasons.some((l) => l.includes('net.ifnames')));
    // Only the exact token counts.
    assert.ok(!fallbackNetworkConfig(list, { cmdline: 'xnet.ifnames=0 net.ifnames=01' }).reasons.some((l) => l.includes('net.ifnames')));
  });

  test('unsettledNames: interfaces not named by user space, unless net.ifnames=0', () => {
    const list = [LO, nic('eth0', 2, { nameAssignType: 1 }), nic('ens3', 3, { nameAssignType: 4 }), nic('x0', 4, { nameAssignType: 3 }), nic('eth1', 5, { nameAssignType: null })];
    assert.deepEqual(unsettledNames(list), ['eth0', 'eth1']);
    assert.deepEqual(unsettledNames(list, 'quiet net.ifnames=0'), []);
  });
});

// ---------------------------------------------------------------- through the parser and renderers

function parsed(config: object): NetworkState {
  const r = parseNetworkConfig({ source: 'fallback', value: config, locate: () => undefined });
  assert.equal(r.kind, 'state', r.diagnostics.map(formatDiagnostic).join('\n'));
  assert.deepEqual(r.diagnostics, []);
  return (r as { state: NetworkState }).state;
}

describe('the fallback document parses and renders', () => {
  const r = fallbackNetworkConfig([nic('eth1', 3), nic('ens4', 4), nic('eth0', 2)]);
  assert.ok(r.config);
  const state = parsed(r.config);

  test('the parser reads names, MACs and metrics', () => {
    const ifaces = state.interfaces.map((i) => [i.name, i.macAddress, i.dhcp4Overrides?.routeMetric, i.dhcp6Overrides?.routeMetric]);
    assert.deepEqual(ifaces, [
      ['eth0', '52:54:00:00:00:02', 100, 100],
      ['eth1', '52:54:00:00:00:03', 200, 200],
      ['ens4', '52:54:00:00:00:04', 300, 300],
    ]);
  });

  test('netplan: 50-cloud-init.yaml carries each NIC with its route metric', () => {
    const out = renderNetplan(state);
    assert.deepEqual(out.notes, []);
    assert.equal(out.files.length, 1);
    const file = out.files[0]!;
    assert.equal(file.path, 'etc/netplan/50-cloud-init.yaml');
    const loaded = loadYaml(file.content, file.path);
    assert.ok(loaded.doc, file.content);
    const eths = (loaded.doc.value as { network: { ethernets: Record<string, Record<string, unknown>> } }).network.ethernets;
    for (const [name, metric, mac] of [
      ['eth0', 100, '52:54:00:00:00:02'],
      ['eth1', 200, '52:54:00:00:00:03'],
      ['ens4', 300, '52:54:00:00:00:04'],
    ] as const) {
      assert.deepEqual(eths[name], {
        dhcp4: true,
        dhcp6: true,
        'dhcp4-overrides': { 'route-metric': metric },
        'dhcp6-overrides': { 'route-metric': metric },
        match: { macaddress: mac },
        'set-name': name,
      }, file.content);
    }
  });

  test('networkd: one .network per NIC, RouteMetric in [DHCPv4], [DHCPv6] and [IPv6AcceptRA]', () => {
    const out = renderNetworkd(state);
    const files = new Map(out.files.map((f) => [f.path, f.content]));
    for (const [name, metric, mac] of [
      ['eth0', 100, '52:54:00:00:00:02'],
      ['eth1', 200, '52:54:00:00:00:03'],
      ['ens4', 300, '52:54:00:00:00:04'],
    ] as const) {
      const path = `etc/systemd/network/10-cloud-init-${name}.network`;
      const content = files.get(path);
      assert.ok(content !== undefined, `${path} not rendered; rendered: ${[...files.keys()].join(', ')}`);
      const sections = sectionsOf(content);
      assert.ok(sections.get('Match')?.includes(`MACAddress=${mac}`), content);
      assert.ok(sections.get('Network')?.includes('DHCP=yes'), content);
      for (const s of ['DHCPv4', 'DHCPv6', 'IPv6AcceptRA']) assert.ok(sections.get(s)?.includes(`RouteMetric=${metric}`), `[${s}] of ${path}:\n${content}`);
    }
  });
});

function sectionsOf(content: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of content.split('\n')) {
    const header = /^\[(.+)\]$/.exec(line);
    if (header) out.set(header[1]!, (current = out.get(header[1]!) ?? []));
    else if (line !== '') current.push(line);
  }
  return out;
}
