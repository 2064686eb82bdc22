/**
 * udev events as the queue hands them over ("DEVPATH ACTION" per line, or
 * one from the command line), and bursts coalesced: per device, only its
 * last action counts; add events keep their order.
 */

export type UdevAction = 'add' | 'remove';

export interface NetEvent {
  devpath: string;
  action: UdevAction;
  /** The interface name: the devpath's last part. */
  name: string;
}

const NAME = /^[A-Za-z0-9_.:@-]{1,15}$/;

/** One event; a located reason when it is not one stratus handles. */
export function parseEvent(devpath: string, action: string): NetEvent | { problem: string } {
  if (action !== 'add' && action !== 'remove') return { problem: `udev action ${JSON.stringify(action)} is not add or remove` };
  if (!devpath.startsWith('/') || devpath.includes('..') || /[\0\n]/.test(devpath)) return { problem: `devpath ${JSON.stringify(devpath)} is not a sysfs device path` };
  const name = devpath.slice(devpath.lastIndexOf('/') + 1);
  if (!NAME.test(name)) return { problem: `devpath ${JSON.stringify(devpath)} does not end in an interface name` };
  return { devpath, action, name };
}

/** Queue lines ("DEVPATH ACTION") → events and problems (blank lines skipped). */
export function parseQueue(text: string): { events: NetEvent[]; problems: string[] } {
  const events: NetEvent[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (t === '') return;
    const [devpath = '', action = '', ...rest] = t.split(/\s+/);
    const e = rest.length > 0 ? { problem: 'more than "DEVPATH ACTION"' } : parseEvent(devpath, action);
    if ('problem' in e) problems.push(`line ${i + 1}: ${e.problem}`);
    else events.push(e);
  });
  return { events, problems };
}

/**
 * A burst as one change: the last action of each device wins (a remove
 * followed by an add of the same name is an add), in the order of each
 * device's last event.
 */
export function coalesce(events: readonly NetEvent[]): NetEvent[] {
  const last = new Map<string, NetEvent>();
  for (const e of events) {
    last.delete(e.name);
    last.set(e.name, e);
  }
  return [...last.values()];
}
