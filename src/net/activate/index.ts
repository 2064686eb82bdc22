/**
 * Choosing the activator and bringing up what a network-stage write changed.
 *
 * cloud-init picks the activator from its own list, independently of the
 * renderer, so a target with both ifupdown and netplan can get netplan's
 * YAML "brought up" by ifup. Here the activator must be one that reads the
 * renderer's files; an explicit `system_info.network.activators` list is
 * honoured in its order, with a warning when its choice cannot read them.
 */
import type { OutputKind } from '../render/for-target.ts';
import type { NetworkState } from '../state.ts';
import { isMapping, type Mapping } from '../../text/reader.ts';
import { ifupdown } from './ifupdown.ts';
import { netplan } from './netplan.ts';
import { networkManager, networkManagerInstalled, reloadNetworkManagerConfig } from './network-manager.ts';
import { networkScripts } from './network-scripts.ts';
import { networkd } from './networkd.ts';
import type { ActivationContext, Activator, ActivatorName, BringUpRequest } from './types.ts';

export type { ActivationContext, Activator, ActivatorName, BringUpRequest } from './types.ts';
export { networkManagerInstalled } from './network-manager.ts';

export const ACTIVATORS: readonly Activator[] = [networkManager, networkd, netplan, ifupdown, networkScripts];

/** Names `system_info.network.activators` may use: cloud-init's, and this project's. */
const ALIASES: Record<string, ActivatorName> = {
  'network-manager': 'network-manager',
  networkd: 'networkd',
  netplan: 'netplan',
  eni: 'ifupdown',
  ifupdown: 'ifupdown',
  sysconfig: 'network-scripts',
  'network-scripts': 'network-scripts',
};

/** For each renderer, the activators that read its files, best first (NM reads ifcfg files through its ifcfg-rh plugin). */
const FOR_RENDERER: Record<OutputKind, readonly ActivatorName[]> = {
  'network-manager': ['network-manager'],
  networkd: ['networkd'],
  netplan: ['netplan'],
  eni: ['ifupdown'],
  sysconfig: ['network-manager', 'network-scripts'],
};

function byName(name: ActivatorName): Activator {
  const a = ACTIVATORS.find((x) => x.name === name);
  if (!a) throw new Error(`no activator ${name}`);
  return a;
}

function listedActivators(cfg: Mapping): unknown[] | null {
  const si = cfg['system_info'];
  const net = isMapping(si) ? si['network'] : undefined;
  return isMapping(net) && Array.isArray(net['activators']) ? net['activators'] : null;
}

/** The activator for `renderer`'s files on this target, or null (with the reason logged). */
export function chooseActivator(ctx: ActivationContext, cfg: Mapping, renderer: OutputKind): Activator | null {
  const listed = listedActivators(cfg);
  if (listed !== null) {
    const names: ActivatorName[] = [];
    for (const n of listed) {
      const name = typeof n === 'string' ? ALIASES[n] : undefined;
      if (name) names.push(name);
      else ctx.log.warn(`system_info.network.activators: ${JSON.stringify(n)} is not an activator stratus has (${Object.keys(ALIASES).join(', ')})`);
    }
    const chosen = names.map(byName).find((a) => a.available(ctx));
    if (!chosen) {
      ctx.log.warn(`none of system_info.network.activators (${names.join(', ') || 'empty'}) is installed on the target; network config not brought up`);
      return null;
    }
    if (!chosen.renderers.includes(renderer)) ctx.log.warn(`activator ${chosen.name} (from system_info.network.activators) does not read ${renderer} files; it may not bring them up`);
    return chosen;
  }
  const chosen = (FOR_RENDERER[renderer] ?? []).map(byName).find((a) => a.available(ctx));
  if (!chosen) ctx.log.warn(`no activator for ${renderer} files is installed on the target (${FOR_RENDERER[renderer].join(' or ')}); they apply when the network service next starts`);
  return chosen ?? null;
}

/** Files that are about the whole system, not one link: they never say which links changed. */
const SYSTEM_WIDE = [/^\/etc\/NetworkManager\/conf\.d\//, /^\/etc\/udev\//, /^\/etc\/resolv\.conf$/, /^\/etc\/sysconfig\/network$/];

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Which links changed: a per-interface file (`10-cloud-init-eth0.network`,
 * `ifcfg-eth0`, `route-eth0`) names its link; a changed file shared by all
 * links (netplan's YAML, the ENI file) changes every link.
 */
export function changedLinks(changedFiles: readonly string[], interfaces: readonly string[]): string[] {
  const out = new Set<string>();
  for (const file of changedFiles) {
    if (SYSTEM_WIDE.some((re) => re.test(file))) continue;
    const base = file.slice(file.lastIndexOf('/') + 1);
    const owners = interfaces.filter((i) => new RegExp(`(^|-)${escape(i)}(\\.[a-z]+)?$`).test(base));
    for (const i of owners.length > 0 ? owners : interfaces) out.add(i);
  }
  return interfaces.filter((i) => out.has(i));
}

export interface ActivationInput {
  renderer: OutputKind;
  state: NetworkState;
  /** Absolute target paths whose content this write changed, or that it removed. */
  changedFiles: readonly string[];
}

/**
 * Brings up what changed (network stage and hotplug only). Nothing changed
 * means nothing to do: the files were in place when the network service
 * started. Returns false when a step failed.
 */
export function activateNetwork(ctx: ActivationContext, cfg: Mapping, input: ActivationInput): boolean {
  if (cfg['disable_network_activation'] === true) {
    ctx.log.info('disable_network_activation is set; the network config is written but not brought up');
    return true;
  }
  if (input.changedFiles.length === 0) {
    ctx.log.info('network config unchanged; nothing to bring up');
    return true;
  }
  const interfaces = input.state.interfaces.filter((i) => i.type !== 'loopback').map((i) => i.name);
  const req: BringUpRequest = { renderer: input.renderer, writtenFiles: input.changedFiles, interfaces, changedLinks: changedLinks(input.changedFiles, interfaces) };
  let ok = true;
  const activator = chooseActivator(ctx, cfg, input.renderer);
  // The dns=none drop-in may change under any renderer that has NetworkManager beside it; only the NM activator reloads NM itself.
  const nmConf = input.changedFiles.some((p) => p.startsWith('/etc/NetworkManager/conf.d/'));
  if (nmConf && activator?.name !== 'network-manager' && networkManagerInstalled(ctx)) ok = reloadNetworkManagerConfig(ctx) && ok;
  if (!activator) return ok;
  ctx.log.info(`bringing up ${req.changedLinks.join(', ') || 'the changed config'} with ${activator.name}`);
  return activator.bringUp(ctx, req) && ok;
}
