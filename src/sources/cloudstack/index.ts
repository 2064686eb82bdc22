/**
 * Apache CloudStack: metadata and user-data from the virtual router (VR),
 * the default user's password from the VR's password server.
 *
 * The local stage is the default (cloud-init's CloudStackLocal): stratus
 * takes its own ephemeral DHCP lease on the fallback NIC, finds the VR
 * (router.ts), crawls, and tears the lease down, so no image needs its
 * network service (NetworkManager included) to run first. The network stage
 * crawls through the OS network (datasource.CloudStack.local: false, or
 * when the local stage could not).
 *
 * The password is not part of the crawl: it is asked for in the config
 * stage (`platformPassword`), after the users exist, set, and only then
 * acknowledged. Nothing of it is cached. It is asked for once per instance
 * (until the server could be asked); with `password_every_boot` on every
 * boot, so that the operator's "Reset password" reaches the instance.
 *
 * datasource.CloudStack: timeout (s, per request, default 10), retries
 * (default 3), max_wait (s, discovery and crawl, default 120), local
 * (default true), password_server (default true), password_every_boot
 * (default false).
 */
import { nowMs } from '../../host/clock.ts';
import { isTransientStatus } from '../../host/http-status.ts';
import { readAllLeases } from '../../net/dhcp/leases/index.ts';
import { isIPv4 } from '../../net/ip.ts';
import { isMapping, type Mapping } from '../../text/reader.ts';
import { datasourceConfig, positiveNumber } from '../config.ts';
import { crawlMetadataTree } from '../ec2/tree.ts';
import { parseMetaData, readSeedDir } from '../nocloud/seed.ts';
import { DatasourceError, type CrawlContext, type Crawled, type HotplugSupport, type NetworkAccess, type PlatformPassword, type Source } from '../types.ts';
import { acknowledgePassword, askPassword, type PasswordServerOptions } from './password.ts';
import { discoverVirtualRouter } from './router.ts';

export const SEED_DIR = '/var/lib/cloud/seed/cs';
export const DEFAULT_TIMEOUT_S = 10;
export const DEFAULT_RETRIES = 3;
export const DEFAULT_MAX_WAIT_S = 120;
/** The readiness check of one VR candidate: a dead address must not eat the budget. */
const READY_TIMEOUT_MS = 3_000;
/** Between rounds of discovery when no candidate answered (a VR still booting). */
const ROUND_PAUSE_MS = 2_000;
/** The password server, asked on every boot: short, so a dead one costs little. */
const PASSWORD: PasswordServerOptions = { timeoutMs: 5_000, retries: 2, budgetMs: 20_000 };

interface Settings {
  timeoutMs: number;
  retries: number;
  maxWaitMs: number;
  local: boolean;
  passwordServer: boolean;
  passwordEveryBoot: boolean;
}

const isTrue = (v: unknown): boolean => v === true || v === 'true';
const isFalse = (v: unknown): boolean => v === false || v === 'false';

function settings(cfg: Mapping): Settings {
  const ds = datasourceConfig(cfg, 'CloudStack');
  return {
    timeoutMs: positiveNumber(ds['timeout'], DEFAULT_TIMEOUT_S) * 1000,
    retries: Math.floor(positiveNumber(ds['retries'], DEFAULT_RETRIES)),
    maxWaitMs: positiveNumber(ds['max_wait'], DEFAULT_MAX_WAIT_S) * 1000,
    local: !isFalse(ds['local']),
    passwordServer: !isFalse(ds['password_server']),
    passwordEveryBoot: isTrue(ds['password_every_boot']),
  };
}

function validInstanceId(id: unknown, where: string): string {
  if (typeof id !== 'string' || id.trim() === '') throw new DatasourceError(`${where}: no instance-id`);
  const t = id.trim();
  if (/[\0-\x1f/]/.test(t) || t === '.' || t === '..') throw new DatasourceError(`${where}: instance-id ${JSON.stringify(t)} cannot name an instance directory`);
  return t;
}

