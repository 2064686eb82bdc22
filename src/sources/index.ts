/**
 * The datasources stratus has, by cloud-init's dsname. Each is loaded only
 * when a stage asks for it, so a boot pays for the one in use.
 */
import type { Source } from './types.ts';

const LOADERS: Record<string, () => Promise<Source>> = {
  NoCloud: async () => (await import('./nocloud/index.ts')).noCloud,
  ConfigDrive: async () => (await import('./configdrive/index.ts')).configDrive,
  OpenStack: async () => (await import('./openstack/index.ts')).openStack,
  Ec2: async () => (await import('./ec2/index.ts')).ec2,
  CloudStack: async () => (await import('./cloudstack/index.ts')).cloudStack,
};

export const KNOWN_SOURCES: readonly string[] = Object.keys(LOADERS);

/** The source for a dsname, matched case-insensitively ("nocloud-net" is NoCloud's old name); null when stratus has none. */
export async function loadSource(name: string): Promise<Source | null> {
  const wanted = name.toLowerCase() === 'nocloudnet' || name.toLowerCase() === 'nocloud-net' ? 'nocloud' : name.toLowerCase();
  const key = KNOWN_SOURCES.find((k) => k.toLowerCase() === wanted);
  return key ? (LOADERS[key] as () => Promise<Source>)() : null;
}
