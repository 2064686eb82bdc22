import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { resolvConf } from '../../src/modules/resolv-conf.ts';
import { cleanupRoots, runModule } from './harness.ts';

after(cleanupRoots);

describe('resolv_conf', () => {
  it('writes nameservers, search, domain, sortlist and options', async () => {
    const r = await runModule(
      resolvConf,
      {
        manage_resolv_conf: true,
        resolv_conf: {
          nameservers: ['8.8.8.8', '2001:4860:4860::8888'],
          searchdomains: ['foo.example.com', 'bar.example.com'],
          domain: 'example.com',
          sortlist: ['10.0.0.1/255.255.255.0', '10.0.0.2'],
          options: { rotate: true, timeout: 1, 'no-check-names': false },
        },
      },
      { distro: 'rhel' },
    );
    assert.equal(
      r.read('/etc/resolv.conf'),
      [
        '# Written by stratus from the cloud-config (manage_resolv_conf).',
        'nameserver 8.8.8.8',
        'nameserver 2001:4860:4860::8888',
        'search foo.example.com bar.example.com',
        'domain example.com',
        'sortlist 10.0.0.1/255.255.255.0 10.0.0.2',
        'options rotate timeout:1',
        '',
      ].join('\n'),
    );
    assert.equal(r.mode('/etc/resolv.conf'), 0o644);
  });

  it('skips bad items with a warning naming them', async () => {
    const r = await runModule(resolvConf, { manage_resolv_conf: true, resolv_conf: { nameservers: ['1.1.1.1', 'not-an-ip', '10.0.0.300'], searchdomains: ['ok.lan', 'bad domain'] } }, { distro: 'alpine' });
    assert.equal(r.read('/etc/resolv.conf').split('\n').slice(1).join('\n'), 'nameserver 1.1.1.1\nsearch ok.lan\n');
    assert.match(r.logText, /resolv_conf\.nameservers\[1\]: "not-an-ip"/);
    assert.match(r.logText, /resolv_conf\.nameservers\[2\]/);
    assert.match(r.logText, /resolv_conf\.searchdomains\[1\]/);
  });

  it('does nothing unless manage_resolv_conf is true', async () => {
    const r = await runModule(resolvConf, { resolv_conf: { nameservers: ['1.1.1.1'] } }, { files: { '/etc/resolv.conf': 'nameserver 9.9.9.9\n' } });
    assert.equal(r.read('/etc/resolv.conf'), 'nameserver 9.9.9.9\n');
  });

  it('is limited to the distros cloud-init runs it on', () => {
    assert.ok(resolvConf.distros?.includes('rhel'));
    assert.ok(!resolvConf.distros?.includes('ubuntu'));
    assert.deepEqual(resolvConf.activateBy, ['manage_resolv_conf']);
  });
});
