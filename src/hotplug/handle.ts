/**
 * Handling a burst of NIC events for the cached instance.
 *
 * Add: the datasource describes the new NICs (EC2: the `network/` subtree
 * read again); what is known is written and brought up at once (only files
 * whose content changed, only the links they belong to); while a NIC's data
 * is incomplete (EC2: device-number, local-ipv4s, ipv6s not propagated yet)
 * only the missing keys are polled, with growing pauses (at most 0.8 s, so a
 * NIC is complete within a second of its data appearing; a datasource
 * without a cheap poll is read again with pauses of 1 to 5 s), within a budget;
 * once complete the config is refreshed and applied once more. A config
 * that did not change is not written again.
 *
 * Remove: decided from local facts only, never waiting for the platform. A
 * device that is still there (a stale event), or whose MAC is present again
 * (a driver reload), keeps its config; a NIC really gone is recorded and its
 * config — matched by MAC, so harmless — stays until the next full render.
 */
import { nowMs } from '../host/clock.ts';
import { readInterfaces, type NetInterface } from '../net/sysfs.ts';
import { loadSource } from '../sources/index.ts';
import { NOT_LISTED, type HotplugRefresh } from '../sources/types.ts';
import { crawlContext, mayTouchNetwork, type StageContext } from '../stages/context.ts';
import { instanceConfig, systemConfig } from '../stages/effective-config.ts';
import { findInstance } from '../stages/identity.ts';
import { cachePath, cacheText } from '../stages/instance-cache.ts';
import { writeNetwork } from '../stages/network-write.ts';
import { paths, RUN_DIR } from '../stages/paths.ts';
import { isMapping, type Mapping } from '../text/reader.ts';
import { HOTPLUG_ENABLED_FILE, hotplugEnabled } from './enabled.ts';
import { coalesce, type NetEvent } from './events.ts';

/** How long an add waits for a NIC's data to be complete, by default. */
export const ADD_BUDGET_MS = 60_000;
const FIRST_PAUSE_MS = 100;
const MAX_PAUSE_MS = 800;
/** Without a cheap poll every try is a whole re-read (OpenStack, a config drive): longer pauses. */
const FIRST_RECRAWL_PAUSE_MS = 1_000;
const MAX_RECRAWL_PAUSE_MS = 5_000;
/** NICs seen going away, by name, with the time. */
export const REMOVED_FILE = `${RUN_DIR}/hotplug-removed.json`;
/** Events udev queued before the hotplug socket existed (early boot); the final stage handles them. */
export const PENDING_FILE = `${RUN_DIR}/hotplug-pending`;

/**
 * Only NICs backed by a device are the platform's: a veth, bridge or tun
 * that a container runtime adds has no metadata, and must not cost a
 * metadata refresh. `hotplug.include_virtual: true` in the system config
 * takes them too (test clouds built from veth pairs).
 */
function isPlatformNic(n: NetInterface, cfg: Mapping): boolean {
  const h = cfg['hotplug'];
  return n.hasDevice || (isMapping(h) && h['include_virtual'] === true);
}

export interface HotplugResult {
  /** Off for this instance: nothing was done. */
  disabled?: string;
  errors: string[];
  /** Writes that changed files. */
  applies: number;
  /** Full reads of the platform's network description. */
  refreshes: number;
  /** Added NICs whose data was still incomplete when the budget ran out. */
  incomplete: string[];
}

function liveInterfaces(ctx: StageContext): NetInterface[] {
  return readInterfaces(mayTouchNetwork(ctx) ? '/' : ctx.opts.root);
}

/** The MACs the current network config names (network-config.json of the instance), lower case. */
function configuredMacs(ctx: StageContext): Set<string> {
  const text = ctx.fs.readText(paths.runNetworkConfig);
  const out = new Set<string>();
  if (text === null) return out;
  for (const m of text.matchAll(/"macaddress":\s*"([0-9a-fA-F:]{17})"/g)) out.add((m[1] as string).toLowerCase());
  return out;
}

function handleRemove(ctx: StageContext, e: NetEvent, nics: readonly NetInterface[]): void {
  if (nics.some((n) => n.name === e.name)) {
    ctx.log.info(`hotplug: remove of ${e.name}, but the device is there: a stale event; nothing to do`);
    return;
  }
  const text = ctx.fs.readText(REMOVED_FILE);
  let removed: Record<string, string> = {};
  try {
    const v = text === null ? {} : (JSON.parse(text) as unknown);
    if (isMapping(v)) removed = Object.fromEntries(Object.entries(v).filter((x): x is [string, string] => typeof x[1] === 'string'));
  } catch {
    removed = {};
  }
  removed[e.name] = new Date().toISOString();
  ctx.fs.writeFiles([{ path: REMOVED_FILE, content: `${JSON.stringify(removed)}\n`, mode: 0o644 }]);
  ctx.log.info(`hotplug: ${e.name} is gone; its config (matched by MAC) stays until the next full render, and no other link is touched`);
}

