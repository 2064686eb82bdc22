/**
 * What operators and tools read after a boot: `status --format json` key by
 * key, and its exit codes 0 (healthy), 2 (degraded) and 1 (error), each from
 * a real boot. Then bad input: broken meta-data, a seed without meta-data, a
 * broken network config, a truncated cache, a read-only root — each with a
 * clear message in the log and the status, and nothing half-written.
 */
import assert from 'node:assert/strict';
import { readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildCli, type Cli } from '../cli/cli.ts';
import { requireTools, runSandboxed, TOOLS } from '../net/validators/sandbox.ts';
import { boot, describeRuns, seedDir, targetRoot, type TargetRoot } from './harness.ts';
import { assertNoSecretLeaks } from './secrets-scan.ts';

let cli: Cli;
before(() => {
  cli = buildCli();
});
after(() => cli?.dispose());

const GOOD = {
  'meta-data': 'instance-id: iid-status-1\nlocal-hostname: status-host\n',
  'user-data': '#cloud-config\nhostname: status-host\n',
  'network-config': 'version: 2\nethernets:\n  eth0:\n    dhcp4: true\n',
};

async function status(root: TargetRoot): Promise<{ code: number | null; json: Record<string, unknown> }> {
  const r = await cli.run(['--root', root.dir, 'status', '--format', 'json']);
  return { code: r.status, json: JSON.parse(r.stdout) as Record<string, unknown> };
}

type StageStatus = { errors: string[]; recoverable_errors: Record<string, string[]>; start: number | null; finished: number | null };

function stage(json: Record<string, unknown>, name: string): StageStatus {
  return json[name] as StageStatus;
}

