/**
 * Which EC2-compatible platform this is, from DMI and Xen data alone (no
 * network): shared by identification (detect.ts) and the datasource, which
 * needs the name for cloud_name, the local-stage rule and IMDSv2.
 */
import type { DmiFacts } from '../../identify/types.ts';

export type Ec2Platform = 'aws' | 'brightbox' | 'zstack' | 'e24cloud' | 'tilaa' | 'outscale';

export interface PlatformFact {
  platform: Ec2Platform;
  /** The fact that shows it, for logs. */
  why: string;
}

export function ec2Platform(dmi: Pick<DmiFacts, 'productSerial' | 'chassisAssetTag' | 'sysVendor' | 'productName' | 'productUuid'>, hypervisorUuid: string | null): PlatformFact | null {
  const { productSerial, chassisAssetTag, sysVendor, productName, productUuid } = dmi;
  if (productSerial?.endsWith('.brightbox.com')) return { platform: 'brightbox', why: `Brightbox (DMI product_serial ${JSON.stringify(productSerial)})` };
  if (chassisAssetTag?.endsWith('.zstack.io')) return { platform: 'zstack', why: `ZStack (DMI chassis_asset_tag ${JSON.stringify(chassisAssetTag)})` };
  if (sysVendor === 'e24cloud') return { platform: 'e24cloud', why: 'E24cloud (DMI sys_vendor)' };
  if (sysVendor === 'Tilaa') return { platform: 'tilaa', why: 'Tilaa (DMI sys_vendor)' };
  if (productName === '3DS Outscale VM' && sysVendor === '3DS Outscale') return { platform: 'outscale', why: 'Outscale (DMI product_name and sys_vendor)' };
  if (hypervisorUuid?.startsWith('ec2')) return { platform: 'aws', why: 'AWS (/sys/hypervisor/uuid starts with ec2)' };
  // AWS product UUIDs start with "ec2"; some firmware shows the first group
  // little-endian, so "ec2x" appears as its last two bytes: "...2xec-".
  if (productUuid && /^ec2/i.test(productUuid)) return { platform: 'aws', why: 'AWS (DMI product_uuid starts with ec2)' };
  if (productUuid && /^[0-9a-f]{4}2[0-9a-f]ec(-|$)/i.test(productUuid)) return { platform: 'aws', why: 'AWS (DMI product_uuid starts with ec2, byte-swapped)' };
  return null;
}
