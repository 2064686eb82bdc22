/**
 * Is this an EC2 (or EC2-compatible) instance? The platform is identified
 * from DMI and Xen data; when it is not, `strict_id` decides: "true" (the
 * default) means no, anything else means maybe, and the chosen value is
 * passed on to the datasource in the written config.
 */
import { cmdlineValue } from '../../config/cmdline.ts';
import { configAt, inContainer, seedDirWith } from '../../identify/checks.ts';
import type { Detect, Facts } from '../../identify/types.ts';
import { ec2Platform } from './platform.ts';

export const detectEc2: Detect = (facts, cfg) => {
  const seed = seedDirWith(facts, 'ec2', ['meta-data', 'user-data']);
  if (seed) return { result: 'found', reason: `seed dir ${seed} has meta-data and user-data` };
  if (inContainer(facts)) return { result: 'not-found', reason: `in a ${facts.container} container, DMI data is the host's` };
  const platform = ec2Platform(facts.dmi, facts.hypervisorUuid);
  if (platform) return { result: 'found', reason: `platform ${platform.why}` };
  const strict = strictId(facts, cfg);
  const why = `platform not identified; strict_id is ${strict.value} (${strict.from})`;
  if (strict.value === 'true') return { result: 'not-found', reason: why };
  return { result: 'maybe', reason: why, extraConfig: { datasource: { Ec2: { strict_id: strict.value } } } };
};

const DEFAULT_STRICT_ID = 'true';
const VALID_STRICT_ID = /^(true|false|warn|warn,\d+)$/;

/** strict_id from, highest first: the kernel command line, the system config, ds-identify.cfg, the default. */
function strictId(facts: Facts, cfg: Record<string, unknown>): { value: string; from: string } {
  const candidates: { value: unknown; from: string }[] = [
    { value: cmdlineValue(facts.cmdlineTokens, 'ci.datasource.ec2.strict_id'), from: 'kernel command line' },
    { value: configAt(cfg, ['datasource', 'Ec2', 'strict_id']), from: 'datasource.Ec2.strict_id in the system config' },
    { value: facts.dsIdentifyCfg.ec2StrictId, from: 'ds-identify.cfg' },
  ];
  for (const c of candidates) {
    if (c.value === undefined || c.value === '' || c.value === null) continue;
    const text = typeof c.value === 'boolean' ? String(c.value) : c.value;
    if (typeof text === 'string' && VALID_STRICT_ID.test(text)) return { value: text, from: c.from };
    return { value: DEFAULT_STRICT_ID, from: `the default, as ${c.from} has the invalid value ${JSON.stringify(c.value)}` };
  }
  return { value: DEFAULT_STRICT_ID, from: 'the default' };
}
