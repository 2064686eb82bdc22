/**
 * `clean`: remove what a boot left behind so the next boot runs as a first
 * boot (golden images, re-provisioning). Effects go through the RootFs, so
 * --root cleans a mounted image. Running clean.d scripts and rebooting are
 * the CLI's (they act on this machine, whatever the root).
 *
 * Generated configs are removed by the manifest apply keeps, so exactly the
 * files stratus wrote go (cloud-init guesses with globs and misses some).
 */
import { posix } from 'node:path';
import type { RootFs } from '../host/root-fs.ts';
import { FSTAB_MARK, stripMarkedFstabLines } from '../modules/fstab-marks.ts';
import { resolveInRoot } from '../host/rooted-path.ts';
import { manifestText, readManifest, type Manifest, type ManifestCategory } from './manifest.ts';
import { CLOUD_DIR, paths } from './paths.ts';

export const CONFIG_CHOICES = ['all', 'ssh_config', 'network', 'datasource', 'fstab'] as const;
export type ConfigChoice = (typeof CONFIG_CHOICES)[number];

export const LOG_FILES = [paths.logFile, '/var/log/cloud-init-output.log'] as const;
export const CLEAN_D = '/etc/cloud/clean.d';
export const MACHINE_ID = '/etc/machine-id';
/** cc_mounts marks the fstab lines it adds with this mount option. */

/** The manifest categories a --configs list selects ("all": everything but files stratus only edits for the system). */
export function selectedCategories(choices: readonly ConfigChoice[]): ManifestCategory[] {
  const out = new Set<ManifestCategory>();
  for (const c of choices) {
    if (c === 'all') for (const k of ['network', 'ssh_config', 'datasource', 'fstab'] as const) out.add(k);
    else out.add(c);
  }
  return [...out];
}

/**
 * Where cloud-init's own clean looks, for a target without a manifest (an
 * image first booted by cloud-init): its globs, plus the two network files
 * it forgets (.netdev, Debian's 50-cloud-init without .cfg).
 */
const KNOWN_FILES: Partial<Record<ManifestCategory, readonly string[]>> = {
  network: [
    '/etc/netplan/50-cloud-init.yaml',
    '/etc/NetworkManager/conf.d/99-cloud-init.conf',
    '/etc/NetworkManager/conf.d/30-cloud-init-ip6-addr-gen-mode.conf',
    '/etc/NetworkManager/system-connections/cloud-init-*.nmconnection',
    '/etc/systemd/network/10-cloud-init-*.network',
    '/etc/systemd/network/10-cloud-init-*.netdev',
    '/etc/network/interfaces.d/50-cloud-init.cfg',
    '/etc/network/interfaces.d/50-cloud-init',
  ],
  ssh_config: ['/etc/ssh/sshd_config.d/50-cloud-init.conf'],
};

/** Matches of a pattern with at most one "*", in its last component. */
function expandKnown(fs: RootFs, pattern: string): string[] {
  const dir = posix.dirname(pattern);
  const name = posix.basename(pattern);
  const star = name.indexOf('*');
  if (star < 0) return [pattern];
  const [head, tail] = [name.slice(0, star), name.slice(star + 1)];
  return fs
    .list(dir)
    .filter((n) => n.startsWith(head) && n.endsWith(tail) && n.length >= head.length + tail.length)
    .map((n) => posix.join(dir, n));
}

export interface CleanOptions {
  logs: boolean;
  seed: boolean;
  configs: readonly ConfigChoice[];
}

export interface CleanReport {
  /** Paths removed (or edited, for fstab), in order. */
  removed: string[];
  /** Things worth telling the user that are not failures. */
  notes: string[];
  /** Failures, each naming its path; clean exits 1 when there is one. */
  problems: string[];
}

function tryRemove(fs: RootFs, path: string, report: CleanReport): void {
  try {
    if (fs.remove(path)) report.removed.push(path);
  } catch (e) {
    report.problems.push(`could not remove ${path}: ${(e as Error).message}`);
  }
}

function cleanFstab(fs: RootFs, path: string, report: CleanReport): void {
  try {
    const text = fs.readText(path);
    if (text === null) return;
    const stripped = stripMarkedFstabLines(text);
    if (stripped === text) return;
    // RootFs cannot tell the file's mode; 0644 is what every distro ships fstab with.
    fs.writeFiles([{ path, content: stripped, mode: 0o644 }]);
    report.removed.push(`${path} (the lines marked ${FSTAB_MARK})`);
  } catch (e) {
    report.problems.push(`could not edit ${path}: ${(e as Error).message}`);
  }
}

