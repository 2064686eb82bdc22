/**
 * The network config of a boot: chosen in cloud-init's order (kernel command
 * line, system config, datasource, fallback), parsed with located messages,
 * rendered for the network stack the target uses, and written atomically.
 * A config that does not parse or render is reported and nothing is
 * replaced: the files of the last good config stay.
 */
import { networkConfigFromCmdline } from '../config/cmdline.ts';
import { readInterfaces, type NetInterface } from '../net/sysfs.ts';
import { fallbackNetworkConfig } from '../net/convert/fallback.ts';
import { readNetworkInput } from '../net/input.ts';
import { OUTPUT_KINDS, renderFor, type OutputKind } from '../net/render/for-target.ts';
import type { RenderedFile } from '../net/render/index.ts';
import type { NetworkState } from '../net/state.ts';
import type { NetworkConfigInput } from '../sources/types.ts';
import { formatDiagnostic, InputError } from '../text/diagnostics.ts';
import { isMapping, type Mapping } from '../text/reader.ts';
import { loadYaml } from '../text/yaml.ts';
import { commandOptions, type StageContext } from './context.ts';
import { runCommand } from '../host/exec.ts';
import { parseJson } from '../text/json.ts';
import { paths } from './paths.ts';

/** The target's interfaces, read from sysfs once per stage (choosing and rendering both need them). */
const interfacesOf = new WeakMap<StageContext, NetInterface[]>();
function interfaces(ctx: StageContext): NetInterface[] {
  let nics = interfacesOf.get(ctx);
  if (!nics) {
    // With --live-network the namespace stratus runs in holds the instance's NICs.
    nics = readInterfaces(ctx.opts.liveNetwork === true ? '/' : ctx.opts.root);
    interfacesOf.set(ctx, nics);
  }
  return nics;
}

export type NetworkChoice =
  | { kind: 'disabled'; source: string }
  | { kind: 'config'; input: NetworkConfigInput; origin: 'cmdline' | 'system_cfg' | 'ds' | 'fallback' }
  | { kind: 'none'; reason: string };

function systemCfgNetwork(cfg: Mapping): NetworkConfigInput | 'disabled' | null {
  const n = cfg['network'];
  if (!isMapping(n)) return null;
  if (n['config'] === 'disabled') return 'disabled';
  if (Object.keys(n).length === 0) return null;
  return { source: 'system config (network:)', kind: 'yaml', text: JSON.stringify(n) };
}

function isDisabledText(input: NetworkConfigInput): boolean {
  if (input.kind !== 'yaml') return false;
  const doc = loadYaml(input.text, input.source).doc?.value;
  const inner = isMapping(doc) && isMapping(doc['network']) ? doc['network'] : doc;
  return isMapping(inner) && inner['config'] === 'disabled';
}

/** Which network config this boot uses. */
export function chooseNetworkConfig(ctx: StageContext, cfg: Mapping, dsConfig: NetworkConfigInput | null, attached: readonly string[] = []): NetworkChoice {
  if (ctx.fs.kind(`${paths.dataDir}/upgraded-network`) !== null) return { kind: 'disabled', source: `${paths.dataDir}/upgraded-network` };
  const fromCmdline = networkConfigFromCmdline(ctx.cmdline);
  if (fromCmdline.kind === 'error') ctx.log.error(formatDiagnostic(fromCmdline.diagnostic));
  const candidates: [NetworkConfigInput | 'disabled' | null, 'cmdline' | 'system_cfg' | 'ds'][] = [
    [
      fromCmdline.kind === 'text'
        ? { source: 'kernel command line network-config=', kind: 'yaml', text: fromCmdline.text }
        : fromCmdline.kind === 'disabled'
          ? 'disabled'
          : null,
      'cmdline',
    ],
    [systemCfgNetwork(cfg), 'system_cfg'],
    [dsConfig, 'ds'],
  ];
  for (const [c, origin] of candidates) {
    if (c === null) continue;
    if (c === 'disabled') return { kind: 'disabled', source: origin === 'cmdline' ? 'kernel command line network-config=disabled' : 'system config (network: {config: disabled})' };
    if (isDisabledText(c)) return { kind: 'disabled', source: c.source };
    return { kind: 'config', input: c, origin };
  }
  return fallbackChoice(ctx, attached);
}

