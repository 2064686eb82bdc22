/**
 * Options that come before the verb and apply to every verb:
 * `stratus [--root DIR] [--live-network] [--debug] [--force] VERB ...`.
 */
export interface Globals {
  /** Directory that stands for the target's "/" (default "/"). */
  root: string;
  debug: boolean;
  force: boolean;
  /** Under --root, metadata services may still be reached through this machine's (namespace's) network. */
  liveNetwork?: boolean;
}

export type Verb = (argv: string[], globals: Globals) => Promise<number>;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Splits leading global options from the verb and its arguments. */
export function parseGlobals(argv: readonly string[]): { globals: Globals; rest: string[] } {
  const globals: Globals = { root: '/', debug: false, force: false, liveNetwork: false };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--root') {
      const v = argv[++i];
      if (v === undefined || v === '') throw new UsageError('--root needs a directory');
      globals.root = v;
    } else if (a.startsWith('--root=')) {
      globals.root = a.slice('--root='.length);
      if (globals.root === '') throw new UsageError('--root needs a directory');
    } else if (a === '--debug' || a === '-d') {
      globals.debug = true;
    } else if (a === '--force') {
      globals.force = true;
    } else if (a === '--live-network') {
      globals.liveNetwork = true;
    } else {
      break;
    }
  }
  return { globals, rest: argv.slice(i) };
}
