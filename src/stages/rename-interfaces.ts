/**
 * Rename NICs on the running system to the names the network config gives
 * them (net/rename.ts), before any network service reads the files: down,
 * rename, up again if it was up. Only when the target is this machine (or
 * --live-network); every step is logged, a failed one is a warning and the
 * rest goes on.
 */
import { runCommand } from '../host/exec.ts';
import { nameWishes, planRenames } from '../net/rename.ts';
import type { NetworkState } from '../net/state.ts';
import { readInterfaces } from '../net/sysfs.ts';
import { commandOptions, type StageContext } from './context.ts';
import { mayTouchNetwork } from './ephemeral-access.ts';

export function renameInterfaces(ctx: StageContext, state: NetworkState): void {
  const wishes = nameWishes(state);
  if (wishes.length === 0) return;
  const live = mayTouchNetwork(ctx);
  const current = readInterfaces(live ? '/' : ctx.opts.root).map((n) => ({ name: n.name, mac: n.mac ?? null }));
  const { renames, problems } = planRenames(current, wishes);
  for (const p of problems) ctx.log.warn(`interface names: ${p}`);
  if (renames.length === 0) return;
  if (!live) {
    ctx.log.info(`interface names: ${renames.map((r) => `${r.from} → ${r.to}`).join(', ')} not done (the target is not this machine)`);
    return;
  }
  const ip = (argv: string[]) => runCommand(['ip', ...argv], { ...commandOptions(ctx, 5_000), root: '/' });
  for (const r of renames) {
    const show = ip(['-j', 'link', 'show', 'dev', r.from]);
    const wasUp = /"UP"/.test(show.stdout.match(/"flags":\[[^\]]*\]/)?.[0] ?? '');
    const steps = [...(wasUp ? [['link', 'set', 'dev', r.from, 'down']] : []), ['link', 'set', 'dev', r.from, 'name', r.to], ...(wasUp ? [['link', 'set', 'dev', r.to, 'up']] : [])];
    let ok = true;
    for (const s of steps) {
      const res = ip(s);
      if (res.code !== 0) {
        ctx.log.warn(`interface names: ip ${s.join(' ')} failed: ${res.stderr.trim() || `exit ${String(res.code)}`}`);
        ok = false;
        break;
      }
    }
    if (ok) ctx.log.info(`interface names: renamed ${r.from} to ${r.to}`);
  }
}
