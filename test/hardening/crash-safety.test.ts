/**
 * Crash safety in CI: ten kill -9 trials of the built stratus during a boot
 * that moves a root from instance A to instance B (test/hardening/crash-trials.ts;
 * the on-demand run with 100+ trials is `npm run crash-trials`), and the
 * checks those trials rely on, shown to catch what they are for.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tempSibling } from '../../src/host/fs.ts';
import { DiskRoot, OverlayRoot, type FileWrite, type RootFs } from '../../src/host/root-fs.ts';
import { readCachedIdentify, writeIdentifyResult, type IdentifyResult } from '../../src/identify/index.ts';
import { paths } from '../../src/stages/paths.ts';
import { buildCli, type Cli } from '../cli/cli.ts';
import {
  checkAfterKill,
  checkConverged,
  consumerReading,
  describeFailure,
  describeTrial,
  planTrial,
  rendererFor,
  runStages,
  runTrial,
  startOfTrials,
  Worlds,
  type Entry,
  type Tree,
  type TrialResult,
  type World,
} from './crash-trials.ts';

const file = (text: string, mode = 0o644): Entry => ({ kind: 'file', data: Buffer.from(text), mode });

/** A world of one stage whose reference run ends with `neu`. */
function world(neu: Tree, volatile: string[] = []): World {
  return {
    renderer: 'netplan',
    start: '/nonexistent',
    stageMs: [100],
    writeWindowMs: [[40, 90]],
    writeEvents: [5],
    refStages: [[neu], [neu]],
    finals: [neu],
    volatileAt: [new Set(volatile)],
    volatileFinal: new Set(volatile),
  };
}

