/**
 * timezone: points /etc/localtime at the zone's file in the target's
 * zoneinfo, and on Debian-family systems also writes /etc/timezone (which
 * tzdata and tools there read). The zone must exist on the target: a typo
 * must not leave the machine with a dangling /etc/localtime.
 */
import { distroFamily } from '../net/render/distro.ts';
import type { ConfigModule } from './types.ts';
import { ModuleError } from './types.ts';

const ZONEINFO = '/usr/share/zoneinfo';
/** Zone names are path-like words ("America/Argentina/Buenos_Aires", "Etc/GMT+3"). */
const ZONE = /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/;

export const timezone: ConfigModule = {
  name: 'timezone',
  frequency: 'once-per-instance',
  activateBy: ['timezone'],
  schema: { properties: { timezone: { type: 'string', description: 'The zone name as in /usr/share/zoneinfo, e.g. "Europe/Paris".' } } },
  run(m) {
    const tz = m.args[0] ?? m.cfg['timezone'];
    if (tz === undefined || tz === null || tz === '') {
      m.ctx.log.debug('timezone: none configured');
      return;
    }
    if (typeof tz !== 'string' || !ZONE.test(tz) || tz.split('/').some((p) => p === '.' || p === '..')) {
      throw new ModuleError(`timezone ${JSON.stringify(tz)} is not a zone name (like "Europe/Paris")`);
    }
    const file = `${ZONEINFO}/${tz}`;
    const kind = m.ctx.fs.kind(file);
    if (kind !== 'file' && kind !== 'link') throw new ModuleError(`timezone ${tz}: ${file} does not exist on the target`);
    if (distroFamily(m.distro) === 'debian') m.ctx.fs.writeFiles([{ path: '/etc/timezone', content: `${tz}\n`, mode: 0o644 }]);
    m.ctx.fs.symlink(file, '/etc/localtime');
    m.ctx.log.info(`timezone set to ${tz}`);
  },
};
