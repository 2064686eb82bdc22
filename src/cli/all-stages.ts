/**
 * `stratus --all-stages`: the whole boot in one process (cloud-init's
 * single-process mode). The four stage units do not start Node: each runs
 * the shell shim /usr/lib/stratus/stage-shim, which says "start" on its
 * stage's channel (host/stage-channels.ts) and exits with the status this
 * process answers. Each stage runs exactly as its own verb would (`init
 * --local`, `init`, `modules --mode=config|final`): the same bookkeeping,
 * log and exit status, so systemd's ordering of the units and the
 * exit-code contract stay as they are. The process ends after the final
 * stage; one start, one bundle load and one compile serve all four stages.
 *
 *   stratus [--root DIR] --all-stages [--channels DIR]
 *
 * --channels: where the FIFOs are (default /run/cloud-init/share under the
 * root). Exit status: 0, or 1 when a stage failed (as cloud-init).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { err, out } from '../host/console.ts';
import { openStageChannels, type StageChannel } from '../host/stage-channels.ts';
import { RUN_DIR } from '../stages/paths.ts';
import type { Globals } from './globals.ts';
import { init, modules } from './stages.ts';

const HELP = `usage: stratus [--root DIR] --all-stages [--channels DIR]

Run the four boot stages in this one process, each when its unit's shim
(/usr/lib/stratus/stage-shim STAGE) asks for it; exits after the final stage.

  --channels DIR   the stage FIFOs (default ${RUN_DIR}/share under the root)
`;

/** Each stage as the verb its own unit would run. */
const STAGE_ARGS: Record<StageChannel, [typeof init, string[]]> = {
  local: [init, ['--local']],
  network: [init, []],
  config: [modules, ['--mode=config']],
  final: [modules, ['--mode=final']],
};

export async function allStages(argv: string[], globals: Globals): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { channels: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (e) {
    err(`stratus --all-stages: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    out(HELP);
    return 0;
  }
  const dir = values.channels ?? join(globals.root, RUN_DIR, 'share');
  let channels;
  try {
    channels = openStageChannels(dir);
  } catch (e) {
    err(`stratus --all-stages: the stage channels in ${dir}: ${(e as Error).message}\n`);
    return 1;
  }
  err(`stratus --all-stages: waiting for the stages (channels: ${channels.origin})\n`);
  let failed = 0;
  try {
    for (;;) {
      const stage = await channels.next();
      const [verb, args] = STAGE_ARGS[stage];
      let code: number;
      try {
        code = await verb(args, globals);
      } catch (e) {
        // A bug in a stage must not leave its unit (and the boot) waiting: it is that stage's failure.
        err(`stratus --all-stages: internal error in the ${stage} stage: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        code = 70;
      }
      if (code !== 0) failed++;
      const message = code === 0 ? `stratus: the ${stage} stage is done` : `stratus: the ${stage} stage ended with status ${code} (see /var/log/cloud-init.log)`;
      if (!(await channels.answer(stage, code, message))) err(`stratus --all-stages: no shim took the answer of the ${stage} stage\n`);
      if (stage === 'final') break;
    }
  } finally {
    channels.close();
  }
  return failed > 0 ? 1 : 0;
}
