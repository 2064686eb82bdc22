/**
 * EC2 instance metadata → network config v2.
 *
 * Part 1 runs the ec2 cases of ../shared/conformance through the conformance
 * runner (three of them against stratus's documented value, see
 * EC2_DIFFERENCES). Part 2 is a 3-NIC instance on two network cards whose
 * document goes through the v2 parser and the netplan, networkd and
 * NetworkManager renderers, so the tables and rules are known to reach the
 * files. Part 3 is metadata that has not propagated yet; part 4 is hostile
 * or broken metadata, which must cost only the NIC concerned and never throw.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ec2MetadataToV2, type Ec2NetworkResult, type Ec2Options } from '../../../src/net/convert/ec2.ts';
import { readNetworkInput } from '../../../src/net/input.ts';
import { renderFor, type OutputKind } from '../../../src/net/render/for-target.ts';
import { renderNetplan } from '../../../src/net/render/netplan.ts';
import type { NetworkState } from '../../../src/net/state.ts';
import { formatDiagnostic, type Diagnostic } from '../../../src/text/diagnostics.ts';
import { Reader } from '../../../src/text/reader.ts';
import { loadYaml } from '../../../src/text/yaml.ts';
import { CONFORMANCE_DIR, EC2_DIFFERENCES, runEc2Conformance } from '../conformance/run.ts';

// ---------------------------------------------------------------- helpers

interface Converted extends Ec2NetworkResult {
  diagnostics: Diagnostic[];
}

/** Convert a metadata value given as JSON text, so diagnostics carry lines. */
function convert(metadata: unknown, opts: Ec2Options = {}): Converted {
  const loaded = loadYaml(JSON.stringify(metadata, null, 2), 'meta-data');
  assert.ok(loaded.doc, 'test metadata must load');
  const r = new Reader(loaded.doc);
  const result = ec2MetadataToV2(r, loaded.doc.value, opts);
  return { ...result, diagnostics: r.diagnostics };
}

const errors = (c: Converted): string[] => c.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
const warnings = (c: Converted): string[] => c.diagnostics.filter((d) => d.severity === 'warning').map(formatDiagnostic);
const macsOf = (table: Record<string, string>): Map<string, string> => new Map(Object.entries(table));

/** A metadata tree as IMDS has it: top-level `mac`, per-NIC leaves as newline-separated strings. */
function tree(primary: string | undefined, nics: Record<string, Record<string, unknown>>): Record<string, unknown> {
  return { ...(primary === undefined ? {} : { mac: primary }), 'instance-id': 'i-0123456789abcdef0', network: { interfaces: { macs: nics } } };
}

function nicData(deviceNumber: string, ipv4: string, subnet: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { 'device-number': deviceNumber, 'interface-id': `eni-${deviceNumber}`, 'local-ipv4s': ipv4, 'subnet-ipv4-cidr-block': subnet, 'vpc-id': 'vpc-1', ...extra };
}

function toState(doc: unknown, macs: Map<string, string>): NetworkState {
  const input = readNetworkInput(JSON.stringify(doc), 'ec2', 'yaml', { macToName: macs });
  assert.equal(input.kind, 'state', input.diagnostics.map(formatDiagnostic).join('\n'));
  assert.deepEqual(input.diagnostics.map(formatDiagnostic), []);
  return (input as { state: NetworkState }).state;
}

function render(state: NetworkState, kind: OutputKind, distro: string): { files: Map<string, string>; notes: string[] } {
  const out = renderFor(structuredClone(state), kind, distro, () => undefined);
  return { files: new Map(out.files.map((f) => [f.path, f.content])), notes: out.notes };
}

// ---------------------------------------------------------------- part 1: conformance

