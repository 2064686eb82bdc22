/**
 * What users_groups, ssh and set_passwords share: the target's account
 * database read back from its files, the default user, the shadow tools run
 * against the target root, passwords set through `chpasswd -e` on stdin, and
 * authorized_keys files. Passwords and hashes never reach a log record or a
 * command line.
 */
import { crypto } from '../host/builtin.ts';
import { resolve } from 'node:path';
import { runCommand, type CommandResult } from '../host/exec.ts';
import { commandOptions, type StageContext } from '../stages/context.ts';
import { isMapping, type Mapping } from '../text/reader.ts';

/** POSIX-portable user and group names (as shadow's useradd accepts them by default), at most 32 bytes. */
const NAME = /^[a-z_][a-z0-9_-]*\$?$/;

export function isValidAccountName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && name.length <= 32 && NAME.test(name);
}

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export function readPasswd(ctx: StageContext): Map<string, PasswdEntry> {
  const out = new Map<string, PasswdEntry>();
  for (const line of (ctx.fs.readText('/etc/passwd') ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || !f[0]) continue;
    out.set(f[0], { name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '', shell: f[6] ?? '' });
  }
  return out;
}

/** Group name → members. */
export function readGroups(ctx: StageContext): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of (ctx.fs.readText('/etc/group') ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || !f[0]) continue;
    out.set(f[0], (f[3] ?? '').split(',').filter(Boolean));
  }
  return out;
}

/** `--root DIR` for the shadow tools when the target is not this machine (they take only absolute paths). */
export function rootArgs(ctx: StageContext): string[] {
  return ctx.opts.root === '/' ? [] : ['--root', resolve(ctx.opts.root)];
}

/** Where a target path is on this machine, for a tool that is given a file (ssh-keygen -f). */
export function hostPath(ctx: StageContext, path: string): string {
  return ctx.opts.root === '/' ? path : `${resolve(ctx.opts.root)}${path}`;
}

/**
 * Run a shadow tool (useradd, groupadd, usermod, passwd, chpasswd) on the
 * target; the tool is given the root, so it runs under any --root. A
 * failure is logged as a warning naming `what`; stderr is included because
 * these tools never echo their stdin.
 */
export function accountCommand(ctx: StageContext, argv: string[], what: string, input?: string): CommandResult {
  const r = runCommand(argv, commandOptions(ctx, 60_000, { targetAware: true, ...(input !== undefined ? { input } : {}) }));
  if (r.ran && r.code !== 0) ctx.log.warn(`${what} failed (${r.timedOut ? 'timed out' : `exit ${r.code}`}): ${r.stderr.trim()}`);
  return r;
}

/** True when the command ran and succeeded, or was only recorded (planning, or a root it cannot act on). */
export function succeeded(r: CommandResult): boolean {
  return !r.ran || r.code === 0;
}

/** Give a target file to a user (an overlay, when planning, keeps no owners). */
export function setOwner(ctx: StageContext, path: string, uid: number, gid: number, mode?: number): void {
  ctx.fs.chown(path, uid, gid);
  if (mode !== undefined) ctx.fs.chmod(path, mode);
}

/**
 * The distro's default user: `system_info.default_user`, with the
 * deprecated top-level `user` (a name or a mapping) over it. Null when no
 * name is configured.
 */
export function defaultUserConfig(cfg: Mapping): Mapping | null {
  const si = cfg['system_info'];
  const base = isMapping(si) && isMapping(si['default_user']) ? si['default_user'] : {};
  const old = cfg['user'];
  const over = typeof old === 'string' && old !== '' ? { name: old } : isMapping(old) ? old : {};
  const merged = { ...base, ...over };
  return typeof merged['name'] === 'string' && merged['name'] !== '' ? merged : null;
}

/**
 * The default user's name if the config creates it (`users` names
 * "default", or the deprecated `user` is given), as cloud-init decides who
 * `password` and the metadata's SSH keys are for.
 */
export function defaultUserName(cfg: Mapping): string | null {
  const def = defaultUserConfig(cfg);
  if (!def) return null;
  if (cfg['user'] !== undefined && cfg['user'] !== null && cfg['user'] !== '') return def['name'] as string;
  const users = cfg['users'];
  const named = (x: unknown) => x === 'default' || (isMapping(x) && x['name'] === 'default');
  if (Array.isArray(users) && users.some(named)) return def['name'] as string;
  if (typeof users === 'string' && users.split(',').some((s) => s.trim() === 'default')) return def['name'] as string;
  if (isMapping(users) && Object.hasOwn(users, 'default') && users['default'] !== false) return def['name'] as string;
  return null;
}

/** A hash as `chpasswd -e` takes it: one field, no separators that would let it spill into another line. */
export function isSafeHash(hash: string): boolean {
  return hash !== '' && !/[:\n\r\0]/.test(hash);
}

export interface PasswordChange {
  user: string;
  /** A plain-text password, hashed here (SHA-512 crypt) before it leaves the process. */
  plain?: string;
  /** A crypt(3) hash, used as it is. */
  hash?: string;
}

