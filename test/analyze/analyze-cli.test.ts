/**
 * The built bundle boots the shipped NoCloud example into a temporary root
 * (four stages, one process each), then `analyze` reads that root's log:
 * every stage and every module that ran is there, durations are not
 * negative and nested events fit in their parent; a second boot is a second
 * record; a missing log is exit 1 naming the file.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildCli, REPO, type Cli } from '../cli/cli.ts';
import { boot, describeRuns, seedDir, targetRoot, type TargetRoot } from '../e2e/harness.ts';

let cli: Cli;
before(() => {
  cli = buildCli();
});
after(() => cli?.dispose());

const EXAMPLE = join(REPO, 'examples/nocloud');
const STAGE_EVENTS: Record<string, string> = { 'init-local': 'init-local', init: 'init-network', 'modules-config': 'modules-config', 'modules-final': 'modules-final' };

interface DumpEvent {
  name: string;
  event_type: 'start' | 'finish';
  timestamp: number;
  result?: string;
}

/** Modules the runner says ran, per stage event name, from the log itself. */
function modulesThatRan(log: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of log.matchAll(/ - stratus\[([a-z-]+)\]\[[A-Z]+\]: module (\S+) (?:ran in|failed:) /g)) {
    const stage = STAGE_EVENTS[m[1] ?? ''] ?? '?';
    out.set(stage, [...(out.get(stage) ?? []), m[2] ?? '']);
  }
  return out;
}

