/**
 * Who owns /etc/resolv.conf, decided per renderer (the rules and their
 * reasons are in docs/network-dns.md):
 * - NetworkManager renderer: DNS is in the keyfiles and NetworkManager
 *   writes resolv.conf; stratus writes neither resolv.conf nor a drop-in.
 * - netplan, networkd: systemd-resolved (or netplan's backend) owns it.
 * - sysconfig, ENI: stratus writes resolv.conf from the config's DNS, and,
 *   when NetworkManager is installed, the `dns = none` drop-in, so NM never
 *   rewrites (or empties) that file. These are written in whichever stage
 *   renders — the local one when the datasource is local, i.e. before
 *   NetworkManager starts. ENI with resolvconf installed (and no
 *   NetworkManager) leaves DNS to ifupdown's resolvconf hook; without
 *   resolvconf nothing would read the dns-* lines, so stratus writes the file.
 * Never: an empty resolv.conf (no DNS in the config → the file is left
 * alone), or writing through a symlinked resolv.conf (another resolver
 * manager — systemd-resolved, resolvconf — owns it; it is left alone and so
 * is NetworkManager, which may be feeding that manager).
 *
 * Pure: the caller reads the target and writes the result.
 */
import type { NodeKind } from '../../host/root-fs.ts';
import type { OutputKind } from '../render/for-target.ts';
import type { RenderedFile } from '../render/types.ts';
import { mergeResolvConf } from '../render/sysconfig/resolv-conf.ts';
import { SYSCONFIG_HEADER } from '../render/sysconfig/shell.ts';
import type { NetworkState } from '../state.ts';

export const RESOLV_CONF = '/etc/resolv.conf';
export const NM_DNS_DROPIN = '/etc/NetworkManager/conf.d/99-cloud-init.conf';
export const NM_DNS_DROPIN_CONTENT = `${SYSCONFIG_HEADER}[main]\ndns = none\n`;

export interface DnsInput {
  renderer: OutputKind;
  state: NetworkState;
  /** The renderer's files (paths relative to the root, as renderers return them). */
  files: readonly RenderedFile[];
  networkManagerInstalled: boolean;
  /** resolvconf is on the target: ifupdown's dns-* lines reach resolv.conf through its hook. */
  resolvconfInstalled?: boolean;
  /** What /etc/resolv.conf is now on the target. */
  resolvConf: { kind: NodeKind | null; text: string | null };
}

export interface DnsDecision {
  /** The renderer's files without resolv.conf, plus the drop-in when it is due. */
  files: RenderedFile[];
  /** resolv.conf to write atomically outside the network manifest (it is the system's file, never removed), or null. */
  resolvConf: string | null;
  /** Why, for the log. */
  notes: string[];
}

/** Nameservers and search domains in the sysconfig renderer's order: per interface (subnets, then its own), then global. */
export function collectDns(state: NetworkState): { nameservers: string[]; search: string[] } {
  const nameservers: string[] = [];
  const search: string[] = [];
  for (const iface of state.interfaces) {
    for (const s of iface.subnets) {
      nameservers.push(...s.dnsNameservers);
      search.push(...s.dnsSearch);
    }
    nameservers.push(...(iface.dns?.nameservers ?? []));
    search.push(...(iface.dns?.search ?? []));
  }
  nameservers.push(...state.dns.nameservers);
  search.push(...state.dns.search);
  return { nameservers: [...new Set(nameservers)], search: [...new Set(search)] };
}

const isResolvConf = (f: RenderedFile) => `/${f.path}` === RESOLV_CONF;
const isDropin = (f: RenderedFile) => `/${f.path}` === NM_DNS_DROPIN;

export function decideDns(input: DnsInput): DnsDecision {
  const others = input.files.filter((f) => !isResolvConf(f) && !isDropin(f));
  const none: DnsDecision = { files: others, resolvConf: null, notes: [] };
  if (input.renderer !== 'sysconfig' && input.renderer !== 'eni') return none;
  const dns = collectDns(input.state);
  if (dns.nameservers.length === 0 && dns.search.length === 0) {
    return { ...none, notes: ['the network config has no DNS: /etc/resolv.conf is left as it is'] };
  }
  if (input.resolvConf.kind === 'link') {
    return { ...none, notes: ['/etc/resolv.conf is a symbolic link (another resolver manager owns it): left as it is, and NetworkManager keeps its DNS mode'] };
  }
  if (input.renderer === 'eni' && !input.networkManagerInstalled && input.resolvconfInstalled === true) {
    return { ...none, notes: ['ENI with resolvconf: DNS is left to ifupdown (dns-nameservers lines, resolvconf\'s hook)'] };
  }
  const files = [...others];
  const notes: string[] = [];
  if (input.networkManagerInstalled) {
    files.push({ path: NM_DNS_DROPIN.slice(1), content: NM_DNS_DROPIN_CONTENT, mode: 0o644 });
    notes.push(`NetworkManager is installed: ${NM_DNS_DROPIN} tells it to leave /etc/resolv.conf to stratus`);
  }
  const existing = input.resolvConf.kind === 'file' ? (input.resolvConf.text ?? undefined) : undefined;
  return { files, resolvConf: mergeResolvConf(existing, dns.nameservers, dns.search), notes };
}
