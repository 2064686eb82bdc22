import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { defaultPools, ntp } from '../../src/modules/ntp.ts';
import { cleanupRoots, runModule } from './harness.ts';

after(cleanupRoots);

const APT = 'apt-get --option=Dpkg::Options::=--force-confold --option=Dpkg::options::=--force-unsafe-io --assume-yes --quiet';

describe('ntp', () => {
  it('chrony on Debian: /etc/chrony/chrony.conf with every source kind, installed when missing, service restarted', async () => {
    const r = await runModule(ntp, { ntp: { ntp_client: 'chrony', servers: ['10.0.0.1'], pools: ['pool.example.org'], peers: ['peer1'], allow: ['10.0.0.0/8'] } });
    assert.equal(r.error, undefined);
    const conf = r.read('/etc/chrony/chrony.conf');
    for (const line of ['pool pool.example.org iburst', 'server 10.0.0.1 iburst', 'peer peer1', 'allow 10.0.0.0/8', 'driftfile /var/lib/chrony/chrony.drift', 'makestep 1.0 3']) {
      assert.ok(conf.split('\n').includes(line), `${line} in\n${conf}`);
    }
    assert.equal(r.mode('/etc/chrony/chrony.conf'), 0o644);
    assert.deepEqual(r.commands, [`${APT} install chrony`, 'systemctl enable chrony', 'systemctl restart chrony']);
  });

  it('chrony on RHEL: /etc/chrony.conf and chronyd; no install when chronyd is on the target', async () => {
    const r = await runModule(ntp, { ntp: { ntp_client: 'chrony', servers: ['a.example'] } }, { distro: 'rhel', files: { '/usr/sbin/chronyd': '' } });
    assert.match(r.read('/etc/chrony.conf'), /^server a\.example iburst$/m);
    assert.deepEqual(r.commands, ['systemctl enable chronyd', 'systemctl restart chronyd']);
  });

  it('auto picks the client installed on the target: systemd-timesyncd', async () => {
    const r = await runModule(ntp, { ntp: { servers: ['s1'], pools: ['p1'] } }, { files: { '/lib/systemd/systemd-timesyncd': '' } });
    assert.equal(r.read('/etc/systemd/timesyncd.conf.d/cloud-init.conf').split('\n').slice(1).join('\n'), '[Time]\nNTP=s1 p1\n');
    assert.deepEqual(r.commands, ['systemctl enable systemd-timesyncd', 'systemctl restart systemd-timesyncd']);
  });

  it('auto with nothing installed: the distro\'s first choice, with the distro\'s default pools', async () => {
    const r = await runModule(ntp, { ntp: null });
    const conf = r.read('/etc/chrony/chrony.conf');
    for (const p of defaultPools('debian')) assert.match(conf, new RegExp(`^pool ${p.replace(/\./g, '\\.')} iburst$`, 'm'));
    assert.deepEqual(defaultPools('debian'), ['0.debian.pool.ntp.org', '1.debian.pool.ntp.org', '2.debian.pool.ntp.org', '3.debian.pool.ntp.org']);
    assert.deepEqual(defaultPools('sles'), ['0.opensuse.pool.ntp.org', '1.opensuse.pool.ntp.org', '2.opensuse.pool.ntp.org', '3.opensuse.pool.ntp.org']);
    assert.equal(defaultPools('rhel')[0], '0.pool.ntp.org');
  });

  it('ntpd: /etc/ntp.conf with restrict lines for allowed networks', async () => {
    const r = await runModule(ntp, { ntp: { ntp_client: 'ntp', servers: ['ntp1'], allow: ['192.168.0.0/16', '10.1.2.3'] } }, { distro: 'fedora', files: { '/usr/sbin/ntpd': '' } });
    const conf = r.read('/etc/ntp.conf');
    assert.match(conf, /^server ntp1 iburst$/m);
    assert.match(conf, /^restrict 192\.168\.0\.0 mask 255\.255\.0\.0 nomodify notrap$/m);
    assert.match(conf, /^restrict 10\.1\.2\.3 nomodify notrap$/m);
    assert.deepEqual(r.commands, ['systemctl enable ntpd', 'systemctl restart ntpd']);
  });

  it('config overrides: confpath and service_name; Alpine uses OpenRC', async () => {
    const r = await runModule(ntp, { ntp: { ntp_client: 'chrony', servers: ['x'], config: { confpath: '/etc/my-chrony.conf', service_name: 'mychrony', packages: [] } } }, { distro: 'alpine' });
    assert.match(r.read('/etc/my-chrony.conf'), /^server x iburst$/m);
    assert.deepEqual(r.commands, ['rc-update add mychrony default', 'rc-service mychrony restart']);
  });

  it('enabled: false does nothing; bad hosts are warned about and skipped; an unknown client fails', async () => {
    const off = await runModule(ntp, { ntp: { enabled: false, servers: ['x'] } });
    assert.deepEqual(off.commands, []);
    assert.equal(off.exists('/etc/chrony/chrony.conf'), false);
    const bad = await runModule(ntp, { ntp: { ntp_client: 'chrony', servers: ['good', 'bad host\nallow all', 7] } }, { files: { '/usr/sbin/chronyd': '' } });
    const conf = bad.read('/etc/chrony/chrony.conf');
    assert.match(conf, /^server good iburst$/m);
    assert.doesNotMatch(conf, /allow all/);
    assert.match(bad.logText, /WARNING: ntp\.servers\[1\]/);
    assert.match(bad.logText, /WARNING: ntp\.servers\[2\]/);
    const unknown = await runModule(ntp, { ntp: { ntp_client: 'openntpd' } });
    assert.match(unknown.error?.message ?? '', /ntp_client "openntpd" is not one of/);
  });

  it('config.template: a Jinja template rendered with the sources; a broken one fails the module', async () => {
    const template = '## template: jinja\n{% for s in servers %}server {{ s }} prefer\n{% endfor %}{% for p in pools %}pool {{ p }}\n{% endfor %}';
    const r = await runModule(ntp, { ntp: { ntp_client: 'chrony', servers: ['a', 'b'], pools: ['p'], config: { template } } }, { files: { '/usr/sbin/chronyd': '' } });
    assert.equal(r.error, undefined);
    assert.equal(r.read('/etc/chrony/chrony.conf'), 'server a prefer\nserver b prefer\npool p\n');
    const bad = await runModule(ntp, { ntp: { ntp_client: 'chrony', config: { template: '## template: jinja\n{% for s in servers %}' } } }, { files: { '/usr/sbin/chronyd': '' } });
    assert.match(bad.error?.message ?? '', /^ntp\.config\.template: /);
    assert.equal(bad.exists('/etc/chrony/chrony.conf'), false);
  });
});
