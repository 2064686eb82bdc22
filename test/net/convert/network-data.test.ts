/**
 * OpenStack network_data.json → network config v1.
 *
 * Part 1 runs every case of ../shared/conformance/openstack: full expected v1
 * documents (deep-equal), partial facts, and inputs that must be rejected.
 * Part 2 covers hostile and unusual input the fixtures do not.
 *
 * Fixture adaptations (docs/differences.md, "OpenStack network_data.json"):
 * redacted values are not valid addresses, and stratus validates addresses,
 * so they are replaced in the input and mapped back in the output:
 * MAC "xx:xx:xx:xx:xx:NN" ↔ "0e:0e:0e:0e:0e:NN", IPv4 "x.x.x.x" ↔ "192.0.2.200",
 * "x.x.x.N" ↔ "192.0.2.N".
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { networkDataToV1, type NetworkDataOptions } from '../../../src/net/convert/network-data.ts';
import { readNetworkInput } from '../../../src/net/input.ts';
import { renderEni, renderSysconfig } from '../../../src/net/render/index.ts';
import type { NetworkState } from '../../../src/net/state.ts';
import { formatDiagnostic, type Diagnostic } from '../../../src/text/diagnostics.ts';
import { Reader } from '../../../src/text/reader.ts';
import { loadYaml } from '../../../src/text/yaml.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const CONFORMANCE = join(HERE, '../../../../shared/conformance');
const OPENSTACK = join(CONFORMANCE, 'openstack');
const SOURCE = 'network_data.json';

// ---------------------------------------------------------------- helpers

interface Converted {
  v1?: Record<string, unknown>;
  diagnostics: Diagnostic[];
}

function convert(text: string, opts: NetworkDataOptions = {}): Converted {
  const loaded = loadYaml(text, SOURCE);
  if (!loaded.doc) return { diagnostics: loaded.diagnostics };
  const r = new Reader(loaded.doc);
  const v1 = networkDataToV1(r, loaded.doc.value, opts);
  return { v1: r.failed ? undefined : v1, diagnostics: r.diagnostics };
}

function convertValue(value: unknown, macs: Record<string, string> = {}, opts: Omit<NetworkDataOptions, 'knownMacs'> = {}): Converted {
  return convert(JSON.stringify(value, null, 2), { ...opts, knownMacs: new Map(Object.entries(macs)) });
}

const errors = (c: Converted): string[] => c.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
const warnings = (c: Converted): string[] => c.diagnostics.filter((d) => d.severity === 'warning').map(formatDiagnostic);
const entries = (c: Converted): Record<string, unknown>[] => (c.v1?.['config'] as Record<string, unknown>[] | undefined) ?? [];
const named = (c: Converted, name: string): Record<string, unknown> | undefined => entries(c).find((e) => e['name'] === name);

/** Redacted fixture values → valid stand-ins, and back. */
function unredact(text: string): string {
  return text
    .replace(/xx:xx:xx:xx:xx:/g, '0e:0e:0e:0e:0e:')
    .replace(/x\.x\.x\.x/g, '192.0.2.200')
    .replace(/x\.x\.x\.(\d+)/g, '192.0.2.$1');
}
function redact(value: unknown): unknown {
  const text = JSON.stringify(value)
    .replace(/0e:0e:0e:0e:0e:/g, 'xx:xx:xx:xx:xx:')
    .replace(/192\.0\.2\.200/g, 'x.x.x.x')
    .replace(/192\.0\.2\.(\d+)/g, 'x.x.x.$1');
  return JSON.parse(text);
}

// ---------------------------------------------------------------- part 1: conformance

interface IndexCase {
  name: string;
  group: string;
  expected?: string[];
  expected_partial?: string;
  expected_error?: string;
}

type Outcome = 'pass' | 'difference' | 'fail';
const outcomes = new Map<string, { outcome: Outcome; note?: string }>();
const referenceChecks = { matched: 0, total: 0, differ: [] as string[] };
const rendererPending: string[] = [];

/** Cases where stratus deliberately does not do what the fixture says (docs/differences.md). */
const DIFFERENCES: Record<string, string> = {
  'test_configdrive.TestConvertNetworkData.test_convert_raises_value_error_on_missing_name':
    'cloud-init raises when one NIC is missing; stratus leaves out the unmatched links with a warning and configures the rest',
};

function caseInput(dir: string): { text: string; macs: Map<string, string> } {
  const text = unredact(readFileSync(join(dir, 'network_data.json'), 'utf8'));
  const macs = new Map<string, string>();
  const macsFile = join(dir, 'macs.json');
  if (existsSync(macsFile)) {
    const table = JSON.parse(unredact(readFileSync(macsFile, 'utf8'))) as Record<string, string>;
    for (const [mac, name] of Object.entries(table)) macs.set(mac.toLowerCase(), name);
  }
  return { text, macs };
}