/** The seed dir stands in for the VR (image tests); cloud-init reads the same place. */
function fromSeed(ctx: CrawlContext): Crawled | null {
  if (ctx.fs.kind(SEED_DIR) !== 'dir') return null;
  const seed = readSeedDir(ctx.fs, SEED_DIR);
  const md = seed.files['meta-data'];
  const ud = seed.files['user-data'];
  if (md === undefined || ud === undefined) return null;
  const metaData = parseMetaData(md, `${SEED_DIR}/meta-data`);
  return {
    dsname: 'CloudStack',
    instanceId: validInstanceId(metaData['instance-id'], `${SEED_DIR}/meta-data`),
    platform: 'cloudstack',
    subplatform: `seed-dir (${SEED_DIR})`,
    cloudName: 'cloudstack',
    dsmode: 'net',
    metaData,
    userData: ud,
    vendorData: null,
    vendorData2: null,
    networkConfig: null,
    config: {},
  };
}

/** The DHCP domain for the FQDN: the ephemeral lease's, else the newest lease on the target that has one. */
function leaseDomain(ctx: CrawlContext, net: NetworkAccess): string | undefined {
  const valid = (d: string | undefined) => (d && /^[A-Za-z0-9.-]+$/.test(d) && !d.startsWith('.') ? d.replace(/\.$/, '') : undefined);
  return valid(net.lease?.domain) ?? readAllLeases(ctx.fs).leases.map((l) => valid(l.domain)).find((d) => d !== undefined);
}

async function crawlVr(ctx: CrawlContext, net: NetworkAccess, s: Settings): Promise<Crawled> {
  const started = nowMs();
  const deadline = started + s.maxWaitMs;
  const left = () => Math.max(1, deadline - nowMs());
  const ready = async (vr: string): Promise<true | string> => {
    const url = `http://${vr}/latest/meta-data/instance-id`;
    try {
      const r = await ctx.httpGet(url, { timeoutMs: Math.min(READY_TIMEOUT_MS, s.timeoutMs, left()), retries: 0 });
      return r.status === 200 ? true : `HTTP ${r.status}`;
    } catch (e) {
      return (e as Error).message.replace(`${url}: `, '');
    }
  };
  // Rounds until one candidate answers or the budget is spent: the VR may still be starting.
  let round = await discoverVirtualRouter(ctx, net, ready, { deadline, now: nowMs });
  for (let n = 2; !round.found && nowMs() + ROUND_PAUSE_MS < deadline; n++) {
    ctx.log.debug(`CloudStack: no virtual router answered; round ${n} in ${ROUND_PAUSE_MS / 1000} s`);
    await new Promise((res) => setTimeout(res, ROUND_PAUSE_MS));
    round = await discoverVirtualRouter(ctx, net, ready, { deadline, now: nowMs, quiet: true });
  }
  const { found, tried } = round;
  if (!found) throw new DatasourceError(`no virtual router found within ${s.maxWaitMs / 1000} s (${tried.join('; ')})`);
  const base = `http://${found.address}/latest`;
  // 429 too, after its Retry-After (within the budget), as for the other metadata services.
  const get = (url: string) => ctx.httpGet(url, { timeoutMs: s.timeoutMs, retries: s.retries, retryOn: isTransientStatus, budgetMs: left() });
  const [metaData, userData] = await Promise.all([
    crawlMetadataTree(`${base}/meta-data/`, { get, maxDepth: 1 }),
    (async () => {
      const r = await get(`${base}/user-data`);
      if (r.status === 404) return null;
      if (r.status !== 200) throw new DatasourceError(`${base}/user-data: HTTP ${r.status}`);
      return r.body.length === 0 ? null : r.body;
    })(),
  ]);
  const instanceId = validInstanceId(metaData['instance-id'], `${base}/meta-data/instance-id`);
  const host = metaData['local-hostname'];
  if (typeof host === 'string' && host !== '' && !host.includes('.')) {
    const domain = leaseDomain(ctx, net);
    if (domain) {
      metaData['local-hostname'] = `${host}.${domain}`;
      ctx.log.debug(`CloudStack: FQDN ${host}.${domain} (the DHCP domain)`);
    }
  }
  ctx.log.debug(`CloudStack: crawled ${base} in ${(nowMs() - started).toFixed(0)} ms${net.iface ? ` through ${net.iface}` : ''}`);
  return {
    dsname: 'CloudStack',
    instanceId,
    platform: 'cloudstack',
    subplatform: `metadata (${base}/meta-data/)`,
    cloudName: 'cloudstack',
    dsmode: 'net',
    metaData,
    userData,
    vendorData: null,
    vendorData2: null,
    networkConfig: null,
    config: {},
    dsData: { virtual_router: found.address, virtual_router_found_by: found.method },
  };
}

