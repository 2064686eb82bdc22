/**
 * .link files: udev renames a device matched by v2 `match` to its `set-name`
 * when the device appears. cloud-init writes udev rules for that (or renames
 * at runtime); a .link file is the systemd-native way and needs no rules file.
 */
import type { Interface } from '../../state.ts';
import { UnitFile } from './unit-file.ts';

/** The .link for a renamed device, or undefined when nothing renames it. */
export function renderLink(iface: Interface): string | undefined {
  const m = iface.match;
  if (!iface.setName || !m || iface.type !== 'physical') return undefined;
  if (m.macAddress === undefined && m.name === undefined && m.driver === undefined) return undefined;
  const file = new UnitFile();
  const match = file.single('Match').entries;
  // The permanent address: VLANs and bonds take over the NIC's current MAC
  // and must not be renamed along with it.
  if (m.macAddress !== undefined) match.push(['PermanentMACAddress', m.macAddress]);
  if (m.name !== undefined) match.push(['OriginalName', m.name]);
  if (m.driver !== undefined) match.push(['Driver', m.driver]);
  const link = file.single('Link').entries;
  link.push(['Name', iface.name]);
  if (iface.wakeOnLan) link.push(['WakeOnLan', 'magic']);
  return file.toString();
}
