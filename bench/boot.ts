/**
 * A whole first boot, three ways, on the same lean NoCloud seed (bench/seed)
 * and the same system config (bench/cloud.cfg):
 *
 *   stratus                the four stages of dist/stratus.js, each its own
 *                          process (`node dist/stratus.js init --local`, …);
 *   stratus --all-stages   the whole boot in one process (`node
 *                          dist/stratus.js --all-stages`), the four stages
 *                          triggered by the shell shim systemd/stage-shim
 *                          (`/bin/sh stage-shim local|network|config|final`),
 *                          as the four units would run it;
 *   cloud-init             Debian's cloud-init, each stage its own process.
 *
 * Each repetition runs in a fresh sandbox (bench/sandbox.ts: overlay root on
 * tmpfs, fresh /run, empty /var/lib/cloud, new mount/UTS/net/PID namespaces
 * with only lo and a tap NIC eth0), each stage process run as a systemd unit
 * would (`env -i`), interleaved stratus, stratus --all-stages, cloud-init,
 * stratus, … so machine noise hits all alike.
 *
 * The one-process flavour emulates what systemd does for it: the start FIFOs
 * /run/cloud-init/share/<stage>.start exist before the boot (made unmeasured,
 * as cloud-init-main.socket would), and the boot process is started at the
 * same moment as the first shim (socket activation on its "start"). A stage's
 * time is its shim's wall time — what systemd sees of that unit; the first
 * includes the boot process's start. The boot process's own wall, CPU and
 * peak RSS are measured too, and it must exit 0 after the final stage.
 *
 *   npm run bench:boot -- [--reps N] [--warmup N] [--json FILE] [--verbose]
 *                         [--debian-logging] [--cold-netplan] [--timeout S]
 *
 * Prints per stage and in total the median (min–max) wall time and peak RSS
 * of each flavour, the cloud-init/stratus ratio for both stratus flavours
 * (median, and worst case = the fastest cloud-init total over the slowest
 * stratus total), the target line for each, and what a bare `node -e 0`,
 * `sh -c :` and `python3 -c pass` cost through the same wrapper. Needs root
 * (namespaces, mounts), cloud-init, netplan.io and the time package.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CLEAN_PATH, loadAverage, spread, stats, type Stats } from './lib.ts';
import { stratusCommand } from '../test/cli/cli.ts';
import { runSandbox, type ProcessSample, type SandboxProcess, type SandboxResult } from './sandbox.ts';

const { values } = parseArgs({
  options: {
    reps: { type: 'string' },
    warmup: { type: 'string' },
    json: { type: 'string' },
    timeout: { type: 'string' },
    verbose: { type: 'boolean' },
    'debian-logging': { type: 'boolean' },
    'cold-netplan': { type: 'boolean' },
  },
});
const REPS = Number(values.reps ?? 5);
const WARMUP = Number(values.warmup ?? 1);
const TIMEOUT_S = Number(values.timeout ?? 300);
if (!(REPS >= 1 && WARMUP >= 0 && TIMEOUT_S > 0)) throw new Error('--reps must be ≥ 1, --warmup ≥ 0, --timeout > 0');

const BENCH = dirname(fileURLToPath(import.meta.url));
const REPO = dirname(BENCH);
const STRATUS = join(REPO, 'dist/stratus.js');
/** The bundle as the package runs it (its V8 flags); read once it exists (requireTools checks). */
const stratus = (...args: string[]): string[] => [...stratusCommand(STRATUS), ...args];
const SHIM = join(REPO, 'systemd/stage-shim');
const CLOUD_INIT = '/usr/bin/cloud-init';
/** The issue's target: stratus' total wall ≤ 1/TARGET of cloud-init's. */
const TARGET = 15;
/** Where `stratus --all-stages` and the shims meet (their default). */
const CHANNELS = '/run/cloud-init/share';