describe('ec2 conformance (metadata → v2)', { skip: !existsSync(CONFORMANCE_DIR) && 'conformance data not found at ../shared/conformance' }, () => {
  const results = existsSync(CONFORMANCE_DIR) ? runEc2Conformance() : [];

  test('all 13 cases are run', () => assert.equal(results.length, 13));
  for (const r of results) {
    test(r.caseName.replace(/^test_ec2\./, ''), () => {
      assert.ok(r.ok, r.detail);
      assert.equal(r.result?.pending.length, 0);
      assert.deepEqual(r.diagnostics?.filter((d) => d.severity === 'error') ?? [], []);
    });
  }

  test('the documented differences are the only ones, and each names a case that exists', () => {
    assert.deepEqual(results.filter((r) => r.difference !== undefined).map((r) => r.caseName).sort(), Object.keys(EC2_DIFFERENCES).sort());
  });

  test("with policyRouting off a multi-NIC case has cloud-init's non-netplan shape: metrics only", () => {
    const [multi] = runEc2Conformance((name) => name.endsWith('multi_nics_ipv4'));
    const withPolicy = multi?.result?.config?.ethernets['eth10'];
    assert.ok(withPolicy?.routes && withPolicy['routing-policy']);
    // The same input without policy routing.
    const c = convert(
      { network: { interfaces: { macs: { '06:17:04:d7:26:09': { 'device-number': '0', 'local-ipv4s': '10.0.0.42' }, '06:17:04:d7:26:08': nicData('1', '172.31.47.221', '172.31.32.0/20') } } } },
      { knownMacs: macsOf({ '06:17:04:d7:26:09': 'eth9', '06:17:04:d7:26:08': 'eth10' }), policyRouting: false },
    );
    assert.deepEqual(c.config?.ethernets['eth10'], {
      match: { macaddress: '06:17:04:d7:26:08' },
      'set-name': 'eth10',
      dhcp4: true,
      'dhcp4-overrides': { 'route-metric': 200 },
      dhcp6: false,
    });
  });
});

// ---------------------------------------------------------------- part 2: three NICs on two cards

const PRIMARY = '0a:00:00:00:00:01';
const SECOND = '0a:00:00:00:00:02';
const THIRD = '0a:00:00:00:00:03';
const LOCAL = macsOf({ [THIRD]: 'ens7', [SECOND]: 'ens6', [PRIMARY]: 'eth0', '02:42:ac:11:00:02': 'docker0' });

/** Keys deliberately out of order: the document is ordered by (network-card, device-number). */
const THREE_NICS = tree(PRIMARY, {
  [THIRD]: nicData('1', '10.0.3.30', '10.0.3.0/26', { 'network-card': '1' }),
  [SECOND]: nicData('1', '10.0.2.21\n10.0.2.20', '10.0.2.0/24', { ipv6s: '2600:1f18:1:200::20', 'subnet-ipv6-cidr-blocks': '2600:1f18:1:200::/64' }),
  [PRIMARY]: nicData('0', '10.0.1.10\n10.0.1.9\n10.0.1.11', '10.0.1.0/24', {
    ipv6s: ['2600:1f18:1:100::10', '2600:1f18:1:100::12', '2600:1f18:1:100::11'],
    'subnet-ipv6-cidr-blocks': '2600:1f18:1:100::/64',
  }),
});

const THREE_NICS_V2 = {
  version: 2,
  ethernets: {
    eth0: {
      match: { macaddress: PRIMARY },
      'set-name': 'eth0',
      dhcp4: true,
      'dhcp4-overrides': { 'route-metric': 100 },
      dhcp6: true,
      'dhcp6-overrides': { 'route-metric': 100 },
      // Numeric order (10.0.1.9 before 10.0.1.11); IPv6 with the subnet's /64.
      addresses: ['10.0.1.9/24', '10.0.1.11/24', '2600:1f18:1:100::11/64', '2600:1f18:1:100::12/64'],
    },
    ens6: {
      match: { macaddress: SECOND },
      'set-name': 'ens6',
      dhcp4: true,
      'dhcp4-overrides': { 'route-metric': 200, 'use-routes': true },
      dhcp6: true,
      'dhcp6-overrides': { 'route-metric': 200, 'use-routes': true },
      addresses: ['10.0.2.20/24'],
      routes: [
        { to: '0.0.0.0/0', via: '10.0.2.1', table: 101 },
        { to: '10.0.2.0/24', table: 101 },
        { to: '2600:1f18:1:200::/64', table: 101 },
      ],
      'routing-policy': [
        { from: '10.0.2.21', table: 101, priority: 101 },
        { from: '10.0.2.20', table: 101, priority: 101 },
        { from: '2600:1f18:1:200::20', table: 101, priority: 101 },
      ],
      // The IPv6 default route comes from router advertisements: it goes to the table too.
      'ra-overrides': { table: 101 },
    },
    ens7: {
      match: { macaddress: THIRD },
      'set-name': 'ens7',
      dhcp4: true,
      'dhcp4-overrides': { 'route-metric': 300, 'use-routes': true },
      dhcp6: false,
      routes: [
        { to: '0.0.0.0/0', via: '10.0.3.1', table: 1101 },
        { to: '10.0.3.0/26', table: 1101 },
      ],
      'routing-policy': [{ from: '10.0.3.30', table: 1101, priority: 1101 }],
    },
  },
};