function pipeline(text: string, macs: Map<string, string>) {
  return readNetworkInput(text, SOURCE, 'network_data.json', { macToName: macs });
}

function physicalNames(v1: unknown): string[] {
  return ((v1 as { config: Record<string, unknown>[] }).config ?? []).filter((e) => e['type'] === 'physical').map((e) => String(e['name'])).sort();
}

/** The facts of an expected_partial.json that can be checked on the v1 document itself. */
function checkPartialV1(name: string, facts: Record<string, unknown>, got: Converted): void {
  const v1 = redact(got.v1) as { config: Record<string, unknown>[] };
  if ('physical_interface_names' in facts) {
    assert.deepEqual(physicalNames(v1), [...(facts['physical_interface_names'] as string[])].sort());
  }
  if ('physical_name_to_mac' in facts) {
    const map: Record<string, unknown> = {};
    for (const e of v1.config) if (e['type'] === 'physical') map[String(e['name'])] = e['mac_address'];
    assert.deepEqual(map, facts['physical_name_to_mac']);
  }
  if ('sorted_names_of_vlan_bond_physical' in facts) {
    const names = v1.config.filter((e) => ['vlan', 'bond', 'physical'].includes(String(e['type']))).map((e) => String(e['name'])).sort();
    assert.deepEqual(names, facts['sorted_names_of_vlan_bond_physical']);
  }
  if ('route_in_some_subnet' in facts) {
    const routes = v1.config.flatMap((e) => ((e['subnets'] as Record<string, unknown>[] | undefined) ?? []).flatMap((s) => (s['routes'] as unknown[] | undefined) ?? []));
    assert.ok(
      routes.some((r) => JSON.stringify(sortKeys(r)) === JSON.stringify(sortKeys(facts['route_in_some_subnet']))),
      `no subnet has the route ${JSON.stringify(facts['route_in_some_subnet'])}`,
    );
  }
  if (typeof facts['also'] === 'string' && facts['also'].includes('Unknown network_data link type')) {
    const type = /\(([^)]+)\)/.exec(facts['also'])?.[1] ?? '';
    assert.ok(
      warnings(got).some((w) => w.includes(`unknown link type "${type}"`)),
      `expected a warning about link type ${type}: ${warnings(got).join('; ')}`,
    );
  }
  // The ENI facts of test_vlan and test_bond_conversion, restated on the v1 document.
  if (name.endsWith('test_vlan')) {
    assert.ok(named(got, 'enp0s1') && named(got, 'enp0s1.602'));
    assert.equal((named(got, 'enp0s1.602')?.['subnets'] as Record<string, unknown>[])[0]?.['address'], '10.0.1.5');
  }
  if (name.endsWith('test_bond_conversion')) {
    assert.equal(named(got, 'bond0')?.['mac_address'], 'fa:16:3e:b3:72:36');
    assert.deepEqual(named(got, 'bond0')?.['bond_interfaces'], ['oeth0', 'oeth1']);
  }
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sortKeys(x)]));
  return v;
}

/** The ENI facts of a partial case: they need the ENI renderer (written by others; pending while it is a stub). */
function checkPartialEni(facts: Record<string, unknown>, state: NetworkState): string | undefined {
  const wantsEni = Object.keys(facts).some((k) => k.startsWith('eni_') && k !== 'eni_file');
  if (!wantsEni) return undefined;
  const problems: string[] = [];
  for (const ipCommand of [true, false]) {
    const key = ipCommand ? 'eni_ip_cmd_contains' : 'eni_route_cmd_contains';
    const out = renderEni(structuredClone(state), { path: 'etc/network/interfaces', ipCommand, netrulesPath: null });
    const text = out.files.find((f) => f.path === 'etc/network/interfaces')?.content ?? '';
    if (typeof facts[key] === 'string' && !text.includes(facts[key])) problems.push(`${key}: ${JSON.stringify(facts[key])} missing`);
    if (!ipCommand) continue;
    for (const s of (facts['eni_contains'] as string[] | undefined) ?? []) if (!text.includes(s)) problems.push(`ENI lacks ${JSON.stringify(s)}`);
    for (const w of (facts['eni_words_absent'] as string[] | undefined) ?? []) if (text.split(/\s+/).includes(w)) problems.push(`ENI has the word ${JSON.stringify(w)}`);
    const afterBond = facts["eni_after_'auto bond0'_contains"];
    if (typeof afterBond === 'string' && !text.split('auto bond0')[1]?.includes(afterBond)) problems.push(`ENI lacks ${afterBond} after "auto bond0"`);
  }
  return problems.length > 0 ? problems.join('; ') : undefined;
}

