/**
 * keys_to_console: the host keys' fingerprints and the keys themselves on
 * the console, between the BEGIN/END marker lines that tools (and people
 * reading a serial log) look for to trust a new machine's SSH host keys.
 */
import { crypto } from '../host/builtin.ts';
import { isMapping, toBool } from '../text/reader.ts';
import { toConsole } from './console-output.ts';
import { keySize, opensshFingerprint, parseKeyLine, type HashFn, type PublicKey } from './ssh-keys.ts';
import type { ConfigModule, ModuleContext } from './types.ts';

const SSH_DIR = '/etc/ssh';
const RULE = '#############################################################';

function typeList(m: ModuleContext, key: string, fallback: string[]): string[] {
  const v = m.cfg[key];
  if (v === undefined || v === null) return fallback;
  if (Array.isArray(v) && v.every((t) => typeof t === 'string')) return v;
  m.ctx.log.warn(`${key} must be a list of key types; ${JSON.stringify(fallback)} is used`);
  return fallback;
}

/** The host public keys of the target, in file name order. */
export function hostKeys(m: ModuleContext): { file: string; key: PublicKey }[] {
  const out: { file: string; key: PublicKey }[] = [];
  for (const name of m.ctx.fs.list(SSH_DIR)) {
    if (!/^ssh_host_.*_key\.pub$/.test(name)) continue;
    const file = `${SSH_DIR}/${name}`;
    const key = parseKeyLine((m.ctx.fs.readText(file) ?? '').split('\n')[0] ?? '');
    if (key) out.push({ file, key });
    else m.ctx.log.warn(`${file} holds no SSH public key; not shown`);
  }
  return out;
}

export function renderHostKeys(keys: readonly { key: PublicKey }[], fpBlacklist: readonly string[], keyBlacklist: readonly string[], hash: HashFn): string {
  const fps = keys
    .filter(({ key }) => !fpBlacklist.includes(key.type))
    .map(({ key }) => {
      const [bits, label] = keySize(key);
      return `${bits} ${opensshFingerprint(key.blob, hash)} ${key.comment || 'no comment'} (${label})`;
    });
  const shown = keys.filter(({ key }) => !keyBlacklist.includes(key.type)).map(({ key }) => `${key.type} ${key.base64}`);
  return [
    RULE,
    '-----BEGIN SSH HOST KEY FINGERPRINTS-----',
    ...fps,
    '-----END SSH HOST KEY FINGERPRINTS-----',
    RULE,
    '-----BEGIN SSH HOST KEY KEYS-----',
    ...shown,
    '-----END SSH HOST KEY KEYS-----',
    '',
  ].join('\n');
}

export const keysToConsole: ConfigModule = {
  name: 'keys_to_console',
  frequency: 'once-per-instance',
  schema: {
    properties: {
      ssh: { type: 'object', properties: { emit_keys_to_console: { type: 'boolean', default: true } } },
      ssh_fp_console_blacklist: { type: 'array', items: { type: 'string' }, description: 'Key types whose fingerprints are not shown.' },
      ssh_key_console_blacklist: { type: 'array', items: { type: 'string' }, description: 'Key types whose keys are not shown.' },
    },
  },
  async run(m) {
    const ssh = m.cfg['ssh'];
    if (isMapping(ssh) && toBool(ssh['emit_keys_to_console']) === false) {
      m.ctx.log.debug('ssh.emit_keys_to_console is false; host keys not shown');
      return;
    }
    const keys = hostKeys(m);
    if (keys.length === 0) {
      m.ctx.log.info(`no SSH host keys in ${SSH_DIR}; nothing to show on the console`);
      return;
    }
    const { createHash } = crypto();
    const hash: HashFn = (alg, data) => createHash(alg).update(data).digest();
    toConsole(renderHostKeys(keys, typeList(m, 'ssh_fp_console_blacklist', []), typeList(m, 'ssh_key_console_blacklist', ['ssh-dss']), hash));
    m.ctx.log.debug(`keys_to_console: ${keys.length} host key(s) shown`);
  },
};
