/**
 * A test cloud's sandbox, seen from the test (cloud.ts, fleet.ts): `unshare`
 * with fresh mount, network and PID namespaces; a prelude that gives it a
 * private /run and DHCP lease dirs and makes its network namespaces; then
 * the controller (a TypeScript file, in the "cloud" namespace) as its first
 * process, spoken to in JSON lines. Killing that one PID ends everything
 * inside, and the namespaces go with it.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ControllerResponse } from './types.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

function prelude(namespaces: readonly string[]): string {
  return `set -eu
mount -t tmpfs -o mode=0755 tmpfs /run
# Temporary files (tsx's cache, scratch dirs) stay in the sandbox's private /run. /tmp itself is not
# hidden: the repository or the built CLI may live there (a CI checkout in a temp dir).
mkdir -p /run/tmp && export TMPDIR=/run/tmp
for d in /var/lib/dhcp /var/lib/dhcpcd; do [ -d "$d" ] && mount -t tmpfs -o mode=0755 tmpfs "$d"; done
ip link set lo up
${namespaces.map((n) => `ip netns add ${n}\nip -n ${n} link set lo up`).join('\n')}
exec ip netns exec cloud "$1" --import tsx "$2" "$3"
`;
}

export interface Sandbox {
  /** Send one request ({op, …}) and wait for its answer's result; a failed answer throws. */
  call(req: { op: string }): Promise<unknown>;
  /** What the controller and its daemons wrote to stderr. */
  log(): string;
  /** Kill the sandbox (one PID: ours) and wait until it is gone. Safe to call twice. */
  close(): Promise<void>;
}

export interface SandboxOptions {
  /** "test cloud", "fleet cloud": how messages name it. */
  name: string;
  controller: string;
  spec: unknown;
  /** Network namespaces besides "cloud" (which the controller runs in). */
  namespaces: readonly string[];
  startTimeoutMs: number;
  /** Keep only the end of the log (a fleet's hundred DHCP exchanges log a lot); default: all of it. */
  logLimit?: number;
}

export async function startSandbox(o: SandboxOptions): Promise<Sandbox> {
  const child = spawn(
    '/usr/bin/unshare',
    ['--mount', '--net', '--pid', '--fork', '--kill-child', '--mount-proc', '--', '/bin/sh', '-c', prelude([...o.namespaces, 'cloud']), o.name, process.execPath, o.controller, JSON.stringify(o.spec)],
    { cwd: REPO, env: { ...process.env, PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let log = '';
  const append = (text: string) => {
    log += text;
    if (o.logLimit !== undefined && log.length > o.logLimit) log = log.slice(-o.logLimit);
  };
  child.stderr.on('data', (b: Buffer) => append(b.toString('utf8')));
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const waiting = new Map<number, (r: ControllerResponse) => void>();
  let exited = false;
  void closed.then(() => {
    exited = true;
    for (const [id, w] of waiting) w({ id, ok: false, error: `the ${o.name} exited: ${log.slice(-2000)}` });
    waiting.clear();
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    let r: ControllerResponse;
    try {
      r = JSON.parse(line) as ControllerResponse;
    } catch {
      append(`[stdout] ${line}\n`);
      return;
    }
    waiting.get(r.id)?.(r);
    waiting.delete(r.id);
  });
  const answer = (id: number) => new Promise<ControllerResponse>((resolve) => waiting.set(id, resolve));
  const close = async () => {
    if (!exited) {
      child.kill('SIGKILL');
      await closed;
    }
  };

  // The start timer is cleared once the cloud answers: left running, it would keep the test process alive for its full length.
  let startTimer: NodeJS.Timeout | undefined;
  const ready = await Promise.race([
    answer(0),
    new Promise<ControllerResponse>((resolve) => {
      startTimer = setTimeout(() => resolve({ id: 0, ok: false, error: `the ${o.name} did not start in time` }), o.startTimeoutMs);
    }),
  ]);
  clearTimeout(startTimer);
  if (!ready.ok) {
    await close();
    throw new Error(`${o.name}: ${ready.error}\n${log.slice(-4000)}`);
  }

  let next = 1;
  const call = async (req: { op: string }): Promise<unknown> => {
    if (exited) throw new Error(`the ${o.name} is closed: ${log.slice(-2000)}`);
    const id = next++;
    const p = answer(id);
    child.stdin.write(`${JSON.stringify({ ...req, id })}\n`);
    const r = await p;
    if (!r.ok) throw new Error(`${o.name} ${req.op}: ${r.error}`);
    return r.result;
  };
  return { call, log: () => log, close };
}
