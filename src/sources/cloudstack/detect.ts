/**
 * Is this a CloudStack instance? CloudStack sets the DMI product name; a
 * seed dir stands in for the metadata server.
 */
import { inContainer, seedDirWith } from '../../identify/checks.ts';
import type { Detect } from '../../identify/types.ts';

export const detectCloudStack: Detect = (facts) => {
  const seed = seedDirWith(facts, 'cs', ['meta-data', 'user-data']);
  if (seed) return { result: 'found', reason: `seed dir ${seed} has meta-data and user-data` };
  if (inContainer(facts)) return { result: 'not-found', reason: `in a ${facts.container} container, DMI data is the host's` };
  const name = facts.dmi.productName;
  if (name?.startsWith('CloudStack')) return { result: 'found', reason: `DMI product_name is ${JSON.stringify(name)}` };
  return { result: 'not-found', reason: 'DMI product_name does not start with CloudStack' };
};
