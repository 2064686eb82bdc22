/**
 * `stratus net-convert` (also `devel net-convert`): read a network config in
 * one format and write the files of one network stack under a directory.
 * Flags as cloud-init's. Nothing is written unless the input is valid.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readNetworkInput } from '../net/input.ts';
import { isMac } from '../net/ip.ts';
import { KNOWN_DISTROS, renderConfigFor } from '../net/render/distro.ts';
import { renderEni, renderNetplan, renderNetworkd, renderNetworkManager, renderSysconfig, type RenderResult } from '../net/render/index.ts';
import type { NetworkState } from '../net/state.ts';
import { writeFilesAtomically } from '../host/fs.ts';
import { formatDiagnostic } from '../text/diagnostics.ts';

const KINDS = ['eni', 'network_data.json', 'yaml'] as const;
const OUTPUT_KINDS = ['eni', 'netplan', 'networkd', 'sysconfig', 'network-manager'] as const;
type Kind = (typeof KINDS)[number];
type OutputKind = (typeof OUTPUT_KINDS)[number];

const HELP = `usage: stratus net-convert -p PATH -k KIND -O OUTPUT_KIND -d DIR [-D DISTRO] [-m NAME,MAC]... [--debug]

Convert a network configuration into the files of one network stack.

  -p, --network-data PATH   the network configuration to read
  -k, --kind KIND           its format: ${KINDS.join(', ')}
  -O, --output-kind KIND    the format to write: ${OUTPUT_KINDS.join(', ')}
  -d, --directory DIR       write the files under DIR (as if DIR were /)
  -D, --distro DISTRO       target distro (default ubuntu): paths, headers, sysconfig flavour
  -m, --mac NAME,MAC        a local interface and its MAC (repeatable); used to name
                            devices matched by MAC (network_data.json, v2 match)
      --debug               print the parsed network state (JSON) to stderr

Exit status: 0 written (or network config disabled), 1 invalid input, 2 usage error.
`;

function usageError(message: string): number {
  process.stderr.write(`stratus net-convert: ${message}\n\n${HELP}`);
  return 2;
}

export async function netConvert(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'network-data': { type: 'string', short: 'p' },
        kind: { type: 'string', short: 'k' },
        'output-kind': { type: 'string', short: 'O' },
        directory: { type: 'string', short: 'd' },
        distro: { type: 'string', short: 'D' },
        mac: { type: 'string', short: 'm', multiple: true },
        debug: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    return usageError((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const input = values['network-data'];
  const kind = values.kind as Kind | undefined;
  const outputKind = values['output-kind'] as OutputKind | undefined;
  const directory = values.directory;
  const distro = values.distro ?? 'ubuntu';
  if (!input) return usageError('--network-data is required');
  if (!kind || !KINDS.includes(kind)) return usageError(`--kind must be one of ${KINDS.join(', ')}`);
  if (!outputKind || !OUTPUT_KINDS.includes(outputKind)) return usageError(`--output-kind must be one of ${OUTPUT_KINDS.join(', ')}`);
  if (!directory) return usageError('--directory is required');
  if (!KNOWN_DISTROS.includes(distro)) return usageError(`unknown --distro ${JSON.stringify(distro)}`);
  const macs = new Map<string, string>();
  for (const item of values.mac ?? []) {
    const comma = item.indexOf(',');
    const name = item.slice(0, comma);
    const mac = item.slice(comma + 1);
    if (comma < 1 || !isMac(mac)) return usageError(`--mac ${JSON.stringify(item)} must be NAME,MAC`);
    macs.set(mac.toLowerCase(), name);
  }

  let text: string;
  try {
    text = readFileSync(input, 'utf8');
  } catch (e) {
    process.stderr.write(`stratus net-convert: cannot read ${input}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return 1;
  }

  const parsed = readNetworkInput(text, input, kind, { macToName: macs });
  for (const d of parsed.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (parsed.kind === 'disabled') {
    process.stderr.write(`stratus net-convert: ${input} disables network configuration; nothing written\n`);
    return 0;
  }
  if (parsed.kind === 'invalid') {
    process.stderr.write(`stratus net-convert: ${input} is not a valid network config; nothing written\n`);
    return 1;
  }
  const state = parsed.state;
  if (values.debug) process.stderr.write(`Internal state:\n${JSON.stringify(state, null, 2)}\n`);

  const result = render(state, outputKind, distro);
  for (const note of result.notes) process.stderr.write(`note: ${note}\n`);
  try {
    writeFilesAtomically(directory, result.files);
  } catch (e) {
    process.stderr.write(`stratus net-convert: cannot write under ${directory}: ${(e as Error).message}\n`);
    return 1;
  }
  process.stderr.write(`Read input format '${kind}' from '${input}'.\nWrote output format '${outputKind}' to '${directory}'\n`);
  return 0;
}

function render(state: NetworkState, outputKind: OutputKind, distro: string): RenderResult {
  const cfg = renderConfigFor(distro);
  switch (outputKind) {
    case 'netplan':
      return renderNetplan(state, { header: cfg.netplanHeader, features: ['dhcp-use-domains', 'ipv6-mtu'] });
    case 'networkd':
      return renderNetworkd(state);
    case 'network-manager':
      return renderNetworkManager(state);
    case 'sysconfig':
      return renderSysconfig(state, { flavor: cfg.sysconfigFlavor });
    case 'eni':
      return renderEni(state, { path: cfg.eniPath, header: cfg.eniHeader });
  }
}
