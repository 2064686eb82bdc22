/**
 * mounts (once per instance): the `mounts` list (and the defaults for the
 * cloud's ephemeral disk and swap) becomes /etc/fstab lines marked
 * `comment=cloudconfig`, replacing the lines an earlier run marked; the
 * admin's own lines are kept, and win over an entry for the same device.
 * `swap` makes a swap file. The mounts are then activated (mount -a,
 * swapon -a), which under another root is only recorded.
 */
import { posix } from 'node:path';
import { runCommand } from '../host/exec.ts';
import { applyFiles } from '../stages/apply.ts';
import { FSTAB_MARK, stripMarkedFstabLines } from './fstab-marks.ts';
import type { StageContext } from '../stages/context.ts';
import { commandOptions } from '../stages/context.ts';
import { isMapping } from '../text/reader.ts';
import { findMount, readMounts } from './growpart.ts';
import type { ConfigModule, ModuleContext } from './types.ts';

export { FSTAB_MARK };
const SYSTEMD_OPTIONS = 'defaults,nofail,x-systemd.after=cloud-init-network.service,_netdev';
const SYSV_OPTIONS = 'defaults,nobootwait';
const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

type Fields = [string, string, string, string, string, string];

/** A named device (ephemeral0, swap, ephemeral0.1) or short name (sdb) as a /dev path, or null when the cloud has none. */
export function resolveDevice(m: Pick<ModuleContext, 'ctx' | 'instance'>, spec: string): string | null {
  if (spec.startsWith('/') || /^(LABEL|UUID|PARTUUID|PARTLABEL)=/.test(spec) || spec.includes(':') || spec === 'none' || spec === 'tmpfs') return spec;
  const named = /^(ephemeral\d+|swap)(?:\.(\d+))?$/.exec(spec);
  let base: string | null;
  let part: string | undefined;
  if (named?.[1] !== undefined) {
    part = named[2];
    const bdm = m.instance.metaData['block-device-mapping'];
    const mapped = isMapping(bdm) ? bdm[named[1]] : undefined;
    if (typeof mapped === 'string' && mapped !== '') base = mapped.startsWith('/') ? mapped : `/dev/${mapped}`;
    else if (m.ctx.fs.kind(`/dev/disk/by-label/${named[1]}`) !== null) base = `/dev/disk/by-label/${named[1]}`;
    else return null;
  } else {
    base = `/dev/${spec}`;
  }
  // Xen guests name sdX disks xvdX.
  const xvd = base.replace(/^\/dev\/sd/, '/dev/xvd');
  if (xvd !== base && m.ctx.fs.kind(base) === null && m.ctx.fs.kind(xvd) !== null) base = xvd;
  if (part === undefined || part === '0') return base;
  return /\d$/.test(base) ? `${base}p${part}` : `${base}${part}`;
}

function defaultFields(m: ModuleContext): (string | null)[] {
  const systemd = m.ctx.fs.kind('/run/systemd/system') === 'dir' || m.ctx.fs.kind('/lib/systemd/systemd') !== null || m.ctx.fs.kind('/usr/lib/systemd/systemd') !== null;
  const fallback = [null, null, 'auto', systemd ? SYSTEMD_OPTIONS : SYSV_OPTIONS, '0', '2'];
  const raw = m.cfg['mount_default_fields'];
  if (raw === undefined || raw === null) return fallback;
  if (!Array.isArray(raw) || raw.length !== 6 || raw.some((v) => v !== null && typeof v !== 'string' && typeof v !== 'number')) {
    m.ctx.log.warn('mount_default_fields must be a list of 6 fields (strings or null); the built-in defaults are used');
    return fallback;
  }
  return raw.map((v) => (v === null ? null : String(v)));
}

/** Parse a size: bytes, or a number with K/M/G/T (powers of 1024); null when it is not one. */
export function parseSize(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.floor(v) : null;
  if (typeof v !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)B?\s*$/i.exec(v);
  if (!m?.[1]) return null;
  const mult = { '': 1, K: 1024, M: MIB, G: GIB, T: 1024 * GIB }[(m[2] ?? '').toUpperCase()] ?? 1;
  return Math.floor(Number(m[1]) * mult);
}

