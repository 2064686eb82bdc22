/**
 * ntp: configure one time-sync client (chrony, systemd-timesyncd or ntpd)
 * with the servers, pools, peers and allowed networks of the `ntp` config,
 * install it when the target lacks it, and restart its service. With
 * `ntp_client: auto` the client already on the target wins, else the
 * distro's preferred one. The config files are stratus's own unless the
 * config gives a Jinja template.
 */
import { runCommand } from '../host/exec.ts';
import { distroFamily } from '../net/render/distro.ts';
import { commandOptions } from '../stages/context.ts';
import { isMapping, toBool, type Mapping } from '../text/reader.ts';
import { hasProgram, packageManager } from './packages.ts';
import type { ConfigModule, ModuleContext } from './types.ts';
import { ModuleError } from './types.ts';

export type NtpClientName = 'chrony' | 'systemd-timesyncd' | 'ntp';

export interface NtpSources {
  servers: string[];
  pools: string[];
  peers: string[];
  allow: string[];
}

interface ClientConfig {
  /** Programs whose presence on the target means the client is installed. */
  checkExe: string[];
  confpath: string;
  packages: string[];
  service: string;
  render(s: NtpSources, family: string | undefined): string;
}

const HEADER = '# Written by stratus from the instance\'s ntp config; changes are lost on a new instance.\n';

function renderChrony(s: NtpSources, family: string | undefined): string {
  const debianish = family === 'debian' || family === 'alpine';
  return [
    HEADER.trimEnd(),
    ...s.pools.map((p) => `pool ${p} iburst`),
    ...s.servers.map((h) => `server ${h} iburst`),
    ...s.peers.map((h) => `peer ${h}`),
    ...s.allow.map((a) => `allow ${a}`),
    '',
    '# Where chronyd keeps the clock drift rate and its keys.',
    debianish ? 'driftfile /var/lib/chrony/chrony.drift' : 'driftfile /var/lib/chrony/drift',
    ...(debianish ? ['keyfile /etc/chrony/chrony.keys', 'logdir /var/log/chrony'] : ['keyfile /etc/chrony.keys', 'logdir /var/log/chrony']),
    '# Step the clock in the first three updates if it is off by more than a second.',
    'makestep 1.0 3',
    'rtcsync',
    'leapsectz right/UTC',
    '',
  ].join('\n');
}

function renderTimesyncd(s: NtpSources): string {
  // timesyncd has no pools, peers or access control: every source is an NTP= entry.
  return `${HEADER}[Time]\nNTP=${[...s.servers, ...s.pools].join(' ')}\n`;
}

function renderNtpd(s: NtpSources): string {
  return [
    HEADER.trimEnd(),
    'driftfile /var/lib/ntp/ntp.drift',
    'leapfile /usr/share/zoneinfo/leap-seconds.list',
    '',
    '# Serve time, but allow no changes or queries, except from this host and the networks below.',
    'restrict -4 default kod notrap nomodify nopeer noquery limited',
    'restrict -6 default kod notrap nomodify nopeer noquery limited',
    'restrict 127.0.0.1',
    'restrict ::1',
    'restrict source notrap nomodify noquery',
    ...s.allow.map((a) => {
      const [net, bits] = a.split('/');
      if (bits === undefined || net === undefined || net.includes(':')) return `restrict ${a} nomodify notrap`;
      const n = Number(bits);
      const mask = [0, 1, 2, 3].map((i) => Math.max(0, Math.min(8, n - i * 8))).map((b) => (0xff << (8 - b)) & 0xff).join('.');
      return `restrict ${net} mask ${mask} nomodify notrap`;
    }),
    '',
    ...s.pools.map((p) => `pool ${p} iburst`),
    ...s.servers.map((h) => `server ${h} iburst`),
    ...s.peers.map((h) => `peer ${h}`),
    '',
  ].join('\n');
}

