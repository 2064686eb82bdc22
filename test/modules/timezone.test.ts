import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { timezone } from '../../src/modules/timezone.ts';
import { cleanupRoots, runModule } from './harness.ts';

after(cleanupRoots);

const ZONES = { '/usr/share/zoneinfo/Europe/Paris': 'TZif2 fake', '/usr/share/zoneinfo/UTC': 'TZif2 fake' };

describe('timezone', () => {
  it('Debian: writes /etc/timezone and links /etc/localtime to the zone (relative link)', async () => {
    const r = await runModule(timezone, { timezone: 'Europe/Paris' }, { files: ZONES });
    assert.equal(r.error, undefined);
    assert.equal(r.read('/etc/timezone'), 'Europe/Paris\n');
    assert.equal(readlinkSync(join(r.root, 'etc/localtime')), '../usr/share/zoneinfo/Europe/Paris');
    assert.equal(r.read('/etc/localtime'), 'TZif2 fake');
    assert.deepEqual(r.commands, []);
  });

  it('RHEL: only the /etc/localtime link; an existing file there is replaced', async () => {
    const r = await runModule(timezone, { timezone: 'UTC' }, { files: { ...ZONES, '/etc/localtime': 'old' }, distro: 'rhel' });
    assert.equal(r.error, undefined);
    assert.equal(r.exists('/etc/timezone'), false);
    assert.equal(readlinkSync(join(r.root, 'etc/localtime')), '../usr/share/zoneinfo/UTC');
  });

  it('a zone missing from the target fails the module and changes nothing', async () => {
    const r = await runModule(timezone, { timezone: 'Mars/Olympus' }, { files: ZONES });
    assert.match(r.error?.message ?? '', /Mars\/Olympus: \/usr\/share\/zoneinfo\/Mars\/Olympus does not exist/);
    assert.equal(r.exists('/etc/localtime'), false);
  });

  it('refuses names that climb out of zoneinfo', async () => {
    for (const tz of ['../../etc/passwd', 'Europe/../../../etc/shadow', '/etc/passwd', 'a b']) {
      const r = await runModule(timezone, { timezone: tz }, { files: { ...ZONES, '/etc/passwd': 'root:x:0:0' } });
      assert.match(r.error?.message ?? '', /is not a zone name/, tz);
      assert.equal(r.exists('/etc/localtime'), false);
    }
  });

  it('the module argument wins over the config (cloud-init passes args first)', async () => {
    const r = await runModule(timezone, { timezone: 'Europe/Paris' }, { files: ZONES, args: ['UTC'] });
    assert.equal(r.read('/etc/timezone'), 'UTC\n');
  });
});
