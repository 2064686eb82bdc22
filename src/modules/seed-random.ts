/**
 * seed_random (once per instance): feeds `random_seed.data` (and the
 * datasource's own `random_seed` metadata, as some clouds provide one) to
 * the kernel's pool by appending it to `random_seed.file` (/dev/urandom),
 * then runs `random_seed.command` with RANDOM_SEED_FILE set. The seed is
 * never logged, only its size.
 */
import { zlib } from '../host/builtin.ts';
import { runCommand } from '../host/exec.ts';
import { commandOptions } from '../stages/context.ts';
import { isMapping } from '../text/reader.ts';
import { targetHasCommand } from './target-command.ts';
import { ModuleError, type ConfigModule } from './types.ts';

const MAX_SEED = 1024 * 1024;
function decodeSeed(data: string, encoding: string): Buffer | string {
  const b64 = (s: string): Buffer | null => {
    const c = s.replace(/\s/g, '');
    return /^[A-Za-z0-9+/]*={0,2}$/.test(c) && c.length % 4 === 0 ? Buffer.from(c, 'base64') : null;
  };
  switch (encoding) {
    case 'raw':
      return Buffer.from(data, 'utf8');
    case 'b64':
    case 'base64':
      return b64(data) ?? 'data is not valid base64';
    case 'gz':
    case 'gzip': {
      // stratus's YAML keeps a !!binary value as its base64 text.
      const bytes = b64(data) ?? Buffer.from(data, 'latin1');
      try {
        return zlib().gunzipSync(bytes, { maxOutputLength: MAX_SEED });
      } catch {
        return 'data is not valid gzip data (or larger than 1 MiB)';
      }
    }
    default:
      return `unknown encoding ${JSON.stringify(encoding)} (raw, base64, b64, gzip, gz)`;
  }
}

export const seedRandom: ConfigModule = {
  name: 'seed_random',
  frequency: 'once-per-instance',
  schema: {
    properties: {
      random_seed: {
        type: 'object',
        additionalProperties: false,
        properties: {
          file: { type: 'string', default: '/dev/urandom' },
          data: { type: 'string' },
          encoding: { type: 'string', enum: ['raw', 'base64', 'b64', 'gzip', 'gz'], default: 'raw' },
          command: { type: 'array', items: { type: 'string' }, description: 'Run after seeding, with RANDOM_SEED_FILE set (e.g. [pollinate, -q]).' },
          command_required: { type: 'boolean', default: false },
        },
      },
    },
  },
  run(m) {
    const { ctx } = m;
    const raw = m.cfg['random_seed'] ?? {};
    if (!isMapping(raw)) {
      ctx.log.warn('random_seed must be a mapping; nothing seeded');
      return;
    }
    const file = typeof raw['file'] === 'string' && raw['file'].startsWith('/') ? raw['file'] : '/dev/urandom';
    if (raw['file'] !== undefined && raw['file'] !== file) ctx.log.warn(`random_seed.file: ${JSON.stringify(raw['file'])} is not an absolute path; /dev/urandom is used`);
    const parts: Buffer[] = [];
    if (raw['data'] !== undefined && raw['data'] !== null) {
      const encoding = typeof raw['encoding'] === 'string' ? raw['encoding'].toLowerCase() : 'raw';
      const got = typeof raw['data'] === 'string' ? decodeSeed(raw['data'], encoding) : 'data must be a string';
      if (typeof got === 'string') ctx.log.warn(`random_seed: ${got}; the data is not used`);
      else parts.push(got);
    }
    const fromMd = m.instance.metaData['random_seed'];
    // OpenStack gives random bytes as base64 (the datasource says which keys are binary).
    const binary = m.instance.base64MetaKeys?.includes('random_seed') === true;
    if (typeof fromMd === 'string' && fromMd !== '') parts.push(binary ? Buffer.from(fromMd, 'base64') : Buffer.from(fromMd, 'utf8'));
    const seed = Buffer.concat(parts);
    if (seed.length > 0) {
      // Appended, never replaced: writing to the pool adds to it; a plain file keeps what was there.
      const kind = ctx.fs.kind(file);
      if (kind === 'dir') ctx.log.warn(`random_seed.file: ${file} is a directory; nothing seeded`);
      else if (kind === 'file' || kind === null) {
        ctx.fs.writeFiles([{ path: file, content: Buffer.concat([ctx.fs.readFile(file) ?? Buffer.alloc(0), seed]), mode: 0o600 }]);
        ctx.log.info(`random_seed: ${seed.length} bytes added to ${file}`);
      } else if (ctx.opts.dryRun) {
        // Planning keeps changes in memory by reading the file first, and a device never ends.
        ctx.log.info(`random_seed: ${seed.length} bytes would be added to ${file}`);
      } else {
        ctx.fs.appendFile(file, seed, 0o600);
        ctx.log.info(`random_seed: ${seed.length} bytes added to ${file}`);
      }
    }
    const command = raw['command'];
    if (command === undefined || command === null) return;
    const argv = typeof command === 'string' ? [command] : Array.isArray(command) && command.length > 0 && command.every((w) => typeof w === 'string') ? (command as string[]) : null;
    if (argv === null || argv[0] === undefined) {
      ctx.log.warn('random_seed.command must be a list of strings (an argv); not run');
      return;
    }
    const required = raw['command_required'] === true;
    if (!targetHasCommand(ctx, argv[0])) {
      if (required) throw new ModuleError(`random_seed.command: ${argv[0]} is not on the target, and command_required is true`);
      ctx.log.debug(`random_seed.command: ${argv[0]} is not on the target; not run`);
      return;
    }
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    env['RANDOM_SEED_FILE'] = file;
    const r = runCommand(argv, commandOptions(ctx, 300_000, { env }));
    if (!r.ran) ctx.log.info(`random_seed.command: ${argv[0]} not run (${r.why})`);
    else if (r.code !== 0) {
      const msg = `random_seed.command ${argv[0]} failed with exit code ${r.code ?? 'none (killed by a signal)'}`;
      if (required) throw new ModuleError(msg);
      ctx.log.warn(msg);
    }
  },
};