/** stratus's "auto" swap size: all of a small RAM, 4 GiB for a medium one, about √RAM GiB for a large one. */
export function autoSwapSize(memBytes: number, maxBytes: number | null, freeBytes: number | null): number {
  let size = memBytes <= 4 * GIB ? memBytes : memBytes <= 16 * GIB ? 4 * GIB : Math.round(Math.sqrt(memBytes / GIB)) * GIB;
  size = Math.min(size, maxBytes ?? 2 * memBytes);
  // Never take more than half of what is left on the filesystem.
  if (freeBytes !== null) size = Math.min(size, Math.floor(freeBytes / 2));
  return Math.floor(size / MIB) * MIB;
}

function memTotal(ctx: StageContext): number | null {
  const m = /^MemTotal:\s+(\d+)\s*kB/m.exec(ctx.fs.readText('/proc/meminfo') ?? '');
  return m?.[1] ? Number(m[1]) * 1024 : null;
}

function freeSpace(ctx: StageContext, dir: string): number | null {
  return ctx.fs.freeBytes(dir);
}

/** -1 when absent; never reads a (large) swap file to learn its size. */
function fileSize(ctx: StageContext, path: string): number {
  return ctx.fs.stat(path)?.size ?? -1;
}

/** Make the swap file `swap` asks for; returns its path when there is (or already was) one. */
function setupSwap(m: ModuleContext): string | null {
  const { ctx } = m;
  const cfg = m.cfg['swap'];
  if (cfg === undefined || cfg === null) return null;
  if (!isMapping(cfg)) {
    ctx.log.warn('swap must be a mapping (filename, size, maxsize); no swap file made');
    return null;
  }
  const file = cfg['filename'] ?? '/swap.img';
  if (typeof file !== 'string' || !file.startsWith('/') || file.split('/').includes('..') || /\s/.test(file)) {
    ctx.log.warn(`swap.filename: ${JSON.stringify(file)} is not an absolute path; no swap file made`);
    return null;
  }
  const rawSize = cfg['size'] ?? 0;
  const maxsize = cfg['maxsize'] === undefined || cfg['maxsize'] === null ? null : parseSize(cfg['maxsize']);
  if (maxsize === null && cfg['maxsize'] !== undefined && cfg['maxsize'] !== null) ctx.log.warn(`swap.maxsize: ${JSON.stringify(cfg['maxsize'])} is not a size; ignored`);
  let size: number;
  if (rawSize === 'auto') {
    const mem = memTotal(ctx);
    if (mem === null) {
      ctx.log.warn('swap.size is auto but the target has no readable /proc/meminfo; no swap file made');
      return null;
    }
    size = autoSwapSize(mem, maxsize, freeSpace(ctx, posix.dirname(file)));
  } else {
    const parsed = parseSize(rawSize);
    if (parsed === null) {
      ctx.log.warn(`swap.size: ${JSON.stringify(rawSize)} is not a size (bytes, "2G", or "auto"); no swap file made`);
      return null;
    }
    size = maxsize !== null ? Math.min(parsed, maxsize) : parsed;
  }
  const mb = Math.floor(size / MIB);
  if (mb < 1) {
    if (rawSize !== 0) ctx.log.info(`swap: size ${JSON.stringify(rawSize)} is under 1 MiB; no swap file made`);
    return null;
  }
  if (fileSize(ctx, file) > 0) {
    ctx.log.info(`swap: ${file} exists; used as it is`);
    return file;
  }
  // Made here first so that the file is never readable by others, whatever creates its blocks.
  ctx.fs.writeFiles([{ path: file, content: '', mode: 0o600 }]);
  const fstype = findMount(readMounts(ctx), posix.dirname(file))?.fstype ?? findMount(readMounts(ctx), '/')?.fstype;
  // fallocate'd files are refused by swapon on btrfs and old xfs: write the blocks there.
  const make = fstype === 'btrfs' || fstype === 'xfs' ? ['dd', 'if=/dev/zero', `of=${file}`, 'bs=1M', `count=${mb}`] : ['fallocate', '-l', `${mb}M`, file];
  const opts = commandOptions(ctx, 1_800_000);
  let r = runCommand(make, opts);
  if (r.ran && r.code !== 0 && make[0] === 'fallocate') {
    ctx.log.warn(`swap: fallocate failed (exit ${r.code ?? 'signal'}); trying dd`);
    r = runCommand(['dd', 'if=/dev/zero', `of=${file}`, 'bs=1M', `count=${mb}`], opts);
  }
  if (r.ran && r.code !== 0) {
    ctx.log.warn(`swap: could not make ${file} of ${mb} MiB (exit ${r.code ?? 'signal'}); no swap`);
    ctx.fs.remove(file);
    return null;
  }
  const mk = runCommand(['mkswap', file], opts);
  if (mk.ran && mk.code !== 0) {
    ctx.log.warn(`swap: mkswap ${file} failed (exit ${mk.code ?? 'signal'}); no swap`);
    ctx.fs.remove(file);
    return null;
  }
  ctx.log.info(`swap: ${file} of ${mb} MiB ${r.ran ? 'made' : 'to be made (commands recorded)'}`);
  return file;
}

