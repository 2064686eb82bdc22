/** Every area of the bad-input catalogue, bound for the runner, and the clean-up of what areas made. */
import { cloudConfig } from './cloud-config.ts';
import { cmdlineDmi } from './cmdline-dmi.ts';
import { dhcpLeases } from './dhcp-leases.ts';
import { disposeMedia, media } from './media.ts';
import { networkConfig } from './network-config.ts';
import { ec2Metadata, networkData } from './network-data.ts';
import { bind, type BoundRow } from './row.ts';
import { cloudstack, nocloud, openstack } from './sources.ts';
import { disposeStage, stage } from './stage.ts';
import { userData } from './userdata.ts';

export const AREAS: BoundRow[][] = [
  bind(networkConfig),
  bind(networkData),
  bind(ec2Metadata),
  bind(userData),
  bind(cloudConfig),
  bind(dhcpLeases),
  bind(cmdlineDmi),
  bind(nocloud),
  bind(openstack),
  bind(cloudstack),
  bind(media),
  bind(stage),
];

/** Temporary images (media) and the built CLI with its target roots (stage); safe to call when nothing was made. */
export function disposeAreas(): void {
  disposeMedia();
  disposeStage();
}
