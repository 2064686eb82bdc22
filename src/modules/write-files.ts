/**
 * write_files (once per instance, init stage) and write_files_deferred (the
 * entries with `defer: true`, final stage, after users and packages exist):
 * the user's files, decoded, with their mode and owner. Each entry stands
 * alone: a mistake in one is a warning naming it, and the others are still
 * written. Paths are target paths; links on the way are followed inside the
 * target, never out of it.
 */
import { zlib } from '../host/builtin.ts';
import type { RootFs } from '../host/root-fs.ts';
import { resolveInRoot } from '../host/rooted-path.ts';
import type { StageContext } from '../stages/context.ts';
import type { JsonSchema } from '../config/schema/types.ts';
import { isMapping } from '../text/reader.ts';
import { ModuleError, type ConfigModule, type ModuleContext } from './types.ts';

/** Larger user files belong in a package or a download, not in user-data. */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;

type Encoding = 'text' | 'base64' | 'gzip' | 'gzip+base64';

const ENCODINGS: Record<string, Encoding> = {
  text: 'text',
  'text/plain': 'text',
  b64: 'base64',
  base64: 'base64',
  gz: 'gzip',
  gzip: 'gzip',
  'gz+b64': 'gzip+base64',
  'gz+base64': 'gzip+base64',
  'gzip+b64': 'gzip+base64',
  'gzip+base64': 'gzip+base64',
};

export interface FileEntry {
  /** Where in the config it came from, for messages ("write_files[2]"). */
  where: string;
  path: string;
  data: Buffer;
  mode: number;
  owner: { user: string; group: string | null };
  append: boolean;
  defer: boolean;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}|[A-Za-z0-9+/]{3})?$/;

function decodeBase64(text: string): Buffer | null {
  const compact = text.replace(/\s/g, '');
  return BASE64.test(compact) ? Buffer.from(compact, 'base64') : null;
}

/** The mode an entry asks for: "0644", "644", "0o644", or a number (YAML 1.1 reads 0644 as 420). */
export function parsePermissions(value: unknown): number | null {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= 0o7777 ? value : null;
  if (typeof value !== 'string') return null;
  const m = /^\s*0?[oO]?([0-7]{1,4})\s*$/.exec(value);
  return m?.[1] === undefined ? null : Number.parseInt(m[1], 8);
}

function decode(content: string, encoding: Encoding): Buffer | string {
  if (encoding === 'text') return Buffer.from(content, 'utf8');
  let bytes: Buffer | null;
  if (encoding === 'gzip') {
    // stratus's YAML keeps a !!binary value as its base64 text.
    bytes = decodeBase64(content) ?? Buffer.from(content, 'latin1');
  } else {
    bytes = decodeBase64(content);
    if (bytes === null) return 'content is not valid base64';
  }
  if (encoding === 'base64') return bytes;
  try {
    return zlib().gunzipSync(bytes, { maxOutputLength: MAX_FILE_BYTES });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ERR_BUFFER_TOO_LARGE' ? `decompressed content is larger than ${MAX_FILE_BYTES} bytes` : 'content is not valid gzip data';
  }
}

/**
 * The entries of a write_files list that are well formed; every other one is
 * a warning. With `deferred` set, only the entries of that kind are read (so
 * each bad entry is reported by one stage, not by both).
 */
