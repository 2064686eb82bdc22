/** Whether the target has a program, looked up in the usual bin dirs under its root (not this machine's PATH). */
import type { StageContext } from '../stages/context.ts';

const SEARCH_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function targetHasCommand(ctx: StageContext, cmd: string): boolean {
  if (cmd.includes('/')) return cmd.startsWith('/') && ctx.fs.kind(cmd) !== null;
  return SEARCH_PATH.some((d) => {
    const k = ctx.fs.kind(`${d}/${cmd}`);
    return k === 'file' || k === 'link';
  });
}
