/**
 * `stratus hotplug-hook`, with cloud-init's `devel hotplug-hook` arguments:
 *
 *   hotplug-hook --subsystem net query              enabled | disabled
 *   hotplug-hook --subsystem net enable             turn hotplug on for this instance
 *   hotplug-hook --subsystem net handle --devpath P --udevaction add|remove
 *   hotplug-hook --subsystem net handle --events-from FILE|-    "DEVPATH ACTION" lines, one burst
 *   hotplug-hook --subsystem net drain              the socket service: bursts from stdin (the FIFO)
 *
 * Exit status: 0 (also when hotplug is off: the event is ignored), 1 when
 * handling failed or there is no instance, 2 for usage errors.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { err, out } from '../host/console.ts';
import { DiskRoot } from '../host/root-fs.ts';
import { HOTPLUG_ENABLED_FILE, hotplugEnabled, withNetworkScope } from '../hotplug/enabled.ts';
import { parseEvent, parseQueue, type NetEvent } from '../hotplug/events.ts';
import { handleNetEvents } from '../hotplug/handle.ts';
import { loadSource } from '../sources/index.ts';
import { makeStageContext, type StageContext } from '../stages/context.ts';
import { instanceConfig, systemConfig } from '../stages/effective-config.ts';
import { findInstance } from '../stages/identity.ts';
import type { Globals } from './globals.ts';

const HELP = `usage: stratus [--root DIR] hotplug-hook --subsystem net query|enable|handle|drain [options]

  query                    print "enabled" or "disabled" for this instance
  enable                   turn NIC hotplug on (writes ${HOTPLUG_ENABLED_FILE})
  handle --devpath P --udevaction add|remove
                           handle one udev event
  handle --events-from F   handle "DEVPATH ACTION" lines from F ("-": stdin) as one burst
  drain                    read events from stdin until it is idle, in bursts (the socket service)
  --budget SECONDS         how long an add waits for the platform's data (default 60)
`;

/** Events arriving closer together than this are one burst. */
const BURST_QUIET_MS = 200;
/** The drain exits after this long without an event (the socket starts it again). */
const DRAIN_IDLE_MS = 10_000;

function context(globals: Globals, debug: boolean): StageContext {
  const fs = new DiskRoot(globals.root);
  return makeStageContext('hotplug', fs, { root: globals.root, debug: globals.debug || debug, force: false, files: [], dryRun: false, liveNetwork: globals.liveNetwork === true });
}

/** Log records already written to the log file: a drain flushes after each burst, and must not write a record twice. */
const written = { count: 0 };

async function handleBurst(ctx: StageContext, events: NetEvent[], budgetMs: number | undefined): Promise<number> {
  const r = await handleNetEvents(ctx, events, budgetMs === undefined ? {} : { budgetMs });
  for (const e of r.errors) ctx.log.error(e);
  ctx.log.flush(ctx.fs, written);
  return r.errors.length > 0 ? 1 : 0;
}

/** Read stdin in bursts: a burst ends after BURST_QUIET_MS without a new line; the drain ends when idle or at EOF. */
function drain(ctx: StageContext, budgetMs: number | undefined): Promise<number> {
  return new Promise((resolve) => {
    let buffered = '';
    let pending: NetEvent[] = [];
    let timer: NodeJS.Timeout | undefined;
    let idle: NodeJS.Timeout | undefined;
    let busy = Promise.resolve(0);
    let worst = 0;
    const finish = () => {
      process.stdin.pause();
      void busy.then(() => resolve(worst));
    };
    const armIdle = () => {
      if (idle) clearTimeout(idle);
      idle = setTimeout(finish, DRAIN_IDLE_MS);
    };
    const flush = () => {
      const burst = pending;
      pending = [];
      if (burst.length === 0) return;
      busy = busy.then(async () => {
        const code = await handleBurst(ctx, burst, budgetMs);
        worst = Math.max(worst, code);
        armIdle();
        return code;
      });
    };
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => {
      armIdle();
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      const q = parseQueue(lines.join('\n'));
      for (const p of q.problems) ctx.log.warn(`hotplug queue: ${p}`);
      pending.push(...q.events);
      if (timer) clearTimeout(timer);
      timer = setTimeout(flush, BURST_QUIET_MS);
    });
    process.stdin.on('end', () => {
      if (timer) clearTimeout(timer);
      flush();
      if (idle) clearTimeout(idle);
      finish();
    });
    armIdle();
  });
}

