/**
 * ssh_authkey_fingerprints: for each configured user, a table on the
 * console of the keys that may log in (type, fingerprint, options,
 * comment), so whoever reads the console can tell which keys were put in.
 */
import { crypto } from '../host/builtin.ts';
import { isMapping, toBool, type Mapping } from '../text/reader.ts';
import { toConsole } from './console-output.ts';
import { hexFingerprint, parseKeys, type HashFn, type PublicKey } from './ssh-keys.ts';
import type { ConfigModule, ModuleContext } from './types.ts';
import { ModuleError } from './types.ts';

/** The users whose keys are shown: the `users` list ("default" is the distro's default user), or the default user alone. */
export function configuredUsers(cfg: Mapping): string[] {
  const sys = cfg['system_info'];
  const du = isMapping(sys) && isMapping(sys['default_user']) ? sys['default_user']['name'] : undefined;
  const user = cfg['user'];
  const defaultUser = typeof user === 'string' ? user : isMapping(user) && typeof user['name'] === 'string' ? user['name'] : typeof du === 'string' ? du : undefined;
  const raw = cfg['users'];
  const entries: unknown[] = raw === undefined || raw === null ? ['default'] : Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [];
  const names: string[] = [];
  for (const e of entries) {
    const name = typeof e === 'string' ? e.trim() : isMapping(e) && typeof e['name'] === 'string' ? e['name'] : undefined;
    const resolved = name === 'default' ? defaultUser : name;
    if (resolved && !names.includes(resolved)) names.push(resolved);
  }
  return names;
}

/** A user's home dir from the target's /etc/passwd, else the usual place. */
function homeOf(m: ModuleContext, user: string): string {
  for (const line of (m.ctx.fs.readText('/etc/passwd') ?? '').split('\n')) {
    const f = line.split(':');
    if (f[0] === user && f[5]) return f[5];
  }
  return user === 'root' ? '/root' : `/home/${user}`;
}

/** The authorized_keys files sshd reads for a user (AuthorizedKeysFile with %h, %u, %% expanded). */
function authorizedKeysFiles(m: ModuleContext, user: string, home: string): string[] {
  let spec = '.ssh/authorized_keys .ssh/authorized_keys2';
  for (const line of (m.ctx.fs.readText('/etc/ssh/sshd_config') ?? '').split('\n')) {
    const t = /^\s*AuthorizedKeysFile\s+(.+?)\s*$/i.exec(line);
    if (t) {
      spec = t[1] as string;
      break;
    }
  }
  return spec
    .split(/\s+/)
    .filter((p) => p !== '' && p.toLowerCase() !== 'none')
    .map((p) => p.replace(/%(.)/g, (w, c: string) => (c === 'h' ? home : c === 'u' ? user : c === '%' ? '%' : w)))
    .map((p) => (p.startsWith('/') ? p : `${home}/${p}`));
}

function table(title: string, header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const body = [line, row(header), line, ...rows.map(row), line];
  const pad = Math.max(0, line.length - title.length);
  const banner = `${'+'.repeat(Math.floor(pad / 2))}${title}${'+'.repeat(Math.ceil(pad / 2))}`;
  return [banner, ...body].map((l) => `ci-info: ${l}\n`).join('');
}

export function renderFingerprints(user: string, file: string, keys: readonly PublicKey[], algorithm: string, hash: HashFn): string {
  if (keys.length === 0) return `ci-info: no authorized SSH keys fingerprints found for user ${user}.\n`;
  const rows = keys.map((k) => [k.type, hexFingerprint(k.blob, algorithm, hash), k.options || '-', k.comment || '-']);
  return table(`Authorized keys from ${file} for user ${user}`, ['Keytype', `Fingerprint (${algorithm})`, 'Options', 'Comment'], rows);
}

export const sshAuthkeyFingerprints: ConfigModule = {
  name: 'ssh_authkey_fingerprints',
  frequency: 'once-per-instance',
  schema: {
    properties: {
      no_ssh_fingerprints: { type: 'boolean', default: false, description: 'Do not print the authorized keys\' fingerprints.' },
      authkey_hash: { type: 'string', default: 'sha256', description: 'The hash the fingerprints are computed with.' },
    },
  },
  async run(m) {
    if (toBool(m.cfg['no_ssh_fingerprints']) === true) {
      m.ctx.log.debug('no_ssh_fingerprints is set; authorized keys not shown');
      return;
    }
    const nodeCrypto = crypto();
    const algorithm = m.cfg['authkey_hash'] ?? 'sha256';
    if (typeof algorithm !== 'string' || !nodeCrypto.getHashes().includes(algorithm.toLowerCase())) {
      throw new ModuleError(`authkey_hash ${JSON.stringify(algorithm)} is not a hash this system has (e.g. sha256, sha512, md5)`);
    }
    const hash: HashFn = (alg, data) => nodeCrypto.createHash(alg).update(data).digest();
    const users = configuredUsers(m.cfg);
    if (users.length === 0) {
      m.ctx.log.debug('ssh_authkey_fingerprints: no users configured');
      return;
    }
    let out = '';
    for (const user of users) {
      const home = homeOf(m, user);
      const files = authorizedKeysFiles(m, user, home).filter((f) => m.ctx.fs.readText(f) !== null);
      if (files.length === 0) out += renderFingerprints(user, '', [], algorithm, hash);
      for (const f of files) out += renderFingerprints(user, f, parseKeys(m.ctx.fs.readText(f) ?? ''), algorithm.toLowerCase(), hash);
    }
    toConsole(out);
  },
};