const index = existsSync(join(CONFORMANCE, 'INDEX.json'))
  ? (JSON.parse(readFileSync(join(CONFORMANCE, 'INDEX.json'), 'utf8')) as { cases: IndexCase[] }).cases.filter((c) => c.group === 'openstack')
  : [];

describe('openstack conformance (network_data.json → v1)', { skip: index.length === 0 && 'conformance data not found at ../shared/conformance' }, () => {
  test('every openstack case folder is in INDEX.json', () => {
    const folders = readdirSync(OPENSTACK).sort();
    assert.deepEqual(index.map((c) => c.name).sort(), folders);
  });

  for (const c of index) {
    const dir = join(OPENSTACK, c.name);
    test(c.name, () => {
      const { text, macs } = caseInput(dir);
      const got = convert(text, { knownMacs: macs });
      const run = pipeline(text, macs);
      const record = (outcome: Outcome, note?: string) => outcomes.set(c.name, { outcome, note });
      record('fail');

      const refFile = join(dir, 'reference', 'convert_net_json.json');
      const checkReference = () => {
        if (!existsSync(refFile) || !got.v1) return;
        referenceChecks.total++;
        try {
          assert.deepStrictEqual(redact(got.v1), JSON.parse(readFileSync(refFile, 'utf8')));
          referenceChecks.matched++;
        } catch {
          referenceChecks.differ.push(c.name);
        }
      };

      if (DIFFERENCES[c.name] && c.name.endsWith('missing_name')) {
        // Two of three links match no NIC: stratus configures the third and warns about the two.
        assert.deepEqual(errors(got), []);
        assert.deepEqual(physicalNames(got.v1), ['nic0']);
        const w = warnings(got);
        assert.ok(w.some((x) => x.includes('links[0].ethernet_mac_address') && x.includes('"tap2ecc7709-b3"') && x.includes('fa:16:3e:69:b0:58')), w.join('\n'));
        assert.ok(w.some((x) => x.includes('links[1].ethernet_mac_address') && x.includes('"tap2f88d109-5b"')), w.join('\n'));
        assert.equal(run.kind, 'state');
        record('difference', DIFFERENCES[c.name]);
        return;
      }

      if (c.expected_error) {
        const spec = JSON.parse(readFileSync(join(dir, c.expected_error), 'utf8')) as { stage: string; renderer: string | null };
        if (spec.stage === 'parse' || got.v1 === undefined) {
          // Rejected, and by the converter, so the message points into network_data.json.
          assert.equal(run.kind, 'invalid', 'the input must be rejected');
          const located = run.diagnostics.filter((d) => d.severity === 'error' && d.source === SOURCE && d.line !== undefined);
          assert.ok(located.length > 0, `errors are not located in ${SOURCE}: ${run.diagnostics.map(formatDiagnostic).join('; ')}`);
          record('pass', spec.stage === 'render' ? `rejected earlier than cloud-init: ${errors(got)[0]}` : undefined);
          return;
        }
        // A renderer-stage error: converter and parser accept (as cloud-init's do), the sysconfig renderer must refuse.
        assert.equal(run.kind, 'state', run.diagnostics.map(formatDiagnostic).join('; '));
        checkReference();
        let threw = false;
        try {
          renderSysconfig(structuredClone((run as { state: NetworkState }).state), { flavor: 'rhel' });
        } catch {
          threw = true;
        }
        if (!threw) rendererPending.push(`${c.name}: the sysconfig renderer does not reject it (yet)`);
        record('pass', threw ? undefined : 'converter part passes; the renderer part is pending');
        return;
      }

      assert.deepEqual(errors(got), [], 'conversion failed');
      assert.equal(run.kind, 'state', `the v1 parser rejects the converted config: ${run.diagnostics.map(formatDiagnostic).join('; ')}`);
      const runErrorsOrWarnings = run.diagnostics.filter((d) => d.source !== SOURCE);
      assert.deepEqual(runErrorsOrWarnings.map(formatDiagnostic), [], 'the v1 parser warns about the converted config');

      if (c.expected?.includes('expected_v1.json')) {
        const expected = JSON.parse(readFileSync(join(dir, 'expected_v1.json'), 'utf8')) as unknown;
        assert.deepStrictEqual(redact(got.v1), expected);
      }
      if (c.expected_partial) {
        const facts = JSON.parse(readFileSync(join(dir, c.expected_partial), 'utf8')) as Record<string, unknown>;
        checkPartialV1(c.name, facts, got);
        const eni = checkPartialEni(facts, (run as { state: NetworkState }).state);
        if (eni) rendererPending.push(`${c.name}: ${eni}`);
      }
      checkReference();
      record('pass');
    });
  }

  after(() => {
    const all = [...outcomes.values()];
    const pass = all.filter((o) => o.outcome === 'pass').length;
    const diff = all.filter((o) => o.outcome === 'difference').length;
    const lines = [
      `openstack conformance: ${pass}/${index.length} pass, ${diff} documented difference(s), ${index.length - pass - diff} fail`,
      `  byte-for-byte equal to cloud-init's own converter output (reference/): ${referenceChecks.matched}/${referenceChecks.total}` +
        (referenceChecks.differ.length ? ` (differs: ${referenceChecks.differ.join(', ')})` : ''),
      ...[...outcomes].filter(([, o]) => o.note).map(([n, o]) => `  ${o.outcome} ${n}: ${o.note}`),
      ...rendererPending.map((p) => `  renderer pending: ${p}`),
    ];
    console.log(lines.join('\n'));
  });
});

