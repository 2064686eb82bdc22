/**
 * `stratus schema`: check a cloud-config or network-config file, or the
 * installed system's config and user data, against what stratus reads.
 * Flags as cloud-init's. Errors, deprecations and warnings are printed in
 * separate sections (cloud-init users asked for that), each with line and
 * column. Exit status: 0 valid (deprecations and warnings alone do not
 * fail), 1 invalid, 2 usage error.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DiskRoot } from '../host/root-fs.ts';
import { err, out } from '../host/console.ts';
import { annotate, formatSections, isValid } from '../config/schema/format.ts';
import { checkCloudConfigText, systemInputs, type SchemaInput } from '../config/schema/inputs.ts';
import type { SchemaReport } from '../config/schema/validate.ts';
import { readNetworkInput, type InputKind } from '../net/input.ts';
import type { RootFs } from '../host/root-fs.ts';
import { readCurrentCache } from '../stages/instance-cache.ts';
import type { Verb } from './globals.ts';

const TYPES = ['cloud-config', 'network-config'] as const;
type SchemaType = (typeof TYPES)[number];

const HELP = `usage: stratus schema (-c FILE [-t TYPE] | --system) [--annotate]

Check a cloud-config or network config against the keys stratus reads.

  -c, --config-file FILE   the file to check
  -t, --schema-type TYPE   what FILE is: ${TYPES.join(', ')} (default cloud-config)
      --system             check the installed system: the merged system config
                           (/etc/cloud/cloud.cfg, cloud.cfg.d, /run/cloud-init/cloud.cfg)
                           and the instance's user and vendor cloud-config and
                           network config (under --root)
  -a, --annotate           print the file with the problems marked on their lines

Errors, deprecations and warnings are listed apart, each with its line and column.
Exit status: 0 valid (deprecations and warnings alone do not fail), 1 invalid, 2 usage error.
`;

function usageError(message: string): number {
  err(`stratus schema: ${message}\n\n${HELP}`);
  return 2;
}

export const schema: Verb = async (argv, globals) => {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'config-file': { type: 'string', short: 'c' },
        'schema-type': { type: 'string', short: 't' },
        system: { type: 'boolean' },
        annotate: { type: 'boolean', short: 'a' },
        docs: { type: 'string' },
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
  if (values.docs !== undefined) return usageError('--docs is not supported: the schema documents only what stratus reads, see docs/');
  const file = values['config-file'];
  const type = (values['schema-type'] ?? 'cloud-config') as SchemaType;
  if (!TYPES.includes(type)) return usageError(`--schema-type ${JSON.stringify(type)} is not one of ${TYPES.join(', ')}`);
  if ((file === undefined) === !values.system) return usageError('give one of --config-file (-c) FILE or --system');
  if (values.system && values['schema-type'] !== undefined) return usageError('--schema-type goes with --config-file; --system checks every kind it finds');

  let inputs: SchemaInput[];
  if (file !== undefined) {
    const read = readInput(file, type === 'network-config' ? 'a network config' : 'a cloud-config');
    if ('error' in read) {
      err(`stratus schema: ${read.error}\n`);
      return 1;
    }
    const report = type === 'network-config' ? checkNetworkConfig(read.text, file) : checkCloudConfigText(read.text, file);
    inputs = [{ kind: type, label: `${type} ${file}`, source: file, text: read.text, report }];
  } else {
    const fs = new DiskRoot(globals.root);
    inputs = systemInputs(fs);
    const network = datasourceNetworkInput(fs);
    if (network) inputs.push(network);
    out(`Found data to check: ${inputs.map((i) => i.kind).join(', ')}\n\n`);
  }

  // --system lists its inputs numbered (as cloud-init does), even when it found only one.
  const numbered = values.system === true;
  let valid = true;
  inputs.forEach((input, i) => {
    const ok = isValid(input.report);
    valid &&= ok;
    if (values.annotate && input.text !== undefined) {
      if (numbered) out(`${i + 1}. ${input.label}:\n`);
      out(annotate(input.text, input.report, input.source));
      out(`\n${ok ? 'Valid' : 'Invalid'} schema ${input.label}\n${i + 1 < inputs.length ? '\n' : ''}`);
      return;
    }
    if (numbered) {
      out(`${i + 1}. ${input.label}:\n${ok ? '  Valid\n' : '  Invalid\n'}${formatSections(input.report, input.source, '  ')}${i + 1 < inputs.length ? '\n' : ''}`);
    } else {
      out(`${ok ? 'Valid' : 'Invalid'} schema ${input.label}\n${formatSections(input.report, input.source)}`);
    }
  });
  return valid ? 0 : 1;
};

/** Network config through the network parser (the boot's own), its warnings apart from its errors. */
function checkNetworkConfig(text: string, source: string, kind: InputKind = 'yaml'): SchemaReport {
  const result = readNetworkInput(text, source, kind);
  const report: SchemaReport = { errors: [], deprecations: [], warnings: [] };
  for (const d of result.diagnostics) (d.severity === 'error' ? report.errors : report.warnings).push(d);
  return report;
}

/** The network config the datasource gave the current instance (from the instance cache), if any. */
function datasourceNetworkInput(fs: RootFs): SchemaInput | null {
  const r = readCurrentCache(fs);
  const n = 'cache' in r ? r.cache.crawled.networkConfig : null;
  if (!n) return null;
  return { kind: 'network-config', label: `network-config from ${n.source}`, source: n.source, text: n.text, report: checkNetworkConfig(n.text, n.source, n.kind) };
}

/** Larger inputs are refused: a config is kilobytes, and a pipe or device must not exhaust memory. */
const MAX_INPUT_BYTES = 4 * 1024 * 1024;

function readInput(path: string, what: string): { text: string } | { error: string } {
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
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) {
      total += n;
      if (total > MAX_INPUT_BYTES) return { error: `${path} is larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB, too large for ${what}` };
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
  } catch (e) {
    return { error: `cannot read ${path}: ${describeErrno(e)}` };
  } finally {
    closeSync(fd);
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)) };
  } catch {
    return { error: `${path} is not UTF-8 text (${what} is YAML text)` };
  }
}

function describeErrno(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const known: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'it is a directory' };
  return (code !== undefined ? known[code] : undefined) ?? (e as Error).message;
}
