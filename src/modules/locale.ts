/**
 * locale: the system locale. Debian family: /etc/default/locale plus
 * locale-gen (a locale must be generated before it can be used) and
 * update-locale as cloud-init runs them; SUSE: /etc/sysconfig/language;
 * others: /etc/locale.conf. The file is written here rather than left to
 * update-locale, so the result is the same under any --root.
 */
import { runCommand } from '../host/exec.ts';
import { distroFamily } from '../net/render/distro.ts';
import { commandOptions } from '../stages/context.ts';
import type { ConfigModule } from './types.ts';
import { ModuleError } from './types.ts';

/** Locale names: "en_US.UTF-8", "de_DE@euro", "C.UTF-8", "POSIX". */
const LOCALE = /^[A-Za-z0-9_.@+-]+$/;
/** Built into the C library: nothing to generate. */
const BUILTIN = new Set(['c', 'c.utf-8', 'c.utf8', 'posix']);

/** The value of KEY in a shell-style KEY=value file, quotes removed. */
export function readAssignment(text: string | null, key: string): string | undefined {
  for (const line of (text ?? '').split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m && m[1] === key) return (m[2] as string).trim().replace(/^(["'])(.*)\1$/, '$2');
  }
  return undefined;
}

/** The file with KEY set to value: the existing line replaced in place, or one appended; other lines kept. */
export function setAssignment(text: string | null, key: string, value: string, quote = false): string {
  const line = `${key}=${quote ? `"${value}"` : value}`;
  const lines = (text ?? '').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const at = lines.findIndex((l) => new RegExp(`^\\s*(?:export\\s+)?${key}=`).test(l));
  if (at >= 0) lines[at] = line;
  else lines.push(line);
  return `${lines.join('\n')}\n`;
}

interface Target {
  file: string;
  key: string;
  quote: boolean;
}

function targetFor(distro: string): Target | null {
  const family = distroFamily(distro);
  if (family === 'debian') return { file: '/etc/default/locale', key: 'LANG', quote: false };
  if (family === 'suse') return { file: '/etc/sysconfig/language', key: 'RC_LANG', quote: true };
  // Alpine's musl has no locale files to configure (cloud-init skips it too).
  if (family === 'alpine') return null;
  return { file: '/etc/locale.conf', key: 'LANG', quote: false };
}

export const locale: ConfigModule = {
  name: 'locale',
  frequency: 'once-per-instance',
  schema: {
    properties: {
      locale: { oneOf: [{ type: 'string' }, { type: 'boolean', enum: [false] }], description: 'The system locale, e.g. "en_US.UTF-8"; false leaves it alone.' },
      locale_configfile: { type: 'string', description: 'The file the locale is written to, instead of the distro\'s.' },
    },
  },
  run(m) {
    const { ctx, cfg } = m;
    const given = m.args[0] ?? cfg['locale'];
    if (given === false || given === 'false') {
      ctx.log.debug('locale: false; left alone');
      return;
    }
    const target = targetFor(m.distro);
    if (!target) {
      ctx.log.debug(`locale: ${m.distro} has no locale configuration to write`);
      return;
    }
    const configFile = cfg['locale_configfile'];
    if (configFile !== undefined && (typeof configFile !== 'string' || !configFile.startsWith('/'))) {
      throw new ModuleError('locale_configfile must be an absolute path');
    }
    const file = typeof configFile === 'string' ? configFile : target.file;
    const text = ctx.fs.readText(file);
    const current = readAssignment(text, target.key);
    // Not configured: keep what the image has, as cloud-init's default does.
    const wanted = given ?? current ?? (distroFamily(m.distro) === 'debian' ? 'C.UTF-8' : 'en_US.UTF-8');
    if (typeof wanted !== 'string' || !LOCALE.test(wanted)) throw new ModuleError(`locale ${JSON.stringify(wanted)} is not a locale name (like "en_US.UTF-8")`);
    if (current === wanted) {
      ctx.log.debug(`locale is already ${wanted} in ${file}`);
      return;
    }
    ctx.fs.writeFiles([{ path: file, content: setAssignment(text, target.key, wanted, target.quote), mode: 0o644 }]);
    ctx.log.info(`locale set to ${wanted} in ${file}`);
    if (distroFamily(m.distro) !== 'debian') return;
    const argvs: string[][] = [];
    if (!BUILTIN.has(wanted.toLowerCase())) argvs.push(['locale-gen', wanted]);
    argvs.push(['update-locale', `--locale-file=${file}`, `${target.key}=${wanted}`]);
    for (const argv of argvs) {
      const r = runCommand(argv, commandOptions(ctx, 300_000));
      if (r.ran && r.code !== 0) throw new ModuleError(`${argv[0]} ${wanted} failed: ${r.stderr.trim() || `exit ${r.code ?? 'signal'}`}`);
    }
  },
};
