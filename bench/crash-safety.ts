/**
 * Crash safety, on demand: kill -9 the built stratus at random points of a
 * boot into a new instance, N times (default 100), and check after each kill
 * that no file is half-written and that the next run converges (the trial
 * logic is test/hardening/crash-trials.ts; CI runs ten of them in
 * test/hardening/crash-safety.test.ts).
 *
 *   npm run crash-trials -- [--trials N] [--kills K] [--seed S] [--renderer R] [--stage 1-4] [--json FILE]
 *
 * It runs at least N trials (default 100) and goes on until K of them
 * (default 100) killed a stage that was still running: a kill timed by the
 * clock can land after a stage that ran faster than its measured time, and
 * such a trial proves only the recovery. At most 4·K trials.
 *
 * Trials take the renderers in turn (netplan, networkd, network-manager,
 * eni) unless --renderer names one; trial i uses seed S+i (S random unless
 * given), which draws its stage (unless --stage), its delay within that
 * stage's measured time, the kill (stratus alone or its process group) and
 * the recovery (reboot or same-boot retry). A failing trial prints its seed:
 * `--trials 1 --seed <seed> --renderer <r> --stage <n>` replays it.
 *
 * Prints the failures and a summary (kills per stage, where the kills landed
 * in time and in the stage's writes, temporary files left, total time) and
 * writes it to bench/results/crash-safety.json. Exits 1 when a trial failed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildCli, REPO } from '../test/cli/cli.ts';
import { STAGES } from '../test/e2e/harness.ts';
import { describeFailure, killPoint, planTrial, RENDERERS, rendererFor, runTrial, Worlds, type Renderer, type TrialResult } from '../test/hardening/crash-trials.ts';
import { loadAverage } from './lib.ts';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '100' },
    kills: { type: 'string', default: '100' },
    seed: { type: 'string' },
    renderer: { type: 'string' },
    stage: { type: 'string' },
    json: { type: 'string', default: join(REPO, 'bench/results/crash-safety.json') },
  },
});
const trials = Number(values.trials);
if (!Number.isInteger(trials) || trials < 1) throw new Error(`--trials ${values.trials}: a positive whole number, please`);
const kills = Number(values.kills);
if (!Number.isInteger(kills) || kills < 0) throw new Error(`--kills ${values.kills}: a whole number, please`);
const maxTrials = Math.max(trials, 4 * kills);
const base = values.seed === undefined ? Math.floor(Math.random() * 1_000_000) : Number(values.seed);
if (!Number.isInteger(base)) throw new Error(`--seed ${values.seed}: a whole number, please`);
if (values.renderer !== undefined && !(RENDERERS as readonly string[]).includes(values.renderer)) {
  throw new Error(`--renderer ${values.renderer}: one of ${RENDERERS.join(', ')}`);
}
const fixedStage = values.stage === undefined ? undefined : Number(values.stage) - 1;
if (fixedStage !== undefined && !(fixedStage >= 0 && fixedStage < STAGES.length && Number.isInteger(fixedStage))) {
  throw new Error(`--stage ${values.stage}: 1 to ${STAGES.length}`);
}

/** Counts of values falling in [0, 0.2), [0.2, 0.4) … [0.8, 1]. */
function fifths(xs: readonly number[]): number[] {
  const bins = [0, 0, 0, 0, 0];
  for (const x of xs) bins[Math.min(4, Math.max(0, Math.floor(x * 5)))]!++;
  return bins;
}

const loadBefore = loadAverage();
const t0 = Date.now();
const cli = buildCli();
const results: TrialResult[] = [];
const windows: Record<string, unknown> = {};
try {
  const worlds = new Worlds(cli);
  for (let i = 0, landed = 0; i < maxTrials && (i < trials || landed < kills); i++) {
    if (i < RENDERERS.length) {
      const w = await worlds.get((values.renderer as Renderer | undefined) ?? rendererFor(i));
      windows[w.renderer] = Object.fromEntries(STAGES.map(([name], k) => [name, { stage_ms: w.stageMs[k], writes_ms: w.writeWindowMs[k]!.map(Math.round), changes: w.writeEvents[k] }]));
    }
    const renderer = (values.renderer as Renderer | undefined) ?? rendererFor(i);
    const world = await worlds.get(renderer);
    const r = await runTrial(cli, world, planTrial(world, base + i, fixedStage));
    results.push(r);
    if (r.killedAtMs !== null) landed++;
    const where = r.killedAtMs === null ? 'ended first' : `killed at ${r.killedAtMs} ms, ${r.progress.done}/${r.progress.total} files`;
    const aim = 'delayMs' in r.at ? `${r.at.delayMs} ms` : `change #${r.at.afterWrites}`;
    console.log(`${String(i + 1).padStart(4)} seed ${r.seed} ${renderer.padEnd(15)} ${r.stageName.padEnd(14)} ${aim.padEnd(11)} ${where.padEnd(32)} ${r.mode}/${r.recovery} ${r.failures.length === 0 ? 'ok' : 'FAILED'}`);
    if (r.failures.length > 0) console.log(describeFailure(r));
  }
} finally {
  cli.dispose();
}
const totalS = (Date.now() - t0) / 1000;