export function readFileEntries(ctx: StageContext, list: unknown, key: string, deferred?: boolean): FileEntry[] {
  if (list === null || list === undefined) return [];
  if (!Array.isArray(list)) {
    if (deferred !== true) ctx.log.warn(`${key} must be a list of files; nothing written`);
    return [];
  }
  const out: FileEntry[] = [];
  list.forEach((item: unknown, i) => {
    const where = `${key}[${i}]`;
    const skip = (why: string) => ctx.log.warn(`${where}: ${why}; skipped`);
    if (deferred !== undefined && (isMapping(item) && item['defer'] === true) !== deferred) return;
    if (!isMapping(item)) return skip('not a mapping with a path');
    const path = item['path'];
    if (typeof path !== 'string' || path.trim() === '') return skip('has no path');
    if (!path.startsWith('/')) return skip(`path ${JSON.stringify(path)} is not absolute`);
    if (/[\0-\x1f\x7f]/.test(path)) return skip(`path ${JSON.stringify(path)} contains a NUL, line break or other control character`);
    if (path.split('/').some((p) => p === '..')) return skip(`path ${JSON.stringify(path)} may not contain ".." (it must stay inside the target)`);
    if (path.endsWith('/')) return skip(`path ${JSON.stringify(path)} names a directory`);
    const where2 = `${where} (${path})`;
    const skip2 = (why: string) => ctx.log.warn(`${where2}: ${why}; skipped`);
    let content = item['content'];
    if (item['source'] !== undefined && item['source'] !== null) {
      if (content === undefined || content === null) return skip2('source (a URL to fetch) is not supported by stratus, and there is no content to fall back on');
      ctx.log.warn(`${where2}: source (a URL to fetch) is not supported by stratus; its content is written instead`);
    }
    if (content === undefined || content === null) content = '';
    if (typeof content === 'number' || typeof content === 'boolean') content = String(content);
    if (typeof content !== 'string') return skip2('content must be a string');
    const encName = item['encoding'] ?? 'text';
    const encoding = typeof encName === 'string' ? ENCODINGS[encName.trim().toLowerCase()] : undefined;
    if (encoding === undefined) return skip2(`unknown encoding ${JSON.stringify(encName)} (known: ${Object.keys(ENCODINGS).join(', ')})`);
    if (content.length > MAX_FILE_BYTES * 2) return skip2(`content is larger than ${MAX_FILE_BYTES} bytes`);
    const data = decode(content, encoding);
    if (typeof data === 'string') return skip2(data);
    if (data.length > MAX_FILE_BYTES) return skip2(`content is larger than ${MAX_FILE_BYTES} bytes`);
    let mode = 0o644;
    if (item['permissions'] !== undefined && item['permissions'] !== null) {
      const p = parsePermissions(item['permissions']);
      if (p === null) return skip2(`permissions ${JSON.stringify(item['permissions'])} is not an octal mode like "0644"`);
      mode = p;
    }
    const ownerText = item['owner'] ?? 'root:root';
    if (typeof ownerText !== 'string' || ownerText.trim() === '' || ownerText.split(':').length > 2) return skip2(`owner ${JSON.stringify(ownerText)} is not "user" or "user:group"`);
    const [user = '', group] = ownerText.trim().split(':');
    if (user === '' || group === '') return skip2(`owner ${JSON.stringify(ownerText)} is not "user" or "user:group"`);
    const flag = (name: string): boolean | string => {
      const v = item[name];
      if (v === undefined || v === null) return false;
      return typeof v === 'boolean' ? v : `${name} must be true or false, not ${JSON.stringify(v)}`;
    };
    const append = flag('append');
    const defer = flag('defer');
    if (typeof append === 'string') return skip2(append);
    if (typeof defer === 'string') return skip2(defer);
    out.push({ where: where2, path, data, mode, owner: { user, group: group ?? null }, append, defer });
  });
  return out;
}

/** A user or group name (or a number) looked up in the target's passwd or group file. */
function lookupId(fs: RootFs, file: '/etc/passwd' | '/etc/group', name: string): number | null {
  if (/^\d+$/.test(name)) return Number(name);
  for (const line of (fs.readText(file) ?? '').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 3 && /^\d+$/.test(f[2] ?? '')) return Number(f[2]);
  }
  // root is 0 on every system, even a target whose passwd is not there yet.
  return name === 'root' ? 0 : null;
}

/** The uid and gid an owner names on the target (-1: leave as is); a string says what is unknown. */
export function resolveOwner(fs: RootFs, owner: FileEntry['owner']): { uid: number; gid: number } | string {
  const uid = lookupId(fs, '/etc/passwd', owner.user);
  if (uid === null) return `user ${JSON.stringify(owner.user)} is not in the target's /etc/passwd`;
  if (owner.group === null) return { uid, gid: -1 };
  const gid = lookupId(fs, '/etc/group', owner.group);
  if (gid === null) return `group ${JSON.stringify(owner.group)} is not in the target's /etc/group`;
  return { uid, gid };
}

