/**
 * ifupdown (Debian's /etc/network/interfaces): `ifup` per changed
 * interface. ifupdown refuses to bring up an interface it already
 * configured, so one it lists as up (its state file under /run/network)
 * is taken down first, with the definition it was brought up with.
 */
import { firstPresent, runStep } from './run-step.ts';
import type { ActivationContext, Activator, BringUpRequest } from './types.ts';

const IFUP = ['/sbin/ifup', '/usr/sbin/ifup'];
const IFDOWN = ['/sbin/ifdown', '/usr/sbin/ifdown'];

/** ifupdown 0.8 keeps one state file per interface; older versions one file listing "iface=logical" lines. */
function isUp(ctx: ActivationContext, iface: string): boolean {
  if ((ctx.fs.readText(`/run/network/ifstate.${iface}`) ?? '').trim() !== '') return true;
  const all = ctx.fs.readText('/run/network/ifstate') ?? '';
  return all.split('\n').some((l) => l.split('=')[0] === iface);
}

export const ifupdown: Activator = {
  name: 'ifupdown',
  renderers: ['eni'],
  available: (ctx) => firstPresent(ctx, IFUP) !== undefined && firstPresent(ctx, IFDOWN) !== undefined && ctx.fs.kind('/etc/network/interfaces') !== null,
  bringUp(ctx: ActivationContext, req: BringUpRequest): boolean {
    let ok = true;
    for (const iface of req.changedLinks) {
      if (isUp(ctx, iface)) ok = runStep(ctx, ['ifdown', iface]) && ok;
      ok = runStep(ctx, ['ifup', iface]) && ok;
    }
    return ok;
  },
};
