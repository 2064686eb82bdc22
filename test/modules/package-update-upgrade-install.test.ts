import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { packageUpdateUpgradeInstall as mod } from '../../src/modules/package-update-upgrade-install.ts';
import { cleanupRoots, runModule } from './harness.ts';

after(cleanupRoots);

const APT = 'apt-get --option=Dpkg::Options::=--force-confold --option=Dpkg::options::=--force-unsafe-io --assume-yes --quiet';

describe('package_update_upgrade_install', () => {
  it('apt: update, dist-upgrade, install with name=version; recorded with DEBIAN_FRONTEND set, not run', async () => {
    const r = await runModule(mod, { package_update: true, package_upgrade: true, packages: ['htop', ['nginx', '1.22.1-9'], 'libc6:amd64'] });
    assert.equal(r.error, undefined);
    assert.deepEqual(r.commands, [`${APT} update`, `${APT} dist-upgrade`, `${APT} install htop nginx=1.22.1-9 libc6:amd64`]);
    assert.ok(r.ctx.commands.every((c) => !c.ran));
  });

  it('packages alone imply the list update', async () => {
    const r = await runModule(mod, { packages: ['curl'] });
    assert.deepEqual(r.commands, [`${APT} update`, `${APT} install curl`]);
  });

  it('the deprecated apt_update/apt_upgrade spellings still work', async () => {
    const r = await runModule(mod, { apt_update: true, apt_upgrade: true });
    assert.deepEqual(r.commands, [`${APT} update`, `${APT} dist-upgrade`]);
  });

  it('nothing asked: no command', async () => {
    const r = await runModule(mod, { package_update: false, packages: [] });
    assert.deepEqual(r.commands, []);
  });

  it('dnf on RHEL, yum when only yum is on the target', async () => {
    const dnf = await runModule(mod, { package_upgrade: true, packages: [['httpd', '2.4.57']] }, { distro: 'rocky', files: { '/usr/bin/dnf': '' } });
    assert.deepEqual(dnf.commands, ['dnf -y makecache', 'dnf -y upgrade', 'dnf -y install httpd-2.4.57']);
    const yum = await runModule(mod, { packages: ['httpd'] }, { distro: 'centos', files: { '/usr/bin/yum': '' } });
    assert.deepEqual(yum.commands, ['yum -y makecache', 'yum -y install httpd']);
  });

  it('apk on Alpine and zypper on SUSE', async () => {
    const apk = await runModule(mod, { package_upgrade: true, packages: ['bash', ['curl', '8.5.0-r0']] }, { distro: 'alpine' });
    assert.deepEqual(apk.commands, ['apk --quiet update', 'apk --quiet upgrade --available', 'apk --quiet add bash curl=8.5.0-r0']);
    const zyp = await runModule(mod, { package_upgrade: true, packages: ['vim'] }, { distro: 'opensuse' });
    assert.deepEqual(zyp.commands, ['zypper --non-interactive refresh', 'zypper --non-interactive update', 'zypper --non-interactive install --auto-agree-with-licenses vim']);
  });

  it('bad package items are warned about by index and skipped', async () => {
    const r = await runModule(mod, { packages: ['ok', '-oops', ['a', 'b', 'c'], { apt: ['x'] }, 'rm -rf', null] });
    assert.deepEqual(r.commands, [`${APT} update`, `${APT} install ok`]);
    for (const i of [1, 2, 3, 4, 5]) assert.match(r.logText, new RegExp(`WARNING: packages\\[${i}\\]`));
  });

  it('reboots when asked and the system says it is required', async () => {
    const r = await runModule(mod, { package_upgrade: true, package_reboot_if_required: true }, { files: { '/var/run/reboot-required': '' } });
    assert.deepEqual(r.commands, [`${APT} update`, `${APT} dist-upgrade`, '/sbin/reboot']);
    const no = await runModule(mod, { package_upgrade: true, package_reboot_if_required: true });
    assert.equal(no.commands.includes('/sbin/reboot'), false);
  });

  it('an unknown distro fails the module', async () => {
    const r = await runModule(mod, { packages: ['x'] }, { distro: 'plan9' });
    assert.match(r.error?.message ?? '', /no package manager known for the distro plan9/);
  });
});