describe('3 NICs on two network cards, IPv4 and IPv6, secondary addresses', () => {
  const c = convert(THREE_NICS, { knownMacs: LOCAL });

  test('the v2 document', () => {
    assert.deepEqual(errors(c), []);
    assert.deepEqual(warnings(c), []);
    assert.deepEqual(c.pending, []);
    assert.deepEqual(c.config, THREE_NICS_V2);
    assert.deepEqual(Object.keys(c.config?.ethernets ?? {}), ['eth0', 'ens6', 'ens7'], 'ordered by network card, then device number');
  });

  test('the primary NIC (top-level mac) gets no table even when it is not first by device number', () => {
    // device-number 1 on the primary (a data error IMDS can show); it still gets no policy routing.
    const odd = structuredClone(THREE_NICS) as { network: { interfaces: { macs: Record<string, Record<string, unknown>> } } };
    odd.network.interfaces.macs[PRIMARY]!['device-number'] = '2';
    const o = convert(odd, { knownMacs: LOCAL });
    assert.equal(o.config?.ethernets['eth0']?.routes, undefined);
    assert.ok(o.config?.ethernets['ens6']?.routes);
  });

  const state = toState(c.config, LOCAL);

  test('the v2 parser keeps tables and rules in NetworkState', () => {
    const ens6 = state.interfaces.find((i) => i.name === 'ens6');
    const routes = [...(ens6?.routes ?? []), ...(ens6?.subnets.flatMap((s) => s.routes) ?? [])];
    assert.deepEqual(
      routes.map((r) => `${r.network}/${r.prefix} ${r.gateway ?? '-'} t${r.table}`),
      ['0.0.0.0/0 10.0.2.1 t101', '10.0.2.0/24 - t101', '2600:1f18:1:200::/64 - t101'],
    );
    assert.deepEqual(ens6?.routingPolicy, [
      { from: '10.0.2.21', table: 101, priority: 101 },
      { from: '10.0.2.20', table: 101, priority: 101 },
      { from: '2600:1f18:1:200::20', table: 101, priority: 101 },
    ]);
  });

  test('netplan', () => {
    const out = render(state, 'netplan', 'ubuntu');
    const yaml = out.files.get('etc/netplan/50-cloud-init.yaml') ?? '';
    const doc = loadYaml(yaml, 'netplan').doc?.value as { network: { ethernets: Record<string, Record<string, unknown>> } };
    assert.deepEqual(doc.network.ethernets['ens6']?.['routes'], THREE_NICS_V2.ethernets.ens6.routes);
    assert.deepEqual(doc.network.ethernets['ens6']?.['routing-policy'], THREE_NICS_V2.ethernets.ens6['routing-policy']);
    assert.deepEqual(doc.network.ethernets['ens7']?.['routing-policy'], THREE_NICS_V2.ethernets.ens7['routing-policy']);
    assert.equal(doc.network.ethernets['eth0']?.['routing-policy'], undefined);
    // Debian 12's and Ubuntu 22.04's netplan (0.10x) reject ra-overrides (netplan 1.1): left out, and said.
    assert.equal(doc.network.ethernets['ens6']?.['ra-overrides'], undefined);
    assert.ok(out.notes.some((n) => /^ens6: ra-overrides are not written/.test(n)), out.notes.join('\n'));
    const newer = renderNetplan(state, { features: ['ra-overrides'] });
    assert.match(newer.files[0]?.content ?? '', /ra-overrides:\n {16}table: 101\n/);
  });

  test('networkd', () => {
    const out = render(state, 'networkd', 'debian');
    const ens6 = out.files.get('etc/systemd/network/10-cloud-init-ens6.network') ?? '';
    const ens7 = out.files.get('etc/systemd/network/10-cloud-init-ens7.network') ?? '';
    const eth0 = out.files.get('etc/systemd/network/10-cloud-init-eth0.network') ?? '';
    for (const want of ['Destination=0.0.0.0/0', 'Gateway=10.0.2.1', 'Destination=10.0.2.0/24', 'Destination=2600:1f18:1:200::/64', 'Table=101']) assert.ok(ens6.includes(want), `ens6 lacks ${want}:\n${ens6}`);
    for (const from of ['10.0.2.21', '10.0.2.20', '2600:1f18:1:200::20']) {
      assert.match(ens6, new RegExp(`\\[RoutingPolicyRule\\]\\nFrom=${from.replace(/\./g, '\\.')}\\nPriority=101\\nTable=101\\n`));
    }
    assert.match(ens7, /\[RoutingPolicyRule\]\nFrom=10\.0\.3\.30\nPriority=1101\nTable=1101\n/);
    assert.ok(ens7.includes('Gateway=10.0.3.1') && ens7.includes('Table=1101'));
    assert.ok(!eth0.includes('RoutingPolicyRule') && !eth0.includes('Table='));
    // Routes from router advertisements (the IPv6 default through the router's link-local address) go to ens6's table.
    assert.match(ens6, /\[IPv6AcceptRA\]\n(.+\n)*RouteTable=101\n/);
    assert.ok(!ens7.includes('RouteTable=') && !eth0.includes('RouteTable='), `${ens7}\n${eth0}`);
    assert.match(eth0, /Address=2600:1f18:1:100::11\/64/);
  });

  test('NetworkManager', () => {
    const out = render(state, 'network-manager', 'fedora');
    const ens6 = out.files.get('etc/NetworkManager/system-connections/cloud-init-ens6.nmconnection') ?? '';
    const ens7 = out.files.get('etc/NetworkManager/system-connections/cloud-init-ens7.nmconnection') ?? '';
    assert.deepEqual(out.notes.filter((n) => /rule|table/.test(n)), []);
    for (const want of ['routing-rule1=priority 101 from 10.0.2.21 table 101', 'routing-rule2=priority 101 from 10.0.2.20 table 101', 'routing-rule1=priority 101 from 2600:1f18:1:200::20 table 101']) {
      assert.ok(ens6.includes(want), `ens6 lacks ${want}:\n${ens6}`);
    }
    assert.match(ens6, /route\d+=0\.0\.0\.0\/0,10\.0\.2\.1\nroute\d+_options=table=101/);
    assert.match(ens6, /route\d+=2600:1f18:1:200::\/64\nroute\d+_options=table=101/);
    assert.ok(ens7.includes('routing-rule1=priority 1101 from 10.0.3.30 table 1101'), ens7);
    assert.match(ens6, /\[ipv6\]\n(.+\n)*route-table=101\n/);
    assert.ok(!ens7.includes('route-table='), ens7);
  });
});

