/**
 * Whole-process net-convert: stratus (the bundle, dist/stratus.js) against
 * Debian's cloud-init (`cloud-init devel net-convert`) on the same inputs and
 * output kinds, interleaved A B A B … so machine noise hits both alike.
 * Each run writes into a fresh temp dir inside a private network namespace,
 * with the clean environment a systemd unit gets (env -i PATH=…): this
 * machine's shell sets NODE_EXTRA_CA_CERTS, which alone costs node ~60 ms per
 * start and is never set on a booting instance.
 *
 *   npm run bench:net-convert -- [--reps N] [--json FILE]   (npm run bench runs every benchmark)
 *
 * Prints per-case medians (min/max) of wall time and peak RSS and the
 * cloud-init/stratus ratio, then overall medians. Needs root (unshare) and
 * the cloud-init and time packages.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CLEAN_PATH, lastLine, spread, stats, type Stats } from './lib.ts';
import { stratusCommand } from '../test/cli/cli.ts';

const { values } = parseArgs({ options: { reps: { type: 'string' }, json: { type: 'string' } } });
const REPS = Number(values.reps ?? 10);
const CONFORMANCE = '../shared/conformance';

interface Input {
  name: string;
  path: string;
  kind: 'yaml' | 'network_data.json';
  macs: string[];
}

const inputs: Input[] = [
  { name: 'v4-v6-v2', path: `${CONFORMANCE}/renderers/v4_and_v6__yaml_v2/input.yaml`, kind: 'yaml', macs: [] },
  { name: 'large-v1', path: `${CONFORMANCE}/renderers/large_v1/input.yaml`, kind: 'yaml', macs: [] },
  { name: 'bond-v2', path: `${CONFORMANCE}/renderers/bond_v2/input.yaml`, kind: 'yaml', macs: [] },
  {
    name: 'openstack-json',
    path: `${CONFORMANCE}/openstack/test_net.OS_SAMPLES.0/network_data.json`,
    kind: 'network_data.json',
    macs: ['eth0,fa:16:3e:ed:9a:59'],
  },
];
const OUTPUTS = ['netplan', 'networkd', 'network-manager', 'sysconfig', 'eni'] as const;
const DISTRO: Record<(typeof OUTPUTS)[number], string> = {
  netplan: 'ubuntu',
  networkd: 'debian',
  'network-manager': 'fedora',
  sysconfig: 'rhel',
  eni: 'debian',
};

interface Sample {
  wallMs: number;
  rssKb: number;
  ok: boolean;
}

function runOnce(cmd: string[], outDir: string): Sample {
  const timeFile = join(outDir, '..', `${outDir.split('/').pop()}.time`);
  const start = process.hrtime.bigint();
  const r = spawnSync('unshare', ['--net', '--', 'env', '-i', `PATH=${CLEAN_PATH}`, '/usr/bin/time', '-f', '%M', '-o', timeFile, ...cmd], {
    encoding: 'utf8',
  });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const rssKb = existsSync(timeFile) ? Number(lastLine(readFileSync(timeFile, 'utf8'))) : NaN;
  return { wallMs, rssKb, ok: r.status === 0 };
}

if (!existsSync('dist/stratus.js')) throw new Error('build first: npm run build');
const hasCloudInit = spawnSync('cloud-init', ['--version']).status === 0;
if (!hasCloudInit) console.warn('cloud-init is not installed (apt-get install cloud-init): measuring stratus only');

const work = mkdtempSync(join(tmpdir(), 'stratus-bench-'));
const results: Record<string, unknown>[] = [];
let floorMs: number | undefined;
try {
  // What any node process costs through the same wrapper: the part of stratus's time it cannot remove.
  const floor: Sample[] = [];
  for (let i = -1; i < REPS; i++) {
    const s = runOnce([process.execPath, '-e', '0'], join(work, `floor-${i}`));
    if (i >= 0) floor.push(s);
  }
  floorMs = stats(floor.map((s) => s.wallMs)).median;
  console.log(`empty node process (node -e 0): ${floorMs.toFixed(1)} ms median\n`);
  for (const input of inputs) {
    for (const out of OUTPUTS) {
      const common = ['-p', input.path, '-k', input.kind, '-O', out, '-D', DISTRO[out], ...input.macs.flatMap((m) => ['-m', m])];
      const a: Sample[] = [];
      const b: Sample[] = [];
      for (let i = -1; i < REPS; i++) {
        // i = -1 is a warm-up of both (page cache), not counted.
        const da = join(work, `a-${input.name}-${out}-${i}`);
        const sa = runOnce([...stratusCommand('dist/stratus.js'), 'net-convert', ...common, '-d', da], da);
        if (i >= 0) a.push(sa);
        if (hasCloudInit) {
          const db = join(work, `b-${input.name}-${out}-${i}`);
          const sb = runOnce(['cloud-init', 'devel', 'net-convert', ...common, '-d', db], db);
          if (i >= 0) b.push(sb);
        }
      }
      const wa = stats(a.map((s) => s.wallMs));
      const ra = stats(a.map((s) => s.rssKb));
      const row: Record<string, unknown> = {
        input: input.name,
        output: out,
        stratus: { wall_ms: wa, max_rss_kb: ra, all_ok: a.every((s) => s.ok) },
      };
      if (b.length) {
        const wb = stats(b.map((s) => s.wallMs));
        const rb = stats(b.map((s) => s.rssKb));
        row['cloud_init'] = { wall_ms: wb, max_rss_kb: rb, all_ok: b.every((s) => s.ok) };
        // A failed run is not a comparable measurement (cloud-init 22.4 rejects some newer syntax).
        if (a.every((s) => s.ok) && b.every((s) => s.ok)) row['speedup'] = wb.median / wa.median;
        row['rss_ratio'] = rb.median / ra.median;
      }
      results.push(row);
      const cb = row['cloud_init'] as { wall_ms: Stats; max_rss_kb: { median: number } } | undefined;
      console.log(
        [
          `${input.name}/${out}`.padEnd(34),
          `stratus ${spread(wa)} ms ${Math.round(ra.median / 1024)} MiB`.padEnd(40),
          cb ? `cloud-init ${spread(cb.wall_ms)} ms ${Math.round(cb.max_rss_kb.median / 1024)} MiB`.padEnd(46) : '',
          typeof row['speedup'] === 'number' ? `x${row['speedup'].toFixed(1)} faster` : '',
          (row['stratus'] as { all_ok: boolean }).all_ok ? '' : ' (stratus FAILED)',
          cb && !(row['cloud_init'] as { all_ok: boolean }).all_ok ? ' (cloud-init FAILED)' : '',
        ].join(' '),
      );
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const speedups = results.map((r) => r['speedup']).filter((x): x is number => typeof x === 'number');
if (speedups.length) {
  const s = stats(speedups);
  console.log(`\nspeedup (cloud-init wall / stratus wall), median over ${speedups.length} cases: x${s.median.toFixed(1)} (min x${s.min.toFixed(1)}, max x${s.max.toFixed(1)})`);
}
const summary = { reps: REPS, node: process.version, date: new Date().toISOString(), node_floor_ms: floorMs, results };
if (values.json) writeFileSync(values.json, `${JSON.stringify(summary, null, 2)}\n`);
