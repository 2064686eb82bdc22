/**
 * netplan: `netplan apply` regenerates the backend files and makes the
 * backend (networkd or NetworkManager) apply them; it is netplan's one
 * supported way to apply a changed YAML at run time.
 */
import { firstPresent, runStep } from './run-step.ts';
import type { ActivationContext, Activator, BringUpRequest } from './types.ts';

const NETPLAN = ['/usr/sbin/netplan', '/sbin/netplan'];

export const netplan: Activator = {
  name: 'netplan',
  renderers: ['netplan'],
  available: (ctx) => firstPresent(ctx, NETPLAN) !== undefined,
  bringUp(ctx: ActivationContext, req: BringUpRequest): boolean {
    if (req.writtenFiles.length === 0) return true;
    return runStep(ctx, ['netplan', 'apply']);
  },
};