function clientConfig(name: NtpClientName, distro: string): ClientConfig {
  const family = distroFamily(distro);
  const debianish = family === 'debian' || family === 'alpine';
  switch (name) {
    case 'chrony':
      return {
        checkExe: ['chronyd'],
        confpath: debianish ? '/etc/chrony/chrony.conf' : '/etc/chrony.conf',
        packages: ['chrony'],
        service: family === 'debian' ? 'chrony' : 'chronyd',
        render: renderChrony,
      };
    case 'systemd-timesyncd':
      return {
        checkExe: ['/lib/systemd/systemd-timesyncd', '/usr/lib/systemd/systemd-timesyncd'],
        confpath: '/etc/systemd/timesyncd.conf.d/cloud-init.conf',
        packages: family === 'debian' ? ['systemd-timesyncd'] : [],
        service: 'systemd-timesyncd',
        render: renderTimesyncd,
      };
    case 'ntp':
      return { checkExe: ['ntpd'], confpath: '/etc/ntp.conf', packages: ['ntp'], service: family === 'debian' ? 'ntp' : 'ntpd', render: renderNtpd };
  }
}

/** The clients a distro prefers, best first (the first is installed when none is present). */
function preferred(distro: string): NtpClientName[] {
  const family = distroFamily(distro);
  if (family === 'redhat' || family === 'alpine') return ['chrony', 'ntp'];
  return ['chrony', 'systemd-timesyncd', 'ntp'];
}

const CLIENTS: readonly string[] = ['chrony', 'systemd-timesyncd', 'ntp'];

/** The client to configure: the one named, else one already installed, else the distro's first choice. */
export function chooseClient(m: ModuleContext, named: unknown): NtpClientName {
  const sysInfo = m.cfg['system_info'];
  const fromSystem = isMapping(sysInfo) ? sysInfo['ntp_client'] : undefined;
  for (const want of [named, fromSystem]) {
    if (want === undefined || want === null || want === 'auto') continue;
    if (typeof want === 'string' && CLIENTS.includes(want)) return want as NtpClientName;
    throw new ModuleError(`ntp_client ${JSON.stringify(want)} is not one of auto, ${CLIENTS.join(', ')}`);
  }
  const order = preferred(m.distro);
  for (const c of order) if (clientConfig(c, m.distro).checkExe.some((e) => hasProgram(m.ctx.fs, e))) return c;
  return order[0] as NtpClientName;
}

/** Vendor pool zones that exist at pool.ntp.org (others get the global zone). */
const POOL_VENDORS = new Set(['debian', 'ubuntu', 'fedora', 'centos', 'opensuse', 'almalinux', 'rocky', 'alpine', 'arch', 'gentoo', 'amazon']);

export function defaultPools(distro: string): string[] {
  const vendor = distro === 'sles' || distro.startsWith('opensuse') ? 'opensuse' : distro;
  return [0, 1, 2, 3].map((i) => (POOL_VENDORS.has(vendor) ? `${i}.${vendor}.pool.ntp.org` : `${i}.pool.ntp.org`));
}

const HOST = /^[A-Za-z0-9][A-Za-z0-9.:%_-]*(\/\d{1,3})?$/;

function hostList(m: ModuleContext, ntp: Mapping, key: keyof NtpSources): string[] {
  const raw = ntp[key];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    m.ctx.log.warn(`ntp.${key} must be a list of host names or addresses; ignored`);
    return [];
  }
  const out: string[] = [];
  raw.forEach((h: unknown, i) => {
    if (typeof h === 'string' && HOST.test(h)) out.push(h);
    else m.ctx.log.warn(`ntp.${key}[${i}]: ${JSON.stringify(h)} is not a host name or address; skipped`);
  });
  return out;
}

/**
 * A template from the config (`## template: jinja` first line, as cloud-init
 * wants it) rendered with servers, pools, peers and allow. The Jinja engine
 * is loaded only here.
 */
