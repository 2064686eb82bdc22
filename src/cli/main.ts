/**
 * The `stratus` command: global options, then one module per verb. Verbs are
 * loaded on demand so a stage pays only for the code it runs.
 */
import { err, out } from '../host/console.ts';
import { VERSION } from '../version.ts';
import { parseGlobals, UsageError, type Verb } from './globals.ts';

const VERBS: Record<string, { summary: string; load: () => Promise<Verb> }> = {
  init: { summary: 'run the init stage (--local: the local stage)', load: async () => (await import('./stages.ts')).init },
  modules: { summary: 'run the config or final modules (--mode=config|final)', load: async () => (await import('./stages.ts')).modules },
  status: { summary: 'show the boot status (exit 0 healthy, 1 error, 2 degraded)', load: async () => (await import('./status.ts')).status },
  query: { summary: 'print instance data', load: async () => (await import('./query.ts')).query },
  'cloud-id': { summary: 'print the cloud id', load: async () => (await import('./cloud-id.ts')).cloudId },
  clean: { summary: 'remove state and the config stratus wrote', load: async () => (await import('./clean.ts')).clean },
  schema: { summary: 'check a cloud-config or network config against the schema', load: async () => (await import('./schema.ts')).schema },
  identify: { summary: 'decide from local facts whether stratus runs this boot (the generator runs it)', load: async () => (await import('./identify.ts')).identifyVerb },
  plan: { summary: 'show what a boot would write, as a diff, without changing anything', load: async () => (await import('./plan.ts')).plan },
  analyze: { summary: 'report where the boot went from the log (show, blame, dump, boot)', load: async () => (await import('./analyze.ts')).analyze },
  'hotplug-hook': { summary: 'handle NIC hotplug events (query, enable, handle, drain)', load: async () => (await import('./hotplug-hook.ts')).hotplugHook },
  'net-convert': {
    summary: 'convert a network config into files for a network stack',
    load: async () => (await import('./net-convert.ts')).netConvert,
  },
};

/** Verbs not listed in the usage text. */
const HIDDEN: Record<string, () => Promise<Verb>> = {
  // cloud-init spells the single-process boot as a global flag.
  '--all-stages': async () => (await import('./all-stages.ts')).allStages,
  'warm-code-cache': async () => (await import('./warm-code-cache.ts')).warmCodeCache,
};

function usage(): string {
  const lines = [
    'usage: stratus [--root DIR] [--live-network] [--debug] [--force] [--help] [--version] VERB [ARGS...]',
    '',
    'stratus is a cloud-init-compatible instance initialization agent.',
    '',
    '  --root DIR   the target system is under DIR (default /): every path is read and written there',
    '  --live-network  with --root: the network stratus runs in is the instance\'s; the local stage may take',
    '               an ephemeral DHCP lease there to reach a metadata service (for network namespaces)',
    '',
    'verbs:',
    ...Object.entries(VERBS).map(([name, v]) => `  ${name.padEnd(14)} ${v.summary}`),
    '',
    '"stratus VERB --help" describes a verb. "devel net-convert" is accepted as cloud-init spells it.',
  ];
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseGlobals(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`stratus: ${e.message}\n\n${usage()}\n`);
    return 2;
  }
  const { globals } = parsed;
  let args = parsed.rest;
  if (args[0] === 'devel') args = args.slice(1);
  const [verb, ...rest] = args;
  if (verb === undefined || verb === '--help' || verb === '-h') {
    (verb === undefined ? err : out)(`${usage()}\n`);
    return verb === undefined ? 2 : 0;
  }
  if (verb === '--version' || verb === 'version') {
    out(`stratus ${VERSION}\n`);
    return 0;
  }
  const hidden = Object.hasOwn(HIDDEN, verb) ? HIDDEN[verb] : undefined;
  if (hidden) return (await hidden())(rest, globals);
  const entry = Object.hasOwn(VERBS, verb) ? VERBS[verb] : undefined;
  if (!entry) {
    err(`stratus: unknown verb ${JSON.stringify(verb)}\n\n${usage()}\n`);
    return 2;
  }
  return (await entry.load())(rest, globals);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // Every expected failure is reported by the verb itself; this is a bug.
    err(`stratus: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 70;
  },
);
