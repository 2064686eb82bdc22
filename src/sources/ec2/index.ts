/**
 * EC2 and EC2-compatible clouds: the instance metadata service at
 * 169.254.169.254 and [fd00:ec2::254]. On AWS and Outscale it is read in
 * the local stage (cloud-init's Ec2Local) through an ephemeral DHCP lease,
 * torn down after; elsewhere in the network stage. IMDSv2 tokens on AWS
 * (no v1 fallback there), a concurrent bounded crawl, one time budget.
 *
 * datasource.Ec2: metadata_urls, timeout (s, per request, default 5),
 * retries (per request, default 5), max_wait (s, the whole crawl, default
 * 120), strict_id, apply_full_imds_network_config (default true).
 */
import { datasourceConfig, positiveNumber } from '../config.ts';
import { nowMs } from '../../host/clock.ts';
import { isMapping, type Mapping } from '../../text/reader.ts';
import { DatasourceError, type CrawlContext, type Crawled, type HotplugSupport, type Source } from '../types.ts';
import { awaitPropagation, crawlEc2, type Ec2Crawl } from './crawl.ts';
import { ec2NetworkText, openEc2Hotplug } from './hotplug.ts';
import { ImdsClient } from './imds.ts';
import { ec2Platform, type Ec2Platform } from './platform.ts';

export const DEFAULT_URLS = ['http://169.254.169.254', 'http://[fd00:ec2::254]'] as const;
export const DEFAULT_TIMEOUT_S = 5;
export const DEFAULT_RETRIES = 5;
export const DEFAULT_MAX_WAIT_S = 120;

/** NIC drivers of EC2's own network devices (ENA, the Intel VF, Xen's netfront): tried first for the lease. */
export const EC2_DRIVERS = ['ena', 'ixgbevf', 'vif'] as const;

/** Platforms whose datasource runs in the local stage (their IMDS is reachable with a plain DHCP lease). */
const LOCAL_PLATFORMS: ReadonlySet<Ec2Platform> = new Set(['aws', 'outscale']);

export function platformOf(ctx: CrawlContext): Ec2Platform | null {
  const hv = ctx.fs.readText('/sys/hypervisor/uuid');
  return (
    ec2Platform(
      {
        productSerial: ctx.dmi('product_serial'),
        chassisAssetTag: ctx.dmi('chassis_asset_tag'),
        sysVendor: ctx.dmi('sys_vendor'),
        productName: ctx.dmi('product_name'),
        productUuid: ctx.dmi('product_uuid'),
      },
      hv === null ? null : (hv.split('\n', 1)[0] ?? '').trim(),
    )?.platform ?? null
  );
}