const STAGES = [
  { key: 'init-local', label: 'init --local', args: ['init', '--local'], channel: 'local' },
  { key: 'init', label: 'init', args: ['init'], channel: 'network' },
  { key: 'modules-config', label: 'modules --mode=config', args: ['modules', '--mode=config'], channel: 'config' },
  { key: 'modules-final', label: 'modules --mode=final', args: ['modules', '--mode=final'], channel: 'final' },
] as const;

type AgentName = 'stratus' | 'stratus-all-stages' | 'cloud-init';
interface Agent {
  name: AgentName;
  /** For the report. */
  title: string;
  /** The four stage processes, as the four units run them (labelled as STAGES). */
  stages: SandboxProcess[];
  /** The boot process the stage processes talk to: started with the first of them, waited for after the last. */
  boot?: SandboxProcess;
  /** Unmeasured set-up of this flavour's sandbox, after the common one. */
  prepare: string[][];
  /** Run after the four stages in the same sandbox: reference costs, not part of the boot. */
  extras: SandboxProcess[];
}

const BOOT_LABEL = 'stratus --all-stages (boot process)';

const agents: Agent[] = [
  {
    name: 'stratus',
    title: 'stratus (4 processes)',
    stages: STAGES.map((s) => ({ label: s.label, argv: stratus(...s.args) })),
    prepare: [],
    extras: [
      { label: 'true', argv: ['/bin/true'] },
      { label: 'node -e 0', argv: [process.execPath, '-e', '0'] },
      { label: 'stratus --version', argv: stratus('--version') },
      // cloud-init's netplan renderer runs `netplan generate` in init --local (so networkd sees the config on
      // this boot); stratus does not (yet): what that would cost, through netplan's Python CLI or its C generator.
      { label: 'netplan generate', argv: ['/usr/sbin/netplan', 'generate'] },
      { label: '/usr/libexec/netplan/generate', argv: ['/usr/libexec/netplan/generate'] },
    ],
  },
  {
    name: 'stratus-all-stages',
    title: 'stratus --all-stages (1 process + 4 shims)',
    // The shim runs from the repo: the overlay's lower layer is the host's /, so the path is the same in the chroot.
    stages: STAGES.map((s) => ({ label: s.label, argv: ['/bin/sh', SHIM, s.channel] })),
    boot: { label: BOOT_LABEL, argv: stratus('--all-stages') },
    // What cloud-init-main.socket does before the boot: the start FIFOs, in place before any unit runs.
    prepare: [
      ['/bin/sh', '-c', `mkdir -p -m 0700 ${CHANNELS} && mkfifo -m 0600 ${STAGES.map((s) => `${CHANNELS}/${s.channel}.start`).join(' ')}`],
    ],
    extras: [{ label: 'sh -c :', argv: ['/bin/sh', '-c', ':'] }],
  },
  {
    name: 'cloud-init',
    title: 'cloud-init (4 processes)',
    stages: STAGES.map((s) => ({ label: s.label, argv: [CLOUD_INIT, ...s.args] })),
    prepare: [],
    extras: [
      { label: 'python3 -c pass', argv: ['/usr/bin/python3', '-c', 'pass'] },
      { label: 'import cloudinit.cmd.main', argv: ['/usr/bin/python3', '-c', 'import cloudinit.cmd.main'] },
    ],
  },
];

function requireTools(): void {
  if (process.getuid?.() !== 0) throw new Error('bench/boot.ts needs root (namespaces, mounts)');
  if (!existsSync(STRATUS)) throw new Error('build first: npm run build');
  if (!existsSync(SHIM)) throw new Error(`${SHIM} is missing`);
  for (const [path, pkg] of [
    [CLOUD_INIT, 'cloud-init'],
    ['/usr/bin/time', 'time'],
    ['/usr/bin/unshare', 'util-linux'],
    ['/usr/sbin/netplan', 'netplan.io'],
  ] as const) {
    if (!existsSync(path)) throw new Error(`${path} is missing (apt-get install ${pkg})`);
  }
}

