/**
 * Writing the network config, shared by the init stages and hotplug: the
 * config is chosen (datasource, cloud.cfg, kernel command line, fallback),
 * rendered for the target's network stack, written with only changed files
 * replaced, and — outside the local stage — the links whose files changed
 * are brought up.
 */
import { runCommand } from '../host/exec.ts';
import { activateNetwork, networkManagerInstalled, type ActivationContext } from '../net/activate/index.ts';
import { decideDns, RESOLV_CONF } from '../net/activate/dns.ts';
import type { NetworkState } from '../net/state.ts';
import type { NetworkConfigInput } from '../sources/types.ts';
import type { Mapping } from '../text/reader.ts';
import { applyFiles } from './apply.ts';
import { commandOptions, type StageContext } from './context.ts';
import { readManifest } from './manifest.ts';
import { chooseNetworkConfig, fallbackChoice, renderNetworkConfig } from './network-config.ts';
import { paths } from './paths.ts';
import { renameInterfaces } from './rename-interfaces.ts';

/** The per-boot marker that the network config was written this boot. */
const NETWORK_SEMAPHORE = `${paths.runSemDir}/apply_network_config.once`;

function activationContext(ctx: StageContext): ActivationContext {
  return { fs: ctx.fs, log: ctx.log, run: (argv, timeoutMs) => runCommand(argv, commandOptions(ctx, timeoutMs)) };
}

/**
 * netplan's generator turns /etc/netplan into backend files under /run; at
 * boot it ran before this stage, so the new config needs it run again before
 * the network service starts (cloud-init runs `netplan generate` too). The
 * generator binary itself is called: the `netplan` CLI around it is Python
 * and costs a quarter of a second more.
 */
function netplanGenerate(ctx: StageContext): void {
  const binary = ['/usr/libexec/netplan/generate', '/lib/netplan/generate'].find((p) => ctx.fs.kind(p) !== null);
  if (!binary && !['/usr/sbin/netplan', '/sbin/netplan'].some((p) => ctx.fs.kind(p) !== null)) {
    ctx.log.info('netplan is not installed on the target; its generator is not run');
    return;
  }
  const r = runCommand(binary ? [binary] : ['netplan', 'generate'], commandOptions(ctx, 60_000));
  if (!r.ran) ctx.log.info(`${binary ?? 'netplan generate'}: not run (${r.why})`);
  else if (r.code !== 0) ctx.log.error(`${binary ?? 'netplan generate'} failed (${r.timedOut ? 'timed out' : `exit ${r.code}`}): ${r.stderr.trim()}`);
}

export interface WriteNetworkOptions {
  /** Bring up what changed (the network stage, hotplug); the local stage never does. */
  activate: boolean;
  /** MACs of NICs attached while the instance runs (hotplug): a fallback config takes them even before they have carrier. */
  attached?: readonly string[];
}

/** What one write did: the files whose content changed (or that went away), and the state rendered. */
export interface NetworkWrite {
  changed: string[];
  state: NetworkState;
}

/**
 * Choose, render and write the network config (with DNS), rename NICs to
 * the config's names, run netplan's generator, and with `activate` bring up
 * the links whose files changed. Null when nothing was written.
 */
export function writeNetwork(ctx: StageContext, cfg: Mapping, dsConfig: NetworkConfigInput | null, opts: WriteNetworkOptions): NetworkWrite | null {
  const choice = chooseNetworkConfig(ctx, cfg, dsConfig, opts.attached);
  if (choice.kind === 'disabled') {
    ctx.log.info(`network config disabled by ${choice.source}`);
    return null;
  }
  if (choice.kind === 'none') {
    ctx.log.warn(`no network config and no fallback: ${choice.reason}`);
    return null;
  }
  let rendered = renderNetworkConfig(ctx, cfg, choice.input);
  if (!rendered && choice.origin !== 'fallback' && !hasNetworkFiles(ctx)) {
    // Nothing earlier to keep: an instance without any network cannot even be debugged. DHCP where there is a link.
    ctx.log.error(`${choice.input.source} cannot be used and no earlier network config is in place; the fallback network config is written instead`);
    const fb = fallbackChoice(ctx, opts.attached);
    if (fb.kind === 'config') rendered = renderNetworkConfig(ctx, cfg, fb.input);
  }
  if (!rendered) return null;
  const dns = decideDns({
    renderer: rendered.renderer,
    state: rendered.state,
    files: rendered.files,
    networkManagerInstalled: networkManagerInstalled(ctx),
    resolvconfInstalled: ['/sbin/resolvconf', '/usr/sbin/resolvconf'].some((p) => ctx.fs.kind(p) !== null),
    resolvConf: { kind: ctx.fs.kind(RESOLV_CONF), text: ctx.fs.readText(RESOLV_CONF) },
  });
  for (const n of dns.notes) ctx.log.info(`DNS: ${n}`);
  const files = dns.files.map((f) => ({ path: `/${f.path}`, content: f.content, mode: f.mode }));
  const changed = applyFiles(ctx, files, { category: 'network', replaceCategory: true });
  // The files name the NICs as the config does: the running NICs must carry those names before a network service reads them.
  renameInterfaces(ctx, rendered.state);
  if (rendered.renderer === 'netplan') netplanGenerate(ctx);
  // Only the network stage (and hotplug) activates: what the local stage writes, the OS network service applies when it starts after it.
  // Activation first: a running NetworkManager has then re-read a new dns=none drop-in, and cannot overwrite the file written next.
  if (opts.activate) activateNetwork(activationContext(ctx), cfg, { renderer: rendered.renderer, state: rendered.state, changedFiles: changed });
  // resolv.conf is the system's file: kept out of the network manifest, so a later config without DNS (or `clean`) never deletes it.
  if (dns.resolvConf !== null) ctx.fs.writeFiles([{ path: RESOLV_CONF, content: dns.resolvConf, mode: 0o644 }]);
  ctx.fs.writeFiles([{ path: NETWORK_SEMAPHORE, content: `${process.pid}: ${Math.floor(Date.now() / 1000)}\n`, mode: 0o644 }]);
  const link = ctx.fs.readLink(paths.instanceLink);
  if (link !== null) {
    const target = `${link}/network-config.json`;
    ctx.fs.writeFiles([{ path: target, content: `${JSON.stringify(rendered.json, null, 1)}\n`, mode: 0o600 }]);
    ctx.fs.symlink(target, paths.runNetworkConfig);
  }
  return { changed, state: rendered.state };
}

/** Whether stratus wrote network files earlier (the manifest lists them). */
function hasNetworkFiles(ctx: StageContext): boolean {
  return Object.values(readManifest(ctx.fs).manifest.files).some((e) => e.category === 'network');
}