interface Entry {
  fields: Fields;
  where: string;
}

function readEntries(m: ModuleContext, defaults: (string | null)[]): { entries: Entry[]; suppressed: Set<string> } {
  const { ctx } = m;
  const raw = m.cfg['mounts'] ?? [];
  const entries: Entry[] = [];
  const suppressed = new Set<string>();
  if (!Array.isArray(raw)) {
    ctx.log.warn('mounts must be a list of fstab entries (lists of up to 6 fields); none added');
    return { entries, suppressed };
  }
  raw.forEach((item: unknown, i) => {
    const where = `mounts[${i}]`;
    if (!Array.isArray(item) || item.length === 0 || item.length > 6) {
      ctx.log.warn(`${where}: not a list of 1 to 6 fstab fields; skipped`);
      return;
    }
    const given = item.map((v: unknown) => (v === null || v === undefined ? null : typeof v === 'string' || typeof v === 'number' ? String(v) : undefined));
    if (given.some((v) => v === undefined || (typeof v === 'string' && (v === '' || /\s/.test(v))))) {
      ctx.log.warn(`${where}: fields must be non-empty words without blanks (or null); skipped`);
      return;
    }
    const spec = given[0];
    // Any entry for the cloud's ephemeral0 or swap (ephemeral0.1 too) replaces that default; a null spec or mount point just removes it.
    if (typeof spec === 'string') suppressed.add(spec.replace(/^(ephemeral\d+|swap)\.\d+$/, '$1'));
    if (spec === null || spec === undefined || given[1] === null) return;
    const full = [0, 1, 2, 3, 4, 5].map((k) => (k < given.length ? given[k] : defaults[k]) ?? null);
    if (full.some((v) => v === null)) {
      ctx.log.warn(`${where}: has no mount point (and mount_default_fields gives none); skipped`);
      return;
    }
    const device = resolveDevice(m, spec);
    if (device === null) {
      ctx.log.debug(`${where}: the cloud has no device ${spec}; skipped`);
      return;
    }
    entries.push({ where, fields: [device, ...(full.slice(1) as string[])] as Fields });
  });
  return { entries, suppressed };
}

