/** NetworkState → Debian ENI (/etc/network/interfaces.d/50-cloud-init). */
import type { NetworkState } from '../state.ts';
import type { RenderResult } from './types.ts';

export interface EniOptions {
  /** Output path relative to the root (default etc/network/interfaces.d/50-cloud-init). */
  path?: string;
  /** Text written before the stanzas (default none). */
  header?: string;
  /** Render routes with `ip route` (true, default) or the legacy `route` command (false). */
  ipCommand?: boolean;
  /** Path of the persistent-net udev rules written next to ENI, or null for none (default none). */
  netrulesPath?: string | null;
}

export function renderEni(state: NetworkState, opts: EniOptions = {}): RenderResult {
  void state;
  void opts;
  return { files: [], notes: [] };
}
