/**
 * users_groups (once per instance): the groups and users of the config,
 * made with the target's own shadow tools (`groupadd`, `useradd`,
 * `usermod`, `passwd`, `chpasswd`, all given the root), their passwords set
 * through stdin, their sudo rules in /etc/sudoers.d/90-cloud-init-users and
 * their doas rules in /etc/doas.conf, their SSH keys in ~/.ssh/authorized_keys. A mistake in one user or group
 * is a warning naming it; the others are still made.
 */
import type { JsonSchema } from '../config/schema/types.ts';
import type { StageContext } from '../stages/context.ts';
import { isMapping, toBool, type Mapping } from '../text/reader.ts';
import {
  accountCommand,
  authorizeKeys,
  defaultUserConfig,
  isValidAccountName,
  readGroups,
  readPasswd,
  rootArgs,
  applyPasswords,
  succeeded,
  type PasswordChange,
} from './accounts.ts';
import type { ConfigModule, ModuleContext } from './types.ts';

export const SUDOERS_FILE = '/etc/sudoers.d/90-cloud-init-users';
export const DOAS_FILE = '/etc/doas.conf';
const DOAS_BEGIN = '# BEGIN rules for users made at first boot (stratus users_groups)';
const DOAS_END = '# END rules for users made at first boot';

/** A list given as a YAML list or a comma-separated string. */
function nameList(v: unknown): unknown[] | null {
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(v)) return v;
  return null;
}

function ensureGroup(ctx: StageContext, name: string, where: string): boolean {
  if (readGroups(ctx).has(name)) return true;
  const r = accountCommand(ctx, ['groupadd', ...rootArgs(ctx), name], `${where}: groupadd ${name}`);
  if (succeeded(r)) ctx.log.info(`${where}: group ${name} created`);
  return succeeded(r);
}

/** `groups`: a list of names or {name: [members]}, or one mapping of them. */
function makeGroups(ctx: StageContext, raw: unknown): void {
  const items: [string, unknown, string][] = [];
  if (isMapping(raw)) for (const [k, v] of Object.entries(raw)) items.push([k, v, `groups.${k}`]);
  else {
    const list = nameList(raw);
    if (list === null) {
      ctx.log.warn('groups: must be a list of group names or {name: [members]} mappings; ignored');
      return;
    }
    list.forEach((g, i) => {
      if (typeof g === 'string') items.push([g, null, `groups[${i}]`]);
      else if (isMapping(g)) for (const [k, v] of Object.entries(g)) items.push([k, v, `groups[${i}].${k}`]);
      else ctx.log.warn(`groups[${i}]: not a group name or {name: [members]}; skipped`);
    });
  }
  for (const [name, members, where] of items) {
    if (!isValidAccountName(name)) {
      ctx.log.warn(`${where}: ${JSON.stringify(name)} is not a valid group name; skipped`);
      continue;
    }
    if (!ensureGroup(ctx, name, where)) continue;
    const list = members === null || members === undefined ? [] : nameList(members);
    if (list === null) {
      ctx.log.warn(`${where}: members must be a list of user names; none added`);
      continue;
    }
    for (const m of list) {
      if (!isValidAccountName(m)) {
        ctx.log.warn(`${where}: ${JSON.stringify(m)} is not a valid user name; not added`);
        continue;
      }
      if (!readPasswd(ctx).has(m)) {
        ctx.log.warn(`${where}: user ${m} does not exist; not added to ${name}`);
        continue;
      }
      if (readGroups(ctx).get(name)?.includes(m)) continue;
      accountCommand(ctx, ['usermod', ...rootArgs(ctx), '-a', '-G', name, m], `${where}: adding ${m} to ${name}`);
    }
  }
}

interface UserSpec {
  cfg: Mapping;
  where: string;
}