async function crawl(ctx: CrawlContext): Promise<Crawled | null> {
  const seeded = fromSeed(ctx);
  if (seeded) {
    ctx.log.debug(`CloudStack: using the seed in ${SEED_DIR}`);
    return seeded;
  }
  const product = ctx.dmi('product_name');
  if (!product?.startsWith('CloudStack')) {
    ctx.log.debug(`CloudStack: DMI product_name is ${JSON.stringify(product)}, not CloudStack`);
    return null;
  }
  const s = settings(ctx.cfg);
  if (ctx.stage === 'local' && !s.local) {
    ctx.log.debug('CloudStack: datasource.CloudStack.local is false; crawled in the network stage');
    return null;
  }
  // No probe: the VR's address is known only once there is a lease (or the OS network) to find it with.
  return ctx.withNetwork([], (net) => crawlVr(ctx, net, s));
}

/**
 * The VR is the same machine (a CloudStack VM keeps its VR for life, and a
 * new VR keeps the address), and the instance is the same when the DMI
 * system UUID, which CloudStack sets to the VM's UUID, is the cached
 * `vm-id`. No request is made.
 */
function checkInstanceId(ctx: CrawlContext, _cachedId: string, cached: Crawled): boolean | null {
  const uuid = ctx.dmi('product_uuid');
  const vmId = cached.metaData['vm-id'];
  if (uuid === null || typeof vmId !== 'string') return null;
  return uuid.toLowerCase() === vmId.toLowerCase() ? true : null;
}

/**
 * Config stage: is there a new password for the default user? One
 * request; `acknowledge` is called once the password is set. Asked once per
 * instance, or on every boot with password_every_boot (then a password the
 * operator reset on the stopped VM is set on the next boot; cloud-init asks
 * every boot too, but acknowledges a reset password it never sets).
 */
async function platformPassword(ctx: CrawlContext, cached: Crawled, askedBefore: boolean): Promise<PlatformPassword | null> {
  const s = settings(ctx.cfg);
  if (!s.passwordServer) {
    ctx.log.debug('CloudStack: datasource.CloudStack.password_server is false; the password server is not asked');
    return null;
  }
  if (askedBefore && !s.passwordEveryBoot) {
    ctx.log.debug('CloudStack: the password server was asked on an earlier boot of this instance (password_every_boot is false)');
    return null;
  }
  const ds = cached.dsData;
  const vr = isMapping(ds) ? ds['virtual_router'] : undefined;
  if (typeof vr !== 'string' || !isIPv4(vr)) {
    ctx.log.debug('CloudStack: no virtual router recorded (a seeded instance); no password server to ask');
    return null;
  }
  const answer = await askPassword(ctx, vr, PASSWORD);
  if (answer.kind === 'none') {
    ctx.log.debug(`CloudStack: the password server at ${vr} has no new password`);
    return null;
  }
  ctx.log.info(`CloudStack: the password server at ${vr} offers a new password for the default user`);
  return { password: answer.password, source: `CloudStack password server ${vr}`, acknowledge: () => acknowledgePassword(ctx, vr, PASSWORD) };
}

/**
 * Hotplug (off by default, as cloud-init has none for CloudStack): the
 * metadata names no NICs, so there is nothing to ask the VR and nothing to
 * wait for. The network config stays the fallback (or the system config's):
 * a new NIC gets DHCP from its network's VR, ranked after the NICs already
 * up so the default route stays where it is.
 */
const hotplug: HotplugSupport = {
  defaultOn: false,
  open(ctx, cached) {
    return Promise.resolve({
      final: true,
      refresh(macs: readonly string[]) {
        ctx.log.debug(`CloudStack: the metadata describes no NICs; ${macs.join(', ')} take the fallback network config (DHCP)`);
        return Promise.resolve({ network: cached.networkConfig, missing: Object.fromEntries(macs.map((m) => [m, []])), metaData: cached.metaData });
      },
    });
  },
};

export const cloudStack: Source = { dsname: 'CloudStack', stages: ['local', 'network'], crawl, checkInstanceId, platformPassword, hotplug };
