/** NetworkState → systemd-networkd .network/.netdev/.link files (/etc/systemd/network/10-cloud-init-<name>.*). */
import type { NetworkState } from '../state.ts';
import { renderLink } from './networkd/link.ts';
import { renderNetdev } from './networkd/netdev.ts';
import { renderNetwork } from './networkd/network.ts';
import type { RenderedFile, RenderResult } from './types.ts';
import { placeGlobalRoutes } from './global-routes.ts';

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
  const global = placeGlobalRoutes(state);
  notes.push(...global.notes);

  for (const iface of state.interfaces) {
    if (iface.type === 'loopback' && !iface.subnets.some((s) => s.address !== undefined)) continue;
    const netdev = renderNetdev(iface, notes);
    if (netdev !== undefined) file(`${iface.name}.netdev`, netdev);
    const link = renderLink(iface);
    if (link !== undefined) file(`${iface.name}.link`, link);
    else if (iface.wakeOnLan) notes.push(`${iface.name}: wakeonlan is rendered only for devices renamed with set-name (in their .link file)`);
    file(`${iface.name}.network`, renderNetwork(iface, { state, globalRoutes: global.byInterface.get(iface.name) ?? [], notes }));
  }
  return { files, notes };
}

