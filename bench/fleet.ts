/**
 * Fleet load (issue 12): N instances (default 100), each its own network
 * namespace on one L2 segment of the fleet cloud (test/e2e/cloud/fleet.ts:
 * one bridge, one dnsmasq, one EC2 metadata service answering each instance
 * with its own identity by source address), run the built stratus
 * `init --local` at the same moment — Ec2 datasource, IMDSv2 tokens
 * required, ephemeral DHCP inside each namespace, each on its own temp root.
 *
 *   npm run bench:fleet -- [--instances N] [--timeout S] [--json FILE]
 *
 * Then every instance is checked as a user would (test/e2e/fleet-boot.ts:
 * `status --format json` healthy for the local stage, its own instance-id,
 * hostname, user-data, and netplan matching its own MAC). Printed and
 * written to bench/results/fleet.json: instances, healthy count, wall time
 * from the first start to the last end (each instance's shell clocks its
 * command), per-instance duration (median, p90, max), the metadata
 * server's requests (total, per instance, token PUTs vs GETs, repeats of
 * the same path, answer time, non-200 answers, its event-loop lag), DHCP (dnsmasq's lease file lines and the DHCP
 * messages it logged), the load average before and after, and memory: each
 * stratus process's peak RSS (GNU time) and the host's peak of used memory
 * (MemTotal - MemAvailable, sampled every 100 ms) above what it was before.
 * Exits 1 when an instance is not healthy.
 *
 * Reading the times: the instances need little CPU each (total_cpu_ms is all
 * of them together), so on a shared machine the wall time is mostly the
 * fleet's share of the CPU. With autogroup scheduling (Debian's default) the
 * whole fleet, one session, gets one session's share against each other
 * busy session, whatever its nice value; note the load before and after.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { inParallel, stratusCommand } from '../test/cli/cli.ts';
import { startFleet, type Fleet } from '../test/e2e/cloud/fleet.ts';
import { bootFleet, checkInstance, fleetRoot, leaseCount, percentile, summarizeRequests, type InstanceCheck } from '../test/e2e/fleet-boot.ts';
import { loadAverage, requireRootAndFiles, writeResults } from './lib.ts';

const { values } = parseArgs({ options: { instances: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'string' } } });
const INSTANCES = Number(values.instances ?? 100);
const TIMEOUT_S = Number(values.timeout ?? 300);
if (!(Number.isInteger(INSTANCES) && INSTANCES >= 1 && TIMEOUT_S > 0)) throw new Error('--instances must be a whole number ≥ 1, --timeout > 0');

const BENCH = dirname(fileURLToPath(import.meta.url));
const REPO = dirname(BENCH);
const STRATUS = join(REPO, 'dist/stratus.js');
const JSON_OUT = values.json ?? join(BENCH, 'results/fleet.json');

requireRootAndFiles('bench:fleet', [
  [STRATUS, 'npm run build'],
  ['/usr/bin/time', 'apt-get install time'],
]);

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

/** Used memory (MemTotal - MemAvailable) in MiB. */
function usedMiB(): number {
  const info = readFileSync('/proc/meminfo', 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
  return (kb('MemTotal') - kb('MemAvailable')) / 1024;
}

/** Samples used memory until stopped; returns the peak. */
function sampleMemory(): { stop(): number } {
  let peak = usedMiB();
  const timer = setInterval(() => (peak = Math.max(peak, usedMiB())), 100);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, usedMiB());
    },
  };
}

const ms = (x: number) => Math.round(x);
const dist = (xs: number[]) => ({ median: ms(percentile(xs, 50)), p90: ms(percentile(xs, 90)), max: ms(Math.max(...xs)) });

