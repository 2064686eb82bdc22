/**
 * Runs every case of ../shared/conformance through stratus's parsers and
 * renderers and applies the case's comparison rule. The ec2 group (EC2
 * metadata → v2 document, no renderer) has its own entry, runEc2Conformance.
 *
 * Fixture adaptations (documented in docs/differences.md):
 * - some fixtures use redacted MACs ("xx:xx:xx:xx:xx:00"), which stratus
 *   rejects as invalid; they are replaced by 0e:0e:0e:0e:0e:NN in the input
 *   and mapped back in the output before comparing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { ec2MetadataToV2, type Ec2NetworkResult } from '../../../src/net/convert/ec2.ts';
import { readNetworkInput, type InputKind } from '../../../src/net/input.ts';
import {
  renderEni,
  renderNetplan,
  renderNetworkd,
  renderNetworkManager,
  renderSysconfig,
  type RenderResult,
} from '../../../src/net/render/index.ts';
import type { NetworkState } from '../../../src/net/state.ts';
import { formatDiagnostic, type Diagnostic } from '../../../src/text/diagnostics.ts';
import { Reader } from '../../../src/text/reader.ts';
import { loadYaml } from '../../../src/text/yaml.ts';
import * as cmp from './compare.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
export const CONFORMANCE_DIR = join(HERE, '../../../../shared/conformance');

export type Label = 'netplan' | 'networkd' | 'network-manager' | 'sysconfig-rhel' | 'sysconfig-opensuse' | 'eni-ip' | 'eni-route';
export const LABELS: Label[] = ['netplan', 'networkd', 'network-manager', 'sysconfig-rhel', 'sysconfig-opensuse', 'eni-ip', 'eni-route'];

export interface CaseResult {
  caseName: string;
  label: Label;
  /** Upstream outcome: passed | xfail | not-reached | untested. */
  upstream: string;
  ok: boolean;
  detail?: string;
}

interface Setup {
  renderer: string;
  config?: Record<string, unknown> | null;
  distro?: string;
  ip_command_available?: boolean;
  netplan_features?: string[];
  scripts_dir?: string;
}

interface RendererCase {
  expected_files: string[];
  expected_partial?: string;
  compare: string;
  renderer_setup: Setup;
  upstream_tests: { outcome: string }[];
}

interface IndexCase {
  name: string;
  group: 'renderers' | 'openstack' | 'ec2';
  input_kind: string;
  macs: string | null;
  setup_files?: Record<string, { content: string; mode: string }>;
  renderers?: Record<string, RendererCase>;
}

const REDACTED = /xx:xx:xx:xx:xx:/g;
const REDACTED_STANDIN = '0e:0e:0e:0e:0e:';

function macTable(caseDir: string): Map<string, string> {
  const f = join(caseDir, 'macs.json');
  const m = new Map<string, string>();
  if (!existsSync(f)) return m;
  for (const [mac, name] of Object.entries(JSON.parse(readFileSync(f, 'utf8')) as Record<string, string>)) m.set(mac.toLowerCase(), name);
  return m;
}

/** Build the NetworkState for a case, or a message saying why stratus rejects its input. */
function loadState(c: IndexCase, caseDir: string): { state?: NetworkState; error?: string } {
  const kind: InputKind = c.input_kind === 'network_data.json' ? 'network_data.json' : c.input_kind === 'eni' ? 'eni' : 'yaml';
  const source = kind === 'network_data.json' ? 'network_data.json' : kind === 'eni' ? 'input.eni' : 'input.json';
  const text = readFileSync(join(caseDir, source), 'utf8').replace(REDACTED, REDACTED_STANDIN);
  const result = readNetworkInput(text, source, kind, { macToName: macTable(caseDir) });
  if (result.kind !== 'state') {
    return { error: result.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('; ') || result.kind };
  }
  return { state: result.state };
}

