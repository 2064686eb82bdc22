/**
 * OpenStack network_data.json → network config v1 (the dict cloud-init's
 * convert_net_json produces), which the v1 parser then turns into NetworkState.
 */
import type { Reader } from '../../text/reader.ts';

export interface NetworkDataOptions {
  /** Lower-case MAC → local interface name (net-convert --mac, or sysfs). */
  knownMacs?: ReadonlyMap<string, string>;
}

/** Returns a v1 config document ({version: 1, config: [...]}) or undefined after recording errors in `r`. */
export function networkDataToV1(r: Reader, data: unknown, opts: NetworkDataOptions = {}): Record<string, unknown> | undefined {
  void data;
  void opts;
  return r.error([], 'network_data.json conversion is not implemented yet');
}
