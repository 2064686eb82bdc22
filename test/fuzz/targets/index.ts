/** Every fuzz target, by name. */
import type { FuzzTarget } from '../target.ts';
import { cloudConfig } from './cloud-config.ts';
import { dhclientLease, dhcpcdDump, dhcpMessage, networkdLease, nmcliDhcp4 } from './dhcp-leases.ts';
import { ec2Tree } from './ec2-tree.ts';
import { ec2Network, netEni, netYaml, networkDataJson } from './network-config.ts';
import { fat, iso9660 } from './media.ts';
import { userData } from './userdata.ts';

export const TARGETS: readonly FuzzTarget[] = [netYaml, netEni, networkDataJson, ec2Network, ec2Tree, userData, cloudConfig, dhclientLease, dhcpcdDump, dhcpMessage, networkdLease, nmcliDhcp4, iso9660, fat];

export function targetByName(name: string): FuzzTarget {
  const t = TARGETS.find((x) => x.name === name);
  if (!t) throw new Error(`no fuzz target ${JSON.stringify(name)} (known: ${TARGETS.map((x) => x.name).join(', ')})`);
  return t;
}
