import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { locale, setAssignment } from '../../src/modules/locale.ts';
import { cleanupRoots, runModule } from './harness.ts';

after(cleanupRoots);

describe('locale', () => {
  it('Debian: /etc/default/locale, then locale-gen and update-locale as cloud-init runs them (recorded, not run)', async () => {
    const r = await runModule(locale, { locale: 'de_DE.UTF-8' });
    assert.equal(r.error, undefined);
    assert.equal(r.read('/etc/default/locale'), 'LANG=de_DE.UTF-8\n');
    assert.deepEqual(r.commands, ['locale-gen de_DE.UTF-8', 'update-locale --locale-file=/etc/default/locale LANG=de_DE.UTF-8']);
  });

  it('keeps the other settings of the file and replaces LANG in place', async () => {
    const r = await runModule(locale, { locale: 'fr_FR.UTF-8' }, { files: { '/etc/default/locale': '# comment\nLANG="en_US.UTF-8"\nLC_TIME=C\n' } });
    assert.equal(r.read('/etc/default/locale'), '# comment\nLANG=fr_FR.UTF-8\nLC_TIME=C\n');
  });

  it('C.UTF-8 needs no locale-gen', async () => {
    const r = await runModule(locale, { locale: 'C.UTF-8' });
    assert.deepEqual(r.commands, ['update-locale --locale-file=/etc/default/locale LANG=C.UTF-8']);
  });

  it('locale_configfile moves the file', async () => {
    const r = await runModule(locale, { locale: 'en_GB.UTF-8', locale_configfile: '/etc/locale.alt' });
    assert.equal(r.read('/etc/locale.alt'), 'LANG=en_GB.UTF-8\n');
    assert.equal(r.exists('/etc/default/locale'), false);
  });

  it('RHEL: /etc/locale.conf and no commands', async () => {
    const r = await runModule(locale, { locale: 'en_US.UTF-8' }, { distro: 'fedora' });
    assert.equal(r.read('/etc/locale.conf'), 'LANG=en_US.UTF-8\n');
    assert.deepEqual(r.commands, []);
  });

  it('SUSE: RC_LANG in /etc/sysconfig/language', async () => {
    const r = await runModule(locale, { locale: 'en_US.UTF-8' }, { distro: 'opensuse', files: { '/etc/sysconfig/language': 'RC_LANG=""\nROOT_USES_LANG="ctype"\n' } });
    assert.equal(r.read('/etc/sysconfig/language'), 'RC_LANG="en_US.UTF-8"\nROOT_USES_LANG="ctype"\n');
  });

  it('not configured: the image\'s locale is kept (nothing written, nothing run)', async () => {
    const r = await runModule(locale, {}, { files: { '/etc/default/locale': 'LANG=en_US.UTF-8\n' } });
    assert.equal(r.read('/etc/default/locale'), 'LANG=en_US.UTF-8\n');
    assert.deepEqual(r.commands, []);
  });

  it('not configured and nothing set: the distro default', async () => {
    const r = await runModule(locale, {});
    assert.equal(r.read('/etc/default/locale'), 'LANG=C.UTF-8\n');
  });

  it('locale: false leaves everything alone; a bad name fails the module', async () => {
    const off = await runModule(locale, { locale: false });
    assert.equal(off.exists('/etc/default/locale'), false);
    const bad = await runModule(locale, { locale: 'en_US.UTF-8; rm -rf /' });
    assert.match(bad.error?.message ?? '', /is not a locale name/);
    assert.deepEqual(bad.commands, []);
  });

  it('setAssignment appends a missing key', () => {
    assert.equal(setAssignment('A=1', 'LANG', 'C'), 'A=1\nLANG=C\n');
  });
});