// ---------------------------------------------------------------- part 3: metadata not yet propagated

describe('a NIC whose metadata has not propagated', () => {
  const macs = macsOf({ [PRIMARY]: 'eth0', [SECOND]: 'ens6', [THIRD]: 'ens7' });
  const base = (second: Record<string, unknown>) =>
    tree(PRIMARY, {
      [PRIMARY]: nicData('0', '10.0.1.10', '10.0.1.0/24'),
      [SECOND]: second,
      [THIRD]: nicData('2', '10.0.3.30', '10.0.3.0/24'),
    });

  test('device-number "0" on a NIC that is not the primary: reported, left out, nothing guessed', () => {
    const c = convert(base(nicData('0', '10.0.2.20', '10.0.2.0/24')), { knownMacs: macs });
    assert.deepEqual(errors(c), []);
    assert.equal(c.pending.length, 1);
    assert.equal(c.pending[0]?.mac, SECOND);
    assert.equal(c.pending[0]?.name, 'ens6');
    assert.deepEqual(c.pending[0]?.path, ['network', 'interfaces', 'macs', SECOND, 'device-number']);
    assert.match(c.pending[0]?.reason ?? '', /device-number is 0/);
    assert.ok(warnings(c).some((w) => w.includes(`network.interfaces.macs["${SECOND}"].device-number`) && w.includes('left out until its metadata is complete')));
    // The others are configured; the metric of ens7 is not shifted by a guess about ens6.
    assert.deepEqual(Object.keys(c.config?.ethernets ?? {}), ['eth0', 'ens7']);
    assert.equal(c.config?.ethernets['ens6'], undefined);
    assert.equal(c.config?.ethernets['ens7']?.routes?.[0]?.table, 102);
  });

  test('no device-number yet: reported the same way', () => {
    const data = nicData('0', '10.0.2.20', '10.0.2.0/24');
    delete data['device-number'];
    const c = convert(base(data), { knownMacs: macs });
    assert.deepEqual(c.pending.map((p) => [p.name, p.reason]), [['ens6', 'it has no device-number yet']]);
  });

  test('once propagated, the NIC is configured', () => {
    const c = convert(base(nicData('1', '10.0.2.20', '10.0.2.0/24')), { knownMacs: macs });
    assert.deepEqual(c.pending, []);
    assert.deepEqual(Object.keys(c.config?.ethernets ?? {}), ['eth0', 'ens6', 'ens7']);
  });

  test('device-number 0 on network card 1 is a real device (a second card\'s first NIC), not pending; it gets table 1100', () => {
    const c = convert(base(nicData('0', '10.0.2.20', '10.0.2.0/24', { 'network-card': '1' })), { knownMacs: macs });
    assert.deepEqual(c.pending, []);
    assert.ok(c.config?.ethernets['ens6'], JSON.stringify(c.config));
    assert.equal(c.config?.ethernets['ens6']?.routes?.[0]?.table, 1100);
  });

  test('only a pending NIC is local: no config, no error, the caller waits', () => {
    const c = convert(base(nicData('0', '10.0.2.20', '10.0.2.0/24')), { knownMacs: macsOf({ [SECOND]: 'ens6' }) });
    assert.equal(c.config, undefined);
    assert.deepEqual(errors(c), []);
    assert.equal(c.pending.length, 1);
  });

  test('without a top-level mac, the first of two device-number-0 NICs is the primary and the other is pending', () => {
    const c = convert(
      { network: { interfaces: { macs: { [SECOND]: nicData('0', '10.0.2.20', '10.0.2.0/24'), [PRIMARY]: nicData('0', '10.0.1.10', '10.0.1.0/24') } } } },
      { knownMacs: macs },
    );
    assert.deepEqual(Object.keys(c.config?.ethernets ?? {}), ['eth0']);
    assert.deepEqual(c.pending.map((p) => p.mac), [SECOND]);
  });
});

