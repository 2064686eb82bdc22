/**
 * udev rules that pin interface names to MAC addresses
 * (/etc/udev/rules.d/70-persistent-net.rules), as cloud-init writes them
 * beside ENI: one line per physical NIC that has a MAC address.
 */
import type { Interface, NetworkState } from '../../state.ts';

/**
 * A v2 ethernet is renamed only when it says `set-name`; writing a rule for
 * a plain `match: {macaddress}` would rename the NIC to the YAML key, which
 * netplan never does.
 */
function pinsName(iface: Interface, version: 1 | 2): boolean {
  if (iface.type !== 'physical' || iface.macAddress === undefined) return false;
  return version === 1 || iface.setName === true;
}

export function persistentNetRules(state: NetworkState): string {
  let out = '';
  for (const iface of state.interfaces) {
    if (!pinsName(iface, state.version) || iface.macAddress === undefined) continue;
    const driver = iface.driver ?? iface.match?.driver ?? '?*';
    out += `SUBSYSTEM=="net", ACTION=="add", DRIVERS=="${driver}", ATTR{address}=="${iface.macAddress}", NAME="${iface.name}"\n`;
  }
  return out;
}
