/**
 * Keep /var/lib/cloud/hotplug.enabled in step with the decision, from the
 * first stage that knows the datasource on: the shipped udev rule queues
 * NIC events only when the file exists, so on EC2 (on by default) it must
 * exist before the first NIC can be attached — not only from the final
 * stage, as cloud-init's install_hotplug has it. A file stratus wrote on
 * its own says so ("auto"); it goes away when the decision turns off. A
 * file written by `hotplug-hook enable` stays.
 */
import type { Crawled, Source } from '../sources/types.ts';
import type { StageContext } from '../stages/context.ts';
import { isMapping, type Mapping } from '../text/reader.ts';
import { HOTPLUG_ENABLED_FILE, hotplugEnabled } from './enabled.ts';

function isAuto(text: string): boolean {
  try {
    const v = JSON.parse(text) as unknown;
    return isMapping(v) && v['auto'] === true;
  } catch {
    return false;
  }
}

export function syncHotplugFile(ctx: StageContext, cfg: Mapping, c: Crawled, source: Source | null): void {
  const text = ctx.fs.readText(HOTPLUG_ENABLED_FILE);
  const explicit = text !== null && !isAuto(text) ? text : null;
  const d = hotplugEnabled(cfg, c.dsname, source?.hotplug, explicit);
  if (d.enabled && text === null) {
    ctx.fs.writeFiles([{ path: HOTPLUG_ENABLED_FILE, content: `${JSON.stringify({ scopes: ['network'], auto: true })}\n`, mode: 0o640 }]);
    ctx.log.info(`hotplug: on (${d.why}); NIC events are queued for stratus`);
  } else if (!d.enabled && text !== null && isAuto(text)) {
    ctx.fs.remove(HOTPLUG_ENABLED_FILE);
    ctx.log.info(`hotplug: off (${d.why})`);
  }
}