// ---------------------------------------------------------------- part 4: hostile and broken metadata

describe('hostile metadata', () => {
  const macs = macsOf({ [PRIMARY]: 'eth0', [SECOND]: 'ens6' });
  /** The primary is always fine; the second NIC carries the damage. */
  const withSecond = (second: unknown) => tree(PRIMARY, { [PRIMARY]: nicData('0', '10.0.1.10', '10.0.1.0/24'), [SECOND]: second as Record<string, unknown> });

  /** The second NIC is left out with a located warning, the primary still configured, no error. */
  function leftOut(second: unknown, path: string, message: RegExp): void {
    const c = convert(withSecond(second), { knownMacs: macs });
    assert.deepEqual(errors(c), []);
    assert.deepEqual(Object.keys(c.config?.ethernets ?? {}), ['eth0']);
    const hit = c.diagnostics.find((d) => d.severity === 'warning' && formatDiagnostic(d).includes(`: warning: ${path}: `));
    assert.ok(hit, `no warning at ${path}: ${warnings(c).join('\n')}`);
    assert.match(hit.message, message);
    assert.ok(hit.line !== undefined, 'the warning carries a line');
  }

  const at = (key: string) => `network.interfaces.macs["${SECOND}"]${key}`;

  test('non-string values', () => {
    leftOut(nicData('1', '10.0.2.20', '10.0.2.0/24', { 'device-number': { n: 1 } }), at('.device-number'), /must be an integer.*NIC .* left out/);
    leftOut(nicData('1', '10.0.2.20', '10.0.2.0/24', { 'local-ipv4s': { a: 1 } }), at('.local-ipv4s'), /string or a list of strings/);
    leftOut(nicData('1', '10.0.2.20', '10.0.2.0/24', { 'local-ipv4s': ['10.0.2.20', null] }), at('.local-ipv4s[1]'), /must be a string/);
    leftOut(nicData('1', '10.0.2.20', '10.0.2.0/24', { 'subnet-ipv4-cidr-block': ['10.0.2.0/24'] }), at('.subnet-ipv4-cidr-block'), /must be a string/);
    leftOut(nicData('1', '10.0.2.20', '10.0.2.0/24', { 'network-card': true }), at('.network-card'), /must be an integer/);
    leftOut(['not', 'a', 'mapping'], at(''), /must be a mapping/);
    leftOut(nicData('1', '10.0.2.20', '10.0.2.0/24', { 'local-ipv4s': ['10.0.2.20\n10.0.2.21'] }), at('.local-ipv4s[0]'), /line break/);
  });

  test('addresses and blocks that do not parse', () => {
    leftOut(nicData('1', '10.0.2.300', '10.0.2.0/24'), at('.local-ipv4s'), /"10\.0\.2\.300" is not an IPv4 address/);
    leftOut(nicData('1', '2600::1', '10.0.2.0/24'), at('.local-ipv4s'), /not an IPv4 address/);
    leftOut(nicData('1', '10.0.2.20', '10.0.2.0/24', { ipv6s: '2600:1f18::g1' }), at('.ipv6s'), /not an IPv6 address/);
    leftOut(nicData('1', '10.0.2.20', '10.0.2.0'), at('.subnet-ipv4-cidr-block'), /not an IPv4 subnet block/);
    leftOut(nicData('1', '10.0.2.20', '10.0.2.0/33'), at('.subnet-ipv4-cidr-block'), /not an IPv4 subnet block/);
    leftOut(nicData('1', '10.0.2.20', '10.0.2.0/255.255.255.0'), at('.subnet-ipv4-cidr-block'), /not an IPv4 subnet block/);
    leftOut(nicData('1', '10.0.2.20', '10.0.2.0/24', { 'subnet-ipv6-cidr-blocks': '10.0.0.0/16' }), at('.subnet-ipv6-cidr-blocks'), /not an IPv6 subnet block/);
    leftOut(nicData('1', '10.0.2.20', '10.0.2.0/24', { ipv6s: '2600:1f18::1/129' }), at('.ipv6s'), /not an IPv6 address/);
  });

  test('numbers out of range', () => {
    leftOut(nicData('-1', '10.0.2.20', '10.0.2.0/24'), at('.device-number'), /out of range/);
    leftOut(nicData('100', '10.0.2.20', '10.0.2.0/24'), at('.device-number'), /out of range/);
    leftOut(nicData('1', '10.0.2.20', '10.0.2.0/24', { 'network-card': '1e9' }), at('.network-card'), /must be an integer/);
  });

  test('absurd counts: addresses', () => {
    const many = Array.from({ length: 300 }, (_, i) => `10.0.${2 + Math.floor(i / 250)}.${(i % 250) + 1}`);
    leftOut(nicData('1', many.join('\n'), '10.0.0.0/16'), at(''), /300 IPv4 and 0 IPv6 addresses, more than 256/);
    // A huge list is refused as a whole, not item by item.
    const c = convert(withSecond(nicData('1', '10.0.2.20', '10.0.2.0/24', { ipv6s: Array.from({ length: 10000 }, () => 'junk') })), { knownMacs: macs });
    assert.ok(c.diagnostics.length <= 3, `${c.diagnostics.length} diagnostics`);
    assert.match(warnings(c).join('\n'), /10000 items, more than 256/);
  });

  test('absurd counts: NICs', () => {
    const nics: Record<string, Record<string, unknown>> = { [PRIMARY]: nicData('0', '10.0.1.10', '10.0.1.0/24') };
    for (let i = 0; i < 200; i++) nics[`0e:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`] = nicData(String((i % 98) + 1), '10.0.9.9', '10.0.9.0/24');
    const c = convert(tree(PRIMARY, nics), { knownMacs: macs });
    assert.deepEqual(errors(c), []);
    assert.match(warnings(c)[0] ?? '', /network\.interfaces\.macs: 201 NICs, more than the 64 .* only the first 64 are read/);
    assert.deepEqual(Object.keys(c.config?.ethernets ?? {}), ['eth0']);
    // Only the 64 read NICs are reported on (each is not local), not all 201.
    assert.equal(c.diagnostics.length, 1 + 63);
  });

  test('keys that are not MACs, and the same MAC twice', () => {
    for (const key of ['zz:00:00:00:00:01', '__proto__', 'constructor', '0a-00-00-00-00-02', '0a:00:00:00:00:0200']) {
      const data: Record<string, Record<string, unknown>> = { [PRIMARY]: nicData('0', '10.0.1.10', '10.0.1.0/24') };
      Object.defineProperty(data, key, { value: nicData('1', '10.0.2.20', '10.0.2.0/24'), enumerable: true });
      const c = convert(tree(PRIMARY, data), { knownMacs: macs });
      assert.deepEqual(errors(c), [], key);
      assert.ok(warnings(c).some((w) => w.includes('is not a MAC address; this entry is left out')), `${key}: ${warnings(c).join('; ')}`);
    }
    const c = convert(tree(PRIMARY, { [PRIMARY]: nicData('0', '10.0.1.10', '10.0.1.0/24'), [PRIMARY.toUpperCase()]: nicData('1', '10.0.2.20', '10.0.2.0/24') }), { knownMacs: macs });
    assert.deepEqual(Object.keys(c.config?.ethernets ?? {}), ['eth0']);
    assert.match(warnings(c).join('\n'), /is also the key/);
  });

  test('a bad local interface name leaves that NIC out', () => {
    const c = convert(withSecond(nicData('1', '10.0.2.20', '10.0.2.0/24')), { knownMacs: macsOf({ [PRIMARY]: 'eth0', [SECOND]: 'bad name' }) });
    assert.deepEqual(Object.keys(c.config?.ethernets ?? {}), ['eth0']);
    assert.match(warnings(c).join('\n'), /local interface of 0a:00:00:00:00:02: .*whitespace.*not configured/);
  });

  test('two MACs with the same local name: the second is left out', () => {
    const c = convert(withSecond(nicData('1', '10.0.2.20', '10.0.2.0/24')), { knownMacs: macsOf({ [PRIMARY]: 'eth0', [SECOND]: 'eth0' }) });
    assert.deepEqual(Object.keys(c.config?.ethernets ?? {}), ['eth0']);
    assert.equal(c.config?.ethernets['eth0']?.match?.macaddress, PRIMARY);
    assert.match(warnings(c).join('\n'), /also that of 0a:00:00:00:00:01/);
  });

  test('a bad top-level mac falls back to cloud-init’s primary rule, with a warning', () => {
    const data = withSecond(nicData('1', '10.0.2.20', '10.0.2.0/24'));
    for (const bad of [42, 'not-a-mac', '0e:0e:0e:0e:0e:0e']) {
      const c = convert({ ...data, mac: bad }, { knownMacs: macs });
      assert.match(warnings(c).join('\n'), /^meta-data line \d+: warning: mac: /m);
      assert.ok(c.config?.ethernets['ens6']?.routes, 'eth0 is still taken as primary (first by device number)');
    }
  });

  test('a block with host bits set is routed as its network, with a warning', () => {
    const c = convert(withSecond(nicData('1', '10.0.2.20', '10.0.2.77/24')), { knownMacs: macs });
    assert.deepEqual(c.config?.ethernets['ens6']?.routes, [
      { to: '0.0.0.0/0', via: '10.0.2.1', table: 101 },
      { to: '10.0.2.0/24', table: 101 },
    ]);
    assert.match(warnings(c).join('\n'), /10\.0\.2\.77\/24 has host bits set; the route is to 10\.0\.2\.0\/24/);
  });

  test('IPv6 addresses without subnet blocks: /128 and no IPv6 table, with a warning', () => {
    const c = convert(withSecond(nicData('1', '10.0.2.20', '10.0.2.0/24', { ipv6s: '2600:1::5\n2600:1::6' })), { knownMacs: macs });
    const e = c.config?.ethernets['ens6'];
    assert.deepEqual(e?.addresses, ['2600:1::6/128']);
    assert.deepEqual(e?.['routing-policy']?.map((x) => x.from), ['10.0.2.20']);
    assert.match(warnings(c).join('\n'), /no subnet-ipv6-cidr-blocks, so it gets no IPv6 route table/);
  });

  test('structure that is not there: an error, no config, no throw', () => {
    const cases: [unknown, RegExp][] = [
      [null, /must be a mapping/],
      [[], /must be a mapping/],
      ['text', /must be a mapping/],
      [{}, /has no network\/interfaces\/macs/],
      [{ network: { interfaces: 'x' } }, /network\.interfaces: must be a mapping/],
      [{ network: { interfaces: { macs: [] } } }, /network\.interfaces\.macs: must be a mapping/],
      [{ network: { interfaces: { macs: {} } } }, /no usable NIC/],
      [tree(PRIMARY, { [PRIMARY]: nicData('0', '10.0.1.10', '10.0.1.0/24') }), /no NIC in the metadata is present on this machine/],
    ];
    for (const [value, message] of cases) {
      const c = convert(value, { knownMacs: macsOf({ 'aa:bb:cc:dd:ee:ff': 'eth0' }) });
      assert.equal(c.config, undefined, JSON.stringify(value));
      assert.match(errors(c).join('\n'), message);
    }
  });

  test('never throws on arbitrary values in any field', () => {
    const values: unknown[] = [null, true, 0, -1, 1.5, 1e308, '', ' ', '\u0000', 'x'.repeat(100000), [], [[]], [{}], {}, { a: { b: {} } }, '10.0.0.1/24', '::', '0'];
    const fields = ['device-number', 'network-card', 'local-ipv4s', 'ipv6s', 'subnet-ipv4-cidr-block', 'subnet-ipv6-cidr-blocks', 'mac'];
    for (const field of fields) {
      for (const v of values) {
        const second = nicData('1', '10.0.2.20', '10.0.2.0/24', { [field]: v });
        const c = convert(withSecond(second), { knownMacs: macs });
        assert.deepEqual(errors(c), [], `${field}=${JSON.stringify(v)?.slice(0, 40)}`);
        assert.ok(c.config?.ethernets['eth0'], `${field}: the primary is still configured`);
      }
    }
  });
});

