/**
 * resolv_conf (once per instance): with `manage_resolv_conf: true`, writes
 * /etc/resolv.conf from `resolv_conf` {nameservers, searchdomains, domain,
 * sortlist, options}. Only on the distros cloud-init runs it on: elsewhere
 * systemd-resolved or the network renderer owns the file.
 */
import { isIP } from 'node:net';
import { isMapping, type Mapping } from '../text/reader.ts';
import type { ConfigModule } from './types.ts';
import type { StageContext } from '../stages/context.ts';
import type { JsonSchema } from '../config/schema/types.ts';

const STRING_LIST: JsonSchema = { type: 'array', items: { type: 'string' } };

function strings(ctx: StageContext, cfg: Mapping, key: string, valid: (s: string) => boolean, what: string): string[] {
  const v = cfg[key];
  if (v === undefined || v === null) return [];
  const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : null;
  if (list === null) {
    ctx.log.warn(`resolv_conf.${key} must be a list of strings; ignored`);
    return [];
  }
  const out: string[] = [];
  list.forEach((item: unknown, i) => {
    const s = typeof item === 'string' ? item.trim() : '';
    if (s === '' || /\s/.test(s) || !valid(s)) ctx.log.warn(`resolv_conf.${key}[${i}]: ${JSON.stringify(item)} is not ${what}; skipped`);
    else out.push(s);
  });
  return out;
}

const DOMAIN = /^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;
const SORT = (s: string): boolean => {
  const [addr = '', mask, extra] = s.split('/');
  return extra === undefined && isIP(addr) === 4 && (mask === undefined || isIP(mask) === 4 || /^\d+$/.test(mask));
};

export function renderResolvConf(ctx: StageContext, cfg: Mapping): string {
  const lines = ['# Written by stratus from the cloud-config (manage_resolv_conf).'];
  for (const ns of strings(ctx, cfg, 'nameservers', (s) => isIP(s) !== 0, 'an IP address')) lines.push(`nameserver ${ns}`);
  const search = strings(ctx, cfg, 'searchdomains', (s) => DOMAIN.test(s), 'a domain name');
  if (search.length > 0) lines.push(`search ${search.join(' ')}`);
  const domain = cfg['domain'];
  if (typeof domain === 'string' && DOMAIN.test(domain.trim())) lines.push(`domain ${domain.trim()}`);
  else if (domain !== undefined && domain !== null) ctx.log.warn(`resolv_conf.domain: ${JSON.stringify(domain)} is not a domain name; skipped`);
  const sort = strings(ctx, cfg, 'sortlist', SORT, 'an IPv4 address with an optional netmask');
  if (sort.length > 0) lines.push(`sortlist ${sort.join(' ')}`);
  const opts = cfg['options'];
  const words: string[] = [];
  if (isMapping(opts)) {
    for (const [k, v] of Object.entries(opts)) {
      if (!/^[A-Za-z0-9_-]+$/.test(k)) ctx.log.warn(`resolv_conf.options: ${JSON.stringify(k)} is not an option name; skipped`);
      else if (v === true) words.push(k);
      else if (typeof v === 'number' || (typeof v === 'string' && /^[A-Za-z0-9._-]+$/.test(v))) words.push(`${k}:${v}`);
      else if (v !== false && v !== null) ctx.log.warn(`resolv_conf.options.${k}: ${JSON.stringify(v)} is not true, false or a value; skipped`);
    }
  } else if (opts !== undefined && opts !== null) ctx.log.warn('resolv_conf.options must be a mapping (e.g. {rotate: true, timeout: 1}); ignored');
  if (words.length > 0) lines.push(`options ${words.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

export const resolvConf: ConfigModule = {
  name: 'resolv_conf',
  frequency: 'once-per-instance',
  activateBy: ['manage_resolv_conf'],
  distros: [
    'alpine', 'azurelinux', 'fedora', 'mariner', 'opensuse', 'opensuse-leap', 'opensuse-microos', 'opensuse-tumbleweed',
    'photon', 'rhel', 'sle_hpc', 'sle-micro', 'sles', 'openeuler',
  ],
  schema: {
    properties: {
      manage_resolv_conf: { type: 'boolean', default: false, description: 'Write /etc/resolv.conf from resolv_conf.' },
      resolv_conf: {
        type: 'object',
        additionalProperties: false,
        properties: {
          nameservers: STRING_LIST,
          searchdomains: STRING_LIST,
          domain: { type: 'string' },
          sortlist: STRING_LIST,
          options: { type: 'object', description: 'true: a flag (rotate); a value: name:value (timeout: 1).' },
        },
      },
    },
  },
  run(m) {
    const { ctx } = m;
    if (m.cfg['manage_resolv_conf'] !== true) {
      ctx.log.debug('manage_resolv_conf is not true; /etc/resolv.conf is left alone');
      return;
    }
    const rc = m.cfg['resolv_conf'];
    if (!isMapping(rc)) {
      ctx.log.warn('manage_resolv_conf is true but resolv_conf is not a mapping; /etc/resolv.conf is left alone');
      return;
    }
    const text = renderResolvConf(ctx, rc);
    if (ctx.fs.kind('/etc/resolv.conf') === 'link') ctx.log.info(`/etc/resolv.conf was a link to ${ctx.fs.readLink('/etc/resolv.conf') ?? '?'}; replaced by a file as manage_resolv_conf asks`);
    ctx.fs.writeFiles([{ path: '/etc/resolv.conf', content: text, mode: 0o644 }]);
    ctx.log.info('/etc/resolv.conf written from resolv_conf');
  },
};