async function renderUserTemplate(template: string, s: NtpSources): Promise<string> {
  const body = template.replace(/^##\s*template:\s*jinja[^\n]*\n/i, '');
  const { renderJinja, JinjaError } = await import('../userdata/jinja/index.ts');
  try {
    const { output } = renderJinja(body, { servers: s.servers, pools: s.pools, peers: s.peers, allow: s.allow });
    return output.endsWith('\n') ? output : `${output}\n`;
  } catch (e) {
    if (e instanceof JinjaError) throw new ModuleError(`ntp.config.template: ${e.message}`);
    throw e;
  }
}

function serviceCommands(distro: string, service: string): string[][] {
  if (distroFamily(distro) === 'alpine') return [['rc-update', 'add', service, 'default'], ['rc-service', service, 'restart']];
  return [['systemctl', 'enable', service], ['systemctl', 'restart', service]];
}

export const ntp: ConfigModule = {
  name: 'ntp',
  frequency: 'once-per-instance',
  activateBy: ['ntp'],
  schema: {
    properties: {
      ntp: {
        type: ['object', 'null'],
        additionalProperties: false,
        properties: {
          enabled: { type: 'boolean', default: true },
          ntp_client: { type: 'string', default: 'auto', description: 'auto, chrony, systemd-timesyncd or ntp.' },
          servers: { type: 'array', items: { type: 'string' }, uniqueItems: true },
          pools: { type: 'array', items: { type: 'string' }, uniqueItems: true },
          peers: { type: 'array', items: { type: 'string' }, uniqueItems: true },
          allow: { type: 'array', items: { type: 'string' }, uniqueItems: true },
          config: {
            type: 'object',
            additionalProperties: false,
            properties: {
              confpath: { type: 'string' },
              check_exe: { type: 'string' },
              packages: { type: 'array', items: { type: 'string' } },
              service_name: { type: 'string' },
              template: { type: 'string' },
            },
          },
        },
      },
    },
  },
  async run(m) {
    const { ctx } = m;
    const raw = m.cfg['ntp'];
    const ntpCfg: Mapping = raw === null || raw === undefined ? {} : isMapping(raw) ? raw : {};
    if (raw !== null && raw !== undefined && !isMapping(raw)) throw new ModuleError('ntp must be a mapping');
    if (toBool(ntpCfg['enabled']) === false) {
      ctx.log.debug('ntp.enabled is false; time sync left alone');
      return;
    }
    const name = chooseClient(m, ntpCfg['ntp_client']);
    const client = clientConfig(name, m.distro);
    const over = ntpCfg['config'];
    if (over !== undefined && !isMapping(over)) throw new ModuleError('ntp.config must be a mapping');
    const str = (k: string): string | undefined => (isMapping(over) && typeof over[k] === 'string' ? (over[k] as string) : undefined);
    const confpath = str('confpath') ?? client.confpath;
    if (!confpath.startsWith('/')) throw new ModuleError(`ntp.config.confpath ${JSON.stringify(confpath)} is not an absolute path`);
    const checkExe = str('check_exe');
    const service = str('service_name') ?? client.service;
    const packages = isMapping(over) && Array.isArray(over['packages']) ? over['packages'].filter((p): p is string => typeof p === 'string') : client.packages;

    const sources: NtpSources = { servers: hostList(m, ntpCfg, 'servers'), pools: hostList(m, ntpCfg, 'pools'), peers: hostList(m, ntpCfg, 'peers'), allow: hostList(m, ntpCfg, 'allow') };
    if (sources.servers.length === 0 && sources.pools.length === 0) sources.pools = defaultPools(m.distro);

    const installed = (checkExe ? [checkExe] : client.checkExe).some((e) => hasProgram(ctx.fs, e));
    if (!installed && packages.length > 0) {
      const pm = packageManager(ctx.fs, m.distro);
      if (!pm) throw new ModuleError(`${name} is not installed and there is no package manager known for ${m.distro}`);
      const r = runCommand(pm.install(packages.map((p) => ({ name: p }))), commandOptions(ctx, 1_800_000, pm.env ? { env: pm.env } : {}));
      if (r.ran && r.code !== 0) throw new ModuleError(`installing ${packages.join(', ')} failed: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`}`);
    }
    const template = str('template');
    const content = template === undefined ? client.render(sources, distroFamily(m.distro)) : await renderUserTemplate(template, sources);
    ctx.fs.writeFiles([{ path: confpath, content, mode: 0o644 }]);
    ctx.log.info(`ntp: ${name} configured in ${confpath}`);
    for (const argv of serviceCommands(m.distro, service)) {
      const r = runCommand(argv, commandOptions(ctx, 120_000));
      if (r.ran && r.code !== 0) throw new ModuleError(`${argv.join(' ')} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
    }
  },
};