export async function handleNetEvents(ctx: StageContext, events: readonly NetEvent[], opts: { budgetMs?: number } = {}): Promise<HotplugResult> {
  const result: HotplugResult = { errors: [], applies: 0, refreshes: 0, incomplete: [] };
  const system = systemConfig(ctx);
  const inst = await findInstance(ctx, system, 'trust', null);
  if (!inst) {
    result.errors.push('no cached instance: hotplug events are handled once `stratus init` has run');
    return result;
  }
  const c = inst.cache.crawled;
  const cfg = instanceConfig(ctx, system, c);
  const source = await loadSource(c.dsname);
  const decision = hotplugEnabled(cfg, c.dsname, source?.hotplug, ctx.fs.readText(HOTPLUG_ENABLED_FILE));
  if (!decision.enabled || !source?.hotplug) {
    result.disabled = decision.why;
    ctx.log.info(`hotplug: off (${decision.why}); ${events.length} event(s) ignored`);
    return result;
  }
  const burst = coalesce(events);
  const nics = liveInterfaces(ctx);
  for (const e of burst.filter((x) => x.action === 'remove')) handleRemove(ctx, e, nics);

  const configured = configuredMacs(ctx);
  const adds: { name: string; mac: string }[] = [];
  for (const e of burst.filter((x) => x.action === 'add')) {
    const nic = nics.find((n) => n.name === e.name);
    if (!nic?.mac) {
      ctx.log.info(`hotplug: add of ${e.name}, but the device is gone again; nothing to do`);
      continue;
    }
    if (!isPlatformNic(nic, cfg)) {
      ctx.log.debug(`hotplug: ${e.name} is a software link (no backing device); not the platform's`);
      continue;
    }
    if (configured.has(nic.mac.toLowerCase())) {
      ctx.log.info(`hotplug: ${e.name} (${nic.mac}) is configured already (a driver reload or a repeated event); nothing to do`);
      continue;
    }
    adds.push({ name: e.name, mac: nic.mac.toLowerCase() });
  }
  if (adds.length === 0) return result;

  const started = nowMs();
  const deadline = started + (opts.budgetMs ?? ADD_BUDGET_MS);
  const dctx = crawlContext(ctx, cfg, 'network');
  let session;
  try {
    session = await source.hotplug.open(dctx, c);
  } catch (e) {
    result.errors.push(`hotplug: ${c.dsname}: ${(e as Error).message}`);
    return result;
  }
  const apply = (r: HotplugRefresh): void => {
    const w = writeNetwork(ctx, cfg, r.network, { activate: true, attached: adds.map((a) => a.mac) });
    if (w && w.changed.length > 0) result.applies++;
    // The cache follows the platform, so a later boot that restores it renders the NICs it has now.
    c.metaData = r.metaData;
    c.networkConfig = r.network;
    ctx.fs.writeFiles([{ path: cachePath(c.instanceId), content: cacheText(inst.cache), mode: 0o600 }]);
  };
  const what = adds.map((a) => `${a.name} (${a.mac})`).join(', ');
  const incompleteOf = (r: HotplugRefresh) => adds.filter((a) => (r.missing[a.mac] ?? []).length > 0);
  try {
    let r = await session.refresh(adds.map((a) => a.mac));
    result.refreshes++;
    apply(r);
    let waiting = incompleteOf(r);
    if (waiting.length > 0 && !session.final) ctx.log.info(`hotplug: ${waiting.map((a) => `${a.name}: ${(r.missing[a.mac] ?? []).join(', ')}`).join('; ')} not published yet; what is known is applied, the rest is waited for`);
    let pause = session.poll ? FIRST_PAUSE_MS : FIRST_RECRAWL_PAUSE_MS;
    const maxPause = session.poll ? MAX_PAUSE_MS : MAX_RECRAWL_PAUSE_MS;
    if (waiting.length > 0 && session.final) {
      ctx.log.warn(`hotplug: ${waiting.map((a) => `${a.name} (${a.mac})`).join(', ')} not described by ${c.dsname}, whose data does not change while the instance runs; not configured`);
      result.incomplete = waiting.map((a) => a.name);
      return result;
    }
    while (waiting.length > 0 && nowMs() + pause < deadline) {
      await new Promise((res) => setTimeout(res, pause));
      pause = Math.min(pause * 2, maxPause);
      let ready = true;
      if (session.poll) {
        for (const a of waiting) {
          if (!(await session.poll(a.mac, r.missing[a.mac] ?? []))) {
            ready = false;
            break;
          }
        }
      }
      if (!ready) continue;
      r = await session.refresh(adds.map((a) => a.mac));
      result.refreshes++;
      const before = waiting.length;
      waiting = incompleteOf(r);
      if (waiting.length < before || waiting.length === 0) apply(r);
    }
    result.incomplete = waiting.map((a) => a.name);
    if (waiting.length > 0) {
      const unlisted = waiting.filter((a) => (r.missing[a.mac] ?? []).includes(NOT_LISTED));
      const partial = waiting.filter((a) => !unlisted.includes(a));
      const after = `after ${((nowMs() - started) / 1000).toFixed(1)} s`;
      if (unlisted.length > 0) ctx.log.warn(`hotplug: ${unlisted.map((a) => `${a.name} (${a.mac})`).join(', ')} still not described by ${c.dsname} ${after}; not configured`);
      if (partial.length > 0) ctx.log.warn(`hotplug: ${partial.map((a) => `${a.name}: ${(r.missing[a.mac] ?? []).join(', ')}`).join('; ')} still not published ${after}; configured with what is known`);
    } else {
      ctx.log.info(`hotplug: ${what} configured in ${(nowMs() - started).toFixed(0)} ms (${result.refreshes} refresh(es), ${result.applies} apply(ies))`);
    }
  } catch (e) {
    result.errors.push(`hotplug: ${what}: ${(e as Error).message}`);
  }
  return result;
}
