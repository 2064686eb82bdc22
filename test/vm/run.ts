// npm run test:vm [-- --ci] [--flavour stratus|cloudinit] [--only 1,4]
// Boots the scenarios one after another under QEMU TCG; exits non-zero when any assertion fails.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDeb, type Deb } from './deb.ts';
import type { Flavour } from './image.ts';
import { excerpt, runScenario, type ScenarioOutcome } from './runner.ts';
import { CI_SCENARIOS, SCENARIOS } from './scenarios.ts';

function parseArgs(argv: readonly string[]): { ids: number[]; flavour: Flavour } {
  let ids = SCENARIOS.map((s) => s.id);
  let flavour: Flavour = 'stratus';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--ci') ids = [...CI_SCENARIOS];
    else if (a === '--flavour') {
      const f = argv[++i];
      if (f !== 'stratus' && f !== 'cloudinit') throw new Error('--flavour stratus|cloudinit');
      flavour = f;
    } else if (a === '--only') ids = (argv[++i] ?? '').split(',').map(Number);
    else throw new Error(`unknown argument ${String(a)}`);
  }
  return { ids, flavour };
}

const log = (m: string): void => console.log(`[vm ${new Date().toISOString().slice(11, 19)}] ${m}`);

async function main(): Promise<number> {
  const { ids, flavour } = parseArgs(process.argv.slice(2));
  const deb: Deb | undefined = flavour === 'stratus' ? await buildDeb() : undefined;
  if (deb) log(`stratus package ${deb.path}`);
  const outcomes: ScenarioOutcome[] = [];
  for (const sc of SCENARIOS.filter((s) => ids.includes(s.id))) outcomes.push(await runScenario(sc, flavour, deb, log));
  let failed = 0;
  for (const o of outcomes) {
    for (const b of o.boots) {
      if (b.failures.length === 0) continue;
      failed++;
      const lines = readFileSync(join(b.runDir, 'serial.log'), 'utf8').split('\n').map((l) => l.replace(/^\[[ \d.]+\] /, ''));
      console.error(`\nFAIL ${o.id} ${o.scenario} / ${o.flavour}, boot ${b.boot}:\n  - ${b.failures.join('\n  - ')}\n  report excerpt:\n${excerpt(lines)}\n`);
    }
  }
  console.log(`\n${outcomes.filter((o) => o.passed).length}/${outcomes.length} scenarios passed on ${flavour}`);
  return failed === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(2);
});