/** DHCP on the NICs with a link, and on those just `attached` (MACs; hotplug) (net/convert/fallback.ts). */
export function fallbackChoice(ctx: StageContext, attached: readonly string[] = []): NetworkChoice {
  const fb = fallbackNetworkConfig(interfaces(ctx), { cmdline: ctx.cmdline, attached });
  for (const r of fb.reasons) ctx.log.debug(`fallback network config: ${r}`);
  if (fb.config === null) return { kind: 'none', reason: fb.reasons.join('; ') || 'no network interface qualifies' };
  ctx.log.info(`fallback network config: DHCP on ${fb.chosen.join(', ')}`);
  return { kind: 'config', input: { source: 'fallback network config', kind: 'yaml', text: JSON.stringify(fb.config) }, origin: 'fallback' };
}

/** How long the boot waits for udev to finish with NICs that network_data.json names but the system does not have yet. */
export const NIC_SETTLE_TIMEOUT_S = 10;

/**
 * network_data.json names NICs by MAC. One that is not there yet may still be
 * coming (its driver is loading): wait once for udev's queue to empty,
 * bounded, and look again. NICs still missing are left out with a warning
 * by the converter; the others are configured.
 */
function waitForNamedNics(ctx: StageContext, text: string): void {
  const parsed = parseJson(text, 'network_data.json');
  const links = parsed.ok && isMapping(parsed.value) && Array.isArray(parsed.value['links']) ? parsed.value['links'] : [];
  const have = new Set(interfaces(ctx).map((n) => n.mac));
  const missing = links
    .filter((l): l is Mapping => isMapping(l) && l['type'] !== 'bond' && l['type'] !== 'vlan' && typeof l['ethernet_mac_address'] === 'string')
    .map((l) => String(l['ethernet_mac_address']).toLowerCase())
    .filter((mac) => !have.has(mac));
  if (missing.length === 0) return;
  const r = runCommand(['udevadm', 'settle', `--timeout=${NIC_SETTLE_TIMEOUT_S}`], commandOptions(ctx, (NIC_SETTLE_TIMEOUT_S + 5) * 1000));
  if (!r.ran) {
    ctx.log.info(`network_data.json names ${missing.join(', ')}, not present; udev is not asked to settle (${r.why}), the NICs present now are used`);
    return;
  }
  ctx.log.info(`network_data.json named ${missing.join(', ')}, not present before; waited for udev (at most ${NIC_SETTLE_TIMEOUT_S} s)`);
  if (r.code !== 0) ctx.log.warn(`udevadm settle: ${r.timedOut ? 'timed out' : `exit ${String(r.code)}`} ${r.stderr.trim()}`);
  interfacesOf.delete(ctx);
}

/** Binaries whose presence on the target says which network stack it uses, in the order stratus prefers them. */
const DETECT: [OutputKind, string[]][] = [
  ['netplan', ['/usr/sbin/netplan', '/sbin/netplan']],
  ['network-manager', ['/usr/sbin/NetworkManager']],
  ['networkd', ['/usr/lib/systemd/systemd-networkd', '/lib/systemd/systemd-networkd']],
  ['sysconfig', ['/etc/sysconfig/network-scripts/network-functions', '/etc/sysconfig/network/config']],
  ['eni', ['/sbin/ifup', '/usr/sbin/ifup']],
];

function available(ctx: StageContext, kind: OutputKind): boolean {
  const d = DETECT.find(([k]) => k === kind);
  return d !== undefined && d[1].some((p) => ctx.fs.kind(p) !== null);
}

