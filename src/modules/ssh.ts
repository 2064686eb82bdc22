/**
 * ssh (once per instance): host keys and authorized keys. On a new
 * instance the old host keys go (`ssh_deletekeys`, default true) — a
 * cloned image must not share them — and are replaced by the keys given in
 * `ssh_keys` or by new ones of `ssh_genkeytypes`. The metadata's public keys
 * and `ssh_authorized_keys` go to the default user, and to root behind a
 * forced command that says whom to log in as (`disable_root`, default true).
 */
import { runCommand } from '../host/exec.ts';
import { commandOptions, type StageContext } from '../stages/context.ts';
import { isMapping, toBool, type Mapping } from '../text/reader.ts';
import { authorizeKeys, defaultUserName, hostPath, readPasswd } from './accounts.ts';
import { reloadSshd, updateSshdConfig } from './set-passwords.ts';
import type { ConfigModule, ModuleContext } from './types.ts';

const KEY_TYPES = ['ed25519', 'ecdsa', 'rsa'] as const;
type KeyType = (typeof KEY_TYPES)[number];
/** Fastest first: ed25519 is ready in milliseconds, so sshd has a key early. */
const DEFAULT_GENKEYTYPES: readonly KeyType[] = ['ed25519', 'ecdsa', 'rsa'];

export const DEFAULT_DISABLE_ROOT_OPTS =
  'no-port-forwarding,no-agent-forwarding,no-X11-forwarding,' +
  `command="echo 'Root login is disabled here: log in as the user \\"$USER\\" instead of \\"$DISABLE_USER\\".';echo;sleep 10;exit 142"`;

const hostKeyPath = (t: string) => `/etc/ssh/ssh_host_${t}_key`;

/** The metadata's public keys: a string of lines, a list, or a mapping of those (EC2/OpenStack shapes). */
export function metadataPublicKeys(md: Mapping): string[] {
  const pk = md['public-keys'] ?? md['public_keys'];
  const lines = (v: unknown): string[] => (typeof v === 'string' ? v.split('\n') : Array.isArray(v) ? v.flatMap(lines) : isMapping(v) ? Object.values(v).flatMap(lines) : []);
  return lines(pk).map((s) => s.trim()).filter(Boolean);
}

function deleteHostKeys(ctx: StageContext): void {
  const gone = ctx.fs.list('/etc/ssh').filter((n) => n.startsWith('ssh_host_') && n.includes('key'));
  for (const n of gone) ctx.fs.remove(`/etc/ssh/${n}`);
  if (gone.length > 0) ctx.log.info(`ssh_deletekeys: removed the old host keys (${gone.join(', ')})`);
}

/** `ssh_keys`: <type>_private, <type>_public, <type>_certificate. */
function writeGivenKeys(m: ModuleContext, given: Mapping): void {
  const { ctx } = m;
  const certs: string[] = [];
  for (const [key, value] of Object.entries(given)) {
    const match = /^(rsa|ecdsa|ed25519|dsa)_(private|public|certificate)$/.exec(key);
    if (!match) {
      ctx.log.warn(`ssh_keys.${key}: not a key stratus knows (<rsa|ecdsa|ed25519>_<private|public|certificate>); ignored`);
      continue;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      ctx.log.warn(`ssh_keys.${key}: must be the key's text; ignored`);
      continue;
    }
    const [, type, part] = match as unknown as [string, string, string];
    const base = hostKeyPath(type);
    const path = part === 'private' ? base : part === 'public' ? `${base}.pub` : `${base}-cert.pub`;
    ctx.fs.writeFiles([{ path, content: value.endsWith('\n') ? value : `${value}\n`, mode: part === 'private' ? 0o600 : 0o644 }]);
    ctx.log.info(`ssh_keys.${key}: written to ${path}`);
    if (part === 'certificate') certs.push(path);
  }
  // A private key given without its public half: derive it, as sshd and clients want both.
  for (const t of ['rsa', 'ecdsa', 'ed25519']) {
    if (given[`${t}_private`] === undefined || given[`${t}_public`] !== undefined) continue;
    const priv = hostKeyPath(t);
    if (ctx.fs.kind(priv) !== 'file') continue;
    const r = runCommand(['ssh-keygen', '-y', '-f', hostPath(ctx, priv)], commandOptions(ctx, 30_000, { targetAware: true }));
    if (r.ran && r.code === 0 && r.stdout.trim() !== '') ctx.fs.writeFiles([{ path: `${priv}.pub`, content: r.stdout, mode: 0o644 }]);
    else if (r.ran) ctx.log.warn(`ssh_keys.${t}_private: the public key could not be derived (${r.stderr.trim() || `exit ${r.code}`})`);
  }
  if (certs.length > 0 && updateSshdConfig(ctx, Object.fromEntries(certs.map((c) => ['HostCertificate', c]))) === true) reloadSshd(m);
}

