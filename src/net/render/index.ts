/** The five renderers, by the names `net-convert --output-kind` uses. */
export { renderNetplan, type NetplanOptions } from './netplan.ts';
export { renderNetworkd, type NetworkdOptions } from './networkd.ts';
export { renderNetworkManager, type NetworkManagerOptions } from './network-manager.ts';
export { renderSysconfig, type SysconfigOptions } from './sysconfig.ts';
export { renderEni, type EniOptions } from './eni.ts';
export { DEBIAN_HEADER, type ReadExisting, type RenderedFile, type RenderResult } from './types.ts';