describe('status --format json after real boots', () => {
  test('healthy: exit 0, every key of cloud-init\'s output with its type', async () => {
    const root = targetRoot(cli);
    seedDir(root, GOOD);
    const runs = await boot(cli, root);
    assert.deepEqual(runs.map((r) => r.status), [0, 0, 0, 0], describeRuns(runs));
    const { code, json } = await status(root);
    assert.equal(code, 0);
    assert.deepEqual(Object.keys(json).sort(), [
      'boot_status_code', 'datasource', 'detail', 'errors', 'extended_status', 'init', 'init-local',
      'last_update', 'modules-config', 'modules-final', 'recoverable_errors', 'stage', 'status',
    ]);
    assert.equal(json['datasource'], 'nocloud');
    assert.equal(json['status'], 'done');
    assert.equal(json['extended_status'], 'done');
    assert.equal(json['boot_status_code'], 'enabled-by-sysvinit');
    assert.equal(json['detail'], 'DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud][dsmode=net]');
    assert.deepEqual(json['errors'], []);
    assert.deepEqual(json['recoverable_errors'], {});
    assert.equal(json['stage'], null);
    assert.match(String(json['last_update']), /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    assert.ok(!String(json['last_update']).includes('1970'), 'last_update is a real date');
    for (const name of ['init-local', 'init', 'modules-config', 'modules-final']) {
      const s = stage(json, name);
      assert.deepEqual(Object.keys(s).sort(), ['errors', 'finished', 'recoverable_errors', 'start']);
      assert.equal(typeof s.start, 'number');
      assert.equal(typeof s.finished, 'number');
    }
  });

  test('corrupt user-data: the boot goes on, status degraded, exit 2, the message names the line', async () => {
    const root = targetRoot(cli);
    seedDir(root, { ...GOOD, 'user-data': '#cloud-config\nhostname: fine\nruncmd: [unclosed\n' });
    const runs = await boot(cli, root);
    assert.deepEqual(runs.map((r) => r.status), [0, 0, 0, 0], describeRuns(runs));
    const { code, json } = await status(root);
    assert.equal(code, 2);
    assert.equal(json['status'], 'done');
    assert.equal(json['extended_status'], 'degraded done');
    const warnings = stage(json, 'init').recoverable_errors['WARNING'] ?? [];
    assert.ok(warnings.some((w) => /^user-data line \d+/.test(w) && w.includes('the cloud-config is ignored')), JSON.stringify(warnings));
    // The hostname from the broken cloud-config is not used; the metadata's is.
    assert.equal(root.read('/etc/hostname'), 'status-host\n');
  });

  test('schema problems in user-data: warnings naming the key, status degraded, the valid rest applied', async () => {
    const root = targetRoot(cli);
    seedDir(root, { ...GOOD, 'user-data': '#cloud-config\nhostname: schema-host\nhostnmae: typo\nwrite_files:\n  - content: no path here\n  - path: /etc/good.conf\n    content: ok\n' });
    const runs = await boot(cli, root);
    assert.deepEqual(runs.map((r) => r.status), [0, 0, 0, 0], describeRuns(runs));
    const { code, json } = await status(root);
    assert.equal(code, 2);
    const warnings = stage(json, 'init').recoverable_errors['WARNING'] ?? [];
    assert.ok(warnings.some((w) => w.includes('hostnmae') && w.includes('hostname')), JSON.stringify(warnings));
    assert.ok(warnings.some((w) => w.includes('write_files[0]')), JSON.stringify(warnings));
    assert.equal(root.read('/etc/hostname'), 'schema-host\n');
    assert.equal(root.read('/etc/good.conf'), 'ok');
  });

  test('10 MB of user-data of no known type: the boot goes on, degraded, the reason named, no content logged', async () => {
    const root = targetRoot(cli);
    const big = Buffer.alloc(10 * 1024 * 1024, 'secret-ish filler line\n');
    seedDir(root, { ...GOOD, 'user-data': big });
    const runs = await boot(cli, root);
    assert.deepEqual(runs.map((r) => r.status), [0, 0, 0, 0], describeRuns(runs));
    const { code, json } = await status(root);
    assert.equal(code, 2);
    const warnings = stage(json, 'init').recoverable_errors['WARNING'] ?? [];
    assert.ok(warnings.some((w) => w.startsWith('user-data: no handler for content')), JSON.stringify(warnings));
    assert.doesNotMatch(root.read('/var/log/cloud-init.log'), /secret-ish/);
    assert.equal(root.read('/var/lib/cloud/instances/iid-status-1/user-data.txt').length, big.length);
  });

  test('no datasource: exit 1, status error with cloud-init\'s message', async () => {
    const root = targetRoot(cli);
    const runs = await boot(cli, root);
    assert.deepEqual(runs.map((r) => r.status), [0, 1, 1, 1], describeRuns(runs));
    const { code, json } = await status(root);
    assert.equal(code, 1);
    assert.equal(json['status'], 'error');
    assert.equal(json['extended_status'], 'error - done');
    assert.deepEqual(stage(json, 'init').errors, ['No instance datasource found.']);
    assert.ok((json['errors'] as string[]).includes('No instance datasource found.'));
  });
});

describe('bad input', () => {
  test('malformed meta-data: the datasource fails with the file and line, the boot reports an error', async () => {
    const root = targetRoot(cli);
    seedDir(root, { ...GOOD, 'meta-data': 'instance-id: iid-x\nlocal-hostname: [oops\n' });
    const runs = await boot(cli, root, [['init-local', ['init', '--local']], ['init', ['init']]]);
    assert.deepEqual(runs.map((r) => r.status), [0, 1]);
    const { json } = await status(root);
    const errs = stage(json, 'init-local').recoverable_errors['ERROR'] ?? [];
    assert.ok(errs.some((e) => e.startsWith('datasource NoCloud failed: seed-dir (/var/lib/cloud/seed/nocloud) meta-data line ')), JSON.stringify(errs));
    assert.match(root.read('/var/log/cloud-init.log'), /meta-data line 2/);
    assert.ok(!root.exists('/var/lib/cloud/instance'));
  });

  test('meta-data that is not text', async () => {
    const root = targetRoot(cli);
    seedDir(root, { ...GOOD, 'meta-data': Buffer.from([0xff, 0xfe, 0x00, 0x41]) });
    const runs = await boot(cli, root, [['init-local', ['init', '--local']]]);
    assert.equal(runs[0]?.status, 0);
    assert.match(runs[0]?.stderr ?? '', /meta-data: not UTF-8 text/);
  });

  test('meta-data that is a list, not a mapping', async () => {
    const root = targetRoot(cli);
    seedDir(root, { ...GOOD, 'meta-data': '- instance-id\n' });
    const runs = await boot(cli, root, [['init-local', ['init', '--local']]]);
    assert.match(runs[0]?.stderr ?? '', /meta-data: must be a mapping of keys to values/);
  });

  test('a seed with user-data but no meta-data is ignored with a warning', async () => {
    const root = targetRoot(cli);
    seedDir(root, { 'user-data': GOOD['user-data'] });
    const runs = await boot(cli, root, [['init-local', ['init', '--local']], ['init', ['init']]]);
    assert.deepEqual(runs.map((r) => r.status), [0, 1]);
    assert.match(runs[0]?.stderr ?? '', /NoCloud seed \/var\/lib\/cloud\/seed\/nocloud has no meta-data file and is ignored/);
  });

  test('a broken network config on a new instance keeps the files of the last good one', async () => {
    const root = targetRoot(cli);
    seedDir(root, GOOD);
    const first = await boot(cli, root);
    assert.deepEqual(first.map((r) => r.status), [0, 0, 0, 0], describeRuns(first));
    const before = root.read('/etc/netplan/50-cloud-init.yaml');
    root.reboot();
    seedDir(root, { ...GOOD, 'meta-data': 'instance-id: iid-status-2\n', 'network-config': 'version: 2\nethernets:\n  eth0:\n    addresses: [10.0.0.300/24]\n' });
    const second = await boot(cli, root);
    assert.deepEqual(second.map((r) => r.status), [0, 0, 0, 0], describeRuns(second));
    assert.equal(root.read('/etc/netplan/50-cloud-init.yaml'), before);
    const { code, json } = await status(root);
    assert.equal(code, 2);
    const errs = stage(json, 'init-local').recoverable_errors['ERROR'] ?? [];
    assert.ok(errs.some((e) => e.includes('network-config line 4') && e.includes('10.0.0.300/24')), JSON.stringify(errs));
  });

  test('a truncated cache file: reported, the datasource is read again, the boot succeeds', async () => {
    const root = targetRoot(cli);
    seedDir(root, GOOD);
    const first = await boot(cli, root);
    assert.deepEqual(first.map((r) => r.status), [0, 0, 0, 0], describeRuns(first));
    truncateSync(join(root.dir, 'var/lib/cloud/instances/iid-status-1/stratus-instance.json'), 100);
    root.reboot();
    const second = await boot(cli, root);
    assert.deepEqual(second.map((r) => r.status), [0, 0, 0, 0], describeRuns(second));
    assert.match(second[0]?.stderr ?? '', /cached instance ignored, the datasource is read again: \/var\/lib\/cloud\/instance\/stratus-instance.json: not valid JSON .*truncated or corrupt/);
    // Read again and cached again, whole.
    const cache = root.json('/var/lib/cloud/instances/iid-status-1/stratus-instance.json');
    assert.equal(cache['version'], 1);
    const { code } = await status(root);
    assert.equal(code, 2, 'degraded: the broken cache is worth a look');
  });

  test('a read-only root: a clear message, exit 1, nothing half-written', async () => {
    requireTools(TOOLS.unshare, TOOLS.sh);
    const root = targetRoot(cli);
    seedDir(root, GOOD);
    const listing = (): string[] => {
      const out: string[] = [];
      const walk = (d: string) => {
        for (const n of readdirSync(d)) {
          const p = join(d, n);
          out.push(p);
          if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) walk(p);
        }
      };
      walk(root.dir);
      return out.sort();
    };
    const before = listing();
    // A read-only bind mount of the root, in a mount namespace of its own: the host sees no mount.
    const script = `mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec "$2" "$3" --root "$1" init --local`;
    const r = await runSandboxed(script, [root.dir, process.execPath, cli.bundle], { timeoutMs: 60_000 });
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /cannot record the stage's status under .*: the target filesystem is read-only/);
    assert.deepEqual(listing(), before, 'something was written to a read-only root?');
    assert.ok(!listing().some((p) => p.includes('.stratus-tmp-')));
    await assertNoSecretLeaks(root, [{ stage: 'init --local (read-only root)', stdout: r.stdout, stderr: r.stderr }]);
  });
});