function versionOf(argv: string[]): string {
  const r = spawnSync(argv[0]!, [...argv.slice(1), '--version'], { encoding: 'utf8', env: { PATH: CLEAN_PATH } });
  return (`${r.stdout}${r.stderr}`.trim().split('\n')[0] ?? '?').replace(/^\/\S*\//, '');
}

function boot(agent: Agent, inspect: boolean): SandboxResult {
  return runSandbox({
    seedDir: join(BENCH, 'seed'),
    cloudCfg: join(BENCH, 'cloud.cfg'),
    keepDropIns: values['debian-logging'] ? ['05_logging.cfg'] : [],
    nic: { name: 'eth0', mac: '52:54:00:12:34:56' },
    hostname: 'sandbox',
    env: [`PATH=${CLEAN_PATH}`, 'LANG=C.UTF-8'],
    // netplan.io ships its Python uncompiled; its first run would compile it into the image. That is a
    // once-per-image cost, not a boot's: compile it here, unmeasured, for all agents alike.
    prepare: [...(values['cold-netplan'] ? [] : [['/usr/bin/python3', '-m', 'compileall', '-q', '/usr/share/netplan']]), ...agent.prepare],
    processes: agent.stages,
    ...(agent.boot ? { background: agent.boot } : {}),
    afterwards: agent.extras,
    timeoutSeconds: TIMEOUT_S,
    inspect,
  });
}

// ---------------------------------------------------------------- run

requireTools();
const loadBefore = loadAverage();
const versions = { stratus: versionOf(stratus()), 'cloud-init': versionOf([CLOUD_INIT]), node: process.version };
console.log(`${versions.stratus} vs ${versions['cloud-init']}; node ${process.version}; ${cpus().length} CPUs; load average ${loadBefore}`);
console.log(
  `each boot: a fresh sandbox; /etc/cloud/cloud.cfg = bench/cloud.cfg, ${
    values['debian-logging'] ? "/etc/cloud/cloud.cfg.d/ = only Debian's 05_logging.cfg" : '/etc/cloud/cloud.cfg.d/ emptied'
  } (all agents see only this config); seed bench/seed → /var/lib/cloud/seed/nocloud`,
);
console.log(`${REPS} measured repetitions after ${WARMUP} warm-up, interleaved ${agents.map((a) => a.title).join(' / ')}\n`);

const runs: Record<AgentName, SandboxResult[]> = { stratus: [], 'stratus-all-stages': [], 'cloud-init': [] };
const firstBoot: Partial<Record<AgentName, SandboxResult>> = {};
for (let i = -WARMUP; i < REPS; i++) {
  for (const agent of agents) {
    const inspect = firstBoot[agent.name] === undefined;
    const r = boot(agent, inspect);
    if (inspect) firstBoot[agent.name] = r;
    if (i >= 0) runs[agent.name].push(r);
  }
  process.stderr.write(i < 0 ? 'w' : '.');
}
process.stderr.write('\n');
const loadAfter = loadAverage();

// ---------------------------------------------------------------- summarise

interface StageSummary {
  wall_ms: Stats;
  cpu_ms: Stats;
  max_rss_kb: Stats;
  exit_codes: (number | null)[];
}

interface AgentSummary {
  /** Per stage: its unit's process (for --all-stages: the shim). */
  stages: Record<string, StageSummary>;
  /** --all-stages only: the one boot process. */
  boot_process?: StageSummary;
  /** wall: the four stages' sum; cpu: theirs plus the boot process's; max_rss: the largest of any of them. */
  total: { wall_ms: Stats; cpu_ms: Stats; max_rss_kb: Stats };
  extras: Record<string, StageSummary>;
}

function sampleOf(r: SandboxResult, label: string): ProcessSample {
  const s = r.samples.find((x) => x.label === label);
  if (!s) throw new Error(`no sample for ${label}`);
  return s;
}

const cpuMs = (s: ProcessSample) => (s.userS + s.sysS) * 1000;

function summarise(samples: ProcessSample[]): StageSummary {
  return {
    wall_ms: stats(samples.map((s) => s.wallMs)),
    cpu_ms: stats(samples.map(cpuMs)),
    max_rss_kb: stats(samples.map((s) => s.maxRssKb)),
    exit_codes: samples.map((s) => s.exitCode),
  };
}

const summary = {} as Record<AgentName, AgentSummary>;
for (const agent of agents) {
  const rs = runs[agent.name];
  const stages: Record<string, StageSummary> = {};
  for (const s of STAGES) stages[s.key] = summarise(rs.map((r) => sampleOf(r, s.label)));
  const perRep = rs.map((r) => STAGES.map((s) => sampleOf(r, s.label)));
  const bootPerRep = agent.boot ? rs.map((r) => sampleOf(r, agent.boot!.label)) : null;
  const extras: Record<string, StageSummary> = {};
  for (const e of agent.extras) extras[e.label] = summarise(rs.map((r) => sampleOf(r, e.label)));
  summary[agent.name] = {
    stages,
    ...(bootPerRep ? { boot_process: summarise(bootPerRep) } : {}),
    total: {
      wall_ms: stats(perRep.map((xs) => xs.reduce((a, s) => a + s.wallMs, 0))),
      cpu_ms: stats(perRep.map((xs, i) => xs.reduce((a, s) => a + cpuMs(s), 0) + (bootPerRep ? cpuMs(bootPerRep[i]!) : 0))),
      max_rss_kb: stats(perRep.map((xs, i) => Math.max(...xs.map((s) => s.maxRssKb), bootPerRep ? bootPerRep[i]!.maxRssKb : 0))),
    },
    extras,
  };
}

function ratio(ci: Stats, st: Stats): { median: number; worst: number } {
  return { median: ci.median / st.median, worst: ci.min / st.max };
}

const mib = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;
const x = (n: number) => `x${n.toFixed(1)}`;
const st = summary.stratus;
const one = summary['stratus-all-stages'];
const ci = summary['cloud-init'];
const oneBoot = one.boot_process!;
const rows: string[][] = [
  ['stage', 'stratus wall ms', 'RSS', '--all-stages wall ms', 'RSS', 'cloud-init wall ms', 'RSS', 'ci/stratus', 'worst', 'ci/--all-stages', 'worst'],
];
for (const s of STAGES) {
  const a = st.stages[s.key]!;
  const o = one.stages[s.key]!;
  const b = ci.stages[s.key]!;
  const q = ratio(b.wall_ms, a.wall_ms);
  const q1 = ratio(b.wall_ms, o.wall_ms);
  rows.push([s.label, spread(a.wall_ms), mib(a.max_rss_kb.median), spread(o.wall_ms), '', spread(b.wall_ms), mib(b.max_rss_kb.median), x(q.median), x(q.worst), x(q1.median), x(q1.worst)]);
}
const total = ratio(ci.total.wall_ms, st.total.wall_ms);
const totalOne = ratio(ci.total.wall_ms, one.total.wall_ms);
rows.push([
  'total (4 units)',
  spread(st.total.wall_ms),
  mib(st.total.max_rss_kb.max),
  spread(one.total.wall_ms),
  mib(one.total.max_rss_kb.max),
  spread(ci.total.wall_ms),
  mib(ci.total.max_rss_kb.max),
  x(total.median),
  x(total.worst),
  x(totalOne.median),
  x(totalOne.worst),
]);
rows.push(['boot process', '', '', spread(oneBoot.wall_ms), mib(oneBoot.max_rss_kb.max), '', '', '', '', '', '']);
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const [i, r] of rows.entries()) {
  console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd());
  if (i === 0 || i === STAGES.length) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