async function hashPlain(plain: string): Promise<string> {
  // Loaded here: node:crypto costs boot time and most boots set no password.
  const { randomBytes } = crypto();
  const { sha512Crypt, SALT_CHARS } = await import('../text/sha512-crypt.ts');
  const salt = [...randomBytes(16)].map((b) => SALT_CHARS[b % 64]).join('');
  return sha512Crypt(plain, salt);
}

/**
 * Set passwords with one `chpasswd -e` whose stdin holds "user:hash"
 * lines. Plain-text passwords are hashed first: chpasswd would hash them
 * through PAM, which does not work inside another root. Returns the users
 * whose password was (or, when planning, would be) set, and whether it was.
 */
export async function applyPasswords(ctx: StageContext, changes: readonly PasswordChange[], what: string): Promise<{ users: string[]; applied: boolean }> {
  const lines: string[] = [];
  const users: string[] = [];
  for (const c of changes) {
    const hash = c.hash ?? (c.plain !== undefined ? await hashPlain(c.plain) : undefined);
    if (hash === undefined) continue;
    if (!isSafeHash(hash)) {
      ctx.log.warn(`${what}: the password hash for ${c.user} contains ":" or a line break; not set`);
      continue;
    }
    lines.push(`${c.user}:${hash}`);
    users.push(c.user);
  }
  if (lines.length === 0) return { users: [], applied: false };
  // Without a shadow file chpasswd stores the hash in /etc/passwd, which every user can read.
  if (ctx.fs.kind('/etc/shadow') === null) {
    ctx.log.warn(`${what}: the target has no /etc/shadow, and chpasswd would put the hash into the world-readable /etc/passwd; the password of ${users.join(', ')} is not set`);
    return { users: [], applied: false };
  }
  const r = accountCommand(ctx, ['chpasswd', ...rootArgs(ctx), '-e'], `${what}: setting the password of ${users.join(', ')}`, `${lines.join('\n')}\n`);
  if (!succeeded(r)) return { users: [], applied: false };
  if (r.ran) ctx.log.info(`${what}: password set for ${users.join(', ')}`);
  return { users, applied: r.ran };
}

/** The key blob of an authorized_keys line (the base64 after the key type), to spot the same key with other options. */
function keyBlob(line: string): string | null {
  const m = /(?:^|\s)((?:sk-)?(?:ssh|ecdsa)-[a-z0-9@.-]+)\s+([A-Za-z0-9+/=]+)/.exec(line);
  return m ? `${m[1]} ${m[2]}` : null;
}

/**
 * Add keys to a user's ~/.ssh/authorized_keys (dir 0700, file 0600, both
 * owned by the user). A key already there is replaced in place, so its
 * options follow the config; other lines are kept.
 */
export function authorizeKeys(ctx: StageContext, user: PasswdEntry, keys: readonly string[], options: string, what: string): void {
  const wanted = new Map<string, string>();
  for (const [i, raw] of keys.entries()) {
    const key = raw.trim();
    if (key === '' || key.startsWith('#')) continue;
    if (/[\n\r\0]/.test(key)) {
      ctx.log.warn(`${what}[${i}]: an SSH key must be one line; skipped`);
      continue;
    }
    const blob = keyBlob(key);
    if (blob === null) {
      ctx.log.warn(`${what}[${i}]: not an SSH public key (type and base64 key expected); skipped`);
      continue;
    }
    wanted.set(blob, options ? `${options} ${blob}${key.slice(key.indexOf(blob) + blob.length)}` : key);
  }
  if (wanted.size === 0) return;
  const home = user.home && user.home.startsWith('/') ? user.home : `/home/${user.name}`;
  const dir = `${home}/.ssh`;
  const file = `${dir}/authorized_keys`;
  // Written as root and then given to the user: a link planted by the user would hand them any file.
  if (ctx.fs.kind(dir) === 'link' || ctx.fs.kind(file) === 'link') {
    ctx.log.warn(`${what}: ${ctx.fs.kind(dir) === 'link' ? dir : file} is a symbolic link; keys for ${user.name} not written`);
    return;
  }
  const kept: string[] = [];
  for (const line of (ctx.fs.readText(file) ?? '').split('\n')) {
    if (line.trim() === '') continue;
    const blob = keyBlob(line);
    if (blob !== null && wanted.has(blob)) {
      kept.push(wanted.get(blob) as string);
      wanted.delete(blob);
    } else kept.push(line);
  }
  kept.push(...wanted.values());
  ctx.fs.mkdir(dir, 0o700);
  ctx.fs.writeFiles([{ path: file, content: `${kept.join('\n')}\n`, mode: 0o600 }]);
  setOwner(ctx, dir, user.uid, user.gid, 0o700);
  setOwner(ctx, file, user.uid, user.gid);
  ctx.log.info(`${what}: ${keys.length} key(s) authorized for ${user.name} in ${file}`);
}
