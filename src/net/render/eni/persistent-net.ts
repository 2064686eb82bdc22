/**
 * udev rules that pin interface names to MAC addresses
 * (/etc/udev/rules.d/70-persistent-net.rules), as cloud-init writes them
 * beside ENI: one line per physical NIC that has a MAC address.
 */
import { nameWishes } from '../../rename.ts';
import type { NetworkState } from '../../state.ts';

/**
 * One rule per NIC the config names by MAC (net/rename.ts: a v2 ethernet only
 * with `set-name` — a rule for a plain `match: {macaddress}` would rename the
 * NIC to the YAML key, which netplan never does).
 */
export function persistentNetRules(state: NetworkState): string {
  let out = '';
  for (const w of nameWishes(state)) {
    const iface = state.interfaces.find((i) => i.name === w.name && i.macAddress?.toLowerCase() === w.mac);
    const driver = iface?.driver ?? iface?.match?.driver ?? '?*';
    out += `SUBSYSTEM=="net", ACTION=="add", DRIVERS=="${driver}", ATTR{address}=="${iface?.macAddress ?? w.mac}", NAME="${w.name}"\n`;
  }
  return out;
}
