/**
 * package_update_upgrade_install: refresh the package lists, upgrade, and
 * install `packages`, with the distro's package manager; then reboot if
 * the upgrade asks for it and the config allows. The commands act on the
 * running system, so under another --root they are recorded, not run.
 */
import { runCommand } from '../host/exec.ts';
import { commandOptions } from '../stages/context.ts';
import { isMapping, toBool } from '../text/reader.ts';
import { packageManager, type PackageSpec } from './packages.ts';
import type { ConfigModule, ModuleContext } from './types.ts';
import { ModuleError } from './types.ts';

const REBOOT_REQUIRED = '/var/run/reboot-required';

/** True when any of the keys (the current name and its deprecated apt_ alias) is true. */
function flag(m: ModuleContext, ...keys: string[]): boolean {
  return keys.some((k) => toBool(m.cfg[k]) === true);
}

/** `packages` read item by item: a bad item is warned about and skipped. */
export function readPackages(m: ModuleContext): PackageSpec[] {
  const raw = m.cfg['packages'];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    m.ctx.log.warn('packages must be a list of package names or [name, version] pairs; none installed');
    return [];
  }
  const out: PackageSpec[] = [];
  raw.forEach((item: unknown, i) => {
    const word = (v: unknown) => (typeof v === 'string' || typeof v === 'number') && /^[A-Za-z0-9][A-Za-z0-9+._:~@/-]*$/.test(String(v));
    if (word(item)) out.push({ name: String(item) });
    else if (Array.isArray(item) && (item.length === 1 || item.length === 2) && item.every(word)) {
      out.push(item.length === 2 ? { name: String(item[0]), version: String(item[1]) } : { name: String(item[0]) });
    } else if (isMapping(item)) m.ctx.log.warn(`packages[${i}]: per-manager lists (apt/snap) are not supported by stratus; skipped`);
    else m.ctx.log.warn(`packages[${i}]: ${JSON.stringify(item)} is not a package name or a [name, version] pair; skipped`);
  });
  return out;
}

export const packageUpdateUpgradeInstall: ConfigModule = {
  name: 'package_update_upgrade_install',
  frequency: 'once-per-instance',
  activateBy: ['apt_update', 'package_update', 'apt_upgrade', 'package_upgrade', 'packages'],
  schema: {
    properties: {
      package_update: { type: 'boolean', default: false, description: 'Refresh the package lists (implied by package_upgrade and packages).' },
      package_upgrade: { type: 'boolean', default: false, description: 'Upgrade every installed package.' },
      package_reboot_if_required: { type: 'boolean', default: false, description: 'Reboot when the upgrade or install leaves /var/run/reboot-required.' },
      packages: {
        type: 'array',
        minItems: 1,
        description: 'Packages to install: a name, or [name, version].',
        items: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 2 }, { type: 'object' }] },
      },
      apt_update: { type: 'boolean', deprecated: true, deprecated_version: '22.2', deprecated_description: 'Use package_update.' },
      apt_upgrade: { type: 'boolean', deprecated: true, deprecated_version: '22.2', deprecated_description: 'Use package_upgrade.' },
      apt_reboot_if_required: { type: 'boolean', deprecated: true, deprecated_version: '22.2', deprecated_description: 'Use package_reboot_if_required.' },
    },
  },
  run(m) {
    const { ctx } = m;
    const pkgs = readPackages(m);
    const upgrade = flag(m, 'apt_upgrade', 'package_upgrade');
    const update = flag(m, 'apt_update', 'package_update') || upgrade || pkgs.length > 0;
    if (!update) return;
    const pm = packageManager(ctx.fs, m.distro);
    if (!pm) throw new ModuleError(`no package manager known for the distro ${m.distro}`);
    const failed: string[] = [];
    const step = (what: string, argv: string[]) => {
      const r = runCommand(argv, commandOptions(ctx, 3_600_000, pm.env ? { env: pm.env } : {}));
      if (!r.ran) ctx.log.info(`${what}: ${argv.join(' ')} not run (${r.why})`);
      else if (r.code !== 0) {
        failed.push(`${what} (${r.timedOut ? 'timed out' : `exit ${r.code ?? 'signal'}`})`);
        ctx.log.warn(`${what} failed: ${r.stderr.trim().split('\n').slice(-3).join(' / ') || `exit ${r.code}`}`);
      }
    };
    step('package list update', pm.update);
    if (upgrade) step('package upgrade', pm.upgrade);
    if (pkgs.length > 0) step(`install of ${pkgs.map((p) => p.name).join(', ')}`, pm.install(pkgs));
    const reboot = flag(m, 'apt_reboot_if_required', 'package_reboot_if_required');
    if (failed.length === 0 && reboot && (upgrade || pkgs.length > 0) && ctx.fs.kind(REBOOT_REQUIRED) !== null) {
      ctx.log.warn(`${REBOOT_REQUIRED} exists and package_reboot_if_required is set: rebooting`);
      runCommand(['/sbin/reboot'], commandOptions(ctx, 60_000));
    }
    if (failed.length > 0) throw new ModuleError(`package commands failed: ${failed.join(', ')}`);
  },
};
