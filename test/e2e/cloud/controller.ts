/**
 * The test cloud's controller. It runs inside the sandbox cloud.ts starts
 * (fresh mount, PID and network namespaces), already inside the "cloud"
 * network namespace, as PID 1 of the sandbox: when the test kills the
 * sandbox, the kernel ends this process, dnsmasq and every command run in
 * the instance namespace, and both namespaces disappear with them.
 *
 * It serves HTTP itself (routes given as data, an EC2 IMDS or a CloudStack
 * virtual router as classes answering requests), runs dnsmasq for DHCP and
 * DNS, makes veth pairs into the "instance" namespace, and runs commands
 * there. Requests arrive as JSON lines on stdin; answers leave as JSON
 * lines on stdout (nothing else is written to stdout).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createInterface } from 'node:readline';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { CloudStackVr, VR_METADATA_PORT, VR_PASSWORD_PORT } from './cloudstack-vr.ts';
import { Imds } from './imds.ts';
import { sendImdsAnswer } from './imds-http.ts';
import { blackholeCommands, HttpFaults, sendFaulty, type RealAnswer } from './faults.ts';
import type { CloudSecrets, CloudSpec, ControllerRequest, HttpRequestSeen, HttpRoute, NicSpec } from './types.ts';
import { exec, must, send } from './controller-exec.ts';

const LEASE_FILE = '/run/stratus-cloud-dnsmasq.leases';
const spec = JSON.parse(process.argv[2] ?? '{}') as CloudSpec;
const nics = new Map<string, NicSpec>();
let routes: HttpRoute[] = spec.http?.routes ?? [];
const seen: HttpRequestSeen[] = [];
/** How many injected failures each route has answered (failFirst). */
const failures = new Map<HttpRoute, number>();
/** The HTTP servers listening now, by "<port> <address>". */
const servers = new Map<string, Server>();
/** stopHttp was called: no port opens again (not even when vrConfigure brings a VR service back up). */
let httpStopped = false;
/** The EC2 metadata service, when the spec has one: answers what no route matches. */
const imds = spec.http?.imds ? new Imds(spec.http.imds, performance.now()) : undefined;
/** The CloudStack virtual router, when the spec has one: metadata for what no route matches on port 80, its password server on 8080. */
const vr = spec.http?.cloudstack ? new CloudStackVr(spec.http.cloudstack, performance.now()) : undefined;
/** Requests the IMDS hangs on purpose: stopHttp ends them, or server.close() would wait for them forever. */
const hung = new Set<ServerResponse>();
let dnsmasq: { child: ChildProcess; closed: Promise<void> } | undefined;
let dhcpStopped = false;
let replyDelay = spec.dhcpReplyDelaySeconds;
/** Faults of the main HTTP port, set at run time (faults.ts). */
const httpFaults = new HttpFaults();


function maskOf(prefix: number): string {
  const bits = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 255).join('.');
}

/** Whether dnsmasq has something to do for this NIC (DHCPv4, DHCPv6 or router advertisements). */
function served(nic: NicSpec): boolean {
  return nic.dhcp !== undefined || nic.ipv6?.ra !== undefined || nic.ipv6?.dhcpRange !== undefined;
}

/** The dnsmasq arguments for one NIC's IPv6: a --dhcp-range (RA mode or DHCPv6 range) and --ra-param. */
function ipv6Args(nic: NicSpec): string[] {
  const v6 = nic.ipv6;
  if (!v6) return [];
  const ra = v6.ra ?? (v6.dhcpRange ? 'stateful' : undefined);
  if (ra === undefined) return [];
  const peer = `c${nic.name}`;
  const len = v6.cloudAddress?.split('/')[1];
  if (!v6.cloudAddress || !len) throw new Error(`${nic.name}: ipv6.ra needs ipv6.cloudAddress with a prefix length`);
  const lease = v6.leaseTime ?? '1h';
  let range: string;
  if (ra === 'stateful') {
    if (!v6.dhcpRange) throw new Error(`${nic.name}: ipv6.ra 'stateful' needs ipv6.dhcpRange`);
    range = `${v6.dhcpRange[0]},${v6.dhcpRange[1]},${len},${lease}`;
  } else if (ra === 'slaac') {
    // With a range: SLAAC and DHCPv6 both; without: the prefix of the cloud address ("constructor").
    range = v6.dhcpRange ? `${v6.dhcpRange[0]},${v6.dhcpRange[1]},slaac,${len},${lease}` : `::,constructor:${peer},slaac,${len},${lease}`;
  } else {
    if (v6.dhcpRange) throw new Error(`${nic.name}: ipv6.ra 'ra-only' hands out no addresses; drop ipv6.dhcpRange`);
    range = `::,constructor:${peer},ra-only,${len},${lease}`;
  }
  // dnsmasq advertises router lifetime 0 when the cloud namespace has no IPv6
  // default route (checked on dnsmasq 2.90); --ra-param sets it explicitly.
  // The interval (10 s) is how often unsolicited advertisements go out.
  return [`--dhcp-range=set:${peer},${range}`, `--ra-param=${peer},10,${v6.routerLifetime ?? 1800}`];
}