console.log(
  `\nstratus = four node processes, one per unit; --all-stages = one node process (\`stratus --all-stages\`) and per unit the shim \`/bin/sh systemd/stage-shim STAGE\`:` +
    ` a stage's wall is its shim's (what systemd sees of that unit; init --local's includes the boot process's start, which begins with it);` +
    ` "boot process" = its own wall, from its start (with the first shim) to its exit (after the final stage).` +
    `\nratio = cloud-init median / stratus median; worst = fastest cloud-init / slowest stratus. RSS: median of each stage's peak (the largest single process of its tree);` +
    ` total: the peak over all stages and repetitions; for --all-stages: the boot process's peak (the shims' sh is far smaller), shown once.`,
);
const cpuLine = (n: AgentName) => STAGES.map((s) => summary[n].stages[s.key]!.cpu_ms.median.toFixed(0)).join(' + ');
console.log(
  `CPU time (user+sys, median ms): stratus ${cpuLine('stratus')} = ${st.total.cpu_ms.median.toFixed(0)}; --all-stages shims ${cpuLine('stratus-all-stages')} + boot process ${oneBoot.cpu_ms.median.toFixed(0)} = ${one.total.cpu_ms.median.toFixed(0)}; cloud-init ${cpuLine('cloud-init')} = ${ci.total.cpu_ms.median.toFixed(0)}`,
);
console.log(
  `boot process (--all-stages): wall ${spread(oneBoot.wall_ms)} ms, CPU ${spread(oneBoot.cpu_ms)} ms, peak RSS ${mib(oneBoot.max_rss_kb.median)} (max ${mib(oneBoot.max_rss_kb.max)}); ` +
    `one process instead of four: stratus total ${st.total.wall_ms.median.toFixed(0)} → ${one.total.wall_ms.median.toFixed(0)} ms (${x(st.total.wall_ms.median / one.total.wall_ms.median)})`,
);

