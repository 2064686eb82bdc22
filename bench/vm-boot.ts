// npm run bench:vm [-- --only 1,4] — boots every VM scenario on both flavours (stratus, cloud-init),
// prints time to cloud-final finished, the four units' blame times and total boot, what a bare
// interpreter start and the agent's --version cost in each guest once booted (vmtest.probe), and
// writes bench/results/vm-boot.json.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDeb } from '../test/vm/deb.ts';
import type { Flavour } from '../test/vm/image.ts';
import { unitSeconds } from '../test/vm/report.ts';
import { runScenario, type ScenarioOutcome } from '../test/vm/runner.ts';
import { SCENARIOS } from '../test/vm/scenarios.ts';

const UNITS = ['cloud-init-local.service', 'cloud-init.service', 'cloud-config.service', 'cloud-final.service'];
const FLAVOURS: readonly Flavour[] = ['stratus', 'cloudinit'];

interface Row {
  scenario: string;
  flavour: Flavour;
  boot: number;
  passed: boolean;
  finalDoneSeconds: number | null;
  units: Record<string, number | null>;
  bootSeconds: number | null;
  wallSeconds: number;
  state: string;
  /** Per probe command (test/vm/guest/vm-report, vmtest.probe): its median wall seconds in the booted guest. */
  probe: Record<string, number>;
}

/** The `@@VMR probe|<command>|<seconds>` lines of a boot's serial log, as medians per command. */
function probes(runDir: string): Record<string, number> {
  const file = join(runDir, 'serial.log');
  const by = new Map<string, number[]>();
  for (const m of (existsSync(file) ? readFileSync(file, 'utf8') : '').matchAll(/@@VMR probe\|([^|\n]*)\|([\d.]+)/g)) {
    by.set(m[1]!, [...(by.get(m[1]!) ?? []), Number(m[2])]);
  }
  return Object.fromEntries([...by].map(([c, xs]) => [c, [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!]));
}

function onlyArg(argv: readonly string[]): number[] | undefined {
  const i = argv.indexOf('--only');
  return i >= 0 ? (argv[i + 1] ?? '').split(',').map(Number) : undefined;
}

function rows(o: ScenarioOutcome): Row[] {
  return o.boots.map((b) => ({
    scenario: `${o.id} ${o.scenario}`,
    flavour: o.flavour,
    boot: b.boot,
    passed: b.failures.length === 0,
    finalDoneSeconds: b.report.finalDoneSeconds ?? null,
    // unit durations from systemd's monotonic stamps: the same number `systemd-analyze blame` prints
    units: Object.fromEntries(UNITS.map((u) => [u, unitSeconds(b.report.units[u]) ?? null])),
    bootSeconds: b.report.bootSeconds ?? null,
    wallSeconds: b.result.wallSeconds,
    state: b.report.state,
    probe: probes(b.runDir),
  }));
}

const fmt = (n: number | null): string => (n === null ? '-' : n.toFixed(1));

async function main(): Promise<void> {
  const only = onlyArg(process.argv.slice(2));
  const deb = await buildDeb();
  const log = (m: string): void => console.error(m);
  const all: Row[] = [];
  for (const sc of SCENARIOS.filter((s) => !only || only.includes(s.id))) {
    for (const flavour of FLAVOURS) all.push(...rows(await runScenario(sc, flavour, flavour === 'stratus' ? deb : undefined, log, { probe: true })));
  }
  const head = ['scenario', 'flavour', 'boot', 'ok', 'final done', 'local', 'network', 'config', 'final', 'systemd total', 'wall', 'state'];
  const table = all.map((r) => [
    r.scenario, r.flavour, String(r.boot), r.passed ? 'yes' : 'NO', fmt(r.finalDoneSeconds),
    ...UNITS.map((u) => fmt(r.units[u] ?? null)), fmt(r.bootSeconds), fmt(r.wallSeconds), r.state,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log(line(head));
  for (const row of table) console.log(line(row));
  console.log('\nin the booted guest, median of 3 (s):');
  for (const r of all) console.log(`  ${r.scenario} / ${r.flavour}: ${Object.entries(r.probe).map(([c, s]) => `${c} ${s.toFixed(1)}`).join(', ') || 'no probe'}`);
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'vm-boot.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), deb: deb.sha256, seconds: 'since kernel start (final done) / unit durations', rows: all }, null, 2) + '\n');
  console.log(`\nwritten ${out}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