function rel(p: unknown): string | undefined {
  if (typeof p !== 'string') return undefined;
  return p.replace(/^<tmp>\//, '').replace(/^\//, '');
}

function render(label: Label, rc: RendererCase, state: NetworkState, existing: Map<string, string>): RenderResult {
  const s = rc.renderer_setup;
  const cfg = s.config ?? {};
  const mainFile = rc.expected_files.find((f) => !f.startsWith('etc/udev/'));
  switch (label) {
    case 'netplan':
      return renderNetplan(state, {
        path: mainFile ?? rel(cfg['netplan_path']),
        header: typeof cfg['netplan_header'] === 'string' ? cfg['netplan_header'] : undefined,
        features: s.netplan_features ?? [],
      });
    case 'networkd':
      return renderNetworkd(state, { dir: rel(cfg['network_conf_dir'])?.replace(/\/$/, '') });
    case 'network-manager':
      return renderNetworkManager(state, {});
    case 'sysconfig-rhel':
    case 'sysconfig-opensuse':
      return renderSysconfig(state, { flavor: label === 'sysconfig-rhel' ? 'rhel' : 'suse', existing: (p) => existing.get(p) });
    case 'eni-ip':
    case 'eni-route':
      return renderEni(state, {
        path: mainFile ?? rel(cfg['eni_path']),
        header: typeof cfg['eni_header'] === 'string' ? cfg['eni_header'] : undefined,
        ipCommand: s.ip_command_available ?? true,
        // cloud-init's ENI renderer writes the udev rules unless its config names no path.
        netrulesPath: 'netrules_path' in cfg ? (rel(cfg['netrules_path']) ?? null) : 'etc/udev/rules.d/70-persistent-net.rules',
      });
  }
}

function compare(rc: RendererCase, caseDir: string, label: Label, actual: Map<string, string>): string | undefined {
  const expectedDir = join(caseDir, 'expected', label);
  const expected = new Map(rc.expected_files.map((f) => [f, readFileSync(join(expectedDir, f), 'utf8')]));
  switch (rc.compare) {
    case 'exact':
      return cmp.exact(expected, actual);
    case 'exact-all-files':
      return cmp.exactAllFiles(expected, actual);
    case 'exact-per-file-if-present':
      return cmp.exactPerFileIfPresent(expected, actual);
    case 'sysconfig-shell-kv':
    case 'sysconfig-shell-kv+raw-fallback': {
      const scriptsDir = rc.renderer_setup.scripts_dir ?? (label === 'sysconfig-rhel' ? '/etc/sysconfig/network-scripts' : '/etc/sysconfig/network');
      return cmp.sysconfigShellKv(expected, actual, scriptsDir, rc.compare.endsWith('raw-fallback'));
    }
    case 'sysconf-kv':
      return cmp.sysconfKv(expected, actual);
    case 'yaml-equal': {
      const parsed = new Map<string, unknown>();
      for (const f of rc.expected_files) {
        const pj = join(caseDir, 'expected-parsed', label, `${f}.json`);
        parsed.set(f, existsSync(pj) ? JSON.parse(readFileSync(pj, 'utf8')) : loadYaml(expected.get(f)!, f).doc?.value);
      }
      return cmp.yamlEqual(parsed, actual);
    }
    case 'lines-equal':
      return cmp.byLines(expected, actual, 'lines');
    case 'nonempty-lines-equal':
      return cmp.byLines(expected, actual, 'nonempty');
    case 'lstrip-equal':
      return cmp.byLines(expected, actual, 'lstrip');
    case 'strip-equal-expected-files':
      return cmp.byLines(expected, actual, 'strip');
    case 'networkd-sections':
      return cmp.networkdSectionsEqual(expected, actual);
    case 'networkd-render-content-exact':
      return cmp.networkdContentExact(expected, actual);
    case 'partial-ini-checks':
      return cmp.partialIni(JSON.parse(readFileSync(join(caseDir, rc.expected_partial ?? 'expected_partial.json'), 'utf8')), actual);
    default:
      return `unknown compare mode ${rc.compare}`;
  }
}

export function runConformance(filter?: (caseName: string, label: Label) => boolean): CaseResult[] {
  const index = JSON.parse(readFileSync(join(CONFORMANCE_DIR, 'INDEX.json'), 'utf8')) as { cases: IndexCase[] };
  const results: CaseResult[] = [];
  for (const c of index.cases) {
    if (!c.renderers) continue;
    const caseDir = join(CONFORMANCE_DIR, c.group, c.name);
    let loaded: ReturnType<typeof loadState> | undefined;
    for (const [name, rc] of Object.entries(c.renderers)) {
      if (!(LABELS as string[]).includes(name)) continue;
      const label = name as Label;
      if (filter && !filter(c.name, label)) continue;
      const upstream = rc.upstream_tests[0]?.outcome ?? 'untested';
      loaded ??= loadState(c, caseDir);
      if (!loaded.state) {
        results.push({ caseName: c.name, label, upstream, ok: false, detail: `input rejected: ${loaded.error}` });
        continue;
      }
      const existing = new Map<string, string>();
      for (const [p, f] of Object.entries(c.setup_files ?? {})) existing.set(p, f.content);
      if (/explicit_loopback/.test(c.name) && label.startsWith('sysconfig')) existing.set('etc/resolv.conf', '# Original Content');
      let detail: string | undefined;
      try {
        const out = render(label, rc, structuredClone(loaded.state), existing);
        const actual = new Map(existing);
        for (const f of out.files) actual.set(f.path, f.content.replace(/0e:0e:0e:0e:0e:/g, 'xx:xx:xx:xx:xx:').replace(/0E:0E:0E:0E:0E:/g, 'XX:XX:XX:XX:XX:'));
        // "exact-all-files" looks at every file written; setup files are inputs, not output.
        if (rc.compare === 'exact-all-files') for (const p of existing.keys()) if (!out.files.some((f) => f.path === p)) actual.delete(p);
        detail = compare(rc, caseDir, label, actual);
      } catch (e) {
        detail = `renderer threw: ${(e as Error).stack ?? String(e)}`;
      }
      results.push({ caseName: c.name, label, upstream, ok: detail === undefined, detail });
    }
  }
  return results;
}

export interface Tally {
  label: Label;
  /** Cases cloud-init itself passes. */
  upstreamPassed: number;
  /** Of those, cases stratus passes. */
  passed: number;
  /** Cases cloud-init does not pass (xfail, not reached, untested) that stratus passes. */
  extraPassed: number;
  extraTotal: number;
}

export function tally(results: CaseResult[]): Tally[] {
  return LABELS.map((label) => {
    const mine = results.filter((r) => r.label === label);
    const up = mine.filter((r) => r.upstream === 'passed');
    const other = mine.filter((r) => r.upstream !== 'passed');
    return { label, upstreamPassed: up.length, passed: up.filter((r) => r.ok).length, extraPassed: other.filter((r) => r.ok).length, extraTotal: other.length };
  });
}

// ---------------------------------------------------------------- ec2 group

/**
 * The ec2 cases (EC2 metadata → v2) are not rendered: the converter's v2
 * document is compared deep-equal with the expected one (key order ignored,
 * list order significant), after the converted document has also been read
 * back by the v2 parser without errors.
 */
export interface Ec2CaseResult {
  caseName: string;
  ok: boolean;
  detail?: string;
  /** Set when the case was compared with stratus's documented value instead of cloud-init's. */
  difference?: string;
  result?: Ec2NetworkResult;
  diagnostics?: Diagnostic[];
}

type Json = Record<string, unknown>;
const ethernet = (doc: Json, name: string): Json => (doc['ethernets'] as Record<string, Json>)[name]!;
const v4Default = (e: Json): Json => (e['routes'] as Json[]).find((x) => x['to'] === '0.0.0.0/0')!;
const withPriorities = (e: Json): void => {
  for (const rule of e['routing-policy'] as Json[]) rule['priority'] = rule['table'];
};

/**
 * Where stratus deliberately differs from a fixture (docs/differences.md,
 * "EC2 metadata network config"): each entry turns cloud-init's expected
 * document into stratus's, which the case is then compared with.
 */
export const EC2_DIFFERENCES: Record<string, { note: string; patch: (expected: Json) => void }> = {
  'test_ec2.TestConvertEc2MetadataNetworkConfig.test_convert_ec2_metadata_network_config_multi_nics_ipv4': {
    note: 'eth10 table 101: default route via the VPC router 172.31.32.1 computed from 172.31.32.0/20 (the fixture has 172.31.1.0 from a mocked DHCP run); rules carry priority 101',
    patch: (doc) => {
      const e = ethernet(doc, 'eth10');
      v4Default(e)['via'] = '172.31.32.1';
      withPriorities(e);
    },
  },
  'test_ec2.TestConvertEc2MetadataNetworkConfig.test_convert_ec2_metadata_network_config_multi_nics_ipv4_ipv6_multi_ip': {
    note: 'eth10: default route via 172.31.32.1 (not the mocked 172.31.1.0); rules carry priority 101; the secondary IPv6 address gets its subnet\'s /64 instead of /128; routes from router advertisements (the IPv6 default) go to table 101',
    patch: (doc) => {
      const e = ethernet(doc, 'eth10');
      v4Default(e)['via'] = '172.31.32.1';
      withPriorities(e);
      e['addresses'] = ['2600:1f16:292:100:f153:12a3:c37c:11f9/64'];
      e['ra-overrides'] = { table: 101 };
    },
  },
  'test_ec2.TestConvertEc2MetadataNetworkConfig.test_convert_ec2_metadata_network_config_multi_nics_ipv6_only': {
    note: 'eth1 rules carry priority 101; routes from router advertisements (the IPv6 default) go to table 101',
    patch: (doc) => {
      const e = ethernet(doc, 'eth1');
      withPriorities(e);
      e['ra-overrides'] = { table: 101 };
    },
  },
};

interface Ec2CaseOptions {
  distro_network_renderer_is_netplan: boolean;
  full_network_config: boolean;
  fallback_nic: string | null;
}

export function runEc2Conformance(filter?: (caseName: string) => boolean): Ec2CaseResult[] {
  const index = JSON.parse(readFileSync(join(CONFORMANCE_DIR, 'INDEX.json'), 'utf8')) as { cases: IndexCase[] };
  const results: Ec2CaseResult[] = [];
  for (const c of index.cases) {
    if (c.group !== 'ec2' || (filter && !filter(c.name))) continue;
    const dir = join(CONFORMANCE_DIR, 'ec2', c.name);
    const options = JSON.parse(readFileSync(join(dir, 'options.json'), 'utf8')) as Ec2CaseOptions;
    // metadata.json is the `network` subtree; the converter reads the whole meta-data tree.
    const text = `{"network": ${readFileSync(join(dir, 'metadata.json'), 'utf8')}}`;
    const loaded = loadYaml(text, 'metadata.json');
    if (!loaded.doc) {
      results.push({ caseName: c.name, ok: false, detail: loaded.diagnostics.map(formatDiagnostic).join('; ') });
      continue;
    }
    const r = new Reader(loaded.doc);
    // cloud-init passes a mock object as fallback_nic where it is unused (full config).
    const fallback = typeof options.fallback_nic === 'string' && !options.fallback_nic.startsWith('<') ? options.fallback_nic : undefined;
    const macs = macTable(dir);
    const result = ec2MetadataToV2(r, loaded.doc.value, {
      knownMacs: macs,
      fullNetworkConfig: options.full_network_config,
      fallbackNic: fallback,
      // cloud-init writes policy routing only for netplan.
      policyRouting: options.distro_network_renderer_is_netplan,
    });
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Json;
    const difference = EC2_DIFFERENCES[c.name];
    difference?.patch(expected);
    const base = { caseName: c.name, difference: difference?.note, result, diagnostics: r.diagnostics };
    if (r.failed || !result.config) {
      results.push({ ...base, ok: false, detail: `conversion failed: ${r.diagnostics.map(formatDiagnostic).join('; ') || 'no config'}` });
      continue;
    }
    const actual = JSON.parse(JSON.stringify(result.config)) as Json;
    if (!isDeepStrictEqual(actual, expected)) {
      results.push({ ...base, ok: false, detail: `expected ${JSON.stringify(expected)}\n     got      ${JSON.stringify(actual)}` });
      continue;
    }
    const parsed = readNetworkInput(JSON.stringify(actual), 'ec2 (converted)', 'yaml', { macToName: macs });
    const problems = parsed.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    results.push({ ...base, ok: parsed.kind === 'state', detail: parsed.kind === 'state' ? undefined : `v2 parser rejects the output: ${problems.join('; ')}` });
  }
  return results;
}

// Direct run: print failures for one renderer (or "ec2"), e.g.
//   node --import tsx test/net/conformance/run.ts networkd
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv[2] === 'ec2') {
  const results = runEc2Conformance();
  for (const r of results) if (!r.ok) console.log(`FAIL ec2 ${r.caseName}\n     ${r.detail}`);
  const adjusted = results.filter((r) => r.difference !== undefined).length;
  console.log(`ec2                  ${results.filter((r) => r.ok).length}/${results.length} (${adjusted} compared with a documented difference)`);
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const only = process.argv[2] as Label | undefined;
  const results = runConformance((_c, label) => only === undefined || label === only);
  for (const r of results) if (!r.ok) console.log(`FAIL ${r.label} ${r.caseName} [upstream ${r.upstream}]\n     ${r.detail}`);
  for (const t of tally(results)) {
    if (only && t.label !== only) continue;
    console.log(`${t.label.padEnd(20)} ${t.passed}/${t.upstreamPassed} of upstream-passing cases; ${t.extraPassed}/${t.extraTotal} others`);
  }
}