// ---------------------------------------------------------------- part 2: behaviour and hostile input

const NIC = (id: string, mac: string, extra: Record<string, unknown> = {}) => ({ id, type: 'phy', ethernet_mac_address: mac, ...extra });
const MAC_A = 'fa:16:3e:00:00:0a';
const MAC_B = 'fa:16:3e:00:00:0b';
const MACS = { [MAC_A]: 'eth0', [MAC_B]: 'eth1' };

describe('network_data.json conversion', () => {
  test('the input must be a mapping', () => {
    for (const bad of ['[]', '"text"', '42']) {
      const c = convert(bad);
      assert.equal(c.v1, undefined);
      assert.match(errors(c)[0] ?? '', /must be a mapping/);
    }
  });

  test('an empty document gives an empty config', () => {
    assert.deepEqual(convertValue({}).v1, { version: 1, config: [] });
  });

  test('a network on an unknown link is a located error', () => {
    const c = convertValue(
      {
        links: [NIC('tap1', MAC_A)],
        networks: [
          { id: 'n0', link: 'tap1', type: 'ipv4_dhcp' },
          { id: 'n1', link: 'tap1', type: 'ipv6_slaac' },
          { id: 'n2', link: 'tap9', type: 'ipv4_dhcp' },
        ],
      },
      MACS,
    );
    assert.equal(c.v1, undefined);
    assert.deepEqual(errors(c), ['network_data.json line 22: networks[2].link: "tap9" is not a link id']);
  });

  test('wrong types are located errors', () => {
    const c = convertValue(
      {
        links: [
          NIC('a', MAC_A, { mtu: 'big' }),
          { id: 'v', type: 'vlan', vlan_link: 'a', vlan_id: 5000 },
          { id: 'b', type: 'bond', bond_links: 'a' },
          { id: 'c', type: ['phy'], ethernet_mac_address: MAC_B },
          { type: 'phy' },
          { id: 'd', type: 'phy', ethernet_mac_address: 'not-a-mac' },
        ],
        networks: 'none',
      },
      MACS,
    );
    const e = errors(c).join('\n');
    assert.match(e, /links\[0\]\.mtu: must be an integer, not "big"/);
    assert.match(e, /links\[1\]\.vlan_id: 5000 is out of range/);
    assert.match(e, /links\[2\]\.bond_links: must be a list/);
    assert.match(e, /links\[3\]\.type: must be a string, not a list/);
    assert.match(e, /links\[4\]: link has no id/);
    assert.match(e, /links\[5\]\.ethernet_mac_address: "not-a-mac" is not a MAC address/);
    assert.match(e, /networks: must be a list/);
  });

  test('a broken link gives one error, not one more for each network on it', () => {
    const c = convertValue({ links: [NIC('a', 'zz:zz'), NIC('b', MAC_B)], networks: [{ link: 'a', type: 'ipv4_dhcp' }, { link: 'b', type: 'ipv4_dhcp' }] }, MACS);
    assert.deepEqual(errors(c), ['network_data.json line 6: links[0].ethernet_mac_address: "zz:zz" is not a MAC address']);
  });

  test('names with "/", whitespace, CR or LF are rejected', () => {
    for (const name of ['../etc', 'eth 0', 'eth0\r\nx', 'a-very-long-interface-name']) {
      const c = convertValue({ links: [NIC('x', MAC_A, { name })] }, MACS);
      assert.equal(c.v1, undefined, name);
      assert.match(errors(c)[0] ?? '', /links\[0\]\.name: /);
    }
    // A name handed over by the MAC table is checked too.
    const c = convertValue({ links: [NIC('x', MAC_A)] }, { [MAC_A]: 'bad/name' });
    assert.match(errors(c)[0] ?? '', /links\[0\]\.ethernet_mac_address: interface name "bad\/name" must not contain/);
  });

  test('bad addresses are located errors', () => {
    const c = convertValue(
      {
        links: [NIC('a', MAC_A)],
        networks: [
          { link: 'a', type: 'ipv4', ip_address: '10.0.0.300', netmask: '255.255.255.0' },
          { link: 'a', type: 'ipv4', ip_address: '10.0.0.3', netmask: '255.0.255.0' },
          { link: 'a', type: 'ipv4', ip_address: '10.0.0.4', routes: [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: 'fe80::1' }] },
          { link: 'a', type: 'ipv6', ip_address: '10.0.0.5' },
          { link: 'a', type: 'ipv4' },
          { link: 'a', type: 'ipv4_dhcp', services: [{ type: 'dns', address: 'dns.example' }] },
        ],
        services: [{ type: 'dns', address: '1.2.3' }],
      },
      MACS,
    );
    const e = errors(c).join('\n');
    assert.match(e, /networks\[0\]\.ip_address: "10\.0\.0\.300" is not an IP address/);
    assert.match(e, /networks\[1\]\.netmask: "255\.0\.255\.0" is not a valid netmask/);
    assert.match(e, /networks\[2\]\.routes\[0\]\.gateway: gateway "fe80::1" is not in the same IP family/);
    assert.match(e, /networks\[3\]\.ip_address: ipv6 network has an IPv4 address/);
    assert.match(e, /networks\[4\]: ipv4 network has no ip_address/);
    assert.match(e, /networks\[5\]\.services\[0\]\.address: "dns\.example" is not an IP address/);
    assert.match(e, /services\[0\]\.address: "1\.2\.3" is not an IP address/);
  });

  test('huge lists are refused, not processed', () => {
    // The limit is checked before any entry is looked at.
    const c = convert(`{"links": [${new Array<string>(5000).fill('{}').join(',')}]}`);
    assert.equal(c.v1, undefined);
    assert.match(errors(c)[0] ?? '', /links: has 5000 entries; at most 4096 are accepted/);
  });

  test('the largest accepted input converts quickly', () => {
    const links = Array.from({ length: 4096 }, (_, i) => ({ id: `l${i}`, type: 'phy', name: `e${i}`, ethernet_mac_address: null }));
    const networks = links.map((l) => ({ link: l.id, type: 'ipv4_dhcp' }));
    // Time the conversion only: loading the text is the YAML loader's business.
    const value: unknown = JSON.parse(JSON.stringify({ links, networks }));
    const r = new Reader({ source: SOURCE, locate: () => undefined });
    const start = process.hrtime.bigint();
    const v1 = networkDataToV1(r, value);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    assert.equal((v1?.['config'] as unknown[] | undefined)?.length, 4096);
    // A guard against quadratic work, not a speed target: tens of ms here, the bound leaves room for a loaded CI machine.
    assert.ok(ms < 3000, `took ${ms} ms`);
  });

  test('duplicate link ids and interface names are errors', () => {
    const c = convertValue({ links: [NIC('a', MAC_A), NIC('a', MAC_B)] }, MACS);
    assert.match(errors(c)[0] ?? '', /links\[1\]\.id: link id "a" is already used by links\[0\]/);
    const d = convertValue({ links: [NIC('a', MAC_A), NIC('b', MAC_B, { name: 'eth0' })] }, MACS);
    assert.match(errors(d)[0] ?? '', /links\[1\]: interface name "eth0" is also the name of links\[0\]/);
  });

  test('names: the link name wins, then the NIC with the MAC (any letter case)', () => {
    const c = convertValue(
      { links: [NIC('a', 'FA:16:3E:00:00:0A'), NIC('b', MAC_B, { name: 'lan' })] },
      { 'FA:16:3E:00:00:0A': 'eth0', [MAC_B]: 'eth1' },
    );
    assert.deepEqual(errors(c), []);
    assert.deepEqual(entries(c), [
      { name: 'eth0', type: 'physical', mac_address: MAC_A, subnets: [] },
      { name: 'lan', type: 'physical', mac_address: MAC_B, subnets: [] },
    ]);
  });

  test('a physical link with neither name nor MAC is an error', () => {
    const c = convertValue({ links: [{ id: 'a', type: 'ovs' }] }, MACS);
    assert.match(errors(c)[0] ?? '', /links\[0\]: link "a" has neither a name nor an ethernet_mac_address/);
  });

  test('an unmatched NIC is left out with a warning; the rest is configured', () => {
    const c = convertValue(
      {
        links: [
          NIC('a', MAC_A),
          NIC('gone', 'fa:16:3e:00:00:99'),
          { id: 'bond', type: 'bond', bond_links: ['a', 'gone'], bond_mode: 'active-backup' },
          { id: 'v1', type: 'vlan', vlan_link: 'gone', vlan_id: 10 },
          { id: 'v2', type: 'vlan', vlan_link: 'bond', vlan_id: 20 },
        ],
        networks: [
          { link: 'a', type: 'ipv4_dhcp' },
          { link: 'gone', type: 'ipv4_dhcp' },
          { link: 'v1', type: 'ipv4_dhcp' },
        ],
      },
      MACS,
    );
    assert.deepEqual(errors(c), []);
    assert.deepEqual(
      entries(c).map((e) => e['name']),
      ['eth0', 'bond0', 'bond0.20'],
    );
    assert.deepEqual(named(c, 'bond0')?.['bond_interfaces'], ['eth0']);
    const w = warnings(c).join('\n');
    assert.match(w, /links\[1\]\.ethernet_mac_address: link "gone": it has no name and no local NIC has its MAC fa:16:3e:00:00:99; the link and its network will not be configured/);
    assert.match(w, /links\[2\]\.bond_links\[1\]: member link "gone" is not configured, so bond "bond0" is configured without it/);
    assert.match(w, /links\[3\]\.vlan_link: link "v1": its parent link "gone" is not configured; the link and its network will not be configured/);
  });

  test('when no link matches a NIC, the conversion fails', () => {
    const c = convertValue({ links: [NIC('a', MAC_A), NIC('b', MAC_B)] }, {});
    assert.equal(c.v1, undefined);
    assert.match(errors(c)[0] ?? '', /links: no link matches a local NIC/);
  });

  test('bonds: given name, else bondN skipping taken names; bond_ options become bond- params', () => {
    const c = convertValue(
      {
        links: [
          NIC('a', MAC_A, { name: 'bond0' }),
          NIC('b', MAC_B),
          { id: 'x', type: 'bond', bond_links: ['b'], bond_mode: '802.3ad', bond_xmit_hash_policy: 'layer3+4', bond_miimon: 100 },
          { id: 'y', type: 'bond', bond_links: ['a'], name: 'uplink', ethernet_mac_address: 'FA:16:3E:00:00:0C', mtu: 9000 },
        ],
      },
      MACS,
    );
    assert.deepEqual(errors(c), []);
    assert.deepEqual(named(c, 'bond1'), {
      name: 'bond1',
      type: 'bond',
      bond_interfaces: ['eth1'],
      params: { 'bond-mode': '802.3ad', 'bond-xmit_hash_policy': 'layer3+4', 'bond-miimon': 100 },
      subnets: [],
    });
    assert.deepEqual(named(c, 'uplink'), {
      name: 'uplink',
      type: 'bond',
      mtu: 9000,
      mac_address: 'fa:16:3e:00:00:0c',
      bond_interfaces: ['bond0'],
      params: {},
      subnets: [],
    });
  });

  test('bond member problems are located', () => {
    const c = convertValue(
      {
        links: [
          NIC('a', MAC_A),
          { id: 'b1', type: 'bond', bond_links: ['a', 'nope'] },
          { id: 'b2', type: 'bond', bond_links: ['a'] },
          { id: 'b3', type: 'bond', bond_links: [] },
          { id: 'b4', type: 'bond' },
        ],
      },
      MACS,
    );
    const e = errors(c).join('\n');
    assert.match(e, /links\[1\]\.bond_links\[1\]: "nope" is not a link id/);
    assert.match(e, /links\[2\]\.bond_links: "eth0" is already a member of bond "bond0" \(links\[1\]\)/);
    assert.match(e, /links\[3\]\.bond_links: bond has no member links/);
    assert.match(e, /links\[4\]: bond link "b4" has no bond_links/);
  });

  test('type names that are Object.prototype members are just unknown types', () => {
    const c = convertValue({ links: [NIC('a', MAC_A, { type: 'constructor' })], networks: [{ link: 'a', type: 'toString' }] }, MACS);
    assert.deepEqual(errors(c), []);
    assert.deepEqual(entries(c), [{ name: 'eth0', type: 'physical', mac_address: MAC_A, subnets: [] }]);
    assert.equal(warnings(c).length, 2);
  });

  test('a bond listing a member twice is an error', () => {
    const c = convertValue({ links: [NIC('a', MAC_A), { id: 'b', type: 'bond', bond_links: ['a', 'a'] }] }, MACS);
    assert.match(errors(c)[0] ?? '', /links\[1\]\.bond_links: "eth0" is listed more than once/);
  });

  test('vlans: named <parent>.<id>, on vlans too; loops and long names are errors', () => {
    const ok = convertValue(
      {
        links: [
          NIC('a', MAC_A),
          { id: 'outer', type: 'vlan', vlan_link: 'a', vlan_id: 100, name: 'ignored', vlan_mac_address: MAC_B },
          { id: 'inner', type: 'vlan', vlan_link: 'outer', vlan_id: 7 },
        ],
      },
      MACS,
    );
    assert.deepEqual(errors(ok), []);
    assert.deepEqual(named(ok, 'eth0.100'), { name: 'eth0.100', type: 'vlan', vlan_id: 100, vlan_link: 'eth0', mac_address: MAC_B, subnets: [] });
    assert.deepEqual(named(ok, 'eth0.100.7'), { name: 'eth0.100.7', type: 'vlan', vlan_id: 7, vlan_link: 'eth0.100', subnets: [] });

    const loop = convertValue(
      {
        links: [
          NIC('a', MAC_A),
          { id: 'v1', type: 'vlan', vlan_link: 'v2', vlan_id: 1 },
          { id: 'v2', type: 'vlan', vlan_link: 'v1', vlan_id: 2 },
        ],
      },
      MACS,
    );
    assert.match(errors(loop).join('\n'), /depends on itself/);

    const long = convertValue({ links: [NIC('a', MAC_A, { name: 'enp129s0f1np1' }), { id: 'v', type: 'vlan', vlan_link: 'a', vlan_id: 4000 }] });
    assert.match(errors(long)[0] ?? '', /links\[1\]\.vlan_link: the VLAN interface name "enp129s0f1np1\.4000" .* is longer than 15 bytes/);

    const missing = convertValue({ links: [NIC('a', MAC_A), { id: 'v', type: 'vlan', vlan_link: 'zz', vlan_id: 1 }] }, MACS);
    assert.match(errors(missing)[0] ?? '', /links\[1\]\.vlan_link: "zz" is not a link id/);
  });

  test('link types: unknown types are NICs with a warning; a missing type too', () => {
    const c = convertValue({ links: [NIC('a', MAC_A, { type: 'sriov-thing' }), { id: 'b', ethernet_mac_address: MAC_B }] }, MACS);
    assert.deepEqual(errors(c), []);
    assert.deepEqual(physicalNames(c.v1), ['eth0', 'eth1']);
    assert.match(warnings(c).join('\n'), /links\[0\]\.type: unknown link type "sriov-thing"; treated as a physical NIC/);
    assert.match(warnings(c).join('\n'), /links\[1\]: link "b" has no type/);
  });

  test('networks: types, ipv4/ipv6 markers, accept-ra (last network wins), several per link', () => {
    const c = convertValue(
      {
        links: [NIC('a', MAC_A), NIC('b', MAC_B)],
        networks: [
          { link: 'a', type: 'ipv4', ip_address: '10.0.0.2', netmask: '255.255.255.0', gateway: '10.0.0.1', network_id: 'x' },
          { link: 'a', type: 'ipv6', ip_address: '2001:db8::2', netmask: 'ffff:ffff:ffff:ffff::', routes: [] },
          { link: 'a', type: 'ipv6_dhcpv6-stateful' },
          { link: 'b', type: 'ipv6_dhcp' },
          { link: 'b', type: 'static6', ip_address: '2001:db8:1::2/64' },
          { link: 'b', type: 'static', ip_address: '10.1.0.2' },
          { link: 'b', type: 'ipv6_slaac' },
          { link: 'b', type: 'ipv6_dhcpv6-stateless' },
          { link: 'b', type: 'ipv4_dhcp' },
        ],
      },
      MACS,
    );
    assert.deepEqual(errors(c), []);
    assert.deepEqual(named(c, 'eth0'), {
      name: 'eth0',
      type: 'physical',
      mac_address: MAC_A,
      'accept-ra': true,
      subnets: [
        { type: 'static', address: '10.0.0.2', netmask: '255.255.255.0', gateway: '10.0.0.1', ipv4: true },
        { type: 'static6', address: '2001:db8::2', netmask: 'ffff:ffff:ffff:ffff::', ipv6: true },
        { type: 'ipv6_dhcpv6-stateful' },
      ],
    });
    assert.deepEqual(named(c, 'eth1'), {
      name: 'eth1',
      type: 'physical',
      mac_address: MAC_B,
      'accept-ra': false,
      subnets: [
        { type: 'dhcp6' },
        { type: 'static6', address: '2001:db8:1::2/64' },
        { type: 'static', address: '10.1.0.2' },
        { type: 'ipv6_slaac' },
        { type: 'ipv6_dhcpv6-stateless' },
        { type: 'dhcp4' },
      ],
    });
  });

  test('an unknown network type is skipped with a warning', () => {
    const c = convertValue({ links: [NIC('a', MAC_A)], networks: [{ link: 'a', type: 'ipv5_magic' }, { link: 'a', type: 'ipv4_dhcp' }] }, MACS);
    assert.deepEqual(errors(c), []);
    assert.deepEqual(named(c, 'eth0')?.['subnets'], [{ type: 'dhcp4' }]);
    assert.match(warnings(c)[0] ?? '', /networks\[0\]\.type: unknown network type "ipv5_magic"; this network is not configured/);
  });

  test('routes keep only route keys; route and network dns services become dns_nameservers, once each', () => {
    const c = convertValue(
      {
        links: [NIC('a', MAC_A)],
        networks: [
          {
            link: 'a',
            type: 'ipv4',
            ip_address: '10.0.0.2',
            netmask: '255.255.255.0',
            dns_nameservers: ['10.0.0.53'],
            routes: [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: '10.0.0.1', metric: 5, services: [{ type: 'dns', address: '1.1.1.1' }], extra: 1 }],
            services: [
              { type: 'dns', address: '1.1.1.1' },
              { type: 'dns', address: '8.8.8.8' },
              { type: 'ntp', address: '10.0.0.123' },
            ],
          },
        ],
      },
      MACS,
    );
    assert.deepEqual(errors(c), []);
    const s = (named(c, 'eth0')?.['subnets'] as Record<string, unknown>[])[0];
    assert.deepEqual(s?.['routes'], [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: '10.0.0.1', metric: 5 }]);
    assert.deepEqual(s?.['dns_nameservers'], ['10.0.0.53', '1.1.1.1', '8.8.8.8']);
  });

  test('services: dns entries become nameservers; other service types are not name servers', () => {
    const c = convertValue(
      {
        services: [
          { type: 'dns', address: '10.0.0.53', search: ['example.com'] },
          { type: 'ntp', address: '10.0.0.123' },
          { type: 'dns', address: '10.0.0.54', extra: 'x' },
        ],
      },
      MACS,
    );
    assert.deepEqual(errors(c), []);
    assert.deepEqual(entries(c), [
      { type: 'nameserver', address: '10.0.0.53', search: ['example.com'] },
      { type: 'nameserver', address: '10.0.0.54' },
    ]);
    assert.match(warnings(c)[0] ?? '', /services\[1\]\.type: service type "ntp" is not used/);
  });

  test('mtu and params are carried over; mtu null stays null', () => {
    const c = convertValue({ links: [NIC('a', MAC_A, { mtu: null }), NIC('b', MAC_B, { mtu: 1450, params: { driver: 'virtio_net' } })] }, MACS);
    assert.deepEqual(named(c, 'eth0'), { name: 'eth0', type: 'physical', mtu: null, mac_address: MAC_A, subnets: [] });
    assert.deepEqual(named(c, 'eth1'), { name: 'eth1', type: 'physical', mtu: 1450, mac_address: MAC_B, params: { driver: 'virtio_net' }, subnets: [] });
  });

  test('InfiniBand: a NIC named after an IB port gets its 20-byte address and type infiniband', () => {
    const hw = 'a0:00:02:20:fe:80:00:00:00:00:00:00:ec:0d:9a:03:00:44:33:22';
    const c = convertValue({ links: [NIC('ib', MAC_A)] }, { [MAC_A]: 'ib0' }, { infinibandHwaddrs: new Map([['ib0', hw]]) });
    assert.deepEqual(named(c, 'ib0'), { name: 'ib0', type: 'infiniband', mac_address: hw, subnets: [] });
  });

  test('the converted config is accepted by the v1 parser', () => {
    const text = JSON.stringify({
      links: [
        NIC('a', MAC_A, { mtu: 9000 }),
        NIC('b', MAC_B, { mtu: 9000 }),
        { id: 'bond', type: 'bond', bond_links: ['a', 'b'], bond_mode: '802.3ad', bond_miimon: 100, bond_xmit_hash_policy: 'layer3+4', ethernet_mac_address: MAC_A },
        { id: 'v', type: 'vlan', vlan_link: 'bond', vlan_id: 123, vlan_mac_address: MAC_A },
      ],
      networks: [
        { link: 'v', type: 'ipv4', ip_address: '192.0.2.10', netmask: '255.255.255.0', routes: [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: '192.0.2.1' }] },
        { link: 'v', type: 'ipv6', ip_address: '2001:db8::10/64', gateway: 'fe80::1' },
      ],
      services: [{ type: 'dns', address: '192.0.2.53' }],
    });
    const run = readNetworkInput(text, SOURCE, 'network_data.json', { macToName: new Map(Object.entries(MACS)) });
    assert.equal(run.kind, 'state', run.diagnostics.map(formatDiagnostic).join('\n'));
    assert.deepEqual(run.diagnostics, []);
    const state = (run as { state: NetworkState }).state;
    const bond = state.interfaces.find((i) => i.name === 'bond0');
    assert.deepEqual(bond?.bondInterfaces, ['eth0', 'eth1']);
    assert.equal(bond?.bondParams?.['bond-xmit-hash-policy'], 'layer3+4');
    const vlan = state.interfaces.find((i) => i.name === 'bond0.123');
    assert.equal(vlan?.acceptRa, false);
    assert.deepEqual(state.dns.nameservers, ['192.0.2.53']);
  });
});
