/**
 * The fuzzer's CI run: every target for a fixed budget of inputs from a
 * fixed seed (printed in each test's name; FUZZ_SEED and FUZZ_COUNT change
 * them), and every input in regressions/ replayed. A crash or a hang (an
 * input over 1 s, confirmed by a second run in a fresh worker) fails.
 *
 * The 1 s per input is the hang bound, not a speed requirement:
 * a parser takes milliseconds, so an input that needs a second is stuck.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { replayInputs, runTarget } from './engine.ts';
import { FUZZ_DIR } from './seeds.ts';
import { TARGETS, targetByName } from './targets/index.ts';

const SEED = process.env['FUZZ_SEED'] ?? 'ci-20261203';
const COUNT = Number(process.env['FUZZ_COUNT'] ?? 1000);
const REGRESSIONS = join(FUZZ_DIR, 'regressions');

const saveDir = mkdtempSync(join(tmpdir(), 'stratus-fuzz-'));
let failed = false;
after(() => {
  if (failed) console.log(`fuzz: failing inputs kept in ${saveDir}`);
  else rmSync(saveDir, { recursive: true, force: true });
});

describe('regressions: every saved input is handled (no crash, no hang)', { timeout: 120_000 }, () => {
  const dirs = existsSync(REGRESSIONS) ? readdirSync(REGRESSIONS, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort() : [];
  for (const dir of dirs) {
    test(dir, async () => {
      const target = targetByName(dir);
      const files = readdirSync(join(REGRESSIONS, dir)).filter((f) => !f.endsWith('.txt')).sort();
      assert.ok(files.length > 0, `regressions/${dir} is empty`);
      const results = await replayInputs(target, files.map((f) => ({ name: f, input: readFileSync(join(REGRESSIONS, dir, f)) })));
      const bad = results.filter((r) => r.verdict.kind === 'crash' || r.verdict.kind === 'hang');
      assert.deepEqual(bad.map((r) => `${r.name}: ${JSON.stringify(r.verdict)}`), []);
    });
  }
});

describe(`fuzz: ${COUNT} inputs per target, seed ${SEED}`, { timeout: 600_000 }, () => {
  for (const target of TARGETS) {
    test(`${target.name} (seed ${SEED})`, async () => {
      const stats = await runTarget(target, { seed: SEED, count: COUNT, coverage: false, saveDir, log: (l) => console.log(l) });
      console.log(`fuzz ${target.name}: seed ${SEED}: ${stats.inputs} inputs, ${stats.accepted} accepted, ${stats.rejected} rejected, ${stats.crashes} crashes, ${stats.hangs} hangs, slowest ${stats.slowestMs.toFixed(1)} ms`);
      assert.equal(stats.inputs, COUNT);
      // Accepting or rejecting everything would mean the mutator is broken (or the parser lost its checks).
      assert.ok(stats.accepted + stats.rejected > 0);
      if (stats.crashes + stats.hangs > 0) failed = true;
      assert.deepEqual(stats.findings.map((f) => `input ${f.index} (${f.kind}): ${f.reason} ${f.file ?? ''}`), []);
    });
  }
});
