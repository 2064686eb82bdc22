/**
 * set_hostname (once per instance) and update_hostname (every boot): the
 * hostname from cloud-config `hostname`/`fqdn`, else the metadata's
 * local-hostname, written to /etc/hostname and set on the running system.
 * update_hostname leaves a hostname the admin changed by hand alone.
 */
import { runCommand } from '../host/exec.ts';
import { commandOptions } from '../stages/context.ts';
import { paths } from '../stages/paths.ts';
import type { SchemaFragment } from '../config/schema/types.ts';
import type { ConfigModule, ModuleContext } from './types.ts';

const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function isValidHostname(name: string): boolean {
  return name.length > 0 && name.length <= 253 && name.split('.').every((l) => LABEL.test(l));
}

export function chooseHostname(m: Pick<ModuleContext, 'cfg' | 'instance'>): { hostname: string; fqdn: string } | null {
  const cfg = m.cfg;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const md = m.instance.metaData;
  const fromMd = str(md['local-hostname']) ?? str(md['hostname']);
  let hostname: string | undefined;
  let fqdn: string | undefined;
  const cfgFqdn = str(cfg['fqdn']);
  const cfgHost = str(cfg['hostname']);
  if (cfgFqdn) {
    fqdn = cfgFqdn;
    hostname = cfgHost ?? cfgFqdn.split('.')[0];
  } else if (cfgHost?.includes('.')) {
    fqdn = cfgHost;
    hostname = cfgHost.split('.')[0];
  } else if (cfgHost) {
    hostname = cfgHost;
    fqdn = fromMd?.includes('.') ? fromMd : cfgHost;
  } else if (fromMd) {
    const md4 = /^\d+\.\d+\.\d+\.\d+$/.test(fromMd) ? `ip-${fromMd.replace(/\./g, '-')}` : fromMd;
    fqdn = md4;
    hostname = md4.split('.')[0];
  }
  if (!hostname || !fqdn) return null;
  if (cfg['prefer_fqdn_over_hostname'] === true) hostname = fqdn;
  return { hostname, fqdn };
}

const PREVIOUS = `${paths.dataDir}/previous-hostname`;
const SET_HOSTNAME = `${paths.dataDir}/set-hostname`;

function apply(m: ModuleContext, onlyIfUnchanged: boolean): void {
  const { ctx, cfg } = m;
  if (cfg['preserve_hostname'] === true) {
    ctx.log.debug('preserve_hostname is set; the hostname is left alone');
    return;
  }
  const chosen = chooseHostname(m);
  if (!chosen) {
    ctx.log.debug('no hostname in cloud-config or metadata');
    return;
  }
  const name = chosen.hostname;
  if (!isValidHostname(name)) {
    ctx.log.warn(`hostname ${JSON.stringify(name)} is not a valid host name (letters, digits and hyphens, dot-separated labels of at most 63); not set`);
    return;
  }
  const current = ctx.fs.readText('/etc/hostname')?.trim() ?? null;
  const previous = ctx.fs.readText(PREVIOUS)?.trim() ?? null;
  if (onlyIfUnchanged && previous !== null && current !== null && current !== previous) {
    ctx.log.info(`/etc/hostname was changed to ${current} since stratus set ${previous}; left alone`);
    return;
  }
  if (current === name) {
    ctx.log.debug(`hostname is already ${name}`);
  } else if (current === null && cfg['create_hostname_file'] === false) {
    ctx.log.info('create_hostname_file is false and there is no /etc/hostname; not created');
  } else {
    ctx.fs.writeFiles([{ path: '/etc/hostname', content: `${name}\n`, mode: 0o644 }]);
    ctx.log.info(`hostname set to ${name} in /etc/hostname`);
  }
  const r = runCommand(['hostname', name], commandOptions(ctx, 10_000));
  if (!r.ran) ctx.log.debug(`hostname ${name}: not run (${r.why})`);
  else if (r.code !== 0) ctx.log.warn(`hostname ${name} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  ctx.fs.writeFiles([
    { path: PREVIOUS, content: `${name}\n`, mode: 0o644 },
    { path: SET_HOSTNAME, content: `${JSON.stringify({ fqdn: chosen.fqdn, hostname: name })}\n`, mode: 0o644 },
  ]);
}

/**
 * The keys both modules read (one fragment, so the build sees the same
 * schema from both). Types only, as cloud-init: whether a name is a valid
 * host name is the module's call, with a message that says why.
 */
const HOSTNAME_SCHEMA: SchemaFragment = {
  properties: {
    preserve_hostname: { type: 'boolean', default: false, description: 'Leave the hostname alone (neither set nor updated).' },
    hostname: { type: 'string', description: 'The hostname; with a dot in it, also the FQDN.' },
    fqdn: { type: 'string', description: 'The fully qualified name; the hostname is its first label unless `hostname` is given.' },
    prefer_fqdn_over_hostname: { type: 'boolean', description: 'Set the FQDN, not its first label, as the hostname.' },
    create_hostname_file: { type: 'boolean', default: true, description: 'Create /etc/hostname when it does not exist.' },
  },
};

export const setHostname: ConfigModule = { name: 'set_hostname', frequency: 'once-per-instance', schema: HOSTNAME_SCHEMA, run: (m) => apply(m, false) };
export const updateHostname: ConfigModule = { name: 'update_hostname', frequency: 'always', schema: HOSTNAME_SCHEMA, run: (m) => apply(m, true) };