const killed = results.filter((r) => r.killedAtMs !== null);
const failed = results.filter((r) => r.failures.length > 0);
const perStage = Object.fromEntries(
  STAGES.map(([name]) => {
    const of = results.filter((r) => r.stageName === name);
    const k = of.filter((r) => r.killedAtMs !== null);
    return [
      name,
      {
        trials: of.length,
        killed_while_running: k.length,
        ended_before_the_kill: of.length - k.length,
        // Where the kill landed in the stage's writes: none yet, some, all of them (files the reference run of the stage changes).
        files_written_none: k.filter((r) => r.progress.done === 0).length,
        files_written_some: k.filter((r) => r.progress.done > 0 && r.progress.done < r.progress.total).length,
        files_written_all: k.filter((r) => r.progress.total > 0 && r.progress.done === r.progress.total).length,
        files_the_stage_writes: [...new Set(of.map((r) => `${r.renderer} ${r.progress.total}`))].sort().join(', '),
      },
    ];
  }),
);
const summary = {
  trials: results.length,
  base_seed: base,
  failures: failed.length,
  killed_while_running: killed.length,
  by_renderer: Object.fromEntries(RENDERERS.map((r) => [r, results.filter((x) => x.renderer === r).length])),
  by_kill: { process: results.filter((r) => r.mode === 'process').length, group: results.filter((r) => r.mode === 'group').length },
  by_aim: { whole_stage: results.filter((r) => r.aim === 'stage').length, writes: results.filter((r) => r.aim === 'writes').length },
  write_windows_ms: windows,
  by_recovery: { reboot: results.filter((r) => r.recovery === 'reboot').length, retry: results.filter((r) => r.recovery === 'retry').length },
  per_stage: perStage,
  // Kill time as a fraction of the stage's measured time, in fifths.
  kill_time_fifths: fifths(killed.map((r) => r.killedAtMs! / r.stageMs)),
  // Fraction of the stage's files already new at the kill, in fifths (killed trials of stages that write files).
  files_written_fifths: fifths(killed.filter((r) => r.progress.total > 0).map((r) => r.progress.done / r.progress.total)),
  temp_files_after_kill: { trials: results.filter((r) => r.tempAfterKill.length > 0).length, files: results.flatMap((r) => r.tempAfterKill) },
  temp_files_after_recovery: { trials: results.filter((r) => r.tempAfterRecovery.length > 0).length, files: results.flatMap((r) => r.tempAfterRecovery) },
  total_s: Number(totalS.toFixed(1)),
  mean_trial_s: Number((results.reduce((s, r) => s + r.ms, 0) / 1000 / Math.max(1, results.length)).toFixed(2)),
  load_average_before: loadBefore,
  failed_trials: failed.map((r) => ({ seed: r.seed, renderer: r.renderer, stage: r.stageName, kill_point: killPoint(r), failures: r.failures })),
  trial_list: results.map((r) => ({
    seed: r.seed,
    renderer: r.renderer,
    stage: r.stageName,
    aim: r.aim,
    kill_point: killPoint(r),
    stage_ms: r.stageMs,
    killed_at_ms: r.killedAtMs,
    changes_seen: r.writesSeen,
    kill: r.mode,
    recovery: r.recovery,
    files: `${r.progress.done}/${r.progress.total}`,
    ok: r.failures.length === 0,
  })),
};
mkdirSync(dirname(values.json!), { recursive: true });
const head = { date: new Date().toISOString(), node: process.version, cpus: cpus().length, load_average_after: loadAverage() };
writeFileSync(values.json!, `${JSON.stringify({ ...head, ...summary }, null, 1)}\n`);

console.log(`\ncrash trials: ${results.length} (base seed ${base}), ${failed.length} failed, ${killed.length} killed a running stage; ${totalS.toFixed(0)} s in all; load ${loadBefore} before, ${loadAverage()} after`);
for (const [name, s] of Object.entries(perStage)) {
  console.log(
    `  ${name.padEnd(15)} ${String(s.trials).padStart(3)} trials, ${String(s.killed_while_running).padStart(3)} killed running ` +
      `(files of the stage written at the kill: none ${s.files_written_none}, some ${s.files_written_some}, all ${s.files_written_all}; the stage writes ${s.files_the_stage_writes})`,
  );
}
console.log(`  kills aimed at the whole stage ${summary.by_aim.whole_stage}, at its writes ${summary.by_aim.writes}; kill: process ${summary.by_kill.process}, group ${summary.by_kill.group}; recovery: reboot ${summary.by_recovery.reboot}, retry ${summary.by_recovery.retry}`);
console.log(`  kill time in fifths of the stage's time:       ${summary.kill_time_fifths.join(' / ')}`);
console.log(`  stage's files already new at the kill, fifths: ${summary.files_written_fifths.join(' / ')}`);
console.log(`  temporary files: after the kill in ${summary.temp_files_after_kill.trials} trials, after recovery in ${summary.temp_files_after_recovery.trials} (hidden, read by no stack)`);
console.log(`  results: ${values.json}`);
process.exitCode = failed.length > 0 ? 1 : 0;
