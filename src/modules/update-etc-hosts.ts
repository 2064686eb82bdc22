/**
 * update_etc_hosts (every boot): with `manage_etc_hosts: true` (or the old
 * spelling "template") /etc/hosts is rendered whole from the distro family's
 * template, with the host name set_hostname chose; with "localhost" only the
 * line of the host's own loopback address is kept pointing at the host name,
 * and the rest of the file is the admin's. false (the default) leaves it alone.
 */
import { distroFamily, type DistroFamily } from '../net/render/distro.ts';
import { chooseHostname } from './set-hostname.ts';
import type { ConfigModule, ModuleContext } from './types.ts';

const HEADER = [
  '# This file is written by stratus at every boot because manage_etc_hosts is',
  '# set in the cloud-config. Edits made here are lost at the next boot: change',
  '# /etc/cloud/templates/hosts.<family>.tmpl instead, or set manage_etc_hosts',
  '# to false (or "localhost" to have only the host name line managed).',
].join('\n');

/** Built-in templates: {{fqdn}} and {{hostname}} are replaced. */
const TEMPLATES: Partial<Record<DistroFamily, string>> & { other: string } = {
  // Debian gives the host name its own loopback address so that "localhost" stays alone on 127.0.0.1.
  debian: [
    '127.0.1.1 {{fqdn}} {{hostname}}',
    '127.0.0.1 localhost',
    '',
    '# IPv6 loopback and multicast names',
    '::1 localhost ip6-localhost ip6-loopback',
    'ff02::1 ip6-allnodes',
    'ff02::2 ip6-allrouters',
  ].join('\n'),
  redhat: [
    '127.0.0.1 {{fqdn}} {{hostname}}',
    '127.0.0.1 localhost.localdomain localhost',
    '127.0.0.1 localhost4.localdomain4 localhost4',
    '',
    '::1 {{fqdn}} {{hostname}}',
    '::1 localhost6.localdomain6 localhost6',
  ].join('\n'),
  suse: [
    '127.0.0.1 localhost',
    '127.0.0.1 {{fqdn}} {{hostname}}',
    '',
    '# IPv6 loopback and multicast names',
    '::1 localhost ipv6-localhost ipv6-loopback',
    'fe00::0 ipv6-localnet',
    'ff00::0 ipv6-mcastprefix',
    'ff02::1 ipv6-allnodes',
    'ff02::2 ipv6-allrouters',
    'ff02::3 ipv6-allhosts',
  ].join('\n'),
  other: [
    '127.0.0.1 {{fqdn}} {{hostname}}',
    '127.0.0.1 localhost',
    '',
    '::1 {{fqdn}} {{hostname}}',
    '::1 localhost ip6-localhost ip6-loopback',
  ].join('\n'),
};

/** cloud-init's template file names per family (an admin may have put one there). */
const TEMPLATE_NAMES: Partial<Record<DistroFamily, string>> = { debian: 'debian', redhat: 'redhat', suse: 'suse', arch: 'arch', alpine: 'alpine', gentoo: 'gentoo' };

const LOCALHOST_NAMES = new Set(['localhost', 'localhost.localdomain', 'localhost4', 'localhost4.localdomain4']);

/** The loopback address the host name lives on. */
export function hostLoopback(distro: string): string {
  return distroFamily(distro) === 'debian' ? '127.0.1.1' : '127.0.0.1';
}

