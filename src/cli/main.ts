/**
 * The `stratus` command: dispatches to one module per verb. Verbs are loaded
 * on demand so a stage pays only for the code it runs.
 */
import { err, out } from '../host/console.ts';
import { VERSION } from '../version.ts';

type Verb = (argv: string[]) => Promise<number>;

const VERBS: Record<string, { summary: string; load: () => Promise<Verb> }> = {
  'net-convert': {
    summary: 'convert a network config into files for a network stack',
    load: async () => (await import('./net-convert.ts')).netConvert,
  },
};

/** Verbs not listed in the usage text. */
const HIDDEN: Record<string, () => Promise<Verb>> = {
  'warm-code-cache': async () => (await import('./warm-code-cache.ts')).warmCodeCache,
};

function usage(): string {
  const lines = [
    'usage: stratus [--help] [--version] VERB [ARGS...]',
    '',
    'stratus is a cloud-init-compatible instance initialization agent.',
    '',
    'verbs:',
    ...Object.entries(VERBS).map(([name, v]) => `  ${name.padEnd(14)} ${v.summary}`),
    '',
    '"stratus VERB --help" describes a verb. "devel net-convert" is accepted as cloud-init spells it.',
  ];
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  let args = argv;
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
  if (hidden) return (await hidden())(rest);
  const entry = Object.hasOwn(VERBS, verb) ? VERBS[verb] : undefined;
  if (!entry) {
    err(`stratus: unknown verb ${JSON.stringify(verb)}\n\n${usage()}\n`);
    return 2;
  }
  return (await entry.load())(rest);
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
