/**
 * apt_configure (the basics): apt proxies and extra config, extra source
 * lists with their ASCII-armored keys, and — only when the config names
 * mirrors or a template — /etc/apt/sources.list. $RELEASE, $MIRROR,
 * $PRIMARY, $SECURITY and $KEY_FILE in sources are replaced. Fetching keys
 * from key servers and PPAs need the network tools cloud-init shells out
 * to; they are reported and skipped.
 */
import { arch } from 'node:os';
import type { RootFs } from '../host/root-fs.ts';
import { isMapping, toBool } from '../text/reader.ts';
import type { FileWrite } from '../host/root-fs.ts';
import type { ConfigModule, ModuleContext } from './types.ts';
import { ModuleError } from './types.ts';

const PROXY_FILE = '/etc/apt/apt.conf.d/90cloud-init-aptproxy';
const CONFIG_FILE = '/etc/apt/apt.conf.d/94cloud-init-config';
const SOURCES_DIR = '/etc/apt/sources.list.d';
const KEYS_DIR = '/etc/apt/trusted.gpg.d';
const SOURCES_LIST = '/etc/apt/sources.list';

const PROXIES: [string, string][] = [
  ['proxy', 'http'],
  ['http_proxy', 'http'],
  ['ftp_proxy', 'ftp'],
  ['https_proxy', 'https'],
];

const DPKG_ARCH: Record<string, string> = { x64: 'amd64', ia32: 'i386', arm64: 'arm64', arm: 'armhf', ppc64: 'ppc64el', s390x: 's390x', riscv64: 'riscv64' };