function substitute(template: string, names: { hostname: string; fqdn: string }): string | null {
  // The template line, jinja comments ({# … #}), then jinja's and cheetah's spellings of the two names.
  const body = template.replace(/^##\s*template:\s*\w+[^\n]*\n/i, '').replace(/\{#[\s\S]*?#\}\n?/g, '');
  const out = body
    .replace(/\{\{-?\s*(fqdn|hostname)\s*-?\}\}/g, (_, k: 'fqdn' | 'hostname') => names[k])
    .replace(/\$\{(fqdn|hostname)\}|\$(fqdn|hostname)\b/g, (_, a: 'fqdn' | 'hostname' | undefined, b: 'fqdn' | 'hostname' | undefined) => names[a ?? b ?? 'hostname']);
  // Anything else jinja would have to evaluate: the built-in template is safer than a half-rendered file.
  return /\{\{|\{%|\$\{|\$[a-z]/.test(out) ? null : out;
}

export function renderHosts(m: Pick<ModuleContext, 'ctx' | 'distro'>, names: { hostname: string; fqdn: string }): string {
  const family = distroFamily(m.distro) ?? 'other';
  const custom = `/etc/cloud/templates/hosts.${TEMPLATE_NAMES[family] ?? m.distro}.tmpl`;
  const text = m.ctx.fs.readText(custom);
  if (text !== null) {
    const rendered = substitute(text, names);
    if (rendered !== null) return rendered.endsWith('\n') ? rendered : `${rendered}\n`;
    m.ctx.log.warn(`${custom} uses template features stratus does not render (only {{ fqdn }} and {{ hostname }}); the built-in ${family} template is used`);
  }
  const body = substitute(TEMPLATES[family] ?? TEMPLATES.other, names) ?? '';
  return `${HEADER}\n${body}\n`;
}

/**
 * The "localhost" mode: the line(s) of the host's loopback address name the
 * host, fqdn first; localhost names on a shared 127.0.0.1 line are kept.
 */
export function updateHostLine(text: string, ip: string, names: { hostname: string; fqdn: string }): string {
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const want = [names.fqdn, ...(names.hostname !== names.fqdn ? [names.hostname] : [])];
  let kept: string[] = [];
  let first = -1;
  const out: string[] = [];
  for (const line of lines) {
    const fields = line.replace(/#.*/, '').trim().split(/\s+/);
    if (fields[0] !== ip) {
      out.push(line);
      continue;
    }
    if (first === -1) first = out.length;
    kept = kept.concat(fields.slice(1).filter((n) => LOCALHOST_NAMES.has(n) && !kept.includes(n)));
  }
  const newLine = [ip, ...want, ...kept].join(' ');
  if (first === -1) out.push(newLine);
  else out.splice(first, 0, newLine);
  return `${out.join('\n')}\n`;
}

function names(m: ModuleContext): { hostname: string; fqdn: string } | null {
  const chosen = chooseHostname(m);
  if (chosen) return chosen;
  const current = m.ctx.fs.readText('/etc/hostname')?.trim();
  return current ? { hostname: current.split('.')[0] ?? current, fqdn: current } : null;
}

export const updateEtcHosts: ConfigModule = {
  name: 'update_etc_hosts',
  frequency: 'always',
  activateBy: ['manage_etc_hosts'],
  schema: {
    properties: {
      manage_etc_hosts: {
        description: 'true: render /etc/hosts from the template at every boot; "localhost": keep only the host name line up to date; false: leave it alone.',
        oneOf: [{ type: 'boolean' }, { type: 'string', enum: ['template', 'localhost'] }],
        default: false,
      },
    },
  },
  run(m) {
    const { ctx } = m;
    const mode = m.cfg['manage_etc_hosts'];
    if (mode === false || mode === null || mode === undefined) {
      ctx.log.debug('manage_etc_hosts is not set; /etc/hosts is left alone');
      return;
    }
    if (mode !== true && mode !== 'template' && mode !== 'localhost') {
      ctx.log.warn(`manage_etc_hosts: ${JSON.stringify(mode)} is not true, false, "template" or "localhost"; /etc/hosts is left alone`);
      return;
    }
    if (mode === 'template') ctx.log.deprecated('manage_etc_hosts: "template" is deprecated; use true');
    const n = names(m);
    if (n === null) {
      ctx.log.warn('manage_etc_hosts: no host name in the cloud-config, the metadata or /etc/hostname; /etc/hosts is left alone');
      return;
    }
    const old = ctx.fs.readText('/etc/hosts');
    const text = mode === 'localhost' ? updateHostLine(old ?? '', hostLoopback(m.distro), n) : renderHosts(m, n);
    if (text === old) {
      ctx.log.debug('/etc/hosts is up to date');
      return;
    }
    ctx.fs.writeFiles([{ path: '/etc/hosts', content: text, mode: 0o644 }]);
    ctx.log.info(`/etc/hosts ${mode === 'localhost' ? `line ${hostLoopback(m.distro)} set to` : 'rendered for'} ${n.fqdn} ${n.hostname}`);
  },
};
