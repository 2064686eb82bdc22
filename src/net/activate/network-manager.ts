/**
 * NetworkManager: it reads profiles from disk only when told, so after a
 * write its profiles are reloaded and exactly the profiles stratus changed
 * are activated. NetworkManager is never restarted unconditionally: a
 * restart drops every connection it manages, stratus's or not. A changed
 * conf.d drop-in (the dns=none one) is picked up by NetworkManager's own
 * reload, which re-reads its configuration without touching connections.
 */
import { firstPresent, runStep } from './run-step.ts';
import type { ActivationContext, Activator, BringUpRequest } from './types.ts';

const NMCLI = ['/usr/bin/nmcli', '/bin/nmcli'];
const DAEMON = ['/usr/sbin/NetworkManager', '/sbin/NetworkManager'];
const CONF_DIR = '/etc/NetworkManager/conf.d/';

/** Keyfiles (the NetworkManager renderer) and ifcfg files (sysconfig, read by NM's ifcfg-rh plugin) are profiles. */
function isProfile(path: string): boolean {
  return (
    (path.startsWith('/etc/NetworkManager/system-connections/') && path.endsWith('.nmconnection')) ||
    /^\/etc\/sysconfig\/network-scripts\/ifcfg-[^/]+$/.test(path)
  );
}

export function networkManagerInstalled(ctx: Pick<ActivationContext, 'fs'>): boolean {
  return DAEMON.some((p) => ctx.fs.kind(p) !== null);
}

/**
 * Makes a running NetworkManager re-read its configuration (the unit's
 * reload), and does nothing when it is not running: then it reads the
 * files when it starts.
 */
export function reloadNetworkManagerConfig(ctx: ActivationContext): boolean {
  return runStep(ctx, ['systemctl', 'reload-or-try-restart', 'NetworkManager.service']);
}

export const networkManager: Activator = {
  name: 'network-manager',
  renderers: ['network-manager', 'sysconfig'],
  available: (ctx) => networkManagerInstalled(ctx) && firstPresent(ctx, NMCLI) !== undefined,
  bringUp(ctx: ActivationContext, req: BringUpRequest): boolean {
    const profiles = req.writtenFiles.filter(isProfile);
    const confChanged = req.writtenFiles.some((p) => p.startsWith(CONF_DIR));
    // Nothing of NetworkManager's changed: it has nothing to learn, and its connections stay as they are.
    if (profiles.length === 0 && !confChanged) return true;
    let ok = true;
    if (confChanged) ok = reloadNetworkManagerConfig(ctx) && ok;
    if (profiles.length === 0) return ok;
    ok = runStep(ctx, ['nmcli', 'connection', 'reload']) && ok;
    for (const file of profiles) ok = runStep(ctx, ['nmcli', 'connection', 'up', 'filename', file]) && ok;
    return ok;
  },
};
