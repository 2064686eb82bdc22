/**
 * Network config inputs through readNetworkInput (the same call net-convert
 * and the init stage make): YAML v1/v2, ENI, OpenStack network_data.json,
 * EC2 metadata. An accepted state must render with every renderer; a
 * renderer may refuse a state only with a located InputError.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNetworkInput, type InputKind } from '../../../src/net/input.ts';
import { OUTPUT_KINDS, renderFor } from '../../../src/net/render/for-target.ts';
import { formatDiagnostic, InputError } from '../../../src/text/diagnostics.ts';
import { ACCEPTED, crash, diagnosticsProblem, rejection, thrown, type Verdict } from '../oracle.ts';
import { CONFORMANCE_DIR, conformanceMacs, filesUnder, OWN_SEEDS, readAll, REPO_DIR } from '../seeds.ts';
import { textGenerator, treeGenerator, type FuzzTarget } from '../target.ts';

const DISTROS = ['debian', 'ubuntu', 'rhel', 'sles', 'arch', 'freebsd'] as const;
/** Errors about the file as a whole (they have no line or key path by nature): the parsers' own wording. */
const WHOLE = /^(the network config is empty|the network config must be a mapping|the network config has no "version" key|must be a mapping, not |only the fallback NIC is to be configured|not valid YAML)/;

let macs: Map<string, string> | undefined;
const knownMacs = (): Map<string, string> => (macs ??= conformanceMacs());

function runNetwork(input: Buffer, kind: InputKind, source: string): Verdict {
  const text = input.toString('utf8');
  const r = readNetworkInput(text, source, kind, { macToName: knownMacs() });
  if (r.kind === 'invalid') return rejection(r.diagnostics, source, WHOLE);
  const problem = diagnosticsProblem(r.diagnostics, source, WHOLE);
  if (problem) return crash(`accepted, but ${problem}`);
  if (r.kind === 'disabled') return ACCEPTED;
  // Rotate distros by input so every renderer flavour (sysconfig rhel/suse, ENI paths) is reached.
  const distro = DISTROS[input.length % DISTROS.length]!;
  for (const out of OUTPUT_KINDS) {
    try {
      const rendered = renderFor(r.state, out, distro, () => undefined);
      for (const f of rendered.files) {
        // A rendered file must stay below the target root, whatever the interface is called.
        if (f.path.startsWith('/') || f.path.split('/').includes('..') || f.path.includes('\0')) return crash(`${out} renders a file outside its place: ${JSON.stringify(f.path)}`);
      }
    } catch (e) {
      // A renderer sees the state, not the file: its refusal is located by the interface it names.
      const names = r.state.interfaces.map((i) => i.name);
      if (e instanceof InputError && e.diagnostics.some((d) => d.severity === 'error')) {
        const unplaced = e.diagnostics.find((d) => d.severity === 'error' && d.path.length === 0 && !names.some((n) => d.message.includes(n)));
        if (unplaced) return crash(`${out} (${distro}): a refusal that names no interface: ${formatDiagnostic(unplaced)}`);
        continue;
      }
      const v = thrown(e, source, WHOLE);
      if (v.kind === 'crash') return crash(`${out} (${distro}): ${v.reason}`);
    }
  }
  return ACCEPTED;
}

const renderersDir = join(CONFORMANCE_DIR, 'renderers');

export const netYaml: FuzzTarget = {
  name: 'net-yaml',
  description: 'network config v1/v2 YAML: readNetworkInput(yaml) + all five renderers',
  code: ['src/net/', 'src/text/'],
  seeds: () => readAll([...filesUnder(renderersDir, /\/input\.yaml$/), ...filesUnder(join(REPO_DIR, 'test/net/samples'), /\.yaml$/), ...filesUnder(OWN_SEEDS, /net-.*\.yaml$/)]),
  generator: (seeds) => treeGenerator(seeds, 'yaml'),
  run: (input) => runNetwork(input, 'yaml', 'network-config'),
};

export const netEni: FuzzTarget = {
  name: 'net-eni',
  description: 'Debian ENI text: readNetworkInput(eni) + all five renderers',
  code: ['src/net/'],
  seeds: () => readAll([...filesUnder(renderersDir, /\/expected\/eni-[a-z]+\/etc\/network\/interfaces(\.d\/.*)?$/, 300), ...filesUnder(OWN_SEEDS, /\.eni$/)]),
  generator: (seeds) => textGenerator(seeds),
  run: (input) => runNetwork(input, 'eni', 'interfaces'),
};

export const networkDataJson: FuzzTarget = {
  name: 'network-data-json',
  description: 'OpenStack network_data.json: readNetworkInput(network_data.json) + all five renderers',
  code: ['src/net/'],
  seeds: () => readAll([...filesUnder(join(CONFORMANCE_DIR, 'openstack'), /\/network_data\.json$/), ...filesUnder(join(REPO_DIR, 'test/net/samples'), /network_data\.json$/)]),
  generator: (seeds) => treeGenerator(seeds, 'json'),
  run: (input) => runNetwork(input, 'network_data.json', 'network_data.json'),
};

/** The EC2 input as the datasource hands it on: {mac, network, full, fallbackInterface}. */
function ec2Seeds(): Buffer[] {
  const out: Buffer[] = [];
  for (const p of filesUnder(join(CONFORMANCE_DIR, 'ec2'), /\/metadata\.json$/)) {
    const network = JSON.parse(readFileSync(p, 'utf8')) as { interfaces?: { macs?: Record<string, unknown> } };
    const first = Object.keys(network.interfaces?.macs ?? {})[0];
    let full = true;
    try {
      full = (JSON.parse(readFileSync(join(p, '../options.json'), 'utf8')) as { full_network_config?: boolean }).full_network_config !== false;
    } catch {
      // no options: the default
    }
    out.push(Buffer.from(JSON.stringify({ ...(first ? { mac: first } : {}), network, full, fallbackInterface: 'eth0' }, null, 1)));
  }
  return out;
}

export const ec2Network: FuzzTarget = {
  name: 'ec2-network',
  description: 'EC2 metadata → network config v2: readNetworkInput(ec2) + all five renderers',
  code: ['src/net/'],
  seeds: ec2Seeds,
  generator: (seeds) => treeGenerator(seeds, 'json'),
  run: (input) => runNetwork(input, 'ec2', 'ec2-metadata'),
};
