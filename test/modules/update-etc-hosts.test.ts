import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { updateEtcHosts, updateHostLine } from '../../src/modules/update-etc-hosts.ts';
import { cleanupRoots, instance, runModule } from './harness.ts';

after(cleanupRoots);

describe('update_etc_hosts', () => {
  it('renders the Debian template with the host name set_hostname chooses', async () => {
    const r = await runModule(updateEtcHosts, { manage_etc_hosts: true, fqdn: 'web1.example.com' });
    const text = r.read('/etc/hosts');
    assert.match(text, /^127\.0\.1\.1 web1\.example\.com web1$/m);
    assert.match(text, /^127\.0\.0\.1 localhost$/m);
    assert.match(text, /^::1 localhost ip6-localhost ip6-loopback$/m);
    assert.match(text, /^ff02::2 ip6-allrouters$/m);
    assert.match(text, /^# .*manage_etc_hosts/m);
    assert.equal(r.mode('/etc/hosts'), 0o644);
  });

  it('uses the metadata host name and the RHEL layout on RHEL', async () => {
    const r = await runModule(updateEtcHosts, { manage_etc_hosts: 'template' }, { distro: 'rhel' });
    const text = r.read('/etc/hosts');
    assert.match(text, /^127\.0\.0\.1 test-host test-host$/m);
    assert.match(text, /^::1 test-host test-host$/m);
    assert.match(text, /^127\.0\.0\.1 localhost\.localdomain localhost$/m);
    assert.match(r.logText, /DEPRECATED: .*template/);
  });

  it('renders an admin template with {{ fqdn }} and {{ hostname }}', async () => {
    const r = await runModule(
      updateEtcHosts,
      { manage_etc_hosts: true, hostname: 'db', fqdn: 'db.lan' },
      { files: { '/etc/cloud/templates/hosts.debian.tmpl': '## template:jinja\n10.0.0.5 {{ fqdn }} {{hostname}}\n' } },
    );
    assert.equal(r.read('/etc/hosts'), '10.0.0.5 db.lan db\n');
    const commented = await runModule(
      updateEtcHosts,
      { manage_etc_hosts: true, hostname: 'db', fqdn: 'db.lan' },
      { files: { '/etc/cloud/templates/hosts.redhat.tmpl': '## template:jinja\n{#\nOnly used with manage_etc_hosts.\n-#}\n127.0.0.1 {{fqdn}} {{hostname}}\n::1 ${fqdn} $hostname\n' }, distro: 'centos' },
    );
    assert.equal(commented.read('/etc/hosts'), '127.0.0.1 db.lan db\n::1 db.lan db\n');
  });

  it('falls back to the built-in template when the admin template needs jinja logic', async () => {
    const r = await runModule(
      updateEtcHosts,
      { manage_etc_hosts: true, hostname: 'db' },
      { files: { '/etc/cloud/templates/hosts.debian.tmpl': '{% if x %}1.2.3.4 {{ fqdn }}{% endif %}\n' } },
    );
    assert.match(r.read('/etc/hosts'), /^127\.0\.1\.1 db db$/m);
    assert.match(r.logText, /WARNING: .*hosts\.debian\.tmpl/);
  });

  it('localhost mode changes only the host line and keeps the rest', async () => {
    const before = '127.0.0.1 localhost\n127.0.1.1 old.example old\n10.1.1.1 nas # my NAS\n';
    const r = await runModule(updateEtcHosts, { manage_etc_hosts: 'localhost', fqdn: 'new.example' }, { files: { '/etc/hosts': before } });
    assert.equal(r.read('/etc/hosts'), '127.0.0.1 localhost\n127.0.1.1 new.example new\n10.1.1.1 nas # my NAS\n');
  });

  it('localhost mode on a shared 127.0.0.1 line keeps the localhost names', () => {
    assert.equal(
      updateHostLine('127.0.0.1 localhost localhost.localdomain oldname\n::1 localhost6\n', '127.0.0.1', { hostname: 'h', fqdn: 'h.d' }),
      '127.0.0.1 h.d h localhost localhost.localdomain\n::1 localhost6\n',
    );
    assert.equal(updateHostLine('', '127.0.1.1', { hostname: 'h', fqdn: 'h' }), '127.0.1.1 h\n');
  });

  it('false leaves /etc/hosts alone; a bad value is a warning', async () => {
    const off = await runModule(updateEtcHosts, { manage_etc_hosts: false, hostname: 'x' }, { files: { '/etc/hosts': 'mine\n' } });
    assert.equal(off.read('/etc/hosts'), 'mine\n');
    const bad = await runModule(updateEtcHosts, { manage_etc_hosts: 'yes please', hostname: 'x' }, { files: { '/etc/hosts': 'mine\n' } });
    assert.equal(bad.read('/etc/hosts'), 'mine\n');
    assert.match(bad.logText, /WARNING: manage_etc_hosts: "yes please"/);
  });

  it('falls back to /etc/hostname when neither the config nor the metadata names the host', async () => {
    const r = await runModule(updateEtcHosts, { manage_etc_hosts: true }, {
      files: { '/etc/hostname': 'box.lan\n' },
      instance: instance({ metaData: { 'instance-id': 'iid-test' } }),
    });
    assert.match(r.read('/etc/hosts'), /^127\.0\.1\.1 box\.lan box$/m);
  });
});
