/**
 * udev rules that pin each physical NIC's name to its MAC address, in the
 * exact line format cloud-init writes (so an upgrade does not rename NICs).
 */
import type { NetworkState } from '../../state.ts';

export function persistentNetRules(state: NetworkState): string {
  return state.interfaces
    .filter((i) => i.type === 'physical' && i.macAddress !== undefined)
    .map((i) => `SUBSYSTEM=="net", ACTION=="add", DRIVERS=="${i.driver ?? '?*'}", ATTR{address}=="${i.macAddress!}", NAME="${i.name}"\n`)
    .join('');
}
