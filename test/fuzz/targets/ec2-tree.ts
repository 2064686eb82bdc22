/**
 * EC2 metadata tree pieces as IMDS serves them: directory listings
 * (listingEntries) and leaves (leafValue). They never throw, and a listing
 * entry never carries a line break (each is one path segment to fetch).
 */
import { join } from 'node:path';
import { listingEntries, leafValue } from '../../../src/sources/ec2/tree.ts';
import { ACCEPTED, crash, describeError, type Verdict } from '../oracle.ts';
import { CONFORMANCE_DIR, filesUnder, OWN_SEEDS, readAll } from '../seeds.ts';
import { textGenerator, type FuzzTarget } from '../target.ts';

const DIRS = ['', 'meta-data/', 'meta-data/public-keys/', 'meta-data/network/interfaces/macs/'];

function run(input: Buffer): Verdict {
  const text = input.toString('utf8');
  try {
    for (const dir of DIRS) {
      for (const e of listingEntries(text, dir)) {
        if (/[\r\n]/.test(e.name) || e.name === '') return crash(`listing entry ${JSON.stringify(e.name)} in ${dir || '/'} is empty or spans lines`);
      }
    }
    leafValue(text);
  } catch (e) {
    return crash(describeError(e));
  }
  return ACCEPTED;
}

export const ec2Tree: FuzzTarget = {
  name: 'ec2-tree',
  description: 'EC2 IMDS listings and leaves: listingEntries, leafValue',
  code: ['src/sources/ec2/tree.ts'],
  seeds: () => readAll([...filesUnder(OWN_SEEDS, /ec2-.*\.txt$/), ...filesUnder(join(CONFORMANCE_DIR, 'ec2'), /metadata\.json$/).slice(0, 4)]),
  generator: (seeds) => textGenerator(seeds),
  run,
};
