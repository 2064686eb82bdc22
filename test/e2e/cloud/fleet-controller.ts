/**
 * The fleet cloud's controller: PID 1 of the sandbox fleet.ts starts, in the
 * "cloud" network namespace. It builds one L2 segment (a bridge, the cloud's
 * router address on it), one network namespace per instance joined to the
 * bridge by a veth pair, one dnsmasq for all of them and one metadata
 * service on 169.254.169.254 (fleet-imds.ts, a process of its own) that
 * answers each instance with its own metadata, chosen by the request's
 * source address — the address DHCP gave that instance's MAC, as a VPC's
 * DHCP gives an ENI its assigned address.
 *
 * Requests arrive as JSON lines on stdin and are handled concurrently (a
 * fleet boots all at once); answers leave as JSON lines on stdout. The
 * sandbox's PID namespace ends everything this starts when the test kills it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import {
  FLEET_GATEWAY,
  FLEET_IMDS_ADDRESS,
  FLEET_MAX_INSTANCES,
  FLEET_PREFIX,
  fleetInstance,
  type FleetInstance,
  type FleetRequest,
  type FleetRequestSeen,
  type FleetRunResult,
  type FleetServerStats,
  type FleetSpec,
} from './fleet-types.ts';
import type { ControllerResponse, RunResult } from './types.ts';
import { exec, must, send } from './controller-exec.ts';

const LEASE_FILE = '/run/stratus-fleet-dnsmasq.leases';
const HOSTS_FILE = '/run/stratus-fleet-dhcp-hosts';
const BRIDGE = 'br0';
/** The last stderr line of an instance command: its start and end, seconds since the epoch. */
const TIMES_MARK = 'fleet-run-times';
/** A fixed bridge MAC: a bridge otherwise takes the lowest of its ports' and changes it as ports join. */
const BRIDGE_MAC = '0a:f1:ee:ff:ff:01';
/**
 * Each instance is a machine of its own, so it gets its own /run, temp dir
 * and DHCP client state (tmpfs in a mount namespace of its own, inside its
 * network namespace): sharing the sandbox's, a hundred dhcpcd processes
 * would meet on one /run/dhcpcd/eth0-4.pid and all but one refuse to start.
 * The shell also times the command with its own clock ($EPOCHREALTIME, no
 * process spawned) and says so on a last stderr line: the controller's
 * clock is late when a hundred busy instances leave it little CPU.
 */
const INSTANCE_PRELUDE = `set -eu
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/tmp
export TMPDIR=/run/tmp
for d in /var/lib/dhcp /var/lib/dhcpcd; do if [ -d "$d" ]; then mount -t tmpfs -o mode=0755 tmpfs "$d"; fi; done
start=$EPOCHREALTIME
set +e
"$@"
rc=$?
end=$EPOCHREALTIME
printf '\\n${TIMES_MARK} %s %s\\n' "$start" "$end" >&2
exit $rc
`;
/** dnsmasq's DHCP log lines kept for dhcpLog (the counts come from all of them). */
const DHCP_LOG_KEEP = 400;

const spec = JSON.parse(process.argv[2] ?? '{}') as FleetSpec;
const instances: FleetInstance[] = [];
const IMDS_PROCESS = fileURLToPath(new URL('./fleet-imds.ts', import.meta.url));
const dhcpLog: string[] = [];
const dhcpCounts: Record<string, number> = {};
let dnsmasq: ChildProcess | undefined;
let maxLoopLagMs = 0;
let imds: { child: ChildProcess; call(op: 'requests' | 'stats'): Promise<unknown> } | undefined;

/** The controller's event loop lag: a timer every 50 ms, and how late it fires. */
function watchLoopLag(): void {
  let expected = performance.now() + 50;
  setInterval(() => {
    const now = performance.now();
    maxLoopLagMs = Math.max(maxLoopLagMs, now - expected);
    expected = now + 50;
  }, 50).unref();
}


