/**
 * Runs one stage with cloud-init's bookkeeping around it: status.json
 * before and after (the local stage starts a fresh boot record), the log
 * appended to /var/log/cloud-init.log, result.json after the final stage.
 * An exception in a stage is a stage error, never a crash without a status.
 */
import { nowMs } from '../host/clock.ts';
import { err } from '../host/console.ts';
import { DiskRoot, OverlayRoot, type RootFs } from '../host/root-fs.ts';
import { emptyStatus, parseStatusFile, resultFrom, resultText, stageFinished, stageStarted, statusText, type StatusFile } from '../report/status-file.ts';
import { makeStageContext, type StageContext, type StageName, type StageOptions } from './context.ts';
import { eventFinish, eventStart } from './events.ts';
import { CLOUD_DIR, paths } from './paths.ts';

export interface StageOutcome {
  errors: string[];
  /** str() of the datasource, when the stage knows it. */
  datasource?: string | null;
}

export interface StageRun {
  exitCode: number;
  ms: number;
  ctx: StageContext;
}

/** The stage events' descriptions, cloud-init's. */
const STAGE_DESCRIPTION: Record<StageName, string> = {
  'init-local': 'searching for local datasources',
  init: 'searching for network datasources',
  'modules-config': 'running modules for config',
  'modules-final': 'running modules for final',
};

function readStatus(ctx: StageContext): StatusFile {
  const text = ctx.fs.readText(paths.statusFile);
  if (text === null) return emptyStatus();
  const parsed = parseStatusFile(text);
  if (parsed.ok) return parsed.value;
  ctx.log.warn(`${paths.statusFile}: ${parsed.problem}; starting a new status record`);
  return emptyStatus();
}

function writeStatus(ctx: StageContext, status: StatusFile): void {
  ctx.fs.writeFiles([{ path: paths.statusFile, content: statusText(status), mode: 0o644 }]);
  if (ctx.fs.readLink(paths.runStatusLink) !== paths.statusFile) ctx.fs.symlink(paths.statusFile, paths.runStatusLink);
}

function describe(e: unknown): string {
  const x = e as NodeJS.ErrnoException;
  if (x?.code === 'EROFS') return `the target filesystem is read-only (${x.path ?? x.message})`;
  if (x?.code === 'EACCES' || x?.code === 'EPERM') return `permission denied: ${x.path ?? x.message}`;
  if (x?.code === 'ENOSPC') return `no space left on the target (${x.path ?? x.message})`;
  return e instanceof Error ? e.message : String(e);
}

export function targetFs(opts: StageOptions): RootFs {
  const disk = new DiskRoot(opts.root);
  return opts.dryRun ? new OverlayRoot(disk) : disk;
}

export async function runStage(
  stage: StageName,
  opts: StageOptions,
  body: (ctx: StageContext) => Promise<StageOutcome>,
  fs: RootFs = targetFs(opts),
): Promise<StageRun> {
  const started = nowMs();
  const ctx = makeStageContext(stage, fs, opts);
  const logged = { count: 0 };
  eventStart(ctx, null, STAGE_DESCRIPTION[stage]);
  let status: StatusFile;
  try {
    if (stage === 'init-local') {
      for (const p of [paths.statusFile, paths.resultFile, paths.runStatusLink, paths.runResultLink, `${paths.instanceLink}/boot-finished`]) fs.remove(p);
    }
    for (const d of [`${CLOUD_DIR}/scripts/per-instance`, `${CLOUD_DIR}/scripts/per-once`, `${CLOUD_DIR}/scripts/per-boot`, `${CLOUD_DIR}/scripts/vendor`, paths.seedDir, paths.instancesDir, paths.handlersDir, paths.semDir, paths.dataDir, paths.runSemDir]) {
      fs.mkdir(d);
    }
    status = readStatus(ctx);
    if (status.v1[stage].start !== null && status.v1[stage].finished === null) ctx.log.warn(`stage ${stage} is run again: it started at ${status.v1[stage].start} s and did not finish`);
    status = stageStarted(status, stage, ctx.uptime());
    writeStatus(ctx, status);
  } catch (e) {
    err(`stratus ${stage}: cannot record the stage's status under ${opts.root}: ${describe(e)}\n`);
    eventFinish(ctx, null, 'FAIL', describe(e));
    ctx.log.flush(fs, logged);
    return { exitCode: 1, ms: nowMs() - started, ctx };
  }
  ctx.log.info(`stratus running '${stage}' at ${new Date().toUTCString()}. Up ${ctx.uptime().toFixed(2)} seconds.`);
  const mark = ctx.log.records.length;
  let outcome: StageOutcome;
  try {
    outcome = await body(ctx);
  } catch (e) {
    const msg = `stage ${stage} failed: ${describe(e)}`;
    ctx.log.error(msg);
    if (opts.debug && e instanceof Error && e.stack) ctx.log.debug(e.stack);
    outcome = { errors: [msg] };
  }
  // Errors are listed once: in `errors` when the stage says they are errors, not again as recoverable.
  const recoverable = ctx.log.recoverable(mark);
  if (recoverable['ERROR']) {
    recoverable['ERROR'] = recoverable['ERROR'].filter((m) => !outcome.errors.includes(m));
    if (recoverable['ERROR'].length === 0) delete recoverable['ERROR'];
  }
  status = stageFinished(status, stage, ctx.uptime(), outcome.errors, recoverable, outcome.datasource);
  let exitCode = outcome.errors.length > 0 ? 1 : 0;
  try {
    writeStatus(ctx, status);
    if (stage === 'modules-final') {
      fs.writeFiles([{ path: paths.resultFile, content: resultText(resultFrom(status)), mode: 0o644 }]);
      if (fs.readLink(paths.runResultLink) !== paths.resultFile) fs.symlink(paths.resultFile, paths.runResultLink);
    }
  } catch (e) {
    err(`stratus ${stage}: cannot record the stage's status: ${describe(e)}\n`);
    exitCode = 1;
  }
  eventFinish(ctx, null, exitCode !== 0 ? 'FAIL' : Object.keys(recoverable).length > 0 ? 'WARN' : 'SUCCESS', STAGE_DESCRIPTION[stage]);
  ctx.log.flush(fs, logged);
  return { exitCode, ms: nowMs() - started, ctx };
}
