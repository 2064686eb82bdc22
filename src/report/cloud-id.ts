/**
 * The canonical cloud id (`cloud-id`, `v1.cloud_id` of instance-data): the
 * cloud name, except for the partitions tools must tell apart by region.
 */
export const METADATA_UNKNOWN = 'unknown';

const REGION_PARTITIONS: readonly { prefix: string; cloud: string; id: string }[] = [
  { prefix: 'cn-', cloud: 'aws', id: 'aws-china' },
  { prefix: 'us-gov-', cloud: 'aws', id: 'aws-gov' },
  { prefix: 'china', cloud: 'azure', id: 'azure-china' },
];

export function canonicalCloudId(cloudName: string | null, region: string | null, platform: string): string {
  const name = cloudName || METADATA_UNKNOWN;
  const reg = region || METADATA_UNKNOWN;
  if (reg !== METADATA_UNKNOWN) {
    const partition = REGION_PARTITIONS.find((p) => reg.startsWith(p.prefix) && name === p.cloud);
    if (partition) return partition.id;
  }
  return name !== METADATA_UNKNOWN ? name : platform;
}