// ---------------------------------------------------------------- part 5: only the fallback NIC

describe('fullNetworkConfig false (cloud-init: apply_full_imds_network_config off)', () => {
  const data = tree(PRIMARY, {
    [PRIMARY]: nicData('0', '10.0.1.10\n10.0.1.11', '10.0.1.0/24', { ipv6s: '2600:1::5' }),
    [SECOND]: nicData('1', '10.0.2.20', '10.0.2.0/24'),
  });
  const macs = macsOf({ [PRIMARY]: 'eth0', [SECOND]: 'ens6', [THIRD]: 'ens7' });

  test('only the fallback NIC, DHCPv6 when it has IPv6, nothing else', () => {
    const c = convert(data, { knownMacs: macs, fullNetworkConfig: false, fallbackNic: 'eth0' });
    assert.deepEqual(c.config, { version: 2, ethernets: { eth0: { dhcp4: true, dhcp6: true, match: { macaddress: PRIMARY }, 'set-name': 'eth0' } } });
    assert.deepEqual(c.diagnostics, []);
  });

  test('a fallback NIC without metadata gets DHCPv4 (cloud-init fails here)', () => {
    const c = convert(data, { knownMacs: macs, fullNetworkConfig: false, fallbackNic: 'ens7' });
    assert.deepEqual(c.config?.ethernets, { ens7: { dhcp4: true, dhcp6: false, match: { macaddress: THIRD }, 'set-name': 'ens7' } });
    assert.match(warnings(c).join('\n'), /not in the metadata; it gets DHCPv4 only/);
  });

  test('no fallback NIC given: an error', () => {
    const c = convert(data, { knownMacs: macs, fullNetworkConfig: false });
    assert.equal(c.config, undefined);
    assert.match(errors(c).join('\n'), /no fallback NIC|none was given/);
  });
});
