/**
 * An OpenStack tree (from a config drive or the metadata service) as the
 * instance data every stage uses.
 */
import type { Mapping } from '../../text/reader.ts';
import type { CrawlContext, Crawled, DsMode } from '../types.ts';
import type { OpenStackTree } from './tree.ts';

export function treeToCrawled(tree: OpenStackTree, opts: { dsname: string; subplatform: string; dsmode: DsMode }): Crawled {
  const dsData: Mapping = {};
  if (tree.ec2MetaData) dsData['ec2_metadata'] = tree.ec2MetaData;
  if (tree.networkJson !== null) dsData['network_json'] = tree.networkJson as Mapping;
  return {
    dsname: opts.dsname,
    instanceId: tree.instanceId,
    platform: 'openstack',
    subplatform: opts.subplatform,
    cloudName: 'openstack',
    dsmode: opts.dsmode,
    metaData: tree.metaData,
    userData: tree.userData,
    vendorData: tree.vendorData,
    vendorData2: tree.vendorData2,
    networkConfig: tree.networkConfig,
    config: {},
    dsData,
    ...(typeof tree.metaData['random_seed'] === 'string' ? { base64MetaKeys: ['random_seed'] } : {}),
    ...(tree.files.length > 0 ? { injectedFiles: tree.files } : {}),
  };
}

/**
 * Nova sets the DMI system UUID to the instance's uuid: a match confirms the
 * cached instance without a crawl. No match says nothing (other hypervisors
 * set their own): null, crawl again.
 */
export function checkNovaInstanceId(ctx: CrawlContext, cachedId: string): boolean | null {
  const uuid = ctx.dmi('product_uuid');
  return uuid !== null && uuid.toLowerCase() === cachedId.toLowerCase() ? true : null;
}
