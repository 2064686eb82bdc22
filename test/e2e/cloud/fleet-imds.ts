/**
 * The fleet cloud's metadata service, a process of its own beside the
 * controller (which starts it in the "cloud" namespace): one `Imds` per
 * instance, chosen by the request's source address, on 169.254.169.254:80.
 * Its own process because the controller launches the instances: spawning
 * a hundred processes blocks a Node event loop for seconds, and a real
 * cloud's metadata service does not stall while instances start.
 *
 * Control on stdin/stdout, JSON lines: { id, op: 'requests' | 'stats' } →
 * { id, ok, result }; { id: 0, ok: true } once it listens.
 */
import { createServer, type ServerResponse } from 'node:http';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { awsTree, Imds } from './imds.ts';
import { sendImdsAnswer } from './imds-http.ts';
import { FLEET_IMDS_ADDRESS, FLEET_REGION, FLEET_SUBNET, fleetInstance, type FleetInstance, type FleetRequestSeen, type FleetServerStats, type FleetSpec } from './fleet-types.ts';
import type { ControllerResponse } from './types.ts';

const spec = JSON.parse(process.argv[2] ?? '{}') as FleetSpec;
const byAddress = new Map<string, { instance: FleetInstance; imds: Imds }>();
const seen: FleetRequestSeen[] = [];
let maxLoopLagMs = 0;
let connections = 0;

function send(r: ControllerResponse): void {
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

/** An address that is no instance's: refused, as a metadata service serves only the instance asking (the stand-in's choice of 403). */
function refuse(res: ServerResponse, record: FleetRequestSeen): void {
  record.status = 403;
  res.writeHead(403, { 'content-type': 'text/plain' }).end('not an instance of this cloud\n');
}

/** This process's event loop lag: a timer every 50 ms, and how late it fires (a late loop answers late). */
function watchLoopLag(): void {
  let expected = performance.now() + 50;
  setInterval(() => {
    const now = performance.now();
    maxLoopLagMs = Math.max(maxLoopLagMs, now - expected);
    expected = now + 50;
  }, 50).unref();
}

function listen(): Promise<void> {
  const now = performance.now();
  for (let i = 0; i < spec.instances; i++) {
    const inst = fleetInstance(i);
    const tree = awsTree({
      instanceId: inst.instanceId,
      region: FLEET_REGION,
      az: `${FLEET_REGION}${'abc'[inst.index % 3]}`,
      hostname: inst.hostname,
      nics: [{ mac: inst.mac, deviceNumber: 0, ipv4s: [inst.address], subnetV4: FLEET_SUBNET }],
      publicKeys: { fleet: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFleet${inst.index + 1} fleet@${inst.instanceId}` },
      userData: inst.userData,
    });
    byAddress.set(inst.address, { instance: inst, imds: new Imds({ httpTokens: 'required', ...spec.imds, tree }, now) });
  }
  const server = createServer((req, res) => {
    const arrived = performance.now();
    const remote = req.socket.remoteAddress ?? '';
    const owner = byAddress.get(remote);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : (v ?? '');
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const record: FleetRequestSeen = { instance: owner?.instance.index ?? null, remote, method, path, hasToken: headers['x-aws-ec2-metadata-token'] !== undefined };
    seen.push(record);
    req.resume();
    req.on('end', () => {
      if (!owner) return refuse(res, record);
      // Tokens are per instance, as on AWS: one instance's token is no good on another.
      sendImdsAnswer(owner.imds.answer({ method, path, headers }, performance.now()), res, (status) => {
        record.status = status;
        record.ms = Math.round(performance.now() - arrived);
      });
    });
  });
  server.on('connection', () => connections++);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // A hundred instances may connect in the same moment.
    server.listen({ port: 80, host: FLEET_IMDS_ADDRESS, backlog: 4096 }, () => resolve());
  });
}

async function main(): Promise<void> {
  try {
    await listen();
    watchLoopLag();
    send({ id: 0, ok: true, result: 'ready' });
  } catch (e) {
    send({ id: 0, ok: false, error: (e as Error).message });
    process.exit(1);
  }
  createInterface({ input: process.stdin }).on('line', (line) => {
    const msg = JSON.parse(line) as { id: number; op: 'requests' | 'stats' };
    if (msg.op === 'requests') {
      send({ id: msg.id, ok: true, result: seen.splice(0) });
    } else {
      const stats: Omit<FleetServerStats, 'controllerMaxLoopLagMs'> = { maxLoopLagMs: Math.round(maxLoopLagMs), connections };
      maxLoopLagMs = 0;
      connections = 0;
      send({ id: msg.id, ok: true, result: stats });
    }
  });
  process.stdin.on('end', () => process.exit(0));
}

void main();