describe('analyze after a boot of the NoCloud example', () => {
  let root: TargetRoot;
  before(async () => {
    root = targetRoot(cli);
    seedDir(root, Object.fromEntries(readdirSync(EXAMPLE).map((f) => [f, readFileSync(join(EXAMPLE, f))])));
    const runs = await boot(cli, root);
    assert.deepEqual(runs.map((r) => r.status), [0, 0, 0, 0], describeRuns(runs));
  });

  test('blame lists every module that ran and the datasource search, none negative', async () => {
    const r = await cli.run(['--root', root.dir, 'analyze', 'blame']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], '-- Boot Record 01 --');
    assert.ok(r.stdout.endsWith('\n1 boot records analyzed\n'), r.stdout);
    const entries = lines.slice(1).filter((l) => l.startsWith('     ')).map((l) => {
      const m = /^ {5}(-?\d+\.\d{5})s \((\S+)\)$/.exec(l);
      assert.ok(m, `not a blame line: ${JSON.stringify(l)}`);
      return { seconds: Number(m[1]), name: m[2] ?? '' };
    });
    const names = entries.map((e) => e.name);
    const ran = modulesThatRan(root.read('/var/log/cloud-init.log'));
    assert.deepEqual([...ran.keys()].sort(), ['init-network', 'modules-config', 'modules-final']);
    for (const [stage, modules] of ran) for (const m of modules) assert.ok(names.includes(`${stage}/config-${m}`), `${stage}/config-${m} missing from:\n${r.stdout}`);
    for (const step of ['init-local/check-cache', 'init-local/search-NoCloud', 'init-local/apply-network-config', 'init-network/consume-user-data']) assert.ok(names.includes(step), `${step} missing:\n${r.stdout}`);
    assert.ok(entries.every((e) => e.seconds >= 0), r.stdout);
    const seconds = entries.map((e) => e.seconds);
    assert.deepEqual(seconds, [...seconds].sort((a, b) => b - a), 'longest first');
  });

  test('show has the four stages, each finished, and the total', async () => {
    const r = await cli.run(['--root', root.dir, 'analyze', 'show']);
    assert.equal(r.status, 0, r.stderr);
    for (const stage of Object.values(STAGE_EVENTS)) {
      assert.ok(r.stdout.includes(`\nStarting stage: ${stage}\n`), r.stdout);
      assert.match(r.stdout, new RegExp(`\\nFinished stage: \\(${stage}\\) \\d\\d\\.\\d{5} seconds\\n`));
    }
    assert.match(r.stdout, /\|`->found local data from DataSourceNoCloud @\d\d\.\d{5}s \+\d\d\.\d{5}s\n/);
    assert.match(r.stdout, /\nTotal Time: \d+\.\d{5} seconds\n\n1 boot records analyzed\n$/);
  });

  test('dump: every event finished SUCCESS, and nested events fit within their parent', async () => {
    const r = await cli.run(['--root', root.dir, 'analyze', 'dump']);
    assert.equal(r.status, 0, r.stderr);
    const events = JSON.parse(r.stdout) as DumpEvent[];
    const spans = new Map<string, { start: number; finish?: number; result?: string }>();
    for (const e of events) {
      if (e.event_type === 'start') spans.set(e.name, { start: e.timestamp });
      else Object.assign(spans.get(e.name) ?? assert.fail(`finish without start: ${e.name}`), { finish: e.timestamp, result: e.result });
    }
    assert.ok(spans.size > 10, `${spans.size} events`);
    for (const [name, s] of spans) {
      assert.equal(s.result, 'SUCCESS', name);
      assert.ok(s.finish !== undefined && s.finish >= s.start, name);
      const parent = name.includes('/') ? spans.get(name.slice(0, name.lastIndexOf('/'))) : undefined;
      if (name.includes('/')) {
        assert.ok(parent?.finish !== undefined, `${name} has no parent`);
        assert.ok(s.start >= parent.start && s.finish <= parent.finish, `${name} [${s.start}, ${s.finish}] outside its parent [${parent.start}, ${parent.finish}]`);
      }
    }
  });

  test('boot: each stage with its start and duration, and no systemd under --root', async () => {
    const r = await cli.run(['--root', root.dir, 'analyze', 'boot']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^-- Most Recent Boot Record --\n {4}Kernel started at: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC\n/);
    assert.ok(r.stdout.includes(`Userspace started at: unknown (systemd's timestamps are not available: --root ${root.dir} is not the running system)`), r.stdout);
    for (const stage of Object.values(STAGE_EVENTS)) assert.match(r.stdout, new RegExp(`\\n {4}${stage} +\\d+\\.\\d{3} +\\d\\d\\.\\d{5}  SUCCESS\\n`), r.stdout);
    assert.match(r.stdout, /\n {4}Total time in the four stages \(seconds\): \d+\.\d{5}\n/);
  });

  test('-o writes the report to a file, stdout stays empty', async () => {
    const file = join(cli.tempDir('out'), 'blame.txt');
    const r = await cli.run(['--root', root.dir, 'analyze', 'blame', '-o', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.ok(readFileSync(file, 'utf8').startsWith('-- Boot Record 01 --\n'));
  });

  test('a second boot of the same root is a second boot record', async () => {
    root.reboot();
    const runs = await boot(cli, root);
    assert.deepEqual(runs.map((x) => x.status), [0, 0, 0, 0], describeRuns(runs));
    const r = await cli.run(['--root', root.dir, 'analyze', 'show']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes('\n-- Boot Record 02 --\n'), r.stdout);
    assert.ok(r.stdout.endsWith('\n2 boot records analyzed\n'));
    // Restored from the cache: no datasource search in the second boot.
    const second = r.stdout.slice(r.stdout.indexOf('-- Boot Record 02 --'));
    assert.ok(!second.includes('DataSourceNoCloud @'), second);
    assert.ok(second.includes('restored from cache: instance '), second);
  });
});

describe('analyze input problems', () => {
  test('no log: exit 1 naming the file', async () => {
    const empty = cli.tempDir('empty-root');
    const r = await cli.run(['--root', empty, 'analyze', 'blame']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `stratus analyze blame: cannot read ${join(empty, 'var/log/cloud-init.log')}: no such file\n`);
    const d = await cli.run(['analyze', 'show', '-i', join(empty, 'nope.log')]);
    assert.equal(d.status, 1);
    assert.ok(d.stderr.includes(`cannot read ${join(empty, 'nope.log')}: no such file`));
  });

  test('a directory as input is exit 1; an unknown subcommand or flag is a usage error (2)', async () => {
    assert.equal((await cli.run(['analyze', 'dump', '-i', cli.tempDir('dir')])).status, 1);
    assert.equal((await cli.run(['analyze', 'explain'])).status, 2);
    assert.equal((await cli.run(['analyze', 'blame', '--format', '%n'])).status, 2);
  });

  test('stdin, with malformed lines skipped and reported', async () => {
    const r = await cli.run(['analyze', 'blame', '-i', '-'], {
      input: [
        '2026-12-03 06:00:00.000 - stratus[init-local][DEBUG]: start: init-local: x',
        '2026-12-03 06:00:00.100 - stratus[init-local][DEBUG]: start: init-local/check-cache: y',
        '2026-12-03 06:00:00.150 - stratus[init-local][DEBUG]: finish: init-local/check-cache: NOPE',
        '2026-12-03 06:00:00.200 - stratus[init-local][DEBUG]: finish: init-local/check-cache: SUCCESS: y',
        '2026-12-03 06:00:00.300 - stratus[init-local][DEBUG]: finish: init-local: SUCCESS: x',
      ].join('\n'),
    });
    assert.equal(r.status, 0);
    assert.equal(r.stdout, '-- Boot Record 01 --\n     00.10000s (init-local/check-cache)\n\n1 boot records analyzed\n');
    assert.equal(r.stderr, 'stratus analyze: 1 event line of stdin could not be read; skipped\n');
  });
});
