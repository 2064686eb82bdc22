/**
 * bootcmd (every boot, early in the init stage): the `bootcmd` list becomes
 * one shell script in the instance dir, run with INSTANCE_ID set. Unlike
 * runcmd it runs now, before the rest of the system is configured, which is
 * what it is for (e.g. preparing a disk before mounts reads it).
 */
import { runCommand } from '../host/exec.ts';
import { commandOptions } from '../stages/context.ts';
import { instanceDir } from '../stages/paths.ts';
import { shellify } from './runcmd.ts';
import { ModuleError, type ConfigModule } from './types.ts';

const TIMEOUT_MS = 3_600_000;

export const bootcmd: ConfigModule = {
  name: 'bootcmd',
  frequency: 'always',
  activateBy: ['bootcmd'],
  schema: {
    properties: {
      bootcmd: {
        type: 'array',
        description: 'Commands run early in every boot (init stage): a string is a shell line, a list an argv.',
        items: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }] },
      },
    },
  },
  run(m) {
    const { ctx } = m;
    const list = m.cfg['bootcmd'];
    if (list === null || list === undefined) return;
    if (!Array.isArray(list)) throw new ModuleError('bootcmd must be a list of commands (strings or argv lists)');
    if (list.length === 0) return;
    const { script, bad } = shellify(list);
    for (const i of bad) ctx.log.warn(`bootcmd[${i}]: not a string or a list of strings; skipped`);
    const path = `${instanceDir(m.instance.instanceId)}/bootcmd`;
    // The script may hold secrets the user put in a command line: readable by root only.
    ctx.fs.writeFiles([{ path, content: script, mode: 0o700 }]);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    env['INSTANCE_ID'] = m.instance.instanceId;
    const r = runCommand(['/bin/sh', path], commandOptions(ctx, TIMEOUT_MS, { env }));
    if (!r.ran) {
      ctx.log.info(`bootcmd: ${path} not run (${r.why})`);
      return;
    }
    if (r.timedOut) throw new ModuleError(`bootcmd: ${path} timed out after ${TIMEOUT_MS / 1000} s`);
    // Not its output: a command line may have echoed something secret.
    if (r.code !== 0) throw new ModuleError(`bootcmd: ${path} failed with exit code ${r.code ?? 'none (killed by a signal)'}`);
    ctx.log.debug(`bootcmd: ${path} ran (exit 0)`);
  },
};

