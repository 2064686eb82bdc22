/**
 * The cloud-config corpus booted: each example is the user-data of a whole
 * planned boot (all four stages on an in-memory overlay of a temporary
 * target, so commands are listed, not run). Valid and merely imperfect
 * configs must boot without a stage error; the few that are wrong in a way
 * a module cannot skip fail exactly that module. No password from the
 * corpus may reach the log.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { planBoot } from '../../src/stages/boot.ts';
import { REPO } from '../cli/cli.ts';

const DIR = join(REPO, 'test/config/corpus');

/** Corpus files whose boot must fail one module, with the start of its error. */
const FAILS: Record<string, string> = {
  'power-state-bad.yaml': 'module power_state_change failed: power_state.mode "restart"',
  'timezone-bad.yaml': 'module timezone failed: timezone ["Europe/Berlin"] is not a zone name',
};

const root = mkdtempSync(join(tmpdir(), 'stratus-corpus-'));
after(() => rmSync(root, { recursive: true, force: true }));
// A target with a network stack, the ip tool, and the zone the corpus asks for.
const TARGET: Record<string, string> = {
  'usr/sbin/netplan': '',
  'usr/sbin/ip': '',
  'usr/share/zoneinfo/America/Montevideo': 'TZif',
  'etc/os-release': 'ID=debian\nVERSION_CODENAME=bookworm\n',
};
for (const [path, content] of Object.entries(TARGET)) {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), content);
}

for (const file of readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort()) {
  test(`corpus ${file} boots`, async () => {
    const userData = readFileSync(join(DIR, file));
    const planned = await planBoot({ root, debug: false, force: false, files: [], dryRun: true }, {
      'meta-data': Buffer.from('instance-id: iid-corpus\nlocal-hostname: corpus\n'),
      'user-data': userData,
    });
    const errors = planned.runs.flatMap((r) => r.run.ctx.log.records.filter((x) => x.level === 'ERROR').map((x) => `${r.stage}: ${x.message}`));
    const expected = FAILS[file];
    if (expected) {
      assert.equal(errors.length, 1, errors.join('\n'));
      assert.ok(errors[0]?.includes(expected), errors[0]);
    } else {
      assert.deepEqual(errors, []);
      assert.deepEqual(planned.runs.map((r) => r.run.exitCode), [0, 0, 0, 0]);
    }
    const log = planned.runs.flatMap((r) => r.run.ctx.log.records.map((x) => x.message)).join('\n');
    for (const secret of ['changeme', 'notarealhashvalue']) assert.ok(!log.includes(secret), `${secret} in the log`);
  });
}
