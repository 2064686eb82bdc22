/**
 * Is NIC hotplug on for this instance? As cloud-init decides it: the
 * datasource must support it, and then it is on when the user's
 * `updates.network.when` lists `hotplug`, or (without `when`) when the
 * datasource has it on by default (EC2), or when `hotplug-hook enable`
 * wrote `network` into /var/lib/cloud/hotplug.enabled. That file is also
 * what the shipped udev rule tests before it queues an event.
 */
import { isMapping, type Mapping } from '../text/reader.ts';
import type { HotplugSupport } from '../sources/types.ts';

export const HOTPLUG_ENABLED_FILE = '/var/lib/cloud/hotplug.enabled';

/** The scopes the file lists: cloud-init writes {"scopes": ["network"]}; unreadable means none. */
export function enabledScopes(text: string | null): string[] {
  if (text === null) return [];
  try {
    const v = JSON.parse(text) as unknown;
    const scopes = isMapping(v) ? v['scopes'] : undefined;
    return Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : [];
  } catch {
    return [];
  }
}

/** The file's content with `network` added (other scopes kept). */
export function withNetworkScope(text: string | null): string {
  const scopes = enabledScopes(text);
  return `${JSON.stringify({ scopes: scopes.includes('network') ? scopes : [...scopes, 'network'] })}\n`;
}

/** `updates.network.when` as the user gave it; undefined when not given. */
export function userNetworkEvents(cfg: Mapping): string[] | undefined {
  const u = cfg['updates'];
  const n = isMapping(u) ? u['network'] : undefined;
  const when = isMapping(n) ? n['when'] : undefined;
  return Array.isArray(when) ? when.filter((w): w is string => typeof w === 'string') : undefined;
}

export interface HotplugDecision {
  enabled: boolean;
  why: string;
}

export function hotplugEnabled(cfg: Mapping, dsname: string, support: HotplugSupport | undefined, fileText: string | null): HotplugDecision {
  if (!support) return { enabled: false, why: `the ${dsname} datasource does not support hotplug` };
  if (enabledScopes(fileText).includes('network')) return { enabled: true, why: `${HOTPLUG_ENABLED_FILE} lists network` };
  const when = userNetworkEvents(cfg);
  if (when !== undefined) {
    return when.includes('hotplug')
      ? { enabled: true, why: 'updates.network.when lists hotplug' }
      : { enabled: false, why: 'updates.network.when does not list hotplug' };
  }
  return support.defaultOn
    ? { enabled: true, why: `on by default for ${dsname}` }
    : { enabled: false, why: `off by default for ${dsname} (stratus hotplug-hook --subsystem net enable, or updates.network.when: [hotplug])` };
}
