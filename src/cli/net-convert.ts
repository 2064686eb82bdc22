/**
 * `stratus net-convert` (also `devel net-convert`): read a network config in
 * one format and write the files of one network stack under a directory.
 * Flags as cloud-init's. Nothing is written unless the input is valid.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { err, out } from '../host/console.ts';
import { readNetworkInput } from '../net/input.ts';
import { isMac } from '../net/ip.ts';
import { KNOWN_DISTROS } from '../net/render/distro.ts';
import { OUTPUT_KINDS, renderFor, type OutputKind } from '../net/render/for-target.ts';
import type { ReadExisting, RenderResult } from '../net/render/index.ts';
import { underRoot, writeFilesAtomically } from '../host/fs.ts';
import { formatDiagnostic, InputError } from '../text/diagnostics.ts';

const KINDS = ['eni', 'network_data.json', 'yaml'] as const;
type Kind = (typeof KINDS)[number];

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
  err(`stratus net-convert: ${message}\n\n${HELP}`);
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
    out(HELP);
    return 0;
  }
  const input = values['network-data'];
  const kind = values.kind as Kind | undefined;
  const outputKind = values['output-kind'] as OutputKind | undefined;
  const directory = values.directory;
  const distro = values.distro ?? 'ubuntu';
  const oneOf = (flag: string, value: string | undefined, choices: readonly string[]) =>
    value === undefined ? `${flag} is required (one of ${choices.join(', ')})` : `${flag} ${JSON.stringify(value)} is not one of ${choices.join(', ')}`;
  if (!input) return usageError('--network-data (-p) is required: the network config to read');
  if (!kind || !KINDS.includes(kind)) return usageError(oneOf('--kind (-k)', kind, KINDS));
  if (!outputKind || !OUTPUT_KINDS.includes(outputKind)) return usageError(oneOf('--output-kind (-O)', outputKind, OUTPUT_KINDS));
  if (!directory) return usageError('--directory (-d) is required: where to write the files');
  if (!KNOWN_DISTROS.includes(distro)) return usageError(`--distro (-D) ${JSON.stringify(distro)} is not a known distro (e.g. ubuntu, debian, rhel, fedora, opensuse, alpine)`);
  const macs = new Map<string, string>();
  for (const item of values.mac ?? []) {
    const comma = item.indexOf(',');
    const name = item.slice(0, comma);
    const mac = item.slice(comma + 1);
    if (comma < 1 || !isMac(mac) || !/^[^\s/:]{1,15}$/.test(name)) {
      return usageError(`--mac ${JSON.stringify(item)} must be NAME,MAC (an interface name, a comma, a MAC address such as eth0,52:54:00:12:34:56)`);
    }
    macs.set(mac.toLowerCase(), name);
  }

  const read = readInput(input);
  if ('error' in read) {
    err(`stratus net-convert: ${read.error}; nothing written\n`);
    return 1;
  }
  const text = read.text;

  const parsed = readNetworkInput(text, input, kind, { macToName: macs });
  for (const d of parsed.diagnostics) err(`${formatDiagnostic(d)}\n`);
  if (parsed.kind === 'disabled') {
    err(`stratus net-convert: ${input} disables network configuration; nothing written\n`);
    return 0;
  }
  if (parsed.kind === 'invalid') {
    err(`stratus net-convert: ${input} is not a valid network config; nothing written\n`);
    return 1;
  }
  const state = parsed.state;
  if (values.debug) err(`Internal state:\n${JSON.stringify(state, null, 2)}\n`);

  let result: RenderResult;
  try {
    result = renderFor(state, outputKind, distro, existingUnder(directory));
  } catch (e) {
    // A renderer refuses a state its target cannot hold (e.g. two default routes sysconfig cannot tell apart).
    if (!(e instanceof InputError)) throw e;
    for (const d of e.diagnostics) err(`${formatDiagnostic(d)}\n`);
    err(`stratus net-convert: ${input} cannot be rendered for ${outputKind}; nothing written\n`);
    return 1;
  }
  for (const note of result.notes) err(`note: ${note}\n`);
  try {
    writeFilesAtomically(directory, result.files);
  } catch (e) {
    err(`stratus net-convert: cannot write under ${directory}: ${(e as Error).message}\n`);
    return 1;
  }
  err(`Read input format '${kind}' from '${input}'.\nWrote output format '${outputKind}' to '${directory}'\n`);
  return 0;
}

/** Larger inputs are refused: a real network config is a few kilobytes, and parsing time grows with size. */
export const MAX_INPUT_BYTES = 1024 * 1024;

/** The input as text: at most MAX_INPUT_BYTES (read in bounded steps, so a pipe or device cannot exhaust memory), valid UTF-8. */
function readInput(path: string): { text: string } | { error: string } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    return { error: `cannot read ${path}: ${describeErrno(e)}` };
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    if (fstatSync(fd).isDirectory()) return { error: `cannot read ${path}: it is a directory` };
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
      if (total > MAX_INPUT_BYTES) {
        return { error: `${path} is larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB, too large for a network config` };
      }
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
  } catch (e) {
    return { error: `cannot read ${path}: ${describeErrno(e)}` };
  } finally {
    closeSync(fd);
  }
  const bytes = Buffer.concat(chunks);
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { error: `${path} is not UTF-8 text (a network config is YAML, JSON or ENI text)` };
  }
}

function describeErrno(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const known: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a parent of it is not a directory',
  };
  return (code !== undefined ? known[code] : undefined) ?? (e as Error).message;
}

/** A file that already exists under the output directory (sysconfig merges into resolv.conf and sysconfig/network). */
function existingUnder(directory: string): ReadExisting {
  return (path) => {
    try {
      return readFileSync(underRoot(directory, path), 'utf8');
    } catch {
      return undefined;
    }
  };
}
