/**
 * runcmd: turns the `runcmd` list into one shell script in the instance's
 * scripts dir. It does not run it: scripts_user does, in the final stage,
 * after packages are installed and the system is up (cloud-init's order).
 */
import type { ConfigModule } from './types.ts';
import { instanceDir } from '../stages/paths.ts';

const SAFE = /^[A-Za-z0-9@%+=:,./_-]+$/;

/** One word as the shell reads it back unchanged. */
export function shellQuote(word: string): string {
  if (SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The script for a list of commands: a string is a shell line as written, a
 * list is an argv (each word quoted). Anything else is reported by index.
 */
export function shellify(items: readonly unknown[]): { script: string; bad: number[] } {
  const lines = ['#!/bin/sh'];
  const bad: number[] = [];
  items.forEach((item, i) => {
    if (typeof item === 'string') lines.push(item);
    else if (Array.isArray(item) && item.length > 0 && item.every((w) => typeof w === 'string' || typeof w === 'number')) {
      lines.push(item.map((w) => shellQuote(String(w))).join(' '));
    } else bad.push(i);
  });
  return { script: `${lines.join('\n')}\n`, bad };
}

export const runcmd: ConfigModule = {
  name: 'runcmd',
  frequency: 'once-per-instance',
  activateBy: ['runcmd'],
  schema: {
    properties: {
      runcmd: {
        type: 'array',
        description: 'Commands run by scripts_user in the final stage: a string is a shell line, a list an argv.',
        items: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }, { type: 'null' }] },
      },
    },
  },
  run(m) {
    const list = m.cfg['runcmd'];
    if (list === null || list === undefined) return;
    if (!Array.isArray(list)) {
      m.ctx.log.warn('runcmd must be a list of commands (strings or argv lists); nothing written');
      return;
    }
    const { script, bad } = shellify(list);
    for (const i of bad) m.ctx.log.warn(`runcmd[${i}]: not a string or a list of strings; skipped`);
    const path = `${instanceDir(m.instance.instanceId)}/scripts/runcmd`;
    m.ctx.fs.writeFiles([{ path, content: script, mode: 0o700 }]);
    m.ctx.log.info(`runcmd: ${list.length - bad.length} command(s) written to ${path} (run by scripts_user)`);
  },
};
