/**
 * A whole boot: the four stages in order, on one target. Used by `plan`
 * (on an in-memory overlay) and by the demo; a real boot runs the stages as
 * separate processes from systemd units.
 */
import { DiskRoot, OverlayRoot, type OverlayChange, type RootFs } from '../host/root-fs.ts';
import type { StageName, StageOptions } from './context.ts';
import { initStage } from './init.ts';
import { modulesStage } from './modules.ts';
import { RUN_DIR } from './paths.ts';
import { runStage, type StageRun } from './run-stage.ts';

export const BOOT_STAGES: readonly StageName[] = ['init-local', 'init', 'modules-config', 'modules-final'];

export async function runBoot(opts: StageOptions, fs: RootFs, stages: readonly StageName[] = BOOT_STAGES): Promise<{ stage: StageName; run: StageRun }[]> {
  const runs: { stage: StageName; run: StageRun }[] = [];
  for (const stage of stages) {
    const body = stage === 'init-local' || stage === 'init'
      ? (ctx: Parameters<typeof initStage>[0]) => initStage(ctx, stage === 'init-local')
      : (ctx: Parameters<typeof initStage>[0]) => modulesStage(ctx, stage === 'modules-config' ? 'config' : 'final');
    runs.push({ stage, run: await runStage(stage, opts, body, fs) });
  }
  return runs;
}

export interface PlannedBoot {
  changes: OverlayChange[];
  base: RootFs;
  runs: { stage: StageName; run: StageRun }[];
}

/**
 * The next boot, computed without touching the target: a fresh /run (it is
 * a tmpfs), optionally a NoCloud seed put in place, then all four stages on
 * an overlay. Commands are listed, not run.
 */
export async function planBoot(opts: StageOptions, seed?: Record<string, Buffer>): Promise<PlannedBoot> {
  const base = new DiskRoot(opts.root);
  const overlay = new OverlayRoot(base);
  overlay.remove(RUN_DIR);
  if (seed) {
    overlay.writeFiles(Object.entries(seed).map(([name, content]) => ({ path: `/var/lib/cloud/seed/nocloud/${name}`, content, mode: 0o600 })));
  }
  const runs = await runBoot({ ...opts, dryRun: true }, overlay);
  return { changes: overlay.changes(), base, runs };
}
