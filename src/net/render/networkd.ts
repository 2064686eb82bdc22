/** NetworkState → systemd-networkd .network/.netdev/.link files (/etc/systemd/network/10-cloud-init-<name>.*). */
import { inNetwork, ipFamily } from '../ip.ts';
import type { Interface, NetworkState, Route } from '../state.ts';
import { renderLink } from './networkd/link.ts';
import { renderNetdev } from './networkd/netdev.ts';
import { renderNetwork } from './networkd/network.ts';
import type { RenderedFile, RenderResult } from './types.ts';

export interface NetworkdOptions {
  /** Output directory relative to the root (default etc/systemd/network). */
  dir?: string;
}

const DEFAULT_DIR = 'etc/systemd/network';

export function renderNetworkd(state: NetworkState, opts: NetworkdOptions = {}): RenderResult {
  const dir = (opts.dir ?? DEFAULT_DIR).replace(/^\/+/, '').replace(/\/+$/, '');
  const prefix = dir === '' ? '10-cloud-init-' : `${dir}/10-cloud-init-`;
  const files: RenderedFile[] = [];
  const notes: string[] = [];
  const file = (name: string, content: string): void => {
    files.push({ path: `${prefix}${name}`, content, mode: 0o644 });
  };
  const globalRoutes = placeGlobalRoutes(state, notes);

  for (const iface of state.interfaces) {
    if (iface.type === 'loopback' && !iface.subnets.some((s) => s.address !== undefined)) continue;
    const netdev = renderNetdev(iface, notes);
    if (netdev !== undefined) file(`${iface.name}.netdev`, netdev);
    const link = renderLink(iface);
    if (link !== undefined) file(`${iface.name}.link`, link);
    else if (iface.wakeOnLan) notes.push(`${iface.name}: wakeonlan is rendered only for devices renamed with set-name (in their .link file)`);
    file(`${iface.name}.network`, renderNetwork(iface, { state, globalRoutes: globalRoutes.get(iface) ?? [], notes }));
  }
  return { files, notes };
}

/**
 * Global (v1 `route`) entries go to the interfaces whose addresses reach
 * their gateway. cloud-init copies every global route into every interface's
 * file, where networkd fails to add it on all links but one.
 */
function placeGlobalRoutes(state: NetworkState, notes: string[]): Map<Interface, Route[]> {
  const placed = new Map<Interface, Route[]>();
  for (const route of state.routes) {
    const gw = route.gateway;
    const carriers = state.interfaces.filter(
      (i) =>
        gw !== undefined &&
        i.subnets.some((s) => s.address !== undefined && s.prefix !== undefined && ipFamily(s.address) === ipFamily(gw) && inNetwork(gw, s.address, s.prefix)),
    );
    if (carriers.length === 0) {
      const what = `${route.network}/${route.prefix}${gw !== undefined ? ` via ${gw}` : ''}`;
      notes.push(`route ${what}: no interface has an address in the gateway's subnet; not rendered`);
      continue;
    }
    for (const c of carriers) placed.set(c, [...(placed.get(c) ?? []), route]);
  }
  return placed;
}
