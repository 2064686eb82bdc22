/**
 * The README's main command: the demo boots the example seed twice into a
 * sandbox root (here a temporary one) and every stage of both boots exits 0.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { REPO } from '../cli/cli.ts';
import { assertNoSecretLeaks, rootInputs } from './secrets-scan.ts';

const dir = mkdtempSync(join(tmpdir(), 'stratus-demo-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('npm run demo: two boots of examples/nocloud, status done, the second restored from the cache', async () => {
  const root = join(dir, 'root');
  // The bundle the demo runs is dist/stratus.js, which `npm test` has just built.
  const r = spawnSync(process.execPath, ['scripts/demo.mjs', '--root', root], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /=== first boot of examples\/nocloud/);
  assert.match(r.stdout, /status: done\n/);
  assert.match(r.stdout, /--- \/etc\/netplan\/50-cloud-init.yaml \(network config\)/);
  assert.match(r.stdout, /--- \/etc\/hostname\nstratus-example\n/);
  assert.match(r.stdout, /=== second boot of the same instance ===/);
  assert.match(r.stdout, /restored instance iid-stratus-example-01 from cache: NoCloud confirms the instance id locally/);
  assert.match(r.stdout, /module set_hostname already ran/);
  assert.equal((r.stdout.match(/exit 0/g) ?? []).length, 8, r.stdout);
  // The demo copies the example seed into its root: those files are its inputs, their secrets the scan's.
  const seed = Object.fromEntries(readdirSync(join(REPO, 'examples/nocloud')).map((n) => [`/var/lib/cloud/seed/nocloud/${n}`, readFileSync(join(REPO, 'examples/nocloud', n))]));
  await assertNoSecretLeaks({ dir: root, inputs: rootInputs(seed), secrets: [] }, [{ stage: 'demo', stdout: r.stdout, stderr: r.stderr }]);
});
