/**
 * A fleet boot, shared by the CI test (fleet.test.ts) and the on-demand
 * benchmark (bench/fleet.ts): every instance of a fleet cloud runs the
 * built stratus `init --local` at the same moment, on its own temp root
 * that identifies as AWS (Ec2 datasource, IMDSv2, ephemeral DHCP inside its
 * namespace with --live-network); then each instance is checked as a user
 * would: `status --format json`, its own identity in what was written, its
 * own MAC in the rendered network config. The metadata server's requests
 * are summed up per instance.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Fleet, FleetInstance, FleetRequestSeen, FleetRunResult } from './cloud/fleet.ts';
import { assertNoSecretLeaks } from './secrets-scan.ts';

/** Paths stratus writes, under a target root. */
const INSTANCE_ID = '/var/lib/cloud/data/instance-id';
const RESULT = '/var/lib/cloud/data/result.json';
const INSTANCE_DATA = '/run/cloud-init/instance-data.json';
const NETPLAN = '/etc/netplan/50-cloud-init.yaml';
const LOG = '/var/log/cloud-init.log';

const at = (root: string, path: string) => join(root, path.replace(/^\/+/, ''));

function write(root: string, path: string, content: string, mode = 0o644): void {
  mkdirSync(dirname(at(root, path)), { recursive: true });
  writeFileSync(at(root, path), content);
  chmodSync(at(root, path), mode);
}

function read(root: string, path: string): string | null {
  try {
    return readFileSync(at(root, path), 'utf8');
  } catch {
    return null;
  }
}

/**
 * A target root for one instance: DMI that says AWS (product_uuid "ec2…",
 * its own), Ec2 as the datasource, Debian with netplan as the network stack.
 */
