import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { DiskRoot, OverlayRoot } from '../../src/host/root-fs.ts';
import { makeStageContext } from '../../src/stages/context.ts';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { seedRandom } from '../../src/modules/seed-random.ts';
import { cleanupRoots, instance, runModule } from './harness.ts';

after(cleanupRoots);

describe('seed_random', () => {
  it('appends the decoded data and the metadata seed to the file, logging only the size', async () => {
    const data = Buffer.from([0, 1, 2, 250, 251, 252]);
    const r = await runModule(
      seedRandom,
      { random_seed: { file: '/var/seed', data: data.toString('base64'), encoding: 'base64' } },
      { files: { '/var/seed': 'old' }, instance: instance({ metaData: { 'instance-id': 'iid-test', random_seed: 'MDSEED' } }) },
    );
    assert.deepEqual(readFileSync(join(r.root, 'var/seed')), Buffer.concat([Buffer.from('old'), data, Buffer.from('MDSEED')]));
    assert.equal(r.mode('/var/seed'), 0o600);
    assert.match(r.logText, /12 bytes added to \/var\/seed/);
    assert.doesNotMatch(r.logText, /MDSEED|AAEC/);
  });

  it('reads raw and gzip data; /dev/urandom is the default file', async () => {
    const raw = await runModule(seedRandom, { random_seed: { data: 'plain text' } });
    assert.equal(raw.read('/dev/urandom'), 'plain text');
    const gz = await runModule(seedRandom, { random_seed: { data: gzipSync('zipped').toString('base64'), encoding: 'gz' } });
    assert.equal(gz.read('/dev/urandom'), 'zipped');
  });

  it('warns about an unknown encoding and writes nothing from the data', async () => {
    const r = await runModule(seedRandom, { random_seed: { data: 'x', encoding: 'rot13' } });
    assert.equal(r.exists('/dev/urandom'), false);
    assert.match(r.logText, /WARNING: random_seed: unknown encoding "rot13"/);
  });

  it('records the command when the target has it, with RANDOM_SEED_FILE', async () => {
    const r = await runModule(seedRandom, { random_seed: { command: ['pollinate', '-q'] } }, { files: { '/usr/bin/pollinate': '#!/bin/sh\n' } });
    assert.deepEqual(r.commands, ['pollinate -q']);
  });

  it('a missing command is skipped, or an error when command_required', async () => {
    const soft = await runModule(seedRandom, { random_seed: { command: ['pollinate', '-q'] } });
    assert.equal(soft.error, undefined);
    assert.deepEqual(soft.commands, []);
    const hard = await runModule(seedRandom, { random_seed: { command: ['pollinate', '-q'], command_required: true } });
    assert.match(hard.error?.message ?? '', /pollinate is not on the target/);
  });

  it('when planning, leaves a device or FIFO alone instead of reading it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'stratus-seed-'));
    try {
      mkdirSync(join(root, 'dev'));
      execFileSync('mkfifo', [join(root, 'dev/urandom')]);
      const ctx = makeStageContext('init', new OverlayRoot(new DiskRoot(root)), { root, debug: false, force: false, files: [], dryRun: true });
      await seedRandom.run({ ctx, cfg: { random_seed: { data: 'abc' } }, instance: instance(), isNewInstance: true, distro: 'debian', args: [] });
      assert.match(ctx.log.records.map((r) => r.message).join('\n'), /3 bytes would be added to \/dev\/urandom/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
