/** NetworkState → NetworkManager keyfiles (/etc/NetworkManager/system-connections/cloud-init-<id>.nmconnection, 0600). */
import type { NetworkState } from '../state.ts';
import type { RenderResult } from './types.ts';

export type NetworkManagerOptions = Record<string, never>;

export function renderNetworkManager(state: NetworkState, opts: NetworkManagerOptions = {}): RenderResult {
  void state;
  void opts;
  return { files: [], notes: [] };
}
