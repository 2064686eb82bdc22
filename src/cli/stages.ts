/**
 * The boot stages as verbs: `init [--local]` and `modules --mode=config|final`,
 * each with `--file` (extra config, highest priority), `--debug` and `--force`
 * (also accepted before the verb). Exit status: 0, or 1 when the stage
 * recorded errors (the number of errors is in status.json, not the exit code).
 */
import { parseArgs } from 'node:util';
import { err, out } from '../host/console.ts';
import type { StageOptions } from '../stages/context.ts';
import { initStage } from '../stages/init.ts';
import { modulesStage } from '../stages/modules.ts';
import { runStage } from '../stages/run-stage.ts';
import { VERSION } from '../version.ts';
import type { Globals } from './globals.ts';

const INIT_HELP = `usage: stratus [--root DIR] init [--local] [--file FILE]... [--debug] [--force]

Run the init stage: find the datasource and the instance, publish instance
data and write the network config. --local runs the local stage, before the
network is up (the network config is written, never brought up).

  --local        the local stage (init-local)
  -f, --file F   extra config file (a target path), highest priority; repeatable
  --force        go on without a datasource
  --debug        log everything to stderr
`;

const MODULES_HELP = `usage: stratus [--root DIR] modules --mode=config|final [--file FILE]... [--debug] [--force]

Run the config modules of the config or final stage on the cached instance.
`;

function options(globals: Globals, files: string[] | undefined, debug: boolean | undefined, force: boolean | undefined): StageOptions {
  return { root: globals.root, debug: globals.debug || debug === true, force: globals.force || force === true, files: files ?? [], dryRun: false, liveNetwork: globals.liveNetwork === true };
}

function welcome(stage: string): void {
  err(`stratus v. ${VERSION} running '${stage}' at ${new Date().toUTCString().replace('GMT', '+0000')}.\n`);
}

export async function init(argv: string[], globals: Globals): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { local: { type: 'boolean', short: 'l' }, file: { type: 'string', short: 'f', multiple: true }, debug: { type: 'boolean', short: 'd' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    err(`stratus init: ${(e as Error).message}\n\n${INIT_HELP}`);
    return 2;
  }
  if (values.help) {
    out(INIT_HELP);
    return 0;
  }
  const local = values.local === true;
  const stage = local ? 'init-local' : 'init';
  welcome(stage);
  const run = await runStage(stage, options(globals, values.file, values.debug, values.force), (ctx) => initStage(ctx, local));
  return run.exitCode;
}

export async function modules(argv: string[], globals: Globals): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { mode: { type: 'string', short: 'm' }, file: { type: 'string', short: 'f', multiple: true }, debug: { type: 'boolean', short: 'd' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    err(`stratus modules: ${(e as Error).message}\n\n${MODULES_HELP}`);
    return 2;
  }
  if (values.help) {
    out(MODULES_HELP);
    return 0;
  }
  const mode = values.mode;
  if (mode === 'init') {
    err('stratus modules: --mode=init is deprecated in cloud-init and not supported; the init modules run in `stratus init`\n');
    return 2;
  }
  if (mode !== 'config' && mode !== 'final') {
    err(`stratus modules: --mode must be config or final\n\n${MODULES_HELP}`);
    return 2;
  }
  const stage = mode === 'config' ? 'modules-config' : 'modules-final';
  welcome(stage);
  const run = await runStage(stage, options(globals, values.file, values.debug, values.force), (ctx) => modulesStage(ctx, mode));
  return run.exitCode;
}
