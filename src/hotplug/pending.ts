/**
 * Events udev queued while the hotplug socket did not listen yet (the udev
 * helper appends them to /run/cloud-init/hotplug-pending): cloud-init drops
 * these ("devices added during boot may be missed"); stratus handles them
 * as one burst in the final stage. The file is taken away first, so an
 * event is handled once even if the socket starts meanwhile.
 */
import type { StageContext } from '../stages/context.ts';
import { parseQueue } from './events.ts';
import { handleNetEvents, PENDING_FILE } from './handle.ts';

export async function handlePendingEvents(ctx: StageContext, errors: string[]): Promise<void> {
  const text = ctx.fs.readText(PENDING_FILE);
  if (text === null) return;
  ctx.fs.remove(PENDING_FILE);
  const q = parseQueue(text);
  for (const p of q.problems) ctx.log.warn(`${PENDING_FILE}: ${p}`);
  if (q.events.length === 0) return;
  ctx.log.info(`hotplug: ${q.events.length} NIC event(s) queued during boot`);
  const r = await handleNetEvents(ctx, q.events);
  errors.push(...r.errors);
}
