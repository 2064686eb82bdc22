/** One entry point for "render this state for that network stack on that distro", shared by net-convert and the boot stages. */
import { renderConfigFor } from './distro.ts';
import { renderEni } from './eni.ts';
import { renderNetplan } from './netplan.ts';
import { renderNetworkManager } from './network-manager.ts';
import { renderNetworkd } from './networkd.ts';
import { renderSysconfig } from './sysconfig.ts';
import type { ReadExisting, RenderResult } from './types.ts';
import type { NetworkState } from '../state.ts';

export const OUTPUT_KINDS = ['eni', 'netplan', 'networkd', 'sysconfig', 'network-manager'] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];

/** cloud-init's ENI renderer also writes udev rules naming the physical devices, at this default path. */
const ENI_NETRULES_PATH = 'etc/udev/rules.d/70-persistent-net.rules';

/** Throws InputError when the target cannot hold the state (e.g. two default routes sysconfig cannot tell apart). */
export function renderFor(state: NetworkState, outputKind: OutputKind, distro: string, existing: ReadExisting): RenderResult {
  const cfg = renderConfigFor(distro);
  switch (outputKind) {
    case 'netplan':
      return renderNetplan(state, { header: cfg.netplanHeader, features: ['dhcp-use-domains', 'ipv6-mtu'] });
    case 'networkd':
      return renderNetworkd(state);
    case 'network-manager':
      return renderNetworkManager(state);
    case 'sysconfig':
      return renderSysconfig(state, { flavor: cfg.sysconfigFlavor, suseIfroute: cfg.suseIfroute, existing });
    case 'eni':
      return renderEni(state, { path: cfg.eniPath, header: cfg.eniHeader, netrulesPath: ENI_NETRULES_PATH });
  }
}