function setOwner(ctx: StageContext, entry: FileEntry, path: string): void {
  const ids = resolveOwner(ctx.fs, entry.owner);
  if (typeof ids === 'string') {
    ctx.log.warn(`${entry.where}: ${ids}; the file is left owned by root`);
    return;
  }
  const st = ctx.fs.stat(path);
  if (st && (ids.uid === -1 || st.uid === ids.uid) && (ids.gid === -1 || st.gid === ids.gid)) return;
  ctx.fs.chown(path, ids.uid, ids.gid);
}

/** Writes the entries; returns the messages of those that could not be written. */
export function writeFileEntries(ctx: StageContext, entries: readonly FileEntry[]): string[] {
  const failed: string[] = [];
  for (const e of entries) {
    const path = resolveInRoot(ctx.fs, e.path);
    if (path === null) {
      ctx.log.warn(`${e.where}: too many symbolic links on the way; skipped`);
      continue;
    }
    const kind = ctx.fs.kind(path);
    if (kind === 'dir' || kind === 'other') {
      // A device or FIFO would be replaced by a plain file (writes are atomic renames), or block an append.
      ctx.log.warn(`${e.where}: ${path} is ${kind === 'dir' ? 'a directory' : 'not a regular file (a device, FIFO or socket)'}; skipped`);
      continue;
    }
    try {
      const old = e.append ? ctx.fs.readFile(path) : null;
      const data = old ? Buffer.concat([old, e.data]) : e.data;
      ctx.fs.writeFiles([{ path, content: data, mode: e.mode }]);
      setOwner(ctx, e, path);
      ctx.log.info(`${e.where}: ${e.append ? 'appended' : 'wrote'} ${e.data.length} bytes, mode ${e.mode.toString(8).padStart(4, '0')}${path !== e.path ? ` (through links: ${path})` : ''}`);
    } catch (err) {
      failed.push(`${e.where}: ${(err as Error).message}`);
    }
  }
  return failed;
}

function run(m: ModuleContext, deferred: boolean): void {
  const entries = readFileEntries(m.ctx, m.cfg['write_files'], 'write_files', deferred);
  const failed = writeFileEntries(m.ctx, entries);
  if (failed.length > 0) throw new ModuleError(`could not write ${failed.join('; ')}`);
}

const ENTRY: JsonSchema = {
  type: 'object',
  required: ['path'],
  additionalProperties: false,
  properties: {
    path: { type: 'string', description: 'Absolute path of the file on the target.' },
    content: { type: 'string', default: '' },
    source: {
      type: 'object',
      description: 'A URL to fetch the content from (not supported by stratus: content is used).',
      properties: { uri: { type: 'string' }, headers: { type: 'object' } },
    },
    owner: { type: 'string', default: 'root:root', description: '"user" or "user:group", names or numbers, looked up on the target.' },
    permissions: { type: ['string', 'integer'], default: '0644', description: 'Octal mode: "0644" (a YAML 0644 is read as the same mode).' },
    encoding: { type: 'string', enum: Object.keys(ENCODINGS), default: 'text' },
    append: { type: 'boolean', default: false },
    defer: { type: 'boolean', default: false, description: 'Write in the final stage (write_files_deferred), after users and packages exist.' },
  },
};

const SCHEMA = { properties: { write_files: { type: 'array', items: ENTRY } as JsonSchema } };

export const writeFiles: ConfigModule = {
  name: 'write_files',
  frequency: 'once-per-instance',
  activateBy: ['write_files'],
  schema: SCHEMA,
  run: (m) => run(m, false),
};

export const writeFilesDeferred: ConfigModule = {
  name: 'write_files_deferred',
  frequency: 'once-per-instance',
  activateBy: ['write_files'],
  run: (m) => run(m, true),
};
