/**
 * What every stage works with: the target's filesystem (real, or an overlay
 * when planning), the log, local facts read once, and the ways a datasource
 * may look at devices and the network.
 */
import { readFileSync } from 'node:fs';
import { findFilesystemsByLabel, openDeviceFilesystem } from '../host/block-devices.ts';
import type { CommandOptions } from '../host/exec.ts';
import { Log } from '../host/log.ts';
import type { RootFs } from '../host/root-fs.ts';
import { MediaError } from '../media/block-reader.ts';
import { liveDefaultGateway, resolve4With } from '../host/net-facts.ts';
import type { ReadOnlyFs } from '../media/read-only-fs.ts';
import { MAX_DATASOURCE_FILE, type CrawlContext, type CrawlStage, type FoundFilesystem } from '../sources/types.ts';
import type { Mapping } from '../text/reader.ts';
import { paths } from './paths.ts';

/** Stage names as status.json spells them. */
export type StageName = 'init-local' | 'init' | 'modules-config' | 'modules-final';
/** What a StageContext runs for: a boot stage, or a hotplug event (no stage status of its own). */
export type ContextName = StageName | 'hotplug';

export interface StageOptions {
  root: string;
  debug: boolean;
  force: boolean;
  /** Extra config files (--file), highest priority. */
  files: string[];
  /** Planning: nothing is written to the target and no command runs. */
  dryRun: boolean;
  /**
   * Under --root, the network namespace stratus runs in still stands for the
   * instance's: ephemeral DHCP for metadata services may change it (tests in
   * network namespaces). Always the case when the root is "/".
   */
  liveNetwork?: boolean;
}

export interface StageContext {
  stage: ContextName;
  fs: RootFs;
  log: Log;
  opts: StageOptions;
  cmdline: string;
  /** Seconds since the machine booted (the real /proc/uptime, as status.json records). */
  uptime(): number;
  dmi(key: string): string | null;
  /** Every command of the stage, run or not (`plan` lists them; tests check them). */
  commands: { argv: string[]; ran: boolean; why?: string }[];
}

/**
 * How commands of this stage are run: never when planning, and when the
 * target is not "/" only if `targetAware` (the command is told the root).
 */
export function commandOptions(ctx: StageContext, timeoutMs: number, extra: Pick<CommandOptions, 'targetAware' | 'input' | 'env'> = {}): CommandOptions {
  return {
    root: ctx.opts.root,
    dryRun: ctx.opts.dryRun,
    timeoutMs,
    ...extra,
    onCommand: (c) => ctx.commands.push({ argv: [...c.argv], ran: c.ran, ...(c.why ? { why: c.why } : {}) }),
  };
}

export function uptime(): number {
  try {
    return Number.parseFloat(readFileSync('/proc/uptime', 'utf8').split(' ')[0] ?? '0') || 0;
  } catch {
    return process.uptime();
  }
}

export function makeStageContext(stage: ContextName, fs: RootFs, opts: StageOptions): StageContext {
  const log = new Log({ debug: opts.debug, tag: `stratus[${stage}]` });
  const dmiCache = new Map<string, string | null>();
  return {
    stage,
    fs,
    log,
    opts,
    cmdline: (fs.readText(paths.kernelCmdline) ?? '').trim(),
    uptime,
    commands: [],
    dmi(key: string): string | null {
      if (!dmiCache.has(key)) {
        const v = fs.readText(`/sys/class/dmi/id/${key}`);
        dmiCache.set(key, v === null ? null : v.trim());
      }
      return dmiCache.get(key) ?? null;
    },
  };
}

/** Whether this stage may use and change the network it runs in: the target is this machine, or --live-network says the namespace stands for it. */
export function mayTouchNetwork(ctx: StageContext): boolean {
  return !ctx.opts.dryRun && (ctx.opts.root === '/' || ctx.opts.liveNetwork === true);
}

/** A datasource's view of the stage; `onDeferred` hears a datasource that is read in a later stage. */
export function crawlContext(ctx: StageContext, cfg: Mapping, stage: CrawlStage, onDeferred?: (reason: string) => void): CrawlContext {
  /** Inside withNetwork: HTTP is allowed in the local stage too. */
  let online = 0;
  return {
    fs: ctx.fs,
    log: ctx.log,
    stage,
    cfg,
    cmdline: ctx.cmdline,
    dmi: ctx.dmi,
    ...(onDeferred ? { deferred: onDeferred } : {}),
    filesystemsLabelled(labels: readonly string[]): FoundFilesystem[] {
      const withFilesystem = <T>(device: string, fn: (m: ReadOnlyFs) => T): T => {
        // The datasource limit, applied by the reader before it reads: a huge file is refused, not loaded.
        const mounted = openDeviceFilesystem(ctx.opts.root, device, { maxFileBytes: MAX_DATASOURCE_FILE });
        try {
          return fn(mounted);
        } catch (e) {
          // Named by the device's target path, not the host path of the image under --root.
          if (e instanceof MediaError) throw new MediaError(device, e.message.slice(e.image.length + 2));
          throw e;
        } finally {
          mounted.close();
        }
      };
      const { devices, errors } = findFilesystemsByLabel(ctx.opts.root, labels, ['iso9660', 'vfat']);
      for (const e of errors) ctx.log.debug(`block device ${e.device}: ${e.reason}`);
      return devices.map((f) => ({
        device: f.device,
        type: f.type,
        label: f.label,
        readFile(path: string): Buffer | null {
          return withFilesystem(f.device, (m) => m.readFile(path));
        },
        list(dir: string): string[] | null {
          return withFilesystem(f.device, (m) => m.list(dir));
        },
      }));
    },
    async httpGet(url, opts) {
      if (stage !== 'network' && online === 0) throw new Error(`${url}: no network in the local stage (outside withNetwork)`);
      // Loaded here: node's http and https (with TLS and crypto) cost a process that never fetches.
      const { httpGet } = await import('../host/http.ts');
      return httpGet(url, { timeoutMs: 10_000, retries: 3, ...opts });
    },
    async httpPut(url, opts) {
      if (stage !== 'network' && online === 0) throw new Error(`${url}: no network in the local stage (outside withNetwork)`);
      const { httpPut } = await import('../host/http.ts');
      return httpPut(url, { timeoutMs: 10_000, retries: 3, ...opts });
    },
    async resolve4(name, servers) {
      if (stage !== 'network' && online === 0) throw new Error(`${name}: no network in the local stage (outside withNetwork)`);
      if (!mayTouchNetwork(ctx) || servers.length === 0) return [];
      const r = await resolve4With(name, servers);
      if (r.problem) ctx.log.debug(`DNS ${name} from ${servers.join(', ')}: ${r.problem}`);
      return r.addresses;
    },
    defaultGateway() {
      return mayTouchNetwork(ctx) ? liveDefaultGateway() : null;
    },
    async withNetwork(probe, fn, opts = {}) {
      online++;
      try {
        if (stage === 'network') return await fn({ iface: null, lease: null });
        const { withEphemeralAccess } = await import('./ephemeral-access.ts');
        return await withEphemeralAccess(ctx, cfg, probe, fn, opts);
      } finally {
        online--;
      }
    },
  };
}
