/** NetworkState → netplan YAML (/etc/netplan/50-cloud-init.yaml, 0600). */
import type { NetworkState } from '../state.ts';
import type { RenderResult } from './types.ts';

export interface NetplanOptions {
  /** Output path relative to the root (default etc/netplan/50-cloud-init.yaml). */
  path?: string;
  /** Text written before the YAML (default none). */
  header?: string;
  /** netplan features of the target's netplan (e.g. "ipv6-mtu"), as `netplan info` lists them. */
  features?: readonly string[];
}

export function renderNetplan(state: NetworkState, opts: NetplanOptions = {}): RenderResult {
  void state;
  void opts;
  return { files: [], notes: [] };
}