console.log('\nreference processes, through the same wrapper (time + chroot + env -i), median (min–max) ms:');
for (const agent of agents) {
  for (const [label, e] of Object.entries(summary[agent.name].extras)) {
    console.log(`  ${label.padEnd(28)} ${spread(e.wall_ms).padStart(24)}  ${mib(e.max_rss_kb.median)}${e.exit_codes.every((c) => c === 0) ? '' : `  exit ${e.exit_codes.join(',')}`}`);
  }
}
const floor = st.extras['node -e 0']!.wall_ms.median;
const shFloor = one.extras['sh -c :']!.wall_ms.median;
console.log(
  `  → node's own floor: 4 × ${floor.toFixed(1)} = ${(4 * floor).toFixed(0)} ms of stratus' ${st.total.wall_ms.median.toFixed(0)} ms total; ` +
    `1 × ${floor.toFixed(1)} + 4 shells × ${shFloor.toFixed(1)} = ${(floor + 4 * shFloor).toFixed(0)} ms of --all-stages' ${one.total.wall_ms.median.toFixed(0)} ms`,
);
const wrapper = st.extras['true']!.wall_ms.median;
const bare = (t: Stats) => x((ci.total.wall_ms.median - 4 * wrapper) / (t.median - 4 * wrapper));
console.log(
  `  → the wrapper itself (true) costs every flavour 4 × ${wrapper.toFixed(1)} ms; without it the total ratio is ${bare(st.total.wall_ms)} (stratus), ${bare(
    one.total.wall_ms,
  )} (--all-stages); four bare node processes alone allow at most ${x(ci.total.wall_ms.median / (4 * floor))}, one node and four shells at most ${x(
    ci.total.wall_ms.median / (floor + 4 * shFloor),
  )}`,
);

// What each agent did, from the first boot (warm-up): a boot that does less is cheaper, so say it.
console.log('\nwhat the first boot wrote (files added/changed under /, /run included):');
for (const agent of agents) {
  const changes = firstBoot[agent.name]?.changes ?? [];
  const netplanRan = changes.some((c) => c.includes('/run/systemd/network/10-netplan-'));
  console.log(`  ${agent.name.padEnd(18)} ${changes.length} paths; netplan generate ran: ${netplanRan ? 'yes (/run/systemd/network/10-netplan-*)' : 'no'}`);
  if (values.verbose) for (const c of changes) console.log(`      ${c}`);
}