function dnsmasqArgs(): string[] {
  const args = [
    '--keep-in-foreground',
    '--log-facility=-',
    '--no-resolv',
    '--no-hosts',
    '--pid-file=',
    '--user=root',
    '--bind-dynamic',
    `--dhcp-leasefile=${LEASE_FILE}`,
    // dnsmasq pings an address before offering it, which delays every first
    // offer by seconds; nothing else can hold addresses in this namespace.
    '--no-ping',
    '--dhcp-authoritative',
    Object.keys(spec.dnsNames ?? {}).length > 0 ? '--port=53' : '--port=0',
  ];
  for (const [name, ip] of Object.entries(spec.dnsNames ?? {})) args.push(`--host-record=${name},${ip}`);
  if (replyDelay !== undefined) args.push(`--dhcp-reply-delay=${replyDelay}`);
  const v6 = [...nics.values()].flatMap(ipv6Args);
  // Router advertisements go out for every IPv6 range once enabled.
  if (v6.length > 0) args.push('--enable-ra', ...v6);
  for (const nic of nics.values()) {
    const d = nic.dhcp;
    if (!d) continue;
    const tag = `c${nic.name}`;
    const [own, len] = nic.cloudAddress.split('/');
    args.push(`--dhcp-range=set:${tag},${d.range[0]},${d.range[1]},${maskOf(Number(len))},${d.leaseTime ?? '1h'}`);
    args.push(d.router === null ? `--dhcp-option=tag:${tag},3` : `--dhcp-option=tag:${tag},3,${d.router ?? own ?? ''}`);
    if (d.dns) args.push(`--dhcp-option=tag:${tag},6,${d.dns.join(',')}`);
    if (d.domain) args.push(`--dhcp-option=tag:${tag},15,${d.domain}`);
    if (d.classlessRoutes?.length) args.push(`--dhcp-option=tag:${tag},121,${d.classlessRoutes.map((r) => `${r.destination},${r.gateway}`).join(',')}`);
    if (d.fixedAddress) args.push(`--dhcp-host=${nic.mac},${d.fixedAddress}`);
  }
  return args;
}

async function stopDnsmasq(): Promise<void> {
  if (!dnsmasq) return;
  const { child, closed } = dnsmasq;
  dnsmasq = undefined;
  child.kill('SIGKILL');
  await closed;
}

