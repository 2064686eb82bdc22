/**
 * The test cloud: per test, an "instance" network namespace (where the code
 * under test runs) and a "cloud" namespace joined to it by one veth pair per
 * NIC, with dnsmasq (DHCPv4, DNS names) and HTTP servers on cloud addresses.
 *
 * Everything lives in one sandbox process (`unshare --mount --net --pid
 * --fork --kill-child`) whose PID 1 is the controller (controller.ts):
 * both namespaces are created inside it, so nothing is visible from the
 * host, and `close()` — SIGKILL to that one PID we started — ends every
 * process and namespace at once. Inside, /run, /tmp and the DHCP clients'
 * state directories are private tmpfs mounts, so a client cannot leave a
 * lease file on the host.
 *
 *   const cloud = await startCloud({ nics: [{ name: 'eth0', mac, cloudAddress: '10.9.0.1/24', dhcp: { range: [...] } }] });
 *   after(() => cloud.close());
 *   const r = await cloud.run(['ip', '-j', 'addr']);
 */
import { accessSync, constants } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startSandbox } from './sandbox.ts';
import type {
  CloudSecrets,
  CloudSpec,
  CloudStackVrUpdate,
  ControllerRequest,
  HttpRequestSeen,
  HttpRoute,
  ImdsSettings,
  ImdsTree,
  NicSpec,
  RunResult,
  VrPasswordLogEntry,
} from './types.ts';

export type {
  CloudSecrets,
  CloudSpec,
  CloudStackVrSettings,
  CloudStackVrSpec,
  CloudStackVrUpdate,
  HttpRoute,
  HttpRequestSeen,
  ImdsFault,
  ImdsSettings,
  ImdsSpec,
  ImdsTree,
  NicDhcp,
  NicIpv6,
  NicSpec,
  RunResult,
  VrPasswordLogEntry,
} from './types.ts';
import type { HttpFaultSettings } from './faults.ts';
export type { HttpFault, HttpFaultSettings } from './faults.ts';

const CONTROLLER = fileURLToPath(new URL('./controller.ts', import.meta.url));

/** What the cloud needs on the host; `missingCloudTools()` names what is not there, so tests can skip. */
const NEEDED = ['/usr/bin/unshare', '/usr/sbin/ip', '/usr/sbin/dnsmasq'];

export function missingCloudTools(): string | undefined {
  if (process.getuid?.() !== 0) return 'the test cloud needs root (it creates namespaces)';
  for (const p of NEEDED) {
    try {
      accessSync(p, constants.X_OK);
    } catch {
      return `${p} is missing`;
    }
  }
  return undefined;
}

