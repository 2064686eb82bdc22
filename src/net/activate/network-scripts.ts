/**
 * RHEL's legacy network-scripts (initscripts): `ifup <if>` reads
 * /etc/sysconfig/network-scripts/ifcfg-<if>. Used for the sysconfig renderer
 * only when NetworkManager is not there to read those files itself.
 */
import { firstPresent, runStep } from './run-step.ts';
import type { ActivationContext, Activator, BringUpRequest } from './types.ts';

const SCRIPTS = '/etc/sysconfig/network-scripts';
const IFUP = ['/usr/sbin/ifup', '/sbin/ifup', `${SCRIPTS}/ifup`];

export const networkScripts: Activator = {
  name: 'network-scripts',
  renderers: ['sysconfig'],
  available: (ctx) => ctx.fs.kind(`${SCRIPTS}/network-functions`) !== null && firstPresent(ctx, IFUP) !== undefined,
  bringUp(ctx: ActivationContext, req: BringUpRequest): boolean {
    const ifup = firstPresent(ctx, IFUP) ?? 'ifup';
    let ok = true;
    // Only interfaces with an ifcfg file: ifup of anything else fails ("configuration for X not found").
    for (const iface of req.changedLinks) {
      if (ctx.fs.kind(`${SCRIPTS}/ifcfg-${iface}`) === null) continue;
      ok = runStep(ctx, [ifup, iface]) && ok;
    }
    return ok;
  },
};
