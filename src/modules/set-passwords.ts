/**
 * set_passwords (once per instance): passwords from `chpasswd.users`, the
 * deprecated `chpasswd.list`, or `password` for the default user, set with
 * one `chpasswd -e` on stdin and expired (`chpasswd.expire`, default true)
 * so they must be changed at first login; `ssh_pwauth` turns sshd's
 * PasswordAuthentication on or off (cloud-init handles it here too).
 * RANDOM passwords are shown on the console only, never logged.
 */
import { crypto } from '../host/builtin.ts';
import { err } from '../host/console.ts';
import { runCommand } from '../host/exec.ts';
import { applyFiles } from '../stages/apply.ts';
import { commandOptions, type StageContext } from '../stages/context.ts';
import { isMapping, toBool, type Mapping } from '../text/reader.ts';
import { accountCommand, defaultUserName, isValidAccountName, rootArgs, applyPasswords, type PasswordChange } from './accounts.ts';
import type { ConfigModule, ModuleContext } from './types.ts';

export const SSHD_CONFIG = '/etc/ssh/sshd_config';
export const SSHD_DROP_IN = '/etc/ssh/sshd_config.d/50-cloud-init.conf';

/** crypt(3) hashes chpasswd -e takes: MD5, bcrypt, SHA-256, SHA-512, yescrypt. */
const HASHED = /^\$(1|2a|2b|2y|5|6|y|7)\$[^:\n]+$/;

/**
 * Set sshd options: in the drop-in when sshd_config includes
 * sshd_config.d, else in sshd_config itself (other lines kept). An option
 * already set is changed where it is; a new one goes before the first
 * Match block, where it applies to every connection. Returns whether a
 * file changed; null when the target has no sshd_config.
 */
export function updateSshdConfig(ctx: StageContext, settings: Record<string, string>): boolean | null {
  const main = ctx.fs.readText(SSHD_CONFIG);
  if (main === null) return null;
  const dropIn = /^\s*Include\s+(\S*\/)?sshd_config\.d\/\*(\.conf)?\s*$/im.test(main);
  const path = dropIn ? SSHD_DROP_IN : SSHD_CONFIG;
  const before = dropIn ? (ctx.fs.readText(SSHD_DROP_IN) ?? '') : main;
  const lines = before === '' ? [] : before.replace(/\n$/, '').split('\n');
  let matchAt = lines.findIndex((l) => /^\s*Match\s/i.test(l));
  for (const [key, value] of Object.entries(settings)) {
    const limit = matchAt === -1 ? lines.length : matchAt;
    const at = lines.slice(0, limit).findIndex((l) => l.trim().split(/[\s=]+/)[0]?.toLowerCase() === key.toLowerCase());
    if (at !== -1) lines[at] = `${key} ${value}`;
    else {
      lines.splice(limit, 0, `${key} ${value}`);
      if (matchAt !== -1) matchAt++;
    }
  }
  const after = `${lines.join('\n')}\n`;
  if (after === before) return false;
  // The drop-in is stratus's own (clean --configs ssh_config removes it); sshd_config is the system's, edited in place.
  if (dropIn) applyFiles(ctx, [{ path, content: after, mode: 0o600 }], { category: 'ssh_config' });
  else ctx.fs.writeFiles([{ path, content: after, mode: 0o644 }]);
  ctx.log.info(`${path}: ${Object.entries(settings).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return true;
}

export function sshServiceName(cfg: Mapping, distro: string): string {
  const si = cfg['system_info'];
  const named = isMapping(si) ? si['ssh_svcname'] : undefined;
  if (typeof named === 'string' && /^[A-Za-z0-9_.@-]+$/.test(named)) return named;
  return ['debian', 'ubuntu'].includes(distro) ? 'ssh' : 'sshd';
}

/** Make a running sshd read its changed config; one that has not started yet reads it when it does. */
export function reloadSshd(m: ModuleContext): void {
  const svc = sshServiceName(m.cfg, m.distro);
  const r = runCommand(['systemctl', 'try-reload-or-restart', svc], commandOptions(m.ctx, 30_000));
  if (!r.ran) m.ctx.log.debug(`systemctl try-reload-or-restart ${svc}: not run (${r.why})`);
  else if (r.code !== 0) m.ctx.log.warn(`systemctl try-reload-or-restart ${svc} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
}

function handleSshPwauth(m: ModuleContext): void {
  const raw = m.cfg['ssh_pwauth'];
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.toLowerCase() === 'unchanged')) {
    m.ctx.log.debug('ssh_pwauth: PasswordAuthentication left unchanged');
    return;
  }
  const on = toBool(raw);
  if (on === undefined) {
    m.ctx.log.warn(`ssh_pwauth: ${JSON.stringify(raw)} is not true, false or "unchanged"; PasswordAuthentication left unchanged`);
    return;
  }
  if (typeof raw === 'string') m.ctx.log.deprecated(`ssh_pwauth: the string ${JSON.stringify(raw)} is deprecated; use true or false`);
  const changed = updateSshdConfig(m.ctx, { PasswordAuthentication: on ? 'yes' : 'no' });
  if (changed === null) m.ctx.log.info(`ssh_pwauth: the target has no ${SSHD_CONFIG}; nothing to change`);
  else if (changed) reloadSshd(m);
}