export const mounts: ConfigModule = {
  name: 'mounts',
  frequency: 'once-per-instance',
  schema: {
    properties: {
      mounts: {
        type: 'array',
        description: 'fstab entries: [fs_spec, fs_file, fs_vfstype, fs_mntops, fs_freq, fs_passno]; missing fields from mount_default_fields.',
        items: { type: 'array', minItems: 1, maxItems: 6, items: { type: ['string', 'integer', 'null'] } },
      },
      mount_default_fields: { type: 'array', minItems: 6, maxItems: 6, items: { type: ['string', 'integer', 'null'] } },
      swap: {
        type: 'object',
        additionalProperties: false,
        properties: {
          filename: { type: 'string', default: '/swap.img' },
          size: { oneOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^(auto|\\d+(\\.\\d+)?[KMGTkmgt]?B?)$' }], default: 0 },
          maxsize: { oneOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^\\d+(\\.\\d+)?[KMGTkmgt]?B?$' }] },
        },
      },
    },
  },
  run(m) {
    const { ctx } = m;
    const defaults = defaultFields(m);
    const { entries, suppressed } = readEntries(m, defaults);
    const swapfile = setupSwap(m);
    if (swapfile !== null && !suppressed.has(swapfile)) {
      entries.push({ where: 'swap', fields: [swapfile, 'none', 'swap', 'sw', '0', '0'] });
      suppressed.add('swap');
    }
    // The cloud's ephemeral disk and swap device, when the user said nothing about them.
    for (const def of [['ephemeral0', '/mnt'], ['swap', 'none', 'swap', 'sw', '0', '0']]) {
      const spec = def[0] ?? '';
      if (suppressed.has(spec)) continue;
      const device = resolveDevice(m, spec);
      if (device === null) continue;
      const full = [0, 1, 2, 3, 4, 5].map((k) => def[k] ?? defaults[k] ?? '');
      entries.push({ where: `default ${spec}`, fields: [device, ...full.slice(1)] as Fields });
    }
    const old = ctx.fs.readText('/etc/fstab') ?? '';
    const kept = stripMarkedFstabLines(old);
    const adminSpecs = new Set(kept.split('\n').filter((l) => !l.trim().startsWith('#')).map((l) => l.trim().split(/\s+/)[0] ?? ''));
    const lines: string[] = [];
    const seen = new Set<string>();
    for (const e of entries) {
      const [spec, file] = e.fields;
      if (adminSpecs.has(spec)) {
        ctx.log.info(`${e.where}: ${spec} is already in /etc/fstab (not a cloud-config line); that line is kept`);
        continue;
      }
      if (seen.has(`${spec} ${file}`)) continue;
      seen.add(`${spec} ${file}`);
      const f = [...e.fields];
      f[3] = `${f[3]},${FSTAB_MARK}`;
      lines.push(f.join('\t'));
    }
    const text = `${kept}${kept === '' || kept.endsWith('\n') ? '' : '\n'}${lines.map((l) => `${l}\n`).join('')}`;
    if (text === old) {
      ctx.log.debug('mounts: /etc/fstab is unchanged');
      return;
    }
    applyFiles(ctx, [{ path: '/etc/fstab', content: text, mode: 0o644 }], { category: 'fstab' });
    ctx.log.info(`mounts: /etc/fstab has ${lines.length} cloud-config line(s)`);
    const mountDirs = lines.map((l) => l.split('\t')).filter((f) => f[2] !== 'swap' && (f[1] ?? '').startsWith('/')).map((f) => f[1] ?? '/');
    for (const dir of mountDirs) {
      if (dir.split('/').includes('..')) continue;
      try {
        ctx.fs.mkdir(dir);
      } catch (e) {
        ctx.log.warn(`mounts: could not make the mount point ${dir}: ${(e as Error).message}`);
      }
    }
    const activate: string[][] = [];
    if (ctx.fs.kind('/run/systemd/system') === 'dir') activate.push(['systemctl', 'daemon-reload']);
    activate.push(['mount', '-a']);
    if (lines.some((l) => l.split('\t')[2] === 'swap')) activate.push(['swapon', '-a']);
    for (const argv of activate) {
      const r = runCommand(argv, commandOptions(ctx, 300_000));
      if (r.ran && r.code !== 0) ctx.log.warn(`mounts: ${argv.join(' ')} failed with exit code ${r.code ?? 'none (killed by a signal)'}`);
    }
  },
};
