/**
 * The on-demand fuzz run (issue 12): every target (or those named with
 * --target, comma-separated) for --count inputs (default 100,000) with
 * coverage sampling, then a table and bench/results/fuzz.json. Crashing
 * and hanging inputs are saved under bench/results/fuzz-findings/<target>/.
 *
 *   nice -n 10 npm run fuzz -- [--seed S] [--count N] [--target a,b] [--no-coverage]
 *
 * An input is reproducible from its saved file, or from the seed and its
 * index (rerun the same target with the same seed and --count past it).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTarget, type TargetStats } from '../test/fuzz/engine.ts';
import { TARGETS, targetByName } from '../test/fuzz/targets/index.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const seed = flag('seed') ?? String(Date.now() % 1_000_000_000);
const count = Number(flag('count') ?? 100_000);
const coverage = !args.includes('--no-coverage');
const targets = flag('target') ? flag('target')!.split(',').map(targetByName) : TARGETS;
const out = flag('json') ?? join(HERE, 'results/fuzz.json');
const saveDir = join(HERE, 'results/fuzz-findings');

console.log(`fuzz: seed ${seed}, ${count} inputs per target, ${targets.length} targets, coverage ${coverage ? 'on' : 'off'}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
type Result = TargetStats & { loadBefore: number[]; loadAfter: number[] };
const results: Result[] = [];
// A run of some targets keeps the other targets' results of earlier runs (each result has its own seed and count).
let earlier: Result[] = [];
try {
  const prev = JSON.parse(readFileSync(out, 'utf8')) as { results?: Result[] };
  earlier = (prev.results ?? []).filter((r) => !targets.some((t) => t.name === r.target));
} catch {
  // no earlier results
}
for (const t of targets) {
  const loadBefore = loadavg();
  console.log(`${t.name}: ${t.description}`);
  const s = await runTarget(t, { seed, count, coverage, saveDir, log: (l) => console.log(l) });
  results.push({ ...s, loadBefore, loadAfter: loadavg() });
  console.log(`  done: ${s.crashes} crashes, ${s.hangs} hangs, ${(s.wallMs / 1000).toFixed(0)} s`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ node: process.version, results: [...earlier, ...results.map((r) => ({ ...r, coverage }))] }, null, 2)}\n`);
}

const pct = (s: TargetStats): string => (s.reach ? `${((100 * s.reach.covered) / Math.max(1, s.reach.total)).toFixed(1)}%` : '-');
const rows = [
  ['target', 'seed', 'inputs', 'accepted', 'rejected', 'crashes', 'hangs', 'slowest ms', 'code reached', 'corpus +', 'time s'],
  ...[...earlier, ...results].map((s) => [s.target, s.seed, s.inputs, s.accepted, s.rejected, s.crashes, s.hangs, s.slowestMs.toFixed(1), pct(s), s.corpusAdded, (s.wallMs / 1000).toFixed(0)].map(String)),
];
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
console.log(`seed ${seed}; written ${out}; load now ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('"code reached": share of the bytes of the target\'s source files (as transpiled, files the run loaded) that any input executed, from V8 block coverage.');
process.exitCode = results.some((s) => s.crashes + s.hangs > 0) ? 1 : 0;