function generateKeys(ctx: StageContext, cfg: Mapping): void {
  const raw = cfg['ssh_genkeytypes'];
  let types: string[];
  if (raw === undefined || raw === null) types = [...DEFAULT_GENKEYTYPES];
  else if (Array.isArray(raw)) types = raw.filter((t): t is string => typeof t === 'string');
  else {
    ctx.log.warn('ssh_genkeytypes: must be a list of key types; the default is used');
    types = [...DEFAULT_GENKEYTYPES];
  }
  ctx.fs.mkdir('/etc/ssh');
  for (const t of types) {
    if (!(KEY_TYPES as readonly string[]).includes(t)) {
      ctx.log.warn(`ssh_genkeytypes: ${JSON.stringify(t)} is not a host key type stratus generates (${KEY_TYPES.join(', ')}); skipped`);
      continue;
    }
    const path = hostKeyPath(t);
    if (ctx.fs.kind(path) !== null) continue;
    const r = runCommand(['ssh-keygen', '-q', '-t', t, '-N', '', '-f', hostPath(ctx, path)], commandOptions(ctx, 120_000, { targetAware: true }));
    if (!r.ran) ctx.log.debug(`ssh-keygen ${t}: not run (${r.why})`);
    else if (r.code !== 0) ctx.log.warn(`ssh-keygen -t ${t} failed: ${r.stderr.trim() || (r.timedOut ? 'timed out' : `exit ${r.code}`)}`);
    else ctx.log.info(`host key ${path} generated`);
  }
}

function authorize(m: ModuleContext): void {
  const { ctx, cfg } = m;
  const keys: string[] = [];
  if (toBool(cfg['allow_public_ssh_keys']) !== false) keys.push(...metadataPublicKeys(m.instance.metaData));
  const extra = cfg['ssh_authorized_keys'];
  if (extra !== undefined && extra !== null) {
    const list = typeof extra === 'string' ? [extra] : Array.isArray(extra) ? extra : null;
    if (list === null) ctx.log.warn('ssh_authorized_keys: must be a list of keys; ignored');
    else keys.push(...list.filter((k): k is string => typeof k === 'string'));
  }
  if (keys.length === 0) return;
  const passwd = readPasswd(ctx);
  const user = defaultUserName(cfg);
  if (user !== null) {
    const entry = passwd.get(user);
    if (entry) authorizeKeys(ctx, entry, keys, '', 'ssh_authorized_keys');
    else ctx.log.warn(`ssh: the default user ${user} does not exist; its SSH keys are not written`);
  }
  const disableRoot = toBool(cfg['disable_root']) !== false;
  let options = '';
  if (disableRoot) {
    const opts = typeof cfg['disable_root_opts'] === 'string' ? cfg['disable_root_opts'] : DEFAULT_DISABLE_ROOT_OPTS;
    if (/[\n\r\0]/.test(opts)) {
      ctx.log.warn('disable_root_opts: must be one line; root keys not written');
      return;
    }
    options = opts.replaceAll('$USER', user ?? 'NONE').replaceAll('$DISABLE_USER', 'root');
  }
  const root = passwd.get('root') ?? { name: 'root', uid: 0, gid: 0, home: '/root', shell: '' };
  authorizeKeys(ctx, root, keys, options, disableRoot ? 'ssh (root, login disabled)' : 'ssh (root)');
}

async function run(m: ModuleContext): Promise<void> {
  const { ctx, cfg } = m;
  if (toBool(cfg['ssh_deletekeys']) !== false) deleteHostKeys(ctx);
  const given = cfg['ssh_keys'];
  if (given !== undefined && given !== null) {
    if (isMapping(given)) writeGivenKeys(m, given);
    else ctx.log.warn('ssh_keys: must be a mapping of <type>_private/<type>_public keys; ignored');
  } else generateKeys(ctx, cfg);
  if (cfg['ssh_publish_hostkeys'] !== undefined) ctx.log.debug('ssh_publish_hostkeys: host keys are not published to the datasource by stratus');
  authorize(m);
}

export const ssh: ConfigModule = {
  name: 'ssh',
  frequency: 'once-per-instance',
  schema: {
    properties: {
      ssh_authorized_keys: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
      ssh_deletekeys: { type: 'boolean', default: true },
      ssh_genkeytypes: { type: 'array', items: { type: 'string' } },
      ssh_keys: { type: 'object', patternProperties: { '^(rsa|ecdsa|ed25519|dsa)_(private|public|certificate)$': { type: 'string' } } },
      ssh_quiet_keygen: { type: 'boolean' },
      ssh_publish_hostkeys: { type: 'object' },
      disable_root: { type: 'boolean', default: true },
      disable_root_opts: { type: 'string' },
      allow_public_ssh_keys: { type: 'boolean', default: true },
    },
  },
  run,
};