export interface TestCloud {
  /** Run argv in the instance namespace (cwd: the repository). */
  run(argv: string[], opts?: { timeoutMs?: number; env?: Record<string, string> }): Promise<RunResult>;
  /** Run a TypeScript file with node + tsx in the instance namespace. */
  runNode(script: string, args?: string[], opts?: { timeoutMs?: number; env?: Record<string, string> }): Promise<RunResult>;
  /** Run argv in the cloud namespace (to inspect or disturb the cloud side). */
  runInCloud(argv: string[], opts?: { timeoutMs?: number }): Promise<RunResult>;
  addNic(nic: NicSpec): Promise<void>;
  removeNic(name: string): Promise<void>;
  /**
   * Put a NIC's cloud side down (the instance loses carrier: a broken link)
   * or up again; its IPv6 addresses come back with it.
   */
  setLinkUp(name: string, up: boolean): Promise<void>;
  setRoutes(routes: HttpRoute[]): Promise<void>;
  /** HTTP requests seen since the last call. */
  requests(): Promise<HttpRequestSeen[]>;
  stopDhcp(): Promise<void>;
  startDhcp(opts?: { replyDelaySeconds?: number }): Promise<void>;
  stopHttp(): Promise<void>;
  /** IMDS (http.imds): put a leaf or directory at a tree path ("meta-data/network/interfaces/macs/<mac>/ipv6s"), making directories above it. */
  imdsSet(path: string, value: string | ImdsTree): Promise<void>;
  /** IMDS: remove a node (an error when there is none). */
  imdsDelete(path: string): Promise<void>;
  /** IMDS: replace all settings (state, httpTokens, latency, throttle, faults, appear …); fault counters restart, tree and tokens stay. */
  imdsConfigure(settings: ImdsSettings): Promise<void>;
  /** IMDS: `appear` delays count from now. */
  imdsResetClock(): Promise<void>;
  /** CloudStack VR (http.cloudstack): the operator resets the password; it is pending (offered) until acknowledged. null withdraws it. */
  vrSetPassword(password: string | null): Promise<void>;
  /** CloudStack VR: change the settings or values named (null clears one); metadataDown / passwordDown close or reopen the ports. */
  vrConfigure(update: CloudStackVrUpdate): Promise<void>;
  /** CloudStack VR: every password server request so far (passwords logged as "<password>"). */
  vrPasswordLog(): Promise<VrPasswordLogEntry[]>;
  /** Faults of the metadata service's port, whichever service answers there (faults.ts); replaces the last settings. */
  httpFaults(settings: HttpFaultSettings): Promise<void>;
  /** What the cloud handed out that the instance must keep secret: IMDS tokens, VR passwords, served user-data (secrets-scan.ts). */
  secrets(): Promise<CloudSecrets>;
  /** dnsmasq's lease file. */
  dhcpLeases(): Promise<string>;
  /** What the controller and dnsmasq logged (for failure messages). */
  log(): string;
  /** Kill the sandbox (one PID: ours) and wait until it is gone. Safe to call twice. */
  close(): Promise<void>;
}

export async function startCloud(spec: CloudSpec, opts: { startTimeoutMs?: number } = {}): Promise<TestCloud> {
  const missing = missingCloudTools();
  if (missing) throw new Error(`test cloud: ${missing}`);
  const sandbox = await startSandbox({ name: 'test cloud', controller: CONTROLLER, spec, namespaces: ['instance'], startTimeoutMs: opts.startTimeoutMs ?? 30_000 });
  const call = (req: ControllerRequest) => sandbox.call(req);
  return {
    run: (argv, o = {}) => call({ op: 'run', argv, ...o }) as Promise<RunResult>,
    runNode: (script, args = [], o = {}) => call({ op: 'run', argv: [process.execPath, '--import', 'tsx', script, ...args], ...o }) as Promise<RunResult>,
    runInCloud: (argv, o = {}) => call({ op: 'runInCloud', argv, ...o }) as Promise<RunResult>,
    addNic: async (nic) => void (await call({ op: 'addNic', nic })),
    removeNic: async (name) => void (await call({ op: 'removeNic', name })),
    setLinkUp: async (name, up) => void (await call({ op: 'setLinkUp', name, up })),
    setRoutes: async (routes) => void (await call({ op: 'setRoutes', routes })),
    requests: () => call({ op: 'requests' }) as Promise<HttpRequestSeen[]>,
    stopDhcp: async () => void (await call({ op: 'stopDhcp' })),
    startDhcp: async (o = {}) => void (await call({ op: 'startDhcp', ...o })),
    stopHttp: async () => void (await call({ op: 'stopHttp' })),
    imdsSet: async (path, value) => void (await call({ op: 'imdsSet', path, value })),
    imdsDelete: async (path) => void (await call({ op: 'imdsDelete', path })),
    imdsConfigure: async (settings) => void (await call({ op: 'imdsConfigure', settings })),
    imdsResetClock: async () => void (await call({ op: 'imdsResetClock' })),
    vrSetPassword: async (password) => void (await call({ op: 'vrSetPassword', password })),
    vrConfigure: async (update) => void (await call({ op: 'vrConfigure', update })),
    vrPasswordLog: () => call({ op: 'vrPasswordLog' }) as Promise<VrPasswordLogEntry[]>,
    httpFaults: async (settings) => void (await call({ op: 'httpFaults', settings })),
    secrets: () => call({ op: 'secrets' }) as Promise<CloudSecrets>,
    dhcpLeases: () => call({ op: 'dhcpLeases' }) as Promise<string>,
    log: sandbox.log,
    close: sandbox.close,
  };
}