/** Run `work` over `items`, `limit` at a time (ip commands: fast, but not a hundred processes at once). */
async function bounded<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function buildSegment(): Promise<void> {
  // STP off and no forwarding delay: a port forwards as soon as it is up, as a cloud's virtual switch does.
  await must(['ip', 'link', 'add', BRIDGE, 'address', BRIDGE_MAC, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
  await must(['ip', 'addr', 'add', `${FLEET_GATEWAY}/${FLEET_PREFIX}`, 'dev', BRIDGE]);
  await must(['ip', 'link', 'set', BRIDGE, 'up']);
  await must(['ip', 'addr', 'add', `${FLEET_IMDS_ADDRESS}/32`, 'dev', 'lo']);
  // The cloud answers a whole subnet of instances: room in its neighbour table for all of them.
  for (const [k, v] of [
    ['gc_thresh1', 4096],
    ['gc_thresh2', 8192],
    ['gc_thresh3', 16384],
  ] as const) {
    try {
      writeFileSync(`/proc/sys/net/ipv4/neigh/default/${k}`, String(v));
    } catch {
      // Older kernels keep these global and read-only in a namespace; 100 instances fit the defaults.
    }
  }
  await bounded(instances, 8, async (inst) => {
    await must(['ip', 'netns', 'add', inst.netns]);
    await must(['ip', '-n', inst.netns, 'link', 'set', 'lo', 'up']);
    // The instance's NIC starts down, as at boot: the code under test brings it up.
    await must(['ip', '-n', inst.netns, 'link', 'add', 'eth0', 'address', inst.mac, 'type', 'veth', 'peer', 'name', inst.port, 'netns', 'cloud']);
    await must(['ip', 'link', 'set', inst.port, 'master', BRIDGE]);
    await must(['ip', 'link', 'set', inst.port, 'up']);
  });
}

function countDhcp(line: string): void {
  const m = /\b(DHCPDISCOVER|DHCPOFFER|DHCPREQUEST|DHCPACK|DHCPNAK|DHCPDECLINE|DHCPRELEASE|DHCPINFORM)\(/.exec(line);
  if (m?.[1]) dhcpCounts[m[1]] = (dhcpCounts[m[1]] ?? 0) + 1;
  dhcpLog.push(line);
  if (dhcpLog.length > DHCP_LOG_KEEP) dhcpLog.shift();
}

async function startDnsmasq(): Promise<void> {
  // Each MAC gets its instance's address, as a VPC's DHCP does; the range (the whole subnet past the cloud's block) only has to contain them.
  writeFileSync(HOSTS_FILE, instances.map((i) => `${i.mac},${i.address}\n`).join(''));
  const child = spawn(
    'dnsmasq',
    [
      '--keep-in-foreground',
      '--log-facility=-',
      '--no-resolv',
      '--no-hosts',
      '--pid-file=',
      '--user=root',
      `--interface=${BRIDGE}`,
      '--bind-dynamic',
      '--port=0',
      `--dhcp-leasefile=${LEASE_FILE}`,
      // No ping before an offer (seconds per first offer); nothing else can hold an address on this segment.
      '--no-ping',
      '--dhcp-authoritative',
      `--dhcp-lease-max=${FLEET_MAX_INSTANCES + 100}`,
      `--dhcp-range=10.40.1.1,10.40.255.254,255.255.0.0,${spec.leaseTime ?? '1h'}`,
      `--dhcp-option=3,${FLEET_GATEWAY}`,
      `--dhcp-hostsfile=${HOSTS_FILE}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  dnsmasq = child;
  let startLog = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dnsmasq did not start within 10 s: ${startLog}`)), 10_000);
    createInterface({ input: child.stderr! }).on('line', (line) => {
      countDhcp(line);
      if (/started, version/.test(line)) {
        clearTimeout(timer);
        resolve();
      } else startLog += `${line}\n`;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`dnsmasq exited ${String(code)}: ${startLog}`));
    });
  });
}

/** Start the metadata service's process and wait until it listens. */
function startImds(): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', IMDS_PROCESS, JSON.stringify(spec)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = new Map<number, (r: ControllerResponse) => void>();
  let next = 1;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const r = JSON.parse(line) as ControllerResponse;
    waiting.get(r.id)?.(r);
    waiting.delete(r.id);
  });
  const answer = (id: number) => new Promise<ControllerResponse>((resolve) => waiting.set(id, resolve));
  child.on('close', (code) => {
    for (const [id, w] of waiting) w({ id, ok: false, error: `the metadata service exited (${String(code)})` });
    waiting.clear();
  });
  imds = {
    child,
    async call(op) {
      const id = next++;
      const p = answer(id);
      child.stdin!.write(`${JSON.stringify({ id, op })}\n`);
      const r = await p;
      if (!r.ok) throw new Error(r.error);
      return r.result;
    },
  };
  return answer(0).then((r) => {
    if (!r.ok) throw new Error(`the metadata service did not start: ${r.error}`);
  });
}

function needImds(): NonNullable<typeof imds> {
  if (!imds) throw new Error('the metadata service is not running');
  return imds;
}

/** A word for bash, quoted. */
function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The wrapper that puts a command into instance `inst`: its network namespace, lower CPU priority, its own /run, timed. */
function inInstance(inst: FleetInstance, argv: readonly string[]): string[] {
  const nice = spec.instanceNice ?? 0;
  const lower = nice > 0 ? ['nice', '-n', String(nice)] : [];
  return ['ip', 'netns', 'exec', inst.netns, ...lower, 'unshare', '--mount', '--', '/bin/bash', '-c', INSTANCE_PRELUDE, inst.netns, ...argv];
}

