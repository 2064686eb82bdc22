/**
 * The cloud-config corpus applied: each example is the user-data of a whole
 * boot (all four stages, in this process) on a temporary target that has
 * account files, so `useradd --root`, `chpasswd --root` and `ssh-keygen`
 * really run; other commands are recorded, not run (the target is not /).
 * Valid and merely imperfect configs boot without a stage error; the few
 * that are wrong in a way a module cannot skip fail exactly that module.
 * No password or hash from the corpus may reach the log, instance data or
 * any file others may read.
 */
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { DiskRoot } from '../../src/host/root-fs.ts';
import { runBoot } from '../../src/stages/boot.ts';
import { REPO } from '../cli/cli.ts';
import { accountsRoot, cleanupAccountRoots } from '../modules/accounts-root.ts';
import { assertNoSecretLeaks, rootInputs } from './secrets-scan.ts';

const DIR = join(REPO, 'test/config/corpus');

/** Corpus files whose boot must fail one module, with the start of its error. */
const FAILS: Record<string, string> = {
  'power-state-bad.yaml': 'module power_state_change failed: power_state.mode "restart"',
  'timezone-bad.yaml': 'module timezone failed: timezone ["Europe/Berlin"] is not a zone name',
};

/** The passwords and hashes a corpus file holds (values of password keys, and `user:password` list lines). */
function secretsOf(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/(?:^|[\s{,-])(?:passwd|hashed_passwd|plain_text_passwd|password):[ \t]*['"]?([^\s'"]{4,})/gm)) found.add(m[1] as string);
  for (const m of text.matchAll(/^[ \t]+[a-z_][a-z0-9_-]*:([^\s:]{4,})[ \t]*$/gm)) found.add(m[1] as string);
  return [...found].filter((v) => !['RANDOM', 'true', 'false'].includes(v));
}

const TARGET: Record<string, string> = {
  '/usr/sbin/netplan': '',
  '/usr/sbin/ip': '',
  '/usr/share/zoneinfo/America/Montevideo': 'TZif',
  '/etc/os-release': 'ID=debian\nVERSION_CODENAME=bookworm\n',
  '/etc/cloud/cloud.cfg.d/10-default-user.cfg': 'system_info:\n  default_user: {name: debian, shell: /bin/bash, lock_passwd: true}\n',
  '/var/lib/cloud/seed/nocloud/meta-data': 'instance-id: iid-corpus\nlocal-hostname: corpus\n',
};

after(cleanupAccountRoots);

/** Files under the root that group or others may read (shadow files excepted: root:shadow 0640 is their normal mode). */
function readableFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && (st.mode & 0o044) !== 0 && !/^etc\/g?shadow-?$/.test(relative(root, p))) out.push(p);
    }
  };
  walk(root);
  return out;
}

for (const file of readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort()) {
  test(`corpus ${file} applied to a target`, async () => {
    const root = accountsRoot();
    for (const [path, content] of Object.entries(TARGET)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    const userData = readFileSync(join(DIR, file), 'utf8');
    // The seed is the test's input: only root may read it, as on a real image.
    writeFileSync(join(root, 'var/lib/cloud/seed/nocloud/user-data'), userData, { mode: 0o600 });
    writeFileSync(join(root, 'var/lib/cloud/seed/nocloud/meta-data'), TARGET['/var/lib/cloud/seed/nocloud/meta-data'] as string, { mode: 0o600 });
    const runs = await runBoot({ root, debug: false, force: false, files: [], dryRun: false }, new DiskRoot(root));
    const errors = runs.flatMap((r) => r.run.ctx.log.records.filter((x) => x.level === 'ERROR').map((x) => `${r.stage}: ${x.message}`));
    const expected = FAILS[file];
    if (expected) {
      assert.equal(errors.length, 1, errors.join('\n'));
      assert.ok(errors[0]?.includes(expected), errors[0]);
    } else {
      assert.deepEqual(errors, []);
      assert.deepEqual(runs.map((r) => r.run.exitCode), [0, 0, 0, 0]);
    }
    // The shared scan too (secrets-scan.ts): private file modes, base64 and JSON forms, the user-data itself.
    // The stages ran in this process, so their console output is not captured here; the log is scanned.
    await assertNoSecretLeaks({ dir: root, secrets: [], inputs: rootInputs({ '/var/lib/cloud/seed/nocloud/user-data': userData, ...TARGET }) }, []);
    const scanned = [...readableFiles(root), join(root, 'var/log/cloud-init.log')];
    const secrets = secretsOf(userData);
    for (const path of scanned) {
      const text = readFileSync(path, 'latin1');
      for (const secret of secrets) assert.ok(!text.includes(secret), `${secret} in ${relative(root, path)}`);
    }
  });
}