/** `users` as a list of specs, "default" replaced by the distro's default user. */
function userSpecs(ctx: StageContext, cfg: Mapping): UserSpec[] {
  let raw = cfg['users'];
  const old = cfg['user'];
  if (old !== undefined && old !== null && old !== '') {
    ctx.log.deprecated('user: deprecated; set system_info.default_user or list the user in users');
    // As in cloud-init: the old key makes the default user exist even when users does not name it.
    const list = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : null;
    if (list !== null && !list.some((u) => u === 'default' || (isMapping(u) && u['name'] === 'default'))) raw = ['default', ...list];
  }
  if (raw === undefined || raw === null) return [];
  let entries: [unknown, string][];
  if (isMapping(raw)) {
    entries = [];
    for (const [k, v] of Object.entries(raw)) {
      if (v === false || v === null) continue;
      entries.push([isMapping(v) ? { ...v, name: k } : k, `users.${k}`]);
    }
  } else {
    const list = nameList(raw);
    if (list === null) {
      ctx.log.warn('users: must be a list of users; ignored');
      return [];
    }
    entries = list.map((u, i) => [u, `users[${i}]`]);
  }
  const out: UserSpec[] = [];
  for (const [u, where] of entries) {
    if (u === 'default' || (isMapping(u) && u['name'] === 'default')) {
      const def = defaultUserConfig(cfg);
      if (!def) {
        ctx.log.info(`${where}: "default" names no user (system_info.default_user has no name); skipped`);
        continue;
      }
      out.push({ cfg: isMapping(u) ? { ...def, ...u, name: def['name'] } : def, where });
    } else if (typeof u === 'string') out.push({ cfg: { name: u }, where });
    else if (isMapping(u)) out.push({ cfg: u, where });
    else ctx.log.warn(`${where}: not a user name or mapping; skipped`);
  }
  return out;
}

const ABSOLUTE = /^\/[^:\n\r\0]*$/;

/** The useradd options of a spec; invalid fields are warnings and left out. */
function useraddOptions(ctx: StageContext, u: Mapping, where: string, groups: string[]): string[] {
  const args: string[] = [];
  const str = (k: string): string | undefined => {
    const v = u[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string' || typeof v === 'number') return String(v);
    ctx.log.warn(`${where}.${k}: must be a string; ignored`);
    return undefined;
  };
  const gecos = str('gecos');
  if (gecos !== undefined) {
    if (/[:\n\r\0]/.test(gecos)) ctx.log.warn(`${where}.gecos: must not contain ":" or a line break; ignored`);
    else args.push('--comment', gecos);
  }
  const home = str('homedir');
  if (home !== undefined) {
    if (!ABSOLUTE.test(home)) ctx.log.warn(`${where}.homedir: ${JSON.stringify(home)} is not an absolute path; ignored`);
    else args.push('--home-dir', home);
  }
  const shell = str('shell');
  if (shell !== undefined) {
    if (!ABSOLUTE.test(shell)) ctx.log.warn(`${where}.shell: ${JSON.stringify(shell)} is not an absolute path; ignored`);
    else args.push('--shell', shell);
  }
  const primary = str('primary_group');
  if (primary !== undefined) {
    if (!isValidAccountName(primary)) ctx.log.warn(`${where}.primary_group: ${JSON.stringify(primary)} is not a valid group name; ignored`);
    else if (readGroups(ctx).has(primary) || (u['create_groups'] !== false && ensureGroup(ctx, primary, `${where}.primary_group`))) args.push('--gid', primary);
    else ctx.log.warn(`${where}.primary_group: group ${primary} does not exist; ignored`);
  }
  if (groups.length > 0) args.push('--groups', groups.join(','));
  const uid = str('uid');
  if (uid !== undefined) {
    if (!/^\d+$/.test(uid)) ctx.log.warn(`${where}.uid: ${JSON.stringify(uid)} is not a number; ignored`);
    else args.push('--uid', uid);
  }
  const expire = str('expiredate');
  if (expire !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(expire)) ctx.log.warn(`${where}.expiredate: ${JSON.stringify(expire)} is not a YYYY-MM-DD date; ignored`);
    else args.push('--expiredate', expire);
  }
  const inactive = str('inactive');
  if (inactive !== undefined) {
    if (!/^-?\d+$/.test(inactive)) ctx.log.warn(`${where}.inactive: ${JSON.stringify(inactive)} is not a number of days; ignored`);
    else args.push('--inactive', inactive);
  }
  const system = toBool(u['system']) === true;
  if (system) args.push('--system');
  if (toBool(u['no_user_group']) === true) args.push('--no-user-group');
  // A system user gets no home unless one is asked for, as with cloud-init.
  args.push(toBool(u['no_create_home']) === true || system ? '--no-create-home' : '--create-home');
  return args;
}