function cleanConfigs(fs: RootFs, manifest: Manifest, haveManifest: boolean, choices: readonly ConfigChoice[], report: CleanReport): void {
  const categories = selectedCategories(choices);
  if (!haveManifest) {
    report.notes.push(`no ${paths.manifestFile}: removing the files cloud-init is known to write instead`);
    for (const c of categories) for (const p of KNOWN_FILES[c] ?? []) for (const f of expandKnown(fs, p)) tryRemove(fs, f, report);
    return;
  }
  const remaining: Manifest = { version: manifest.version, files: {} };
  for (const [path, entry] of Object.entries(manifest.files)) {
    if (!categories.includes(entry.category)) {
      remaining.files[path] = entry;
      continue;
    }
    const before = report.problems.length;
    // A file that was there before stratus (fstab) holds the system's own lines too: only ours go.
    if (entry.category === 'fstab' && !entry.created) cleanFstab(fs, path, report);
    else tryRemove(fs, path, report);
    if (report.problems.length > before) remaining.files[path] = entry;
  }
  if (Object.keys(remaining.files).length === Object.keys(manifest.files).length) return;
  // Only matters if removing the cloud dir (which holds the manifest) fails below.
  try {
    fs.writeFiles([{ path: paths.manifestFile, content: manifestText(remaining), mode: 0o644 }]);
  } catch (e) {
    report.problems.push(`could not update ${paths.manifestFile}: ${(e as Error).message}`);
  }
}

/** Log files, generated configs, then everything under /var/lib/cloud but the seed. /run/cloud-init is left alone. */
export function cleanArtifacts(fs: RootFs, opts: CleanOptions): CleanReport {
  const report: CleanReport = { removed: [], notes: [], problems: [] };
  // First: the manifest lives under the cloud dir, which goes below.
  const haveManifest = fs.kind(paths.manifestFile) !== null;
  const { manifest, problem } = readManifest(fs);
  if (opts.logs) {
    for (const log of LOG_FILES) {
      const real = resolveInRoot(fs, log);
      // A log may be a device (console); never remove those.
      if (real !== null && fs.kind(real) === 'other') {
        report.notes.push(`not removing ${log}: not a regular file`);
        continue;
      }
      tryRemove(fs, log, report);
    }
  }
  if (opts.configs.length > 0) {
    if (problem) report.problems.push(`cannot tell which configs stratus wrote: ${problem}`);
    else cleanConfigs(fs, manifest, haveManifest, opts.configs, report);
  }
  if (fs.kind(CLOUD_DIR) === 'dir') {
    for (const name of fs.list(CLOUD_DIR)) {
      if (name === 'seed' && !opts.seed) continue;
      tryRemove(fs, `${CLOUD_DIR}/${name}`, report);
    }
  }
  return report;
}

/** The entries of /etc/cloud/clean.d, sorted: run-parts runs the executable files among them in this order. */
export function cleanScripts(fs: RootFs): string[] {
  return fs.list(CLEAN_D).map((n) => `${CLEAN_D}/${n}`);
}

/**
 * Whether the target boots with systemd. /run/systemd/system is the running
 * system's answer; a target under another root (an image) is not running,
 * so there its systemd binary decides.
 */
export function targetUsesSystemd(fs: RootFs, isHostRoot: boolean): boolean {
  if (fs.kind('/run/systemd/system') === 'dir') return true;
  if (isHostRoot) return false;
  return ['/usr/lib/systemd/systemd', '/lib/systemd/systemd'].some((p) => {
    const real = resolveInRoot(fs, p);
    return real !== null && fs.kind(real) === 'file';
  });
}

/**
 * --machine-id: systemd makes a new id at the next boot when the file says
 * "uninitialized" (and keeps /etc read-only setups working); other inits
 * make one when the file is missing.
 */
export function resetMachineId(fs: RootFs, systemd: boolean): CleanReport {
  const report: CleanReport = { removed: [], notes: [], problems: [] };
  if (!systemd) {
    tryRemove(fs, MACHINE_ID, report);
    return report;
  }
  try {
    fs.writeFiles([{ path: MACHINE_ID, content: 'uninitialized\n', mode: 0o444 }]);
    report.notes.push(`${MACHINE_ID} set to "uninitialized": a new id is made at the next boot`);
  } catch (e) {
    report.problems.push(`could not write ${MACHINE_ID}: ${(e as Error).message}`);
  }
  return report;
}