/** `system_info.network.renderers` (first available, else the first named), else what the target has. */
export function chooseRenderer(ctx: StageContext, cfg: Mapping): OutputKind | null {
  const si = cfg['system_info'];
  const net = isMapping(si) ? si['network'] : undefined;
  const listed = isMapping(net) && Array.isArray(net['renderers']) ? net['renderers'].filter((r): r is string => typeof r === 'string') : [];
  if (listed.length > 0) {
    const known = listed.filter((r): r is OutputKind => (OUTPUT_KINDS as readonly string[]).includes(r));
    for (const r of listed) if (!known.includes(r as OutputKind)) ctx.log.warn(`system_info.network.renderers: ${JSON.stringify(r)} is not a renderer stratus has (${OUTPUT_KINDS.join(', ')})`);
    const first = known.find((r) => available(ctx, r)) ?? known[0];
    if (first && !available(ctx, first)) ctx.log.info(`renderer ${first} is configured but its tools are not on the target; writing its files anyway`);
    return first ?? null;
  }
  for (const [kind] of DETECT) if (available(ctx, kind)) return kind;
  return null;
}

/** `system_info.distro`, else the target's /etc/os-release ID, else ubuntu (cloud-init's default). */
export function targetDistro(ctx: StageContext, cfg: Mapping): string {
  const si = cfg['system_info'];
  if (isMapping(si) && typeof si['distro'] === 'string') return si['distro'];
  const osr = ctx.fs.readText('/etc/os-release') ?? ctx.fs.readText('/usr/lib/os-release') ?? '';
  const m = /^ID="?([A-Za-z0-9._-]+)"?\s*$/m.exec(osr);
  return m?.[1] ?? 'ubuntu';
}

export interface RenderedNetwork {
  renderer: OutputKind;
  files: RenderedFile[];
  state: NetworkState;
  /** The config as cloud-init keeps it in network-config.json. */
  json: unknown;
}

/** Parse and render; null (with the reasons logged as errors) when the config cannot be used. */
export function renderNetworkConfig(ctx: StageContext, cfg: Mapping, input: NetworkConfigInput): RenderedNetwork | null {
  const renderer = chooseRenderer(ctx, cfg);
  if (renderer === null) {
    ctx.log.warn('no network stack found on the target (netplan, NetworkManager, systemd-networkd, sysconfig or ifupdown); network config not written. Set system_info.network.renderers to choose one.');
    return null;
  }
  if (input.kind === 'network_data.json') waitForNamedNics(ctx, input.text);
  const macToName = new Map<string, string>();
  for (const nic of interfaces(ctx)) if (nic.mac) macToName.set(nic.mac, nic.name);
  const parsed = readNetworkInput(input.text, input.source, input.kind, { macToName });
  for (const d of parsed.diagnostics) (d.severity === 'error' ? ctx.log.error.bind(ctx.log) : ctx.log.warn.bind(ctx.log))(formatDiagnostic(d));
  if (parsed.kind !== 'state') {
    if (parsed.kind === 'invalid') ctx.log.error(`${input.source} is not a valid network config; the network files already on the target are kept`);
    return null;
  }
  const distro = targetDistro(ctx, cfg);
  try {
    const result = renderFor(parsed.state, renderer, distro, (p) => ctx.fs.readText(`/${p}`) ?? undefined);
    for (const n of result.notes) ctx.log.warn(`${renderer}: ${n}`);
    // network-config.json holds the config as used, converted when the input was not one (as cloud-init's).
    const json = parsed.document;
    ctx.log.info(`network config from ${input.source} rendered for ${renderer} (${distro}): ${result.files.map((f) => `/${f.path}`).join(', ')}`);
    return { renderer, files: result.files, state: parsed.state, json };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    for (const d of e.diagnostics) ctx.log.error(formatDiagnostic(d));
    ctx.log.error(`${input.source} cannot be rendered for ${renderer}; the network files already on the target are kept`);
    return null;
  }
}
