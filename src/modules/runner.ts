/**
 * Runs a module list: reads each entry (a name, [name, frequency, args…] or
 * {name, frequency, args}), decides by frequency and semaphore whether it
 * runs, runs it, and records failures without stopping the others.
 */
import { nowMs } from '../host/clock.ts';
import type { Crawled } from '../sources/types.ts';
import type { StageContext } from '../stages/context.ts';
import { eventFinish, eventStart } from '../stages/events.ts';
import { instanceDir, paths } from '../stages/paths.ts';
import { isMapping, type Mapping } from '../text/reader.ts';
import { canonicalModuleName, DEFAULT_MODULE_LISTS, loadModule } from './registry.ts';
import { ModuleError, type Frequency } from './types.ts';

export type ModuleList = keyof typeof DEFAULT_MODULE_LISTS;

/** Log levels that make a module's finish event WARN. */
const WARNING_LEVELS = new Set(['WARNING', 'DEPRECATED', 'ERROR', 'CRITICAL']);

interface Entry {
  name: string;
  frequency?: Frequency;
  args: unknown[];
}

const FREQUENCIES: Record<string, Frequency> = {
  'once-per-instance': 'once-per-instance',
  instance: 'once-per-instance',
  always: 'always',
  once: 'once',
};

function readEntries(ctx: StageContext, cfg: Mapping, list: ModuleList): Entry[] {
  const raw = Object.hasOwn(cfg, list) ? cfg[list] : DEFAULT_MODULE_LISTS[list];
  if (!Array.isArray(raw)) {
    ctx.log.warn(`${list} must be a list of module names; running none`);
    return [];
  }
  const out: Entry[] = [];
  raw.forEach((item: unknown, i) => {
    let name: unknown;
    let freq: unknown;
    let args: unknown[] = [];
    if (typeof item === 'string') name = item;
    else if (Array.isArray(item)) [name, freq, ...args] = item as unknown[];
    else if (isMapping(item)) {
      name = item['name'];
      freq = item['frequency'];
      args = Array.isArray(item['args']) ? item['args'] : [];
    }
    if (typeof name !== 'string' || name === '') {
      ctx.log.warn(`${list}[${i}]: not a module name or entry; skipped`);
      return;
    }
    const frequency = typeof freq === 'string' ? FREQUENCIES[freq] : undefined;
    if (freq !== undefined && freq !== null && frequency === undefined) ctx.log.warn(`${list}[${i}]: unknown frequency ${JSON.stringify(freq)} for ${name}; the module's own is used`);
    out.push({ name: canonicalModuleName(name), ...(frequency ? { frequency } : {}), args });
  });
  return out;
}

function unverified(cfg: Mapping): string[] {
  const u = cfg['unverified_modules'];
  return Array.isArray(u) ? u.filter((x): x is string => typeof x === 'string').map(canonicalModuleName) : [];
}

/** Where the "has run" marker of a module lives, or null when it always runs. */
export function semaphorePath(name: string, frequency: Frequency, instanceId: string): string | null {
  const sem = `config_${name.replace(/-/g, '_')}`;
  if (frequency === 'always') return null;
  if (frequency === 'once') return `${paths.semDir}/${sem}.once`;
  return `${instanceDir(instanceId)}/sem/${sem}`;
}

export interface ModuleRun {
  name: string;
  ran: boolean;
  /** Why it did not run, or how it failed. */
  note?: string;
  ms: number;
}

export async function runModules(
  ctx: StageContext,
  cfg: Mapping,
  list: ModuleList,
  instance: Crawled,
  isNewInstance: boolean,
  distro: string,
  errors: string[],
): Promise<ModuleRun[]> {
  const runs: ModuleRun[] = [];
  for (const entry of readEntries(ctx, cfg, list)) {
    const mod = await loadModule(entry.name);
    if (!mod) {
      ctx.log.warn(`module ${entry.name} (in ${list}) is not available in stratus; skipped`);
      runs.push({ name: entry.name, ran: false, note: 'not available', ms: 0 });
      continue;
    }
    if (mod.activateBy && !mod.activateBy.some((k) => Object.hasOwn(cfg, k))) {
      ctx.log.debug(`module ${mod.name}: none of ${mod.activateBy.join(', ')} in the config; skipped`);
      runs.push({ name: mod.name, ran: false, note: 'not configured', ms: 0 });
      continue;
    }
    if (mod.distros && !mod.distros.includes(distro) && !unverified(cfg).includes(mod.name)) {
      ctx.log.info(`module ${mod.name} does not support the distro ${distro}; skipped (list it in unverified_modules to run it anyway)`);
      runs.push({ name: mod.name, ran: false, note: `not for ${distro}`, ms: 0 });
      continue;
    }
    const frequency = entry.frequency ?? mod.frequency;
    const sem = semaphorePath(mod.name, frequency, instance.instanceId);
    if (sem !== null && ctx.fs.kind(sem) !== null) {
      ctx.log.debug(`module ${mod.name} already ran (${sem}); skipped`);
      runs.push({ name: mod.name, ran: false, note: `already ran (${frequency})`, ms: 0 });
      continue;
    }
    const started = nowMs();
    const event = `config-${mod.name}`;
    const logFrom = ctx.log.records.length;
    eventStart(ctx, event, `running ${event} with frequency ${frequency}`);
    try {
      await mod.run({ ctx, cfg, instance, isNewInstance, distro, args: entry.args });
      if (sem !== null) ctx.fs.writeFiles([{ path: sem, content: `${process.pid}: ${Math.floor(Date.now() / 1000)}\n`, mode: 0o644 }]);
      const ms = nowMs() - started;
      ctx.log.debug(`module ${mod.name} ran in ${ms.toFixed(1)} ms`);
      const warned = ctx.log.records.slice(logFrom).some((r) => WARNING_LEVELS.has(r.level));
      eventFinish(ctx, event, warned ? 'WARN' : 'SUCCESS', `${event} ran ${warned ? 'with warnings' : 'successfully'}`);
      runs.push({ name: mod.name, ran: true, ms });
    } catch (e) {
      const why = e instanceof ModuleError ? e.message : `${(e as Error).name}: ${(e as Error).message}`;
      const msg = `module ${mod.name} failed: ${why}`;
      ctx.log.error(msg);
      errors.push(msg);
      eventFinish(ctx, event, 'FAIL', `${event} failed`);
      runs.push({ name: mod.name, ran: true, note: why, ms: nowMs() - started });
    }
  }
  return runs;
}