async function main(): Promise<number> {
  const base = mkdtempSync(join(tmpdir(), 'stratus-fleet-'));
  let fleet: Fleet | undefined;
  try {
    const loadBefore = loadAverage();
    const t0 = Date.now();
    fleet = await startFleet({ instances: INSTANCES });
    const setupMs = Date.now() - t0;
    const roots = fleet.instances.map((inst) => {
      const dir = join(base, `root-${inst.index + 1}`);
      fleetRoot(dir, inst);
      return dir;
    });
    // GNU time wraps each stratus process for its peak RSS; one file per instance, outside its root.
    const timeFile = (i: number) => join(base, `time-${i + 1}`);
    const command = stratusCommand(STRATUS);
    await fleet.serverStats();
    const memBefore = usedMiB();
    const mem = sampleMemory();
    console.log(`${INSTANCES} instances ready in ${setupMs} ms (load ${loadBefore}); booting the local stage on all at once …`);
    const boots = await bootFleet(fleet, command, roots, TIMEOUT_S * 1000, (i) => ['/usr/bin/time', '-f', '%M %e %U %S', '-o', timeFile(i)]);
    const memPeak = mem.stop();
    const loadAfter = loadAverage();
    const start = Math.min(...boots.map((b) => b.startedAt));
    const end = Math.max(...boots.map((b) => b.endedAt));
    const durations = boots.map((b) => b.endedAt - b.startedAt);

    const checks: InstanceCheck[] = await inParallel(
      2,
      fleet.instances.map((inst) => () => checkInstance(command, roots[inst.index] ?? '', inst, boots[inst.index]!)),
    );
    const healthy = checks.filter((c) => c.healthy).length;
    const seen = await fleet.requests();
    const req = summarizeRequests(seen, INSTANCES);
    const server = await fleet.serverStats();
    const answerMs = seen.filter((q) => q.ms !== undefined).map((q) => q.ms as number);
    // The same (instance, method, path) asked again: retries after a timeout (the crawl itself asks
    // <version>/meta-data/instance-id twice by design: once to pick the API version, once in the tree).
    const asked = new Set<string>();
    let repeated = 0;
    for (const q of seen) {
      const key = `${q.instance} ${q.method} ${q.path}`;
      if (asked.has(key)) repeated++;
      asked.add(key);
    }
    const leases = await fleet.dhcpLeases();
    const dhcp = await fleet.dhcpLog();
    const rss: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < INSTANCES; i++) {
      try {
        const last = readFileSync(timeFile(i), 'utf8').trim().split('\n').pop() ?? '';
        const [maxKb, , user, sys] = last.split(' ').map(Number);
        if (maxKb !== undefined && !Number.isNaN(maxKb)) rss.push(maxKb / 1024);
        if (user !== undefined && sys !== undefined) cpu.push((user + sys) * 1000);
      } catch {
        // killed by the hang guard: no time file
      }
    }
    const perInstanceTotals = req.perInstance.map((p) => p.total);
    const result = {
      instances: INSTANCES,
      healthy,
      unhealthy: checks.filter((c) => !c.healthy).map((c) => ({ instance: c.index + 1, problems: c.problems })),
      fleet_setup_ms: setupMs,
      wall_ms: ms(end - start),
      // The controller starts the instances one spawn after another: the last starts this much after the first.
      start_spread_ms: ms(Math.max(...boots.map((b) => b.startedAt)) - start),
      per_instance_ms: dist(durations),
      per_instance_cpu_ms: cpu.length ? dist(cpu) : null,
      // All instances' CPU (user + system) together: on an idle machine the wall time cannot be below this over the cores.
      total_cpu_ms: ms(cpu.reduce((a, b) => a + b, 0)),
      // With autogroup scheduling the whole fleet (one session) gets one session's share of the CPU
      // against every other busy session on the host, whatever its nice value.
      sched_autogroup: readOr('/proc/sys/kernel/sched_autogroup_enabled', '?').trim() === '1',
      metadata_requests: {
        total: req.total,
        token_puts: req.tokenPuts,
        token_puts_per_instance_max: Math.max(...req.perInstance.map((p) => p.puts)),
        gets: req.gets,
        per_instance: { min: Math.min(...perInstanceTotals), median: percentile(perInstanceTotals, 50), max: Math.max(...perInstanceTotals) },
        repeated_same_path: repeated,
        answer_ms: dist(answerMs),
        non_200: req.non200,
        gets_without_token: req.getsWithoutToken,
        unattributed: req.unattributed,
      },
      cloud_processes: {
        metadata_service_max_loop_lag_ms: server.maxLoopLagMs,
        controller_max_loop_lag_ms: server.controllerMaxLoopLagMs,
        metadata_connections: server.connections,
      },
      dhcp: {
        // dhcpcd --test takes the offer and never sends a REQUEST, so the server commits no lease for it.
        lease_file_lines: leaseCount(leases),
        messages: dhcp.counts,
      },
      load_average_before: loadBefore,
      load_average_after_boot: loadAfter,
      memory_mib: {
        host_used_before: ms(memBefore),
        host_used_peak: ms(memPeak),
        host_peak_increase: ms(memPeak - memBefore),
        stratus_peak_rss: rss.length ? { median: Math.round(percentile(rss, 50) * 10) / 10, max: Math.round(Math.max(...rss) * 10) / 10 } : null,
      },
    };
    console.log(JSON.stringify(result, null, 1));
    console.log(
      `\n${healthy}/${INSTANCES} healthy; wall ${result.wall_ms} ms; per instance median ${result.per_instance_ms.median} ms, p90 ${result.per_instance_ms.p90}, max ${result.per_instance_ms.max}; ` +
        `IMDS ${req.total} requests (${req.tokenPuts} token PUTs, ${req.gets} GETs, non-200 ${JSON.stringify(req.non200)}); ` +
        `host memory +${result.memory_mib.host_peak_increase} MiB at peak; load ${loadBefore} → ${loadAfter}`,
    );
    writeResults(JSON_OUT, 'not compared', result);
    console.log(`written to ${JSON_OUT}`);
    return healthy === INSTANCES ? 0 : 1;
  } finally {
    await fleet?.close();
    rmSync(base, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(e.stack ?? e.message);
    process.exit(1);
  },
);
