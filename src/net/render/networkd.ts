/** NetworkState → systemd-networkd .network/.netdev/.link files (/etc/systemd/network/10-cloud-init-<name>.*). */
import type { NetworkState } from '../state.ts';
import type { RenderResult } from './types.ts';

export interface NetworkdOptions {
  /** Output directory relative to the root (default etc/systemd/network). */
  dir?: string;
}

export function renderNetworkd(state: NetworkState, opts: NetworkdOptions = {}): RenderResult {
  void state;
  void opts;
  return { files: [], notes: [] };
}