/** 20 letters and digits: what a person can type from the console. */
async function randomPassword(): Promise<string> {
  // Loaded here: node:crypto costs boot time and most boots set no password.
  const { randomInt } = crypto();
  const chars = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  return Array.from({ length: 20 }, () => chars[randomInt(chars.length)]).join('');
}

interface Wanted {
  user: string;
  kind: 'text' | 'hash' | 'RANDOM';
  password?: string;
  where: string;
}

function fromUsers(ctx: StageContext, raw: unknown): Wanted[] {
  if (!Array.isArray(raw)) {
    ctx.log.warn('chpasswd.users: must be a list of {name, password, type}; ignored');
    return [];
  }
  const out: Wanted[] = [];
  raw.forEach((u: unknown, i) => {
    const where = `chpasswd.users[${i}]`;
    if (!isMapping(u)) return ctx.log.warn(`${where}: must be a mapping with name and password; skipped`);
    const type = u['type'];
    const password = u['password'];
    if (type !== undefined && type !== 'text' && type !== 'hash' && type !== 'RANDOM') return ctx.log.warn(`${where}.type: must be text, hash or RANDOM; skipped`);
    if (type !== 'RANDOM' && (typeof password !== 'string' || password === '')) return ctx.log.warn(`${where}.password: missing; skipped`);
    const pw = password as string;
    // Without a type, a value that looks like a crypt(3) hash is one: setting it as text would leave a password nobody knows.
    const kind = type ?? (HASHED.test(pw) ? 'hash' : 'text');
    out.push({ user: u['name'] as string, kind, ...(kind !== 'RANDOM' ? { password: pw } : {}), where });
  });
  return out;
}

function fromList(ctx: StageContext, raw: unknown): Wanted[] {
  ctx.log.deprecated('chpasswd.list: deprecated; use chpasswd.users');
  const lines = typeof raw === 'string' ? raw.split('\n').filter((l) => l.trim() !== '') : Array.isArray(raw) ? raw : null;
  if (lines === null) {
    ctx.log.warn('chpasswd.list: must be a list of "user:password" or a multi-line string; ignored');
    return [];
  }
  const out: Wanted[] = [];
  lines.forEach((line: unknown, i) => {
    const where = `chpasswd.list[${i}]`;
    const at = typeof line === 'string' ? line.indexOf(':') : -1;
    // The line holds a password: the message must not quote it.
    if (typeof line !== 'string' || at <= 0) return ctx.log.warn(`${where}: not "user:password"; skipped`);
    const user = line.slice(0, at);
    const pw = line.slice(at + 1);
    if (pw === 'R' || pw === 'RANDOM') out.push({ user, kind: 'RANDOM', where });
    else out.push({ user, kind: HASHED.test(pw) ? 'hash' : 'text', password: pw, where });
  });
  return out;
}