/** The user's groups, each made first when create_groups (default true) allows. */
function userGroups(ctx: StageContext, u: Mapping, where: string): string[] {
  const raw = u['groups'];
  if (raw === undefined || raw === null) return [];
  const list = isMapping(raw) ? Object.keys(raw) : nameList(raw);
  if (list === null) {
    ctx.log.warn(`${where}.groups: must be a list or a comma-separated string; ignored`);
    return [];
  }
  const create = toBool(u['create_groups']) !== false;
  const out: string[] = [];
  for (const g of list) {
    if (!isValidAccountName(g)) {
      ctx.log.warn(`${where}.groups: ${JSON.stringify(g)} is not a valid group name; ignored`);
      continue;
    }
    if (readGroups(ctx).has(g)) out.push(g);
    else if (!create) ctx.log.warn(`${where}.groups: group ${g} does not exist and create_groups is false; ignored`);
    else if (ensureGroup(ctx, g, `${where}.groups`)) out.push(g);
  }
  return out;
}

/** `sudo`: a rule, a list of rules, or false/null for none. Each rule must be one line. */
function sudoRules(ctx: StageContext, u: Mapping, name: string, where: string): string[] {
  const raw = u['sudo'];
  if (raw === undefined || raw === null || raw === false) return [];
  if (raw === true) {
    ctx.log.warn(`${where}.sudo: true is not a sudo rule (e.g. "ALL=(ALL) NOPASSWD:ALL"); no rule written`);
    return [];
  }
  const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : null;
  if (list === null) {
    ctx.log.warn(`${where}.sudo: must be a rule or a list of rules; ignored`);
    return [];
  }
  const out: string[] = [];
  list.forEach((r, i) => {
    // One broken line in sudoers.d makes sudo refuse to run at all: only plausible rules go in.
    if (typeof r !== 'string' || r.trim() === '' || /[\n\r\0]/.test(r)) ctx.log.warn(`${where}.sudo[${i}]: a sudo rule must be one non-empty line; ignored`);
    else if (!r.includes('=')) ctx.log.warn(`${where}.sudo[${i}]: ${JSON.stringify(r)} is not a sudo rule (hosts=(runas) commands, e.g. "ALL=(ALL) ALL"); ignored`);
    else out.push(`${name} ${r.trim()}`);
  });
  return out;
}

/** `doas`: rules for OpenBSD's doas, each a "permit"/"deny" line that names the user. */
function doasRules(ctx: StageContext, u: Mapping, name: string, where: string): string[] {
  const raw = u['doas'];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    ctx.log.warn(`${where}.doas: must be a list of rules; ignored`);
    return [];
  }
  const out: string[] = [];
  raw.forEach((r: unknown, i) => {
    const words = typeof r === 'string' && !/[\n\r\0]/.test(r) ? r.trim().split(/\s+/) : [];
    if (!['permit', 'deny'].includes(words[0] ?? '')) ctx.log.warn(`${where}.doas[${i}]: a doas rule is one line starting with "permit" or "deny"; ignored`);
    else if (!words.includes(name)) ctx.log.warn(`${where}.doas[${i}]: the rule does not name the user ${name}; ignored`);
    else out.push(words.join(' '));
  });
  return out;
}