/** A result with the command's own times from its last stderr line, when it got to write it. */
function timed(r: RunResult, startedAt: number, endedAt: number): FleetRunResult {
  const m = new RegExp(`\\n${TIMES_MARK} (\\d+)[.,](\\d+) (\\d+)[.,](\\d+)\\n$`).exec(r.stderr);
  if (!m) return { ...r, startedAt, endedAt };
  const ms = (sec: string | undefined, frac: string | undefined) => Number(sec) * 1000 + Number(`0.${frac ?? '0'}`) * 1000;
  return { ...r, stderr: r.stderr.slice(0, m.index), startedAt: ms(m[1], m[2]), endedAt: ms(m[3], m[4]) };
}

/**
 * Every instance's command at once: one bash launcher forks them all (a
 * fork of bash is cheap; a hundred spawns from this Node process, starved
 * of CPU by the instances already running, spread the starts over seconds),
 * each under `timeout -s KILL`, output and exit status into files.
 */
async function runAll(argvs: readonly string[][], timeoutMs: number): Promise<FleetRunResult[]> {
  const dir = mkdtempSync('/run/fleet-run-');
  try {
    const secs = Math.max(1, Math.ceil(timeoutMs / 1000));
    const lines = argvs.map((argv, i) => {
      const inst = instances[i];
      if (!inst) throw new Error(`no instance ${i}`);
      const cmd = ['timeout', '-s', 'KILL', String(secs), ...inInstance(inst, argv)].map(quote).join(' ');
      return `{ ${cmd} >${dir}/${i}.out 2>${dir}/${i}.err; echo $? >${dir}/${i}.rc; } &`;
    });
    writeFileSync(`${dir}/launch.sh`, `${lines.join('\n')}\nwait\n`);
    const startedAt = Date.now();
    const r = await exec(['/bin/bash', `${dir}/launch.sh`], timeoutMs + 30_000);
    if (r.code !== 0) throw new Error(`the launcher exited ${String(r.code)}: ${r.stderr.slice(-500)}`);
    const endedAt = Date.now();
    return argvs.map((_, i) => {
      const file = (ext: string) => {
        try {
          return readFileSync(`${dir}/${i}.${ext}`, 'utf8');
        } catch {
          return '';
        }
      };
      const rc = Number(file('rc').trim());
      // timeout -s KILL: 137 (128 + SIGKILL) when the guard ended it.
      const killed = rc === 137;
      return timed({ code: killed ? null : rc, signal: killed ? 'SIGKILL' : null, stdout: file('out'), stderr: file('err'), timedOut: killed }, startedAt, endedAt);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function handle(req: FleetRequest): Promise<unknown> {
  switch (req.op) {
    case 'run': {
      const inst = instances[req.index];
      if (!inst) throw new Error(`no instance ${req.index}`);
      const startedAt = Date.now();
      const r = await exec(inInstance(inst, req.argv), req.timeoutMs, req.env);
      return timed(r, startedAt, Date.now());
    }
    case 'runAll':
      return runAll(req.argvs, req.timeoutMs);
    case 'runInCloud':
      return exec(req.argv, req.timeoutMs);
    case 'requests':
      return needImds().call('requests') as Promise<FleetRequestSeen[]>;
    case 'dhcpLeases':
      try {
        return readFileSync(LEASE_FILE, 'utf8');
      } catch {
        return '';
      }
    case 'dhcpLog':
      return { counts: { ...dhcpCounts }, tail: dhcpLog.join('\n') };
    case 'serverStats': {
      const served = (await needImds().call('stats')) as Omit<FleetServerStats, 'controllerMaxLoopLagMs'>;
      const stats: FleetServerStats = { ...served, controllerMaxLoopLagMs: Math.round(maxLoopLagMs) };
      maxLoopLagMs = 0;
      return stats;
    }
  }
}

async function main(): Promise<void> {
  try {
    const n = spec.instances;
    if (!Number.isInteger(n) || n < 1 || n > FLEET_MAX_INSTANCES) throw new Error(`instances: ${n} is not 1 … ${FLEET_MAX_INSTANCES}`);
    for (let i = 0; i < n; i++) instances.push(fleetInstance(i));
    await buildSegment();
    await startDnsmasq();
    await startImds();
    watchLoopLag();
    send({ id: 0, ok: true, result: 'ready' });
  } catch (e) {
    send({ id: 0, ok: false, error: (e as Error).message });
    dnsmasq?.kill('SIGKILL');
    imds?.child.kill('SIGKILL');
    process.exit(1);
  }
  // Concurrently: the test starts every instance's boot at once.
  createInterface({ input: process.stdin }).on('line', (line) => {
    let id = -1;
    void (async () => {
      try {
        const msg = JSON.parse(line) as FleetRequest & { id: number };
        id = msg.id;
        send({ id, ok: true, result: await handle(msg) });
      } catch (e) {
        send({ id, ok: false, error: (e as Error).message });
      }
    })();
  });
  process.stdin.on('end', () => process.exit(0));
}

void main();