async function run(m: ModuleContext): Promise<void> {
  const { ctx, cfg } = m;
  handleSshPwauth(m);
  const ch = cfg['chpasswd'];
  let wanted: Wanted[] = [];
  let expire = true;
  if (ch !== undefined && ch !== null) {
    if (!isMapping(ch)) ctx.log.warn('chpasswd: must be a mapping (users, expire); ignored');
    else {
      if (ch['users'] !== undefined) wanted.push(...fromUsers(ctx, ch['users']));
      if (ch['list'] !== undefined && ch['list'] !== null && ch['list'] !== '') wanted.push(...fromList(ctx, ch['list']));
      if (ch['expire'] !== undefined) {
        const e = toBool(ch['expire']);
        if (e === undefined) ctx.log.warn('chpasswd.expire: must be true or false; the default (true) is used');
        else expire = e;
      }
    }
  }
  const password = cfg['password'];
  if (wanted.length === 0 && password !== undefined && password !== null) {
    const user = defaultUserName(cfg);
    if (typeof password !== 'string' || password === '') ctx.log.warn('password: must be a non-empty string; ignored');
    else if (user === null) ctx.log.warn('password: there is no default user to set it for; ignored');
    else wanted.push({ user, kind: password === 'R' || password === 'RANDOM' ? 'RANDOM' : HASHED.test(password) ? 'hash' : 'text', password, where: 'password' });
  }
  wanted = wanted.filter((w) => {
    if (isValidAccountName(w.user)) return true;
    ctx.log.warn(`${w.where}: ${JSON.stringify(w.user ?? null)} is not a valid user name; skipped`);
    return false;
  });
  if (wanted.length === 0) return;
  const changes: PasswordChange[] = [];
  const random: string[] = [];
  for (const w of wanted) {
    if (w.kind === 'RANDOM') {
      const pw = await randomPassword();
      random.push(`${w.user}:${pw}`);
      changes.push({ user: w.user, plain: pw });
    } else if (w.kind === 'hash') changes.push({ user: w.user, hash: w.password as string });
    else changes.push({ user: w.user, plain: w.password as string });
  }
  const { users: set, applied } = await applyPasswords(ctx, changes, 'set_passwords');
  // A password that was only planned is no password: showing it would mislead.
  const shown = applied ? random.filter((r) => set.includes(r.slice(0, r.indexOf(':')))) : [];
  // The console is where the person who launched the instance can read it; the log is kept on disk.
  if (shown.length > 0) err(`Random passwords set for first login (user:password):\n${shown.join('\n')}\n`);
  if (expire) for (const user of set) accountCommand(ctx, ['passwd', ...rootArgs(ctx), '--expire', user], `set_passwords: expiring the password of ${user}`);
}

export const setPasswords: ConfigModule = {
  name: 'set_passwords',
  frequency: 'once-per-instance',
  schema: {
    properties: {
      ssh_pwauth: { anyOf: [{ type: 'boolean' }, { type: 'string' }] },
      password: { type: 'string', description: "The default user's password (text, a crypt(3) hash, or RANDOM)." },
      chpasswd: {
        type: 'object',
        properties: {
          expire: { type: 'boolean', default: true },
          users: {
            type: 'array',
            items: {
              type: 'object',
              required: ['name'],
              properties: { name: { type: 'string' }, password: { type: 'string' }, type: { enum: ['text', 'hash', 'RANDOM'] } },
            },
          },
          list: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], deprecated: true, deprecated_description: 'Use users.' },
        },
      },
    },
  },
  run,
};
