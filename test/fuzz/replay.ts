/**
 * Run saved inputs through a target in this process and print each verdict
 * and time: `node --import tsx test/fuzz/replay.ts <target> <file>...`
 * (for looking into a finding; the watchdog and the CI replay are in engine.ts).
 */
import { readFileSync } from 'node:fs';
import { targetByName } from './targets/index.ts';

async function main(): Promise<void> {
  const [name, ...files] = process.argv.slice(2);
  const t = targetByName(name ?? '');
  for (const f of files) {
    const t0 = process.hrtime.bigint();
    const v = await t.run(readFileSync(f));
    console.log(`${f}: ${JSON.stringify(v)} ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ms`);
  }
}

void main();
