/** NetworkState → RHEL (/etc/sysconfig/network-scripts/) or SUSE (/etc/sysconfig/network/) ifcfg and route files. */
import type { NetworkState } from '../state.ts';
import type { ReadExisting, RenderResult } from './types.ts';

export interface SysconfigOptions {
  flavor: 'rhel' | 'suse';
  /** Existing files under the target root (resolv.conf and the control file are merged, not replaced). */
  existing?: ReadExisting;
}

export function renderSysconfig(state: NetworkState, opts: SysconfigOptions): RenderResult {
  void state;
  void opts;
  return { files: [], notes: [] };
}