// Loud failures: exit codes (the boot process's too), and the errors the agents recorded in status.json / result.json.
let failures = 0;
for (const agent of agents) {
  const measured = [...agent.stages, ...(agent.boot ? [agent.boot] : [])];
  for (const p of measured) {
    const samples = runs[agent.name].map((r) => sampleOf(r, p.label));
    const bad = samples.filter((x) => x.exitCode !== 0);
    if (bad.length) {
      failures++;
      const how = bad.map((b) => b.exitCode ?? (Number.isNaN(b.wallMs) ? 'not run' : 'killed (timeout)')).join(',');
      console.log(`\n!!! ${agent.name} ${p.label}: exited ${how} in ${bad.length}/${samples.length} repetitions; stderr of the first:\n${bad[0]!.stderr}`);
    }
  }
  const errors = new Set<string>();
  for (const r of runs[agent.name]) {
    const v1 = (r.status as { v1?: Record<string, unknown> } | null)?.v1 ?? {};
    for (const [stage, v] of Object.entries(v1)) {
      const e = (v as { errors?: unknown[] } | null)?.errors;
      if (Array.isArray(e)) for (const m of e) errors.add(`${stage}: ${String(m)}`);
      const rec = (v as { recoverable_errors?: Record<string, unknown[]> } | null)?.recoverable_errors;
      if (rec) for (const [level, ms] of Object.entries(rec)) for (const m of ms) errors.add(`${stage} (${level}): ${String(m)}`);
    }
    if (r.status === null) errors.add('no /run/cloud-init/status.json after the boot');
    if (r.result === null) errors.add('no /run/cloud-init/result.json after the boot');
  }
  if (errors.size) {
    failures++;
    console.log(`\n!!! ${agent.name} recorded errors in its status:\n${[...errors].map((e) => `    ${e}`).join('\n')}`);
  }
  if (values.verbose) {
    const last = runs[agent.name][runs[agent.name].length - 1]!;
    for (const p of measured) console.log(`\n--- ${agent.name} ${p.label} stderr (last repetition):\n${sampleOf(last, p.label).stderr}`);
    console.log(`\n--- ${agent.name}: what reached /dev/console (last repetition):\n${last.console}`);
  }
}

const met = total.median >= TARGET;
const metOne = totalOne.median >= TARGET;
for (const [title, q, ok] of [
  ['stratus (4 processes)', total, met],
  ['stratus --all-stages', totalOne, metOne],
] as const) {
  console.log(
    `${title === 'stratus (4 processes)' ? '\n' : ''}target (stratus total wall ≤ 1/${TARGET} of cloud-init's), ${title}: ${ok ? 'MET' : 'NOT MET'} — median ratio ${x(q.median)}, worst case ${x(q.worst)}${
      failures ? ' (but see the failures above)' : ''
    }`,
  );
}
console.log(`load average before ${loadBefore}, after ${loadAfter} (${cpus().length} CPUs)`);

if (values.json) {
  const samplesOf = (n: AgentName) => runs[n].map((r) => r.samples.map(({ stderr: _, ...s }) => s));
  const out = {
    reps: REPS,
    warmup: WARMUP,
    date: new Date().toISOString(),
    versions,
    load_average: { before: loadBefore, after: loadAfter },
    options: { debian_logging: values['debian-logging'] === true, cold_netplan: values['cold-netplan'] === true },
    cloud_cfg: readFileSync(join(BENCH, 'cloud.cfg'), 'utf8'),
    target: TARGET,
    summary,
    /** cloud-init / stratus (4 processes), total wall. */
    ratio: total,
    target_met: met,
    /** cloud-init / stratus --all-stages, total wall. */
    ratio_all_stages: totalOne,
    target_met_all_stages: metOne,
    failures,
    first_boot_changes: { stratus: firstBoot.stratus?.changes ?? [], 'stratus-all-stages': firstBoot['stratus-all-stages']?.changes ?? [], 'cloud-init': firstBoot['cloud-init']?.changes ?? [] },
    samples: { stratus: samplesOf('stratus'), 'stratus-all-stages': samplesOf('stratus-all-stages'), 'cloud-init': samplesOf('cloud-init') },
  };
  writeFileSync(values.json, `${JSON.stringify(out, null, 2)}\n`);
}
if (failures) process.exitCode = 1;