export async function hotplugHook(argv: string[], globals: Globals): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        subsystem: { type: 'string', short: 's' },
        devpath: { type: 'string', short: 'd' },
        udevaction: { type: 'string', short: 'u' },
        'events-from': { type: 'string' },
        budget: { type: 'string' },
        debug: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    }));
  } catch (e) {
    err(`stratus hotplug-hook: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    out(HELP);
    return 0;
  }
  const [command, ...extra] = positionals;
  if (values.subsystem !== 'net') {
    err(`stratus hotplug-hook: --subsystem net is required (the only subsystem)\n\n${HELP}`);
    return 2;
  }
  if (!command || extra.length > 0 || !['query', 'enable', 'handle', 'drain'].includes(command)) {
    err(`stratus hotplug-hook: one of query, enable, handle, drain\n\n${HELP}`);
    return 2;
  }
  const budgetS = values.budget === undefined ? undefined : Number(values.budget);
  if (budgetS !== undefined && !(budgetS > 0)) {
    err('stratus hotplug-hook: --budget takes a positive number of seconds\n');
    return 2;
  }
  const budgetMs = budgetS === undefined ? undefined : budgetS * 1000;
  const ctx = context(globals, values.debug === true);

  if (command === 'query' || command === 'enable') {
    const system = systemConfig(ctx);
    const inst = await findInstance(ctx, system, 'trust', null);
    if (!inst) {
      err('stratus hotplug-hook: no cached instance (run `stratus init` first)\n');
      return 1;
    }
    const c = inst.cache.crawled;
    const source = await loadSource(c.dsname);
    const fileText = ctx.fs.readText(HOTPLUG_ENABLED_FILE);
    if (command === 'query') {
      out(`${hotplugEnabled(instanceConfig(ctx, system, c), c.dsname, source?.hotplug, fileText).enabled ? 'enabled' : 'disabled'}\n`);
      return 0;
    }
    if (!source?.hotplug) {
      err(`stratus hotplug-hook: the ${c.dsname} datasource does not support hotplug\n`);
      return 1;
    }
    if (globals.root === '/' && process.getuid?.() !== 0) {
      err('stratus hotplug-hook: enable must run as root\n');
      return 1;
    }
    ctx.fs.writeFiles([{ path: HOTPLUG_ENABLED_FILE, content: withNetworkScope(fileText), mode: 0o640 }]);
    out('Enabled cloud-init hotplug for subsystem=net\n');
    return 0;
  }

  if (command === 'drain') return drain(ctx, budgetMs);

  let events: NetEvent[];
  if (values['events-from'] !== undefined) {
    if (values.devpath !== undefined || values.udevaction !== undefined) {
      err('stratus hotplug-hook: --events-from or --devpath/--udevaction, not both\n');
      return 2;
    }
    const from = values['events-from'];
    const q = parseQueue(from === '-' ? readFileSync(0, 'utf8') : readFileSync(from, 'utf8'));
    for (const p of q.problems) err(`stratus hotplug-hook: ${from}: ${p}\n`);
    events = q.events;
  } else {
    const e = parseEvent(values.devpath ?? '', values.udevaction ?? '');
    if ('problem' in e) {
      err(`stratus hotplug-hook: ${e.problem}\n\n${HELP}`);
      return 2;
    }
    events = [e];
  }
  return handleBurst(ctx, events, budgetMs);
}
