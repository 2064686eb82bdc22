/**
 * Does this machine look like an OpenStack instance with a metadata service?
 * Nova sets the DMI product name; some clouds only set the chassis asset tag.
 */
import { configDrivePresent, inContainer } from '../../identify/checks.ts';
import type { Detect } from '../../identify/types.ts';

const PRODUCT_NAMES = ['OpenStack Nova', 'OpenStack Compute'];
const ASSET_TAGS = ['OpenTelekomCloud', 'SAP CCloud VM', 'HUAWEICLOUD', 'Samsung Cloud Platform', 'OpenStack Nova', 'OpenStack Compute'];

export const detectOpenStack: Detect = (facts) => {
  // With a config drive present, ConfigDrive serves the same data without the network.
  const drive = configDrivePresent(facts);
  if (drive) return { result: 'not-found', reason: `a config drive is present (${drive}), ConfigDrive is used instead` };
  if (!inContainer(facts)) {
    const { productName, chassisAssetTag } = facts.dmi;
    if (productName !== null && PRODUCT_NAMES.includes(productName)) return { result: 'found', reason: `DMI product_name is ${JSON.stringify(productName)}` };
    if (chassisAssetTag !== null && ASSET_TAGS.includes(chassisAssetTag)) return { result: 'found', reason: `DMI chassis_asset_tag is ${JSON.stringify(chassisAssetTag)}` };
  }
  // Outside x86 the DMI data has not always named OpenStack.
  if (!/^(i\d86|x86_64)$/.test(facts.machine)) return { result: 'maybe', reason: `no OpenStack DMI data, but on ${facts.machine} it may be missing` };
  return { result: 'not-found', reason: 'DMI product_name and chassis_asset_tag do not name OpenStack' };
};