describe('the checks a trial makes', () => {
  const old: Tree = new Map([
    ['/etc/netplan/50-cloud-init.yaml', file('network:\n  version: 2\n  ethernets: {eth0: {dhcp4: true}}\n', 0o600)],
    ['/var/log/cloud-init.log', file('line a\n')],
    ['/var/lib/cloud/data/status.json', file('{"v1": {}}\n')],
  ]);
  const neu: Tree = new Map([
    ['/etc/netplan/50-cloud-init.yaml', file('network:\n  version: 2\n  ethernets: {eth0: {addresses: [192.0.2.10/24]}}\n', 0o600)],
    ['/etc/hostname', file('crash-b\n')],
    ['/var/log/cloud-init.log', file('line a\nline b\n')],
    ['/var/lib/cloud/data/status.json', file('{"v1": {"stage": null}}\n')],
  ]);
  const w = world(neu, ['/var/lib/cloud/data/status.json']);

  test('old, new, absent-when-new and a longer log pass', () => {
    assert.deepEqual(checkAfterKill(w, 0, old, old), []);
    assert.deepEqual(checkAfterKill(w, 0, old, neu), []);
    const mixed = new Map(neu);
    mixed.set('/etc/netplan/50-cloud-init.yaml', old.get('/etc/netplan/50-cloud-init.yaml')!);
    mixed.delete('/etc/hostname');
    mixed.set('/var/lib/cloud/data/status.json', file('{"v1": {"stage": "init"}}\n'));
    assert.deepEqual(checkAfterKill(w, 0, old, mixed), []);
  });

  test('a half-written file is caught, with a diff-like view', () => {
    const torn = new Map(old);
    torn.set('/etc/netplan/50-cloud-init.yaml', file('network:\n  version: 2\n  ethernets: {eth0: {addr', 0o600));
    const out = checkAfterKill(w, 0, old, torn);
    assert.equal(out.length, 1);
    assert.match(out[0]!, /^\/etc\/netplan\/50-cloud-init\.yaml: neither its content before the stage nor after it/);
    assert.match(out[0]!, /^ {4}\+ {2}ethernets: \{eth0: \{addr$/m);
  });

  test('the new content with the wrong mode is caught', () => {
    const wrong = new Map(neu);
    wrong.set('/etc/netplan/50-cloud-init.yaml', { ...(neu.get('/etc/netplan/50-cloud-init.yaml') as Entry & { kind: 'file' }), mode: 0o644 });
    assert.equal(checkAfterKill(w, 0, old, wrong).length, 1);
  });

  test('a volatile file must still be well formed; a log must end at a line end and only grow', () => {
    const bad = new Map(neu);
    bad.set('/var/lib/cloud/data/status.json', file('{"v1": {"sta'));
    bad.set('/var/log/cloud-init.log', file('line a\nline b (cut'));
    const out = checkAfterKill(w, 0, old, bad);
    assert.deepEqual(out.map((l) => l.split(':')[0]), ['/var/lib/cloud/data/status.json', '/var/log/cloud-init.log']);
    assert.match(out[0]!, /does not parse as JSON/);
    assert.match(out[1]!, /ends inside a line/);
    const rewritten = new Map(neu);
    rewritten.set('/var/log/cloud-init.log', file('line b\n'));
    assert.match(checkAfterKill(w, 0, old, rewritten)[0]!, /rewritten, not appended to/);
  });

  test('the manifest may be between its two writes, but must list every new file already on disk', () => {
    const m = (paths: string[]) => file(`${JSON.stringify({ version: 1, files: Object.fromEntries(paths.map((p) => [p, { category: 'network' }])) })}\n`);
    const a = '/etc/systemd/network/10-cloud-init-eth1.network';
    const b = '/etc/systemd/network/10-cloud-init-eth0.network';
    const oldT: Tree = new Map([[a, file('[Match]\nName=eth1\n')], ['/var/lib/cloud/data/stratus-manifest.json', m([a])]]);
    const newT: Tree = new Map([[b, file('[Match]\nName=eth0\n')], ['/var/lib/cloud/data/stratus-manifest.json', m([b])]]);
    const mw = world(newT);
    const journal = new Map([...oldT, [b, newT.get(b)!], ['/var/lib/cloud/data/stratus-manifest.json', m([a, b])]]);
    assert.deepEqual(checkAfterKill(mw, 0, oldT, journal), []);
    const unrecorded = new Map([...oldT, [b, newT.get(b)!], ['/var/lib/cloud/data/stratus-manifest.json', m([a, '/etc/other'])]]);
    assert.match(checkAfterKill(mw, 0, oldT, unrecorded)[0]!, /does not list files already written: \/etc\/systemd\/network\/10-cloud-init-eth0\.network/);
  });

  test('a temporary file a network stack would read is caught; a hidden one is not', () => {
    const left = new Map(old);
    left.set('/etc/NetworkManager/system-connections/cloud-init-eth0.nmconnection.stratus-tmp-123', file('[connection]\nid=cl'));
    left.set('/etc/netplan/.50-cloud-init.yaml.stratus-tmp-123', file('network:\n'));
    const out = checkAfterKill(w, 0, old, left);
    assert.equal(out.length, 1);
    assert.match(out[0]!, /cloud-init-eth0\.nmconnection\.stratus-tmp-123: a temporary file left by the kill is read by NetworkManager keyfile plugin/);
  });

  test('after recovery: a file still old, or one the new run should have removed, is caught', () => {
    assert.deepEqual(checkConverged(w, neu).failures, []);
    const stale = new Map(neu);
    stale.set('/etc/netplan/50-cloud-init.yaml', old.get('/etc/netplan/50-cloud-init.yaml')!);
    stale.set('/etc/systemd/network/10-cloud-init-eth1.network', file('[Match]\nName=eth1\n'));
    const out = checkConverged(w, stale).failures;
    assert.deepEqual(out.map((l) => l.split(':')[0]), ['/etc/netplan/50-cloud-init.yaml', '/etc/systemd/network/10-cloud-init-eth1.network']);
    const temps = new Map(neu);
    temps.set('/etc/.hostname.stratus-tmp-99', file('crash-'));
    assert.deepEqual(checkConverged(w, temps), { failures: [], temps: ['/etc/.hostname.stratus-tmp-99'] });
  });
});

// Regression: temporary files were named "<file>.stratus-tmp-<pid>"; a kill between create and
// rename left "cloud-init-eth0.nmconnection.stratus-tmp-<pid>" in system-connections, which
// NetworkManager's keyfile plugin loads as a profile (it skips only hidden, ~, .XXXXXX, .swp,
// .pem, .der names), and "50-cloud-init.stratus-tmp-<pid>" in interfaces.d, which ifupdown's
// `source /etc/network/interfaces.d/*` reads.
test('the temporary sibling of every file a renderer writes is skipped by the stack that reads the directory', () => {
  for (const path of [
    '/etc/netplan/50-cloud-init.yaml',
    '/etc/systemd/network/10-cloud-init-eth0.network',
    '/etc/systemd/network/10-cloud-init-eth0.link',
    '/etc/systemd/network/10-cloud-init-eth0.100.netdev',
    '/etc/NetworkManager/system-connections/cloud-init-eth0.nmconnection',
    '/etc/NetworkManager/conf.d/99-cloud-init.conf',
    '/etc/network/interfaces.d/50-cloud-init',
    '/etc/sysconfig/network-scripts/ifcfg-eth0',
    '/etc/sysconfig/network-scripts/route-eth0',
    '/etc/sudoers.d/90-cloud-init-users',
  ]) {
    assert.notEqual(consumerReading(path), null, `${path} itself is read (the check knows the directory)`);
    const tmp = tempSibling(path);
    assert.equal(consumerReading(tmp), null, `${tmp} would be read`);
    assert.match(tmp, /\.stratus-tmp-\d+$/);
  }
});

/** Raised by CrashingRoot where the process would have been killed. */
class Killed extends Error {}

/**
 * A root that "dies" after `budget` single-file effects: each file of a
 * writeFiles is replaced on its own (as DiskRoot renames them one by one),
 * and a removal or link counts as one. Over an overlay: nothing touches disk.
 */
class CrashingRoot extends OverlayRoot {
  constructor(base: RootFs, private budget: number) {
    super(base);
  }
  private spend(): void {
    if (this.budget-- <= 0) throw new Killed();
  }
  override writeFiles(files: readonly FileWrite[]): void {
    for (const f of files) {
      this.spend();
      super.writeFiles([f]);
    }
  }
  override remove(path: string): boolean {
    this.spend();
    return super.remove(path);
  }
  override symlink(target: string, path: string): void {
    this.spend();
    super.symlink(target, path);
  }
}

// Regression (found by the trials: a kill in init-local, then a same-boot retry left no
// /run/cloud-init/enabled and no ds-identify.log): the result code was renamed into place
// before the marker and the log, and a later run of the boot trusts the code alone.
test('identify: wherever a run dies, a result code on disk comes with its marker and its log', () => {
  const empty = mkdtempSync(join(tmpdir(), 'stratus-crash-identify-'));
  try {
    for (const code of [0, 2] as const) {
      const result: IdentifyResult = {
        code,
        mode: 'search',
        datasourceList: code === 0 ? ['NoCloud', 'None'] : [],
        cloudCfgText: code === 0 ? 'datasource_list: [ NoCloud, None ]\n' : null,
        checks: [],
        log: ['[up 1.00s] ds-identify', `RESULT ${code}`],
      };
      let completed = false;
      for (let budget = 0; !completed; budget++) {
        const fs = new CrashingRoot(new DiskRoot(empty), budget);
        try {
          writeIdentifyResult(fs, result);
          completed = true;
        } catch (e) {
          if (!(e instanceof Killed)) throw e;
        }
        if (readCachedIdentify(fs) === null) continue;
        const where = `code ${code}, killed after ${budget} effects`;
        assert.equal(fs.kind(code === 0 ? paths.runEnabled : paths.runDisabled), 'file', `${where}: the marker is missing`);
        assert.match(fs.readText(paths.dsIdentifyLog) ?? '', /RESULT/, `${where}: the log is missing`);
        if (code === 0) assert.equal(fs.readText(paths.runCloudCfg), result.cloudCfgText, `${where}: the datasource list is missing`);
      }
    }
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

describe('a boot into a new instance cut short between recording the instance and writing its network config', () => {
  let cli: Cli;
  before(() => {
    cli = buildCli();
  });
  after(() => cli?.dispose());

  // Regression (found by the trials: eni, a kill in init-local, then a reboot kept instance A's
  // interfaces.d file, resolv.conf and udev rules): the local stage renders only for a new
  // instance, and the killed boot had already recorded B's id, so the next boot took B as known.
  // The state such a kill leaves is made here without a kill: B's init-local runs, then its
  // network writes are undone (A's files and manifest back, B's network-config.json gone).
  test('the next boot writes the new instance\'s network config', async () => {
    const root = await startOfTrials(cli, 'netplan');
    const netplan = '/etc/netplan/50-cloud-init.yaml';
    const manifest = '/var/lib/cloud/data/stratus-manifest.json';
    const oldNetplan = root.read(netplan);
    const oldManifest = root.read(manifest);
    assert.match(oldNetplan, /10\.20\.0\.5/);
    const local = await runStages(cli, root.dir, 0, 1);
    assert.equal(local[0]!.status, 0, local[0]!.stderr);
    assert.match(root.read(netplan), /192\.0\.2\.10/);
    assert.equal(root.read('/var/lib/cloud/data/instance-id'), 'iid-crash-b\n');
    root.write(netplan, oldNetplan, 0o600);
    root.write(manifest, oldManifest, 0o644);
    rmSync(join(root.dir, 'var/lib/cloud/instances/iid-crash-b/network-config.json'));
    root.reboot();

    const next = await runStages(cli, root.dir);
    assert.deepEqual(next.map((r) => r.status), [0, 0, 0, 0], next.map((r) => r.stderr).join('\n'));
    assert.match(root.read(netplan), /192\.0\.2\.10/, 'instance A\'s network config is still in place');
    assert.doesNotMatch(root.read(netplan), /10\.20\.0\.5/);
    assert.ok(root.exists('/var/lib/cloud/instances/iid-crash-b/network-config.json'));
    assert.match(root.read('/var/log/cloud-init.log'), /network config of instance iid-crash-b was never completely written/);
  });
});

describe('kill -9 during a boot into a new instance (10 trials)', () => {
  let cli: Cli;
  let worlds: Worlds;
  const results: TrialResult[] = [];
  // A fresh base seed each run covers more kill points over time; it is printed, and
  // `npm run crash-trials -- --trials 1 --seed S --renderer R --stage N` replays one trial.
  const base = Math.floor(Math.random() * 1_000_000);
  before(() => {
    cli = buildCli();
    worlds = new Worlds(cli);
  });
  after(() => cli?.dispose());

  for (let i = 0; i < 10; i++) {
    const renderer = rendererFor(i);
    // Renderers in turn, and over the ten trials every stage of every renderer's first pass.
    const stage = (i + Math.floor(i / 4)) % 4;
    test(`trial ${i + 1}: ${renderer}, kill in stage ${stage + 1}`, async (t) => {
      const w = await worlds.get(renderer);
      const r = await runTrial(cli, w, planTrial(w, base + i, stage));
      results.push(r);
      t.diagnostic(describeTrial(r));
      assert.deepEqual(r.failures, [], describeFailure(r));
    });
  }

  test('the kills landed inside the stages (not all after they ended)', () => {
    const killed = results.filter((r) => r.killedAtMs !== null).length;
    // Delays are drawn within each stage's measured time, so most kills hit a running stage;
    // a loaded machine slows the stage down, which only makes that more likely.
    assert.ok(killed >= 3, `only ${killed} of ${results.length} trials killed a running stage:\n${results.map(describeTrial).join('\n')}`);
  });
});