function metadataUrls(ds: Mapping): string[] {
  const given = ds['metadata_urls'];
  const urls = Array.isArray(given) ? given.filter((u): u is string => typeof u === 'string' && /^https?:\/\//.test(u)) : [];
  return (urls.length > 0 ? urls : [...DEFAULT_URLS]).map((u) => u.replace(/\/+$/, ''));
}

/**
 * Region and availability zone where instance-data looks for them
 * (placement/…), from the identity document when the tree lacks them.
 */
function withPlacement(c: Ec2Crawl): Mapping {
  const md: Mapping = { ...c.metaData };
  const placement: Mapping = isMapping(md['placement']) ? { ...md['placement'] } : {};
  const doc = c.identity ?? {};
  if (typeof placement['availability-zone'] !== 'string' && typeof doc['availabilityZone'] === 'string') placement['availability-zone'] = doc['availabilityZone'];
  if (typeof placement['region'] !== 'string') {
    const az = placement['availability-zone'];
    if (typeof doc['region'] === 'string') placement['region'] = doc['region'];
    else if (typeof az === 'string' && az.length > 1) placement['region'] = az.slice(0, -1);
  }
  if (Object.keys(placement).length > 0) md['placement'] = placement;
  return md;
}

async function crawl(ctx: CrawlContext): Promise<Crawled | null> {
  const ds = datasourceConfig(ctx.cfg, 'Ec2');
  const platform = platformOf(ctx);
  if (ctx.stage === 'local' && (platform === null || !LOCAL_PLATFORMS.has(platform))) {
    ctx.log.debug(`Ec2: the local stage reads the metadata service on AWS and Outscale only (platform: ${platform ?? 'not identified'})`);
    return null;
  }
  const strict = ds['strict_id'];
  if (platform === null && (strict === true || strict === 'true' || strict === undefined)) {
    ctx.log.debug('Ec2: platform not identified and strict_id is true');
    return null;
  }
  const timeoutMs = positiveNumber(ds['timeout'], DEFAULT_TIMEOUT_S) * 1000;
  const retries = Math.floor(positiveNumber(ds['retries'], DEFAULT_RETRIES));
  const maxWaitMs = positiveNumber(ds['max_wait'], DEFAULT_MAX_WAIT_S) * 1000;
  const urls = metadataUrls(ds);
  return ctx.withNetwork(
    urls.map((u) => `${u}/latest/meta-data/`),
    async (net) => {
      const started = nowMs();
      const client = await ImdsClient.connect(ctx, urls, { timeoutMs, retries, deadline: started + maxWaitMs, requireToken: platform === 'aws' });
      ctx.log.debug(`Ec2: ${client.base} answered (${client.usesToken ? 'IMDSv2 token' : 'IMDSv1, no token'})`);
      const c = await crawlEc2(client, { identity: platform === 'aws' });
      await awaitPropagation(client, c, ctx.log);
      const doc = c.identity ?? {};
      const instanceId = typeof doc['instanceId'] === 'string' && doc['instanceId'] !== '' ? doc['instanceId'] : (c.metaData['instance-id'] as string);
      if (/[\0-\x1f/]/.test(instanceId) || instanceId === '.' || instanceId === '..') throw new DatasourceError(`${client.base}: instance-id ${JSON.stringify(instanceId)} cannot name an instance directory`);
      const metaData = withPlacement(c);
      ctx.log.debug(`Ec2: crawled ${client.base} (API ${c.apiVersion}) in ${(nowMs() - started).toFixed(0)} ms${net.iface ? ` through ${net.iface}` : ''}`);
      const network = isMapping(metaData['network']) ? metaData['network'] : null;
      return {
        dsname: 'Ec2',
        instanceId,
        platform: 'ec2',
        subplatform: `metadata (${client.base})`,
        cloudName: platform ?? 'unknown',
        dsmode: 'net',
        metaData,
        userData: c.userData,
        vendorData: null,
        vendorData2: null,
        networkConfig:
          network === null
            ? null
            : { source: `${client.base}/${c.apiVersion}/meta-data/network/`, kind: 'ec2', text: ec2NetworkText(metaData, ds['apply_full_imds_network_config'] !== false, net.iface) },
        config: {},
        dsData: { _metadata_api_version: c.apiVersion, ...(c.identity ? { dynamic: { 'instance-identity': { document: c.identity } } } : {}) },
      };
    },
    { ipv6LinkLocal: true, preferDrivers: EC2_DRIVERS },
  );
}

/**
 * AWS Nitro instances carry their instance id in the DMI board asset tag:
 * a match confirms the cached instance without any request. Anything else
 * cannot be told locally (the crawl runs again).
 */
function checkInstanceId(ctx: CrawlContext, cachedId: string): boolean | null {
  const tag = ctx.dmi('board_asset_tag');
  return tag !== null && tag === cachedId ? true : null;
}

/**
 * Hotplug is on by default on EC2 (as in cloud-init): NICs are attached to
 * running instances all the time. The session reaches the IMDS through the
 * OS network, with the URL that answered at boot first.
 */
const hotplug: HotplugSupport = {
  defaultOn: true,
  open(ctx, cached) {
    const ds = datasourceConfig(ctx.cfg, 'Ec2');
    const answered = /^metadata \((.+)\)$/.exec(cached.subplatform)?.[1];
    const urls = metadataUrls(ds);
    return openEc2Hotplug(ctx, cached, { urls: answered ? [answered, ...urls.filter((u) => u !== answered)] : urls, requireToken: platformOf(ctx) === 'aws' });
  },
};

export const ec2: Source = { dsname: 'Ec2', stages: ['local', 'network'], crawl, checkInstanceId, hotplug };
