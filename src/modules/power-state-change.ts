/**
 * power_state_change: power off, reboot or halt once the boot is done.
 * Running `shutdown` from inside the final stage would stop the stage
 * before it records its result, so on a real boot the command is handed to
 * a detached shell that waits for this process to exit (at most `timeout`
 * seconds) and then runs it. The unit must use KillMode=process so that
 * shell survives the stage. Under another --root the command is recorded.
 */
import { runCommand } from '../host/exec.ts';
import { commandOptions } from '../stages/context.ts';
import { isMapping, toBool } from '../text/reader.ts';
import type { ConfigModule } from './types.ts';
import { ModuleError } from './types.ts';

const MODE_FLAG: Record<string, string> = { poweroff: '-P', reboot: '-r', halt: '-H' };

/** What shutdown(8) takes as a time: "now" or "+minutes". */
export function shutdownDelay(v: unknown): string {
  if (v === undefined || v === null || v === 'now') return 'now';
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return `+${v}`;
  if (typeof v === 'string' && /^\+?\d+$/.test(v.trim())) return `+${v.trim().replace(/^\+/, '')}`;
  throw new ModuleError(`power_state.delay ${JSON.stringify(v)} must be "now" or "+minutes"`);
}

export function shutdownArgv(ps: Record<string, unknown>): string[] {
  const flag = typeof ps['mode'] === 'string' ? MODE_FLAG[ps['mode']] : undefined;
  if (!flag) throw new ModuleError(`power_state.mode ${JSON.stringify(ps['mode'])} must be poweroff, reboot or halt`);
  const argv = ['shutdown', flag, shutdownDelay(ps['delay'])];
  const msg = ps['message'];
  if (msg !== undefined && msg !== null) {
    if (typeof msg !== 'string') throw new ModuleError('power_state.message must be a string');
    argv.push(msg);
  }
  return argv;
}

/** Waits for the stage's process ($1) to exit, for at most $2 seconds, then runs the rest. */
const DETACH = 'pid=$1; left=$2; shift 2; ( while [ "$left" -gt 0 ] && kill -0 "$pid" 2>/dev/null; do sleep 1; left=$((left-1)); done; exec "$@" ) </dev/null >/dev/null 2>&1 &';

export const powerStateChange: ConfigModule = {
  name: 'power_state_change',
  frequency: 'once-per-instance',
  activateBy: ['power_state'],
  schema: {
    properties: {
      power_state: {
        type: 'object',
        required: ['mode'],
        additionalProperties: false,
        properties: {
          mode: { enum: ['poweroff', 'reboot', 'halt'] },
          delay: { oneOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^(now|\\+?[0-9]+)$' }], default: 'now' },
          message: { type: 'string' },
          timeout: { type: 'number', minimum: 0, default: 30 },
          condition: { oneOf: [{ type: 'boolean' }, { type: 'string' }, { type: 'array', items: { type: 'string' } }], default: true },
        },
      },
    },
  },
  run(m) {
    const { ctx } = m;
    const ps = m.cfg['power_state'];
    if (ps === undefined || ps === null) return;
    if (!isMapping(ps)) throw new ModuleError('power_state must be a mapping with a mode');
    const argv = shutdownArgv(ps);
    const timeoutRaw = ps['timeout'] ?? 30;
    const timeout = typeof timeoutRaw === 'string' ? Number(timeoutRaw) : timeoutRaw;
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0) throw new ModuleError(`power_state.timeout ${JSON.stringify(timeoutRaw)} must be a number of seconds`);

    const cond = ps['condition'] ?? true;
    if (typeof cond === 'boolean' || toBool(cond) !== undefined) {
      if (toBool(cond) === false) {
        ctx.log.info('power_state.condition is false; no power state change');
        return;
      }
    } else {
      const condArgv = typeof cond === 'string' ? ['sh', '-c', cond] : Array.isArray(cond) && cond.length > 0 && cond.every((w) => typeof w === 'string') ? (cond as string[]) : null;
      if (!condArgv) throw new ModuleError('power_state.condition must be true, false, or a command');
      const r = runCommand(condArgv, commandOptions(ctx, 120_000));
      if (r.ran && r.code !== 0) {
        ctx.log.info(`power_state.condition exited ${r.code ?? 'by signal'}; no power state change`);
        return;
      }
    }
    const onThisMachine = ctx.opts.root === '/' && !ctx.opts.dryRun;
    if (!onThisMachine) {
      runCommand(argv, commandOptions(ctx, 60_000));
      ctx.log.info(`power_state_change: ${argv.join(' ')} recorded (it runs after the final stage on a real boot)`);
      return;
    }
    const r = runCommand(['sh', '-c', DETACH, 'power_state_change', String(process.pid), String(Math.ceil(timeout)), ...argv], commandOptions(ctx, 30_000));
    if (r.code !== 0) throw new ModuleError(`could not schedule ${argv.join(' ')}: ${r.stderr.trim() || `exit ${r.code}`}`);
    ctx.log.info(`power_state_change: ${argv.join(' ')} runs once this stage has finished (at most ${timeout} s from now)`);
  },
};
