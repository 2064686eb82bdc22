/**
 * systemd-networkd: `networkctl reload` loads new and changed .network and
 * .netdev files (and creates new netdevs), but a link already configured
 * keeps its old settings until it is told to `reconfigure` — a plain
 * `ip link set up` (cloud-init's hotplug path) does neither.
 */
import { existingLinks, firstPresent, runStep } from './run-step.ts';
import type { ActivationContext, Activator, BringUpRequest } from './types.ts';

const NETWORKCTL = ['/usr/bin/networkctl', '/bin/networkctl'];
const DAEMON = ['/usr/lib/systemd/systemd-networkd', '/lib/systemd/systemd-networkd'];

export const networkd: Activator = {
  name: 'networkd',
  renderers: ['networkd'],
  available: (ctx) => firstPresent(ctx, NETWORKCTL) !== undefined && firstPresent(ctx, DAEMON) !== undefined,
  bringUp(ctx: ActivationContext, req: BringUpRequest): boolean {
    if (req.writtenFiles.length === 0) return true;
    if (!runStep(ctx, ['networkctl', 'reload'])) return false;
    const links = existingLinks(ctx, req.changedLinks);
    if (links.length === 0) return true;
    return runStep(ctx, ['networkctl', 'reconfigure', ...links]);
  },
};