/** Our block of doas.conf replaced (the admin's own rules kept), or added at the end. */
function writeDoas(ctx: StageContext, lines: string[]): void {
  const old = ctx.fs.readText(DOAS_FILE) ?? '';
  const start = old.indexOf(`${DOAS_BEGIN}\n`);
  const end = old.indexOf(`${DOAS_END}\n`);
  const kept = start !== -1 && end > start ? old.slice(0, start) + old.slice(end + DOAS_END.length + 1) : old;
  const block = `${DOAS_BEGIN}\n${lines.join('\n')}\n${DOAS_END}\n`;
  // doas refuses a config others can write; 0600 as OpenBSD ships it.
  ctx.fs.writeFiles([{ path: DOAS_FILE, content: `${kept}${kept === '' || kept.endsWith('\n') ? '' : '\n'}${block}`, mode: 0o600 }]);
  ctx.log.info(`${DOAS_FILE}: ${lines.length} rule(s)`);
}

/** sudo reads /etc/sudoers.d only when /etc/sudoers includes it. */
function ensureSudoersInclude(ctx: StageContext): void {
  const text = ctx.fs.readText('/etc/sudoers');
  if (text !== null && /^\s*[#@]includedir\s+\/etc\/sudoers\.d\s*$/m.test(text)) return;
  const add = '\n# Rules for users made at first boot (stratus).\n@includedir /etc/sudoers.d\n';
  ctx.fs.writeFiles([{ path: '/etc/sudoers', content: `${text ?? ''}${text === null || text.endsWith('\n') ? '' : '\n'}${add}`, mode: 0o440 }]);
  ctx.log.info('/etc/sudoers: /etc/sudoers.d included');
}

function passwordOf(ctx: StageContext, u: Mapping, name: string, where: string): PasswordChange | null {
  // cloud-init applies passwd, then plain_text_passwd, then hashed_passwd: the last one given wins.
  let change: PasswordChange | null = null;
  for (const key of ['passwd', 'plain_text_passwd', 'hashed_passwd'] as const) {
    const v = u[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || v === '') {
      ctx.log.warn(`${where}.${key}: must be a non-empty string; ignored`);
      continue;
    }
    change = key === 'plain_text_passwd' ? { user: name, plain: v } : { user: name, hash: v };
  }
  return change;
}

async function makeUser(ctx: StageContext, spec: UserSpec, sudoLines: string[], doasLines: string[]): Promise<void> {
  const { cfg: u, where } = spec;
  const name = u['name'];
  if (!isValidAccountName(name)) {
    ctx.log.warn(`${where}.name: ${JSON.stringify(name ?? null)} is not a valid user name; user skipped`);
    return;
  }
  if (u['selinux_user'] !== undefined) ctx.log.warn(`${where}.selinux_user: not supported by stratus; ignored`);
  if (u['ssh_redirect_user'] !== undefined) ctx.log.warn(`${where}.ssh_redirect_user: not supported by stratus; ignored`);
  const groups = userGroups(ctx, u, where);
  const existing = readPasswd(ctx).get(name);
  if (existing) {
    ctx.log.info(`${where}: user ${name} already exists; not created again`);
    const missing = groups.filter((g) => !readGroups(ctx).get(g)?.includes(name));
    if (missing.length > 0) accountCommand(ctx, ['usermod', ...rootArgs(ctx), '-a', '-G', missing.join(','), name], `${where}: adding ${name} to ${missing.join(', ')}`);
  } else {
    const r = accountCommand(ctx, ['useradd', ...rootArgs(ctx), ...useraddOptions(ctx, u, where, groups), name], `${where}: useradd ${name}`);
    if (!succeeded(r)) return;
    ctx.log.info(`${where}: user ${name} created`);
  }
  const pw = passwordOf(ctx, u, name, where);
  if (pw) await applyPasswords(ctx, [pw], where);
  if (toBool(u['lock_passwd']) !== false) accountCommand(ctx, ['passwd', ...rootArgs(ctx), '-l', name], `${where}: locking the password of ${name}`);
  sudoLines.push(...sudoRules(ctx, u, name, where));
  doasLines.push(...doasRules(ctx, u, name, where));
  const keys = u['ssh_authorized_keys'];
  if (keys !== undefined && keys !== null) {
    const list = typeof keys === 'string' ? [keys] : Array.isArray(keys) ? keys : null;
    if (list === null || list.some((k) => typeof k !== 'string')) ctx.log.warn(`${where}.ssh_authorized_keys: must be a list of keys; ignored`);
    else {
      const entry = readPasswd(ctx).get(name);
      if (entry) authorizeKeys(ctx, entry, list as string[], '', `${where}.ssh_authorized_keys`);
      else ctx.log.info(`${where}: ${name} is not in the target's /etc/passwd (not created: ${ctx.opts.dryRun ? 'planning' : 'useradd did not run'}); SSH keys not written`);
    }
  }
}

async function run(m: ModuleContext): Promise<void> {
  const { ctx, cfg } = m;
  if (cfg['groups'] !== undefined && cfg['groups'] !== null) makeGroups(ctx, cfg['groups']);
  const sudoLines: string[] = [];
  const doasLines: string[] = [];
  for (const spec of userSpecs(ctx, cfg)) await makeUser(ctx, spec, sudoLines, doasLines);
  if (doasLines.length > 0) writeDoas(ctx, doasLines);
  if (sudoLines.length > 0) {
    ensureSudoersInclude(ctx);
    ctx.fs.mkdir('/etc/sudoers.d');
    ctx.fs.writeFiles([{ path: SUDOERS_FILE, content: `# Written by stratus at first boot of instance ${m.instance.instanceId}.\n\n${sudoLines.join('\n')}\n`, mode: 0o440 }]);
    ctx.log.info(`${SUDOERS_FILE}: ${sudoLines.length} rule(s)`);
  }
}

const stringList: JsonSchema = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };

export const usersGroups: ConfigModule = {
  name: 'users_groups',
  frequency: 'once-per-instance',
  schema: {
    properties: {
      groups: {
        description: 'Groups to create: names, or {name: [members]} mappings, or one mapping of them.',
        anyOf: [{ type: 'string' }, { type: 'object' }, { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'object' }] } }],
      },
      users: {
        description: 'Users to create; "default" is system_info.default_user.',
        anyOf: [{ type: 'string' }, { type: 'object' }, { type: 'array', items: { anyOf: [{ type: 'string' }, { $ref: '#/$defs/users_groups.user' }] } }],
      },
      user: { anyOf: [{ type: 'string' }, { type: 'object' }], deprecated: true, deprecated_description: 'Use system_info.default_user or users.' },
    },
    $defs: {
      'users_groups.user': {
        type: 'object',
        properties: {
          name: { type: 'string' },
          gecos: { type: 'string' },
          groups: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }, { type: 'object' }] },
          primary_group: { type: 'string' },
          homedir: { type: 'string' },
          shell: { type: 'string' },
          sudo: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }, { type: 'boolean', enum: [false] }, { type: 'null' }] },
          lock_passwd: { type: 'boolean', default: true },
          passwd: { type: 'string', description: 'A crypt(3) hash.' },
          hashed_passwd: { type: 'string' },
          plain_text_passwd: { type: 'string' },
          system: { type: 'boolean' },
          no_create_home: { type: 'boolean' },
          no_user_group: { type: 'boolean' },
          create_groups: { type: 'boolean', default: true },
          uid: { type: ['integer', 'string'] },
          expiredate: { type: 'string' },
          inactive: { type: ['integer', 'string'] },
          ssh_authorized_keys: stringList,
          selinux_user: { type: 'string' },
          doas: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
  run,
};