export function fleetRoot(dir: string, inst: FleetInstance): void {
  const n = (inst.index + 1).toString(16).padStart(12, '0');
  write(dir, '/sys/class/dmi/id/product_uuid', `ec2f1ee7-0000-4000-8000-${n}\n`);
  write(dir, '/etc/cloud/cloud.cfg', 'datasource_list: [ Ec2, None ]\n');
  write(dir, '/etc/os-release', 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n');
  write(dir, '/usr/sbin/netplan', '', 0o755);
}

/**
 * Every instance's `init --local` at once; per instance the controller's
 * timing and outcome. `wrap` puts a command in front of each (GNU time for
 * the benchmark's peak RSS).
 */
export async function bootFleet(
  fleet: Fleet,
  command: readonly string[],
  roots: readonly string[],
  timeoutMs: number,
  wrap: (index: number) => string[] = () => [],
): Promise<FleetRunResult[]> {
  return fleet.runAll(
    fleet.instances.map((inst) => [...wrap(inst.index), ...command, '--root', roots[inst.index] ?? '', '--live-network', 'init', '--local']),
    timeoutMs,
  );
}

export interface InstanceCheck {
  index: number;
  healthy: boolean;
  /** What is wrong, in words (empty when healthy). */
  problems: string[];
  /** `status --format json`'s "status" and "extended_status". */
  status: string;
  extendedStatus: string;
}

function runCommand(argv: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(argv[0] ?? '', argv.slice(1), { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * What a user would check on one instance after its local stage: the stage
 * exited 0; `status --format json` exits 0 with no errors and the local
 * stage finished, Ec2 found; the instance directory, instance data and
 * user-data are its own; the rendered netplan matches its own MAC (and no
 * other) with DHCP; the ephemeral lease was its own address; result.json is
 * not there yet (cloud-init writes it after the final stage).
 */
export async function checkInstance(command: readonly string[], root: string, inst: FleetInstance, boot: FleetRunResult): Promise<InstanceCheck> {
  const problems: string[] = [];
  if (boot.timedOut) problems.push('init --local hit the hang guard');
  if (boot.code !== 0) problems.push(`init --local exited ${String(boot.code)}${boot.signal ? ` (${boot.signal})` : ''}: ${boot.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const st = await runCommand([...command, '--root', root, 'status', '--format', 'json']);
  let status = '?';
  let extendedStatus = '?';
  try {
    const j = JSON.parse(st.stdout) as Record<string, unknown>;
    status = String(j['status']);
    extendedStatus = String(j['extended_status']);
    const local = j['init-local'] as { finished?: number | null; errors?: unknown[] } | undefined;
    if (st.code !== 0) problems.push(`status exited ${String(st.code)}`);
    if (!Array.isArray(j['errors']) || j['errors'].length > 0) problems.push(`status errors: ${JSON.stringify(j['errors'])}`);
    if (Object.keys((j['recoverable_errors'] as object | undefined) ?? {}).length > 0) problems.push(`recoverable errors: ${JSON.stringify(j['recoverable_errors'])}`);
    if (typeof local?.finished !== 'number') problems.push('status: init-local has not finished');
    if (j['datasource'] !== 'ec2') problems.push(`status: datasource ${JSON.stringify(j['datasource'])}, not ec2`);
    // Only the local stage ran: the boot is still going, and healthy.
    if (status !== 'running' || extendedStatus !== 'running') problems.push(`status ${status} / ${extendedStatus}, not running / running`);
  } catch {
    problems.push(`status --format json: not JSON (exit ${String(st.code)}): ${st.stdout.slice(0, 200)} ${st.stderr.trim().slice(-300)}`);
  }
  const id = read(root, INSTANCE_ID);
  if (id !== `${inst.instanceId}\n`) problems.push(`instance-id ${JSON.stringify(id)}, not ${inst.instanceId}`);
  try {
    const v1 = (JSON.parse(read(root, INSTANCE_DATA) ?? 'null') as { v1?: Record<string, unknown> } | null)?.v1 ?? {};
    if (v1['instance_id'] !== inst.instanceId) problems.push(`instance-data v1.instance_id ${JSON.stringify(v1['instance_id'])}`);
    if (v1['local_hostname'] !== inst.hostname) problems.push(`instance-data v1.local_hostname ${JSON.stringify(v1['local_hostname'])}, not ${inst.hostname}`);
    if (v1['cloud_name'] !== 'aws') problems.push(`instance-data v1.cloud_name ${JSON.stringify(v1['cloud_name'])}`);
  } catch {
    problems.push(`${INSTANCE_DATA}: missing or not JSON`);
  }
  const userDataPath = `/var/lib/cloud/instances/${inst.instanceId}/user-data.txt`;
  const userData = read(root, userDataPath);
  if (userData !== inst.userData) problems.push(`user-data ${JSON.stringify(userData?.slice(0, 60) ?? null)} is not its own`);
  else if ((statSync(at(root, userDataPath)).mode & 0o777) !== 0o600) problems.push('user-data.txt is not 0600');
  const netplan = read(root, NETPLAN) ?? '';
  const macs = [...netplan.matchAll(/macaddress: ['"]?([0-9a-f:]{17})/g)].map((m) => m[1]);
  if (macs.length !== 1 || macs[0] !== inst.mac) problems.push(`netplan matches ${JSON.stringify(macs)}, not [${inst.mac}]`);
  if (!/eth0:[\s\S]*dhcp4: true/.test(netplan)) problems.push('netplan: eth0 has no dhcp4: true');
  const log = read(root, LOG) ?? '';
  if (!new RegExp(`ephemeral DHCP on eth0: ${escape(inst.address)}/16 `).test(log)) problems.push(`the log has no ephemeral lease of ${inst.address}/16`);
  if (existsSync(at(root, RESULT))) problems.push('result.json exists after the local stage alone');
  // Its user-data is its secret: not in a world-readable file, the log or the stage's output. (The fleet's IMDS tokens stay
  // inside the metadata process, which does not report them; the single-instance EC2 scenarios scan for tokens.)
  try {
    await assertNoSecretLeaks({ dir: root, inputs: new Map(), secrets: [{ what: 'user-data', value: inst.userData }] }, [{ stage: 'init --local', stdout: boot.stdout, stderr: boot.stderr }]);
  } catch (e) {
    problems.push((e as Error).message);
  }
  return { index: inst.index, healthy: problems.length === 0, problems, status, extendedStatus };
}

export interface RequestSummary {
  total: number;
  tokenPuts: number;
  gets: number;
  /** Requests from an address that is no instance's (should be none). */
  unattributed: number;
  /** Per instance: all requests, token PUTs, GETs. */
  perInstance: { total: number; puts: number; gets: number }[];
  /** Status → count, for every answer that was not 200 (absent status: "none", unanswered or cut). */
  non200: Record<string, number>;
  /** GETs that carried no token (IMDSv2 required: each is a 401). */
  getsWithoutToken: number;
}

export function summarizeRequests(seen: readonly FleetRequestSeen[], instances: number): RequestSummary {
  const perInstance = Array.from({ length: instances }, () => ({ total: 0, puts: 0, gets: 0 }));
  const non200: Record<string, number> = {};
  let unattributed = 0;
  for (const q of seen) {
    if (q.status !== 200) non200[String(q.status ?? 'none')] = (non200[String(q.status ?? 'none')] ?? 0) + 1;
    const mine = q.instance === null ? undefined : perInstance[q.instance];
    if (!mine) {
      unattributed++;
      continue;
    }
    mine.total++;
    if (q.method === 'PUT') mine.puts++;
    if (q.method === 'GET') mine.gets++;
  }
  return {
    total: seen.length,
    tokenPuts: seen.filter((q) => q.method === 'PUT' && q.path === '/latest/api/token').length,
    gets: seen.filter((q) => q.method === 'GET').length,
    unattributed,
    perInstance,
    non200,
    getsWithoutToken: seen.filter((q) => q.method === 'GET' && !q.hasToken).length,
  };
}

/** Lines of dnsmasq's lease file (one per leased MAC). */
export function leaseCount(leases: string): number {
  return leases.split('\n').filter((l) => l.trim() !== '').length;
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
}
