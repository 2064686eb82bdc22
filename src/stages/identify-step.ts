/**
 * Identification at the start of the local stage: reuse the generator's
 * result of this boot when there is one, else decide now from local facts
 * and write what ds-identify writes (the datasource list in
 * /run/cloud-init/cloud.cfg, the result code, the enabled/disabled marker).
 */
import { probeBlockDevices } from '../host/block-devices.ts';
import { gatherFacts, identify, readCachedIdentify, writeIdentifyResult } from '../identify/index.ts';
import type { StageContext } from './context.ts';
import { systemConfig } from './effective-config.ts';

export type IdentifyOutcome = 'enabled' | 'not-found' | 'disabled';

const OUTCOME = { 0: 'enabled', 1: 'not-found', 2: 'disabled' } as const;

export function runIdentify(ctx: StageContext): IdentifyOutcome {
  const cached = readCachedIdentify(ctx.fs);
  if (cached !== null && !ctx.opts.force) {
    ctx.log.debug(`identify: using this boot's earlier result ${cached}`);
    return OUTCOME[cached];
  }
  const cfg = systemConfig(ctx, { skipRunConfig: true });
  const facts = gatherFacts(ctx.fs, () => {
    const scan = probeBlockDevices(ctx.opts.root);
    for (const e of scan.errors) ctx.log.debug(`block device ${e.device}: ${e.reason}`);
    return scan.devices.map((d) => ({ device: d.device, type: d.type, label: d.label }));
  });
  const r = identify(ctx.fs, facts, cfg);
  for (const c of r.checks) ctx.log.debug(`identify ${c.datasource}: ${c.result} (${c.reason})`);
  writeIdentifyResult(ctx.fs, r);
  const outcome = OUTCOME[r.code];
  if (outcome === 'disabled') ctx.log.info(`stratus is disabled: ${r.log[r.log.length - 1] ?? ''}`);
  else ctx.log.info(`identify: ${outcome}${r.datasourceList.length ? `, datasource_list: [${r.datasourceList.join(', ')}]` : ''}`);
  return outcome;
}