function codename(fs: RootFs): string | undefined {
  const text = fs.readText('/etc/os-release') ?? fs.readText('/usr/lib/os-release') ?? '';
  const m = /^VERSION_CODENAME=(["']?)([^"'\n]*)\1\s*$/m.exec(text);
  return m?.[2] || undefined;
}

/** The default mirrors of a distro for an architecture (Ubuntu keeps other architectures on ports). */
function defaultMirrors(distro: string, dpkgArch: string): { primary: string; security: string } {
  if (distro === 'ubuntu') {
    return ['amd64', 'i386'].includes(dpkgArch)
      ? { primary: 'http://archive.ubuntu.com/ubuntu', security: 'http://security.ubuntu.com/ubuntu' }
      : { primary: 'http://ports.ubuntu.com/ubuntu-ports', security: 'http://ports.ubuntu.com/ubuntu-ports' };
  }
  return { primary: 'http://deb.debian.org/debian', security: 'http://deb.debian.org/debian-security' };
}

/** The first `uri` of a primary/security list whose arches include ours (or "default"). */
function pickMirror(m: ModuleContext, key: 'primary' | 'security', list: unknown, dpkgArch: string): string | undefined {
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) {
    m.ctx.log.warn(`apt.${key} must be a list of {arches, uri}; the default mirror is used`);
    return undefined;
  }
  for (const [i, e] of list.entries()) {
    if (!isMapping(e) || !Array.isArray(e['arches'])) {
      m.ctx.log.warn(`apt.${key}[${i}]: needs arches (a list) and uri; skipped`);
      continue;
    }
    if (!e['arches'].includes(dpkgArch) && !e['arches'].includes('default')) continue;
    if (typeof e['uri'] === 'string' && /^[a-z+]+:\/\/\S+$/.test(e['uri'])) return e['uri'];
    m.ctx.log.warn(`apt.${key}[${i}]: no usable uri (search lists and mirror probing are not supported); skipped`);
  }
  return undefined;
}

export function substitute(text: string, vars: Record<string, string | undefined>): { text: string; missing: string[] } {
  const missing: string[] = [];
  const out = text.replace(/\$(?:\{([A-Z_]+)\}|([A-Z_]+))/g, (whole, a?: string, b?: string) => {
    const name = (a ?? b) as string;
    if (!Object.hasOwn(vars, name)) return whole;
    const v = vars[name];
    if (v === undefined) missing.push(name);
    return v ?? whole;
  });
  return { text: out, missing };
}

function defaultSourcesTemplate(distro: string): string {
  const comps = distro === 'ubuntu' ? 'main restricted universe multiverse' : 'main';
  return [
    '# Written by stratus from the apt config of the instance.',
    `deb $MIRROR $RELEASE ${comps}`,
    `deb $MIRROR $RELEASE-updates ${comps}`,
    `deb $SECURITY $RELEASE-security ${comps}`,
    '',
  ].join('\n');
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

export const aptConfigure: ConfigModule = {
  name: 'apt_configure',
  frequency: 'once-per-instance',
  activateBy: ['apt'],
  distros: ['debian', 'ubuntu'],
  schema: {
    $defs: {
      apt_mirrors: {
        type: 'array',
        items: {
          type: 'object',
          properties: { arches: { type: 'array', items: { type: 'string' }, minItems: 1 }, uri: { type: 'string' }, search: { type: 'array', items: { type: 'string' } }, search_dns: { type: 'boolean' }, keyid: { type: 'string' }, key: { type: 'string' }, keyserver: { type: 'string' } },
          required: ['arches'],
        },
      },
    },
    properties: {
      apt: {
        type: 'object',
        properties: {
          preserve_sources_list: { type: 'boolean', default: false },
          sources_list: { type: 'string', description: 'A template for /etc/apt/sources.list ($MIRROR, $RELEASE, $SECURITY).' },
          primary: { $ref: '#/$defs/apt_mirrors' },
          security: { $ref: '#/$defs/apt_mirrors' },
          proxy: { type: 'string' },
          http_proxy: { type: 'string' },
          https_proxy: { type: 'string' },
          ftp_proxy: { type: 'string' },
          conf: { type: 'string', description: 'apt configuration written to 94cloud-init-config.' },
          sources: {
            type: 'object',
            patternProperties: {
              '^.+$': {
                type: 'object',
                properties: {
                  source: { type: 'string' },
                  filename: { type: 'string' },
                  key: { type: 'string' },
                  keyid: { type: 'string' },
                  keyserver: { type: 'string' },
                  append: { type: 'boolean', default: true },
                },
              },
            },
          },
        },
      },
    },
  },
  run(m) {
    const { ctx } = m;
    const apt = m.cfg['apt'];
    if (apt === null || apt === undefined) return;
    if (!isMapping(apt)) throw new ModuleError('apt must be a mapping');
    const writes: FileWrite[] = [];

    const proxyLines: string[] = [];
    for (const [key, scheme] of PROXIES) {
      const v = apt[key];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'string' || /["\n;]/.test(v)) ctx.log.warn(`apt.${key}: not a proxy URL; skipped`);
      else proxyLines.push(`Acquire::${scheme}::Proxy "${v}";`);
    }
    if (proxyLines.length > 0) writes.push({ path: PROXY_FILE, content: `${proxyLines.join('\n')}\n`, mode: 0o644 });
    else if (ctx.fs.remove(PROXY_FILE)) ctx.log.info(`no apt proxy configured: ${PROXY_FILE} removed`);

    if (typeof apt['conf'] === 'string') writes.push({ path: CONFIG_FILE, content: apt['conf'].endsWith('\n') ? apt['conf'] : `${apt['conf']}\n`, mode: 0o644 });
    else if (apt['conf'] !== undefined) ctx.log.warn('apt.conf must be a string of apt configuration; skipped');

    const dpkgArch = DPKG_ARCH[arch()] ?? arch();
    const release = codename(ctx.fs);
    const defaults = defaultMirrors(m.distro, dpkgArch);
    const primary = pickMirror(m, 'primary', apt['primary'], dpkgArch) ?? defaults.primary;
    const security = pickMirror(m, 'security', apt['security'], dpkgArch) ?? defaults.security;
    const vars = { RELEASE: release, MIRROR: primary, PRIMARY: primary, SECURITY: security };

    const wantsList = apt['sources_list'] !== undefined || apt['primary'] !== undefined || apt['security'] !== undefined;
    if (wantsList && toBool(apt['preserve_sources_list']) !== true) {
      const template = typeof apt['sources_list'] === 'string' ? apt['sources_list'] : defaultSourcesTemplate(m.distro);
      const { text, missing } = substitute(template, vars);
      if (missing.length > 0) ctx.log.warn(`apt: the release codename is unknown (no VERSION_CODENAME in /etc/os-release); ${SOURCES_LIST} not written`);
      else writes.push({ path: SOURCES_LIST, content: text.endsWith('\n') ? text : `${text}\n`, mode: 0o644 });
    }

    const sources = apt['sources'];
    if (sources !== undefined && !isMapping(sources)) ctx.log.warn('apt.sources must be a mapping of name to {source, key, filename}; skipped');
    const lists = new Map<string, string>();
    for (const [name, src] of Object.entries(isMapping(sources) ? sources : {})) {
      const where = `apt.sources.${name}`;
      if (!isMapping(src)) {
        ctx.log.warn(`${where}: not a mapping; skipped`);
        continue;
      }
      let filename = typeof src['filename'] === 'string' ? src['filename'] : name;
      if (!filename.endsWith('.list')) filename += '.list';
      if (!NAME.test(filename)) {
        ctx.log.warn(`${where}: ${JSON.stringify(filename)} is not a file name for ${SOURCES_DIR}; skipped`);
        continue;
      }
      const base = filename.replace(/\.list$/, '');
      let keyFile: string | undefined;
      if (typeof src['key'] === 'string') {
        if (!/-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*-----END PGP PUBLIC KEY BLOCK-----/.test(src['key'])) {
          ctx.log.warn(`${where}.key: not an ASCII-armored PGP public key; source skipped`);
          continue;
        }
        keyFile = `${KEYS_DIR}/${base}.asc`;
        writes.push({ path: keyFile, content: src['key'].endsWith('\n') ? src['key'] : `${src['key']}\n`, mode: 0o644 });
      } else if (src['keyid'] !== undefined || src['keyserver'] !== undefined) {
        ctx.log.warn(`${where}: fetching keys from a key server is not supported by stratus; give the key itself in "key"`);
      }
      const line = src['source'];
      if (line === undefined) continue;
      if (typeof line !== 'string' || line.trim() === '') {
        ctx.log.warn(`${where}.source: not a sources.list line; skipped`);
        continue;
      }
      if (/^ppa:/.test(line.trim())) {
        ctx.log.warn(`${where}: PPA sources (add-apt-repository) are not supported by stratus; skipped`);
        continue;
      }
      const { text, missing } = substitute(line.trim(), { ...vars, KEY_FILE: keyFile });
      if (missing.length > 0) {
        ctx.log.warn(`${where}.source: ${missing.map((v) => `$${v}`).join(', ')} unknown here; skipped`);
        continue;
      }
      const path = `${SOURCES_DIR}/${filename}`;
      const before = lists.get(path) ?? (src['append'] === false ? '' : (ctx.fs.readText(path) ?? ''));
      // A new instance of an image that already has the line must not get it twice.
      if (!before.split('\n').includes(text)) lists.set(path, `${before}${text}\n`);
      else if (!lists.has(path)) ctx.log.debug(`${where}: ${path} already has the line`);
    }
    for (const [path, content] of lists) writes.push({ path, content, mode: 0o644 });
    ctx.fs.writeFiles(writes);
    for (const w of writes) ctx.log.info(`apt_configure: wrote ${w.path}`);
  },
};