/** (Re)start dnsmasq with the current NICs; wait until it says it started. */
async function startDnsmasq(): Promise<void> {
  await stopDnsmasq();
  if (dhcpStopped) return;
  const wanted = [...nics.values()].some(served) || Object.keys(spec.dnsNames ?? {}).length > 0;
  if (!wanted) return;
  const child = spawn('dnsmasq', dnsmasqArgs(), { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  dnsmasq = { child, closed };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dnsmasq did not start within 10 s: ${log}`)), 10_000);
    child.stderr?.on('data', (b: Buffer) => {
      log += b.toString('utf8');
      process.stderr.write(`[dnsmasq] ${b.toString('utf8')}`);
      if (/started, version/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`dnsmasq exited ${String(code)}: ${log}`));
    });
  });
}

async function addNic(nic: NicSpec): Promise<void> {
  if (nics.has(nic.name)) throw new Error(`NIC ${nic.name} exists already`);
  const peer = `c${nic.name}`;
  await must(['ip', '-n', 'instance', 'link', 'add', nic.name, 'address', nic.mac, 'type', 'veth', 'peer', 'name', peer, 'netns', 'cloud']);
  // The cloud side skips duplicate address detection (its link-local address
  // answers the instance's first router solicitation, not the retry 4 s
  // later) and keeps its static IPv6 addresses while the link is down.
  writeFileSync(`/proc/sys/net/ipv6/conf/${peer}/accept_dad`, '0');
  writeFileSync(`/proc/sys/net/ipv6/conf/${peer}/keep_addr_on_down`, '1');
  await must(['ip', 'addr', 'add', nic.cloudAddress, 'dev', peer]);
  if (nic.ipv6?.cloudAddress) await must(['ip', 'addr', 'add', nic.ipv6.cloudAddress, 'dev', peer, 'nodad']);
  await must(['ip', 'link', 'set', 'dev', peer, 'up']);
  await addLinkLocal(nic);
  if (nic.up) {
    await must(['ip', '-n', 'instance', 'link', 'set', 'dev', nic.name, 'up']);
    await settled(nic.name);
  }
  nics.set(nic.name, nic);
}

/**
 * The NIC's extra link-local addresses on the cloud side. The kernel drops
 * link-local addresses when a link goes down (keep_addr_on_down spares only
 * global ones), so setLinkUp adds them again.
 */
async function addLinkLocal(nic: NicSpec): Promise<void> {
  for (const a of nic.ipv6?.linkLocal ?? []) {
    await must(['ip', 'addr', 'replace', a.includes('/') ? a : `${a}/64`, 'dev', `c${nic.name}`, 'nodad']);
  }
}

/** Break (or mend) a NIC's link from the cloud side: the instance sees its carrier go (or come back). */
async function setLinkUp(name: string, up: boolean): Promise<void> {
  const nic = nics.get(name);
  if (!nic) throw new Error(`no NIC ${name}`);
  await must(['ip', 'link', 'set', 'dev', `c${name}`, up ? 'up' : 'down']);
  if (up) await addLinkLocal(nic);
}

/**
 * Wait until a link brought up has stopped changing on its own (carrier
 * seen, IPv6 link-local past duplicate address detection), so a test's
 * "before" snapshot is not taken halfway.
 */
async function settled(name: string): Promise<void> {
  const end = Date.now() + 5_000;
  for (;;) {
    const out = await must(['ip', '-n', 'instance', '-j', 'addr', 'show', 'dev', name]);
    const link = (JSON.parse(out) as { operstate?: string; addr_info?: { family: string; scope?: string; tentative?: boolean }[] }[])[0];
    const info = link?.addr_info ?? [];
    const ll = info.some((a) => a.family === 'inet6' && a.scope === 'link');
    if (link?.operstate === 'UP' && ll && !info.some((a) => a.tentative)) return;
    if (Date.now() > end) throw new Error(`${name} did not settle within 5 s: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function removeNic(name: string): Promise<void> {
  if (!nics.has(name)) throw new Error(`no NIC ${name}`);
  // Deleting one end of a veth pair deletes both.
  await must(['ip', '-n', 'instance', 'link', 'del', 'dev', name]);
  nics.delete(name);
}

/** The port routes (and an IMDS, or a VR's metadata service) are served on. */
function mainPort(): number {
  return spec.http?.port ?? 80;
}

/** The ports that should be listening now: the main one, or a VR's two while their services are up. */
function wantedPorts(): number[] {
  if (!spec.http || httpStopped) return [];
  // httpFaults `refuse`: the main port's servers are closed (connections refused).
  if (!vr) return httpFaults.refuse ? [] : [mainPort()];
  return [VR_METADATA_PORT, VR_PASSWORD_PORT].filter((p) => vr.listening(p) && !(httpFaults.refuse && p === VR_METADATA_PORT));
}

/** Every port this cloud may serve HTTP on. */
function allPorts(): number[] {
  return vr ? [VR_METADATA_PORT, VR_PASSWORD_PORT] : [mainPort()];
}

/** Open and close servers until exactly the wanted ports listen on every `http.listen` address. */
async function syncHttp(): Promise<void> {
  const listen = spec.http?.listen ?? [];
  const wanted = wantedPorts();
  const work: Promise<void>[] = [];
  for (const port of allPorts()) {
    for (const host of listen) {
      const key = `${port} ${host}`;
      const server = servers.get(key);
      if (wanted.includes(port) && !server) work.push(listenOn(port, host));
      if (!wanted.includes(port) && server) {
        servers.delete(key);
        work.push(closeServer(server));
      }
    }
  }
  await Promise.all(work);
}

/** Stop a server at once: no new connections, open ones (keep-alive, slow answers) cut. */
function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function listenOn(port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const server = createServer((req, res) => {
      const path = req.url ?? '/';
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : (v ?? '');
      const method = req.method ?? 'GET';
      const record: HttpRequestSeen = { method, path, headers, local: req.socket.localAddress ?? '', port };
      seen.push(record);
      req.resume();
      // A VR's password server has its port to itself: routes are for the main port (80 with a VR).
      if (vr && port === VR_PASSWORD_PORT) {
        req.on('end', () => answerVr(vr, { port, method, path, headers }, res, record));
        return;
      }
      const route = routes.find((r) => r.path === path && (r.method === undefined || r.method === req.method));
      const answer = () => {
        if (!route) {
          record.status = 404;
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
          return;
        }
        const failed = failures.get(route) ?? 0;
        if (route.failFirst && failed < route.failFirst.count) {
          failures.set(route, failed + 1);
          record.status = route.failFirst.status;
          res.writeHead(route.failFirst.status, { 'content-type': 'text/plain' }).end('injected failure\n');
          return;
        }
        record.status = route.status ?? 200;
        res.writeHead(route.status ?? 200, route.headers ?? {}).end((route.body ?? '').repeat(route.repeat ?? 1));
      };
      req.on('end', () => {
        const fault = port === mainPort() ? httpFaults.pick(method, path) : undefined;
        if (fault) {
          sendFaulty(fault, realAnswer(route, { port, method, path, headers }), res, hung, (status) => (record.status = status));
          return;
        }
        if (!route && imds) {
          answerImds(imds, { method, path, headers }, res, record);
          return;
        }
        if (!route && vr) {
          answerVr(vr, { port, method, path, headers }, res, record);
          return;
        }
        if (route?.delayMs) setTimeout(answer, route.delayMs);
        else answer();
      });
    });
    server.once('error', reject);
    server.listen(port, host, () => {
      servers.set(`${port} ${host}`, server);
      resolve();
    });
  });
}

function startHttp(): Promise<void> {
  const http = spec.http;
  if (!http) return Promise.resolve();
  if (http.cloudstack && http.imds) return Promise.reject(new Error('http.cloudstack and http.imds both answer /latest/meta-data/: give one'));
  if (http.cloudstack && mainPort() !== VR_METADATA_PORT) return Promise.reject(new Error(`http.cloudstack serves port ${VR_METADATA_PORT}: leave http.port unset`));
  return syncHttp();
}

/** Turn the VR's answer into HTTP (the same adapter as the IMDS's: the answers have the same shape). */
function answerVr(service: CloudStackVr, req: { port: number; method: string; path: string; headers: Record<string, string> }, res: ServerResponse, record: HttpRequestSeen): void {
  sendImdsAnswer(service.answer(req, performance.now()), res, (status) => (record.status = status));
}

/** Turn the IMDS's answer into HTTP; a hung response is held until the client goes or the cloud stops. */
function answerImds(service: Imds, req: { method: string; path: string; headers: Record<string, string> }, res: ServerResponse, record: HttpRequestSeen): void {
  const a = service.answer(req, performance.now());
  if (a.hang) {
    hung.add(res);
    res.on('close', () => hung.delete(res));
  }
  sendImdsAnswer(a, res, (status) => (record.status = status));
}

/** What the main port would answer (route, IMDS, VR or 404), for a fault to distort. */
function realAnswer(route: HttpRoute | undefined, req: { port: number; method: string; path: string; headers: Record<string, string> }): RealAnswer {
  if (route) return { status: route.status ?? 200, headers: route.headers ?? {}, body: Buffer.from((route.body ?? '').repeat(route.repeat ?? 1)) };
  const a = imds ? imds.answer(req, performance.now()) : vr ? vr.answer(req, performance.now()) : undefined;
  return a ? { status: a.status, headers: a.headers, body: Buffer.from(a.body) } : { status: 404, headers: { 'content-type': 'text/plain' }, body: Buffer.from('not found\n') };
}

/** Drop (or pass again) every packet leaving the main port on the cloud side of each NIC. */
async function applyBlackhole(on: boolean): Promise<void> {
  for (const nic of nics.values()) {
    const cmds = blackholeCommands(`c${nic.name}`, mainPort(), on);
    if (on) for (const argv of cmds) await must(argv);
    else for (const argv of cmds) await exec(argv);
  }
}

/** Route bodies that are user-data or vendor-data (OpenStack's, a NoCloud seedfrom URL's), for the secrets op. */
const servedData = new Set<string>();
function rememberServedData(list: readonly HttpRoute[]): void {
  for (const r of list) if (/(user|vendor)[-_]data/.test(r.path) && r.body) servedData.add(r.body);
}
rememberServedData(routes);

/** The `secrets` op: what this cloud handed out that an instance must never leak. */
function cloudSecrets(): CloudSecrets {
  const fromImds = imds?.secrets() ?? { tokens: [], userData: [] };
  const fromVr = vr?.secrets() ?? { passwords: [], userData: [] };
  return { imdsTokens: fromImds.tokens, vrPasswords: fromVr.passwords, userData: [...new Set([...fromImds.userData, ...fromVr.userData, ...servedData])] };
}

function needImds(): Imds {
  if (!imds) throw new Error('this cloud has no IMDS (CloudSpec.http.imds)');
  return imds;
}

function needVr(): CloudStackVr {
  if (!vr) throw new Error('this cloud has no CloudStack virtual router (CloudSpec.http.cloudstack)');
  return vr;
}

async function handle(req: ControllerRequest): Promise<unknown> {
  switch (req.op) {
    case 'addNic':
      await addNic(req.nic);
      if (served(req.nic)) await startDnsmasq();
      return null;
    case 'removeNic': {
      const nic = nics.get(req.name);
      const hadDhcp = nic !== undefined && served(nic);
      await removeNic(req.name);
      if (hadDhcp) await startDnsmasq();
      return null;
    }
    case 'run':
      return exec(['ip', 'netns', 'exec', 'instance', ...req.argv], req.timeoutMs, req.env);
    case 'runInCloud':
      return exec(req.argv, req.timeoutMs);
    case 'setRoutes':
      routes = req.routes;
      rememberServedData(routes);
      return null;
    case 'requests':
      return seen.splice(0);
    case 'stopDhcp':
      dhcpStopped = true;
      await stopDnsmasq();
      return null;
    case 'startDhcp':
      dhcpStopped = false;
      if (req.replyDelaySeconds !== undefined) replyDelay = req.replyDelaySeconds;
      await startDnsmasq();
      return null;
    case 'dhcpLeases':
      try {
        return readFileSync(LEASE_FILE, 'utf8');
      } catch {
        return '';
      }
    case 'stopHttp': {
      httpStopped = true;
      for (const res of hung) res.destroy();
      const all = [...servers.values()];
      servers.clear();
      await Promise.all(all.map((s) => new Promise((r) => s.close(r))));
      return null;
    }
    case 'setLinkUp':
      await setLinkUp(req.name, req.up);
      return null;
    case 'imdsSet':
      needImds().set(req.path, req.value);
      return null;
    case 'imdsDelete':
      needImds().delete(req.path);
      return null;
    case 'imdsConfigure':
      needImds().configure(req.settings);
      return null;
    case 'imdsResetClock':
      needImds().resetClock(performance.now());
      return null;
    case 'vrSetPassword':
      needVr().setPassword(req.password);
      return null;
    case 'vrConfigure':
      needVr().configure(req.update);
      // metadataDown / passwordDown open or close the ports.
      await syncHttp();
      return null;
    case 'vrPasswordLog':
      return needVr().passwordLog();
    case 'secrets':
      return cloudSecrets();
    case 'httpFaults': {
      const wasBlackhole = httpFaults.blackhole;
      httpFaults.configure(req.settings);
      await syncHttp();
      if (httpFaults.blackhole !== wasBlackhole) await applyBlackhole(httpFaults.blackhole);
      return null;
    }
  }
}

async function main(): Promise<void> {
  try {
    for (const a of spec.addresses ?? []) await must(['ip', 'addr', 'add', a.includes('/') ? a : a.includes(':') ? `${a}/128` : `${a}/32`, 'dev', 'lo']);
    for (const nic of spec.nics) await addNic(nic);
    await startDnsmasq();
    await startHttp();
    send({ id: 0, ok: true, result: 'ready' });
  } catch (e) {
    send({ id: 0, ok: false, error: (e as Error).message });
    process.exit(1);
  }
  // One request at a time, in order: the test awaits each answer anyway.
  let queue = Promise.resolve();
  createInterface({ input: process.stdin }).on('line', (line) => {
    queue = queue.then(async () => {
      let id = -1;
      try {
        const msg = JSON.parse(line) as ControllerRequest & { id: number };
        id = msg.id;
        send({ id, ok: true, result: await handle(msg) });
      } catch (e) {
        send({ id, ok: false, error: (e as Error).message });
      }
    });
  });
  // The test closing stdin is the polite way to say stop; killing the sandbox is the sure one.
  process.stdin.on('end', () => process.exit(0));
}

void main();
