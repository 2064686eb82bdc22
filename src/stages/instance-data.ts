/**
 * instance-data.json, the document `query`, jinja templates and other tools
 * read: cloud-init's keys (standardized `v1`, the datasource's raw `ds`,
 * system facts), in a full copy readable by root only and a redacted copy
 * readable by everyone.
 */
import type { Crawled } from '../sources/types.ts';
import { isMapping, type Mapping } from '../text/reader.ts';
import { VERSION } from '../version.ts';

export const REDACTED = 'redacted for non-root user';

/** Keys (slash-separated paths) that only root may read. */
export const SENSITIVE_KEYS = [
  'combined_cloud_config',
  'merged_cfg',
  'merged_system_cfg',
  'security-credentials',
  'userdata',
  'user-data',
  'user_data',
  'vendordata',
  'vendor-data',
  'ds/vendor_data',
];

const EXPERIMENTAL = 'EXPERIMENTAL: The structure and format of content scoped under the \'ds\' key may change in subsequent releases of cloud-init.';

export interface SystemFacts {
  distro: string;
  distroVersion: string;
  distroRelease: string;
  kernelRelease: string;
  machine: string;
  variant: string;
  systemPlatform: string;
}

function publicKeys(md: Mapping): string[] {
  const pk = md['public-keys'] ?? md['public_keys'];
  if (typeof pk === 'string') return pk.split('\n').map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(pk)) return pk.filter((k): k is string => typeof k === 'string');
  if (isMapping(pk)) return Object.values(pk).flatMap((v) => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((k): k is string => typeof k === 'string') : []));
  return [];
}

function hostnameOf(md: Mapping): string {
  const h = md['local-hostname'] ?? md['hostname'];
  if (typeof h === 'string' && h !== '') {
    // An IPv4 address as a hostname becomes ip-a-b-c-d, as cloud-init does.
    return /^\d+\.\d+\.\d+\.\d+$/.test(h) ? `ip-${h.replace(/\./g, '-')}` : h;
  }
  return 'localhost';
}

/** A top-level metadata string, else the same key under `placement` (EC2's tree). */
export function placementValue(md: Mapping, ...keys: string[]): string | null {
  const placement = isMapping(md['placement']) ? md['placement'] : {};
  for (const where of [md, placement]) for (const k of keys) if (typeof where[k] === 'string') return where[k] as string;
  return null;
}

export function cloudIdOf(c: Crawled, region: string | null): string {
  if (c.cloudName === 'aws' && region?.startsWith('cn-')) return 'aws-china';
  if (c.cloudName === 'aws' && region?.startsWith('us-gov-')) return 'aws-gov';
  return c.cloudName || c.platform;
}

/** The full document (0600). Redact with `redact()` for the world-readable copy. */
export function instanceData(c: Crawled, facts: SystemFacts, mergedSystemCfg: Mapping, combinedCfg: Mapping): Mapping {
  const md = c.metaData;
  const az = placementValue(md, 'availability-zone', 'availability_zone');
  const region = placementValue(md, 'region');
  const hostname = hostnameOf(md);
  const cloudId = cloudIdOf(c, region);
  const v1: Mapping = {
    _beta_keys: ['subplatform'],
    availability_zone: az,
    'availability-zone': az,
    cloud_id: cloudId,
    cloud_name: c.cloudName,
    'cloud-name': c.cloudName,
    distro: facts.distro,
    distro_release: facts.distroRelease,
    distro_version: facts.distroVersion,
    instance_id: c.instanceId,
    'instance-id': c.instanceId,
    kernel_release: facts.kernelRelease,
    local_hostname: hostname,
    'local-hostname': hostname,
    machine: facts.machine,
    platform: c.platform,
    public_ssh_keys: publicKeys(md),
    python_version: `stratus ${VERSION} (node ${process.versions.node})`,
    region,
    subplatform: c.subplatform,
    system_platform: facts.systemPlatform,
    variant: facts.variant,
  };
  return {
    _doc: EXPERIMENTAL,
    base64_encoded_keys: (c.base64MetaKeys ?? []).map((k) => `ds/meta_data/${k}`),
    combined_cloud_config: combinedCfg,
    ds: { _doc: EXPERIMENTAL, ...c.dsData, meta_data: md },
    merged_cfg: combinedCfg,
    merged_system_cfg: mergedSystemCfg,
    sensitive_keys: SENSITIVE_KEYS,
    sys_info: {
      dist: [facts.distro, facts.distroVersion, facts.distroRelease],
      platform: facts.systemPlatform,
      uname: ['Linux', '', facts.kernelRelease, '', facts.machine],
      variant: facts.variant,
    },
    v1,
  };
}

/** A copy with every sensitive key replaced by the redaction marker. */
export function redact(doc: Mapping): Mapping {
  const copy = JSON.parse(JSON.stringify(doc)) as Mapping;
  for (const key of SENSITIVE_KEYS) {
    const parts = key.split('/');
    let node: unknown = copy;
    for (let i = 0; i < parts.length - 1 && isMapping(node); i++) node = node[parts[i] as string];
    const last = parts[parts.length - 1] as string;
    if (isMapping(node) && Object.hasOwn(node, last)) node[last] = REDACTED;
  }
  return copy;
}
