import assert from 'node:assert/strict';
import { arch } from 'node:os';
import { after, describe, it } from 'node:test';
import { aptConfigure } from '../../src/modules/apt-configure.ts';
import { cleanupRoots, runModule } from './harness.ts';

after(cleanupRoots);

const OS_RELEASE = { '/etc/os-release': 'ID=debian\nVERSION_CODENAME=bookworm\n' };
const KEY = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBGRfakekey\n=abcd\n-----END PGP PUBLIC KEY BLOCK-----';
const DPKG_ARCH = arch() === 'arm64' ? 'arm64' : 'amd64';

describe('apt_configure', () => {
  it('is for Debian and Ubuntu only', () => {
    assert.deepEqual(aptConfigure.distros, ['debian', 'ubuntu']);
  });

  it('writes the proxy file with each proxy kind', async () => {
    const r = await runModule(aptConfigure, { apt: { proxy: 'http://p:3128', https_proxy: 'http://s:3128', ftp_proxy: 'ftp://f' } }, { files: OS_RELEASE });
    assert.equal(r.error, undefined);
    assert.equal(
      r.read('/etc/apt/apt.conf.d/90cloud-init-aptproxy'),
      'Acquire::http::Proxy "http://p:3128";\nAcquire::ftp::Proxy "ftp://f";\nAcquire::https::Proxy "http://s:3128";\n',
    );
    assert.deepEqual(r.commands, []);
  });

  it('removes an old proxy file when no proxy is configured any more', async () => {
    const r = await runModule(aptConfigure, { apt: {} }, { files: { ...OS_RELEASE, '/etc/apt/apt.conf.d/90cloud-init-aptproxy': 'old' } });
    assert.equal(r.exists('/etc/apt/apt.conf.d/90cloud-init-aptproxy'), false);
  });

  it('sources: $RELEASE/$MIRROR substituted, default filename, keys written and $KEY_FILE substituted', async () => {
    const r = await runModule(
      aptConfigure,
      {
        apt: {
          primary: [{ arches: ['default'], uri: 'http://mirror.example/debian' }],
          preserve_sources_list: true,
          sources: {
            example: { source: 'deb [signed-by=$KEY_FILE] http://repo.example/apt $RELEASE main', key: KEY },
            mirror: { source: 'deb $MIRROR ${RELEASE}-backports main', filename: 'backports' },
            second: { source: 'deb http://other.example $RELEASE main', filename: 'backports.list' },
          },
        },
      },
      { files: OS_RELEASE },
    );
    assert.equal(r.error, undefined);
    assert.equal(r.read('/etc/apt/sources.list.d/example.list'), 'deb [signed-by=/etc/apt/trusted.gpg.d/example.asc] http://repo.example/apt bookworm main\n');
    assert.equal(r.read('/etc/apt/trusted.gpg.d/example.asc'), `${KEY}\n`);
    assert.equal(r.read('/etc/apt/sources.list.d/backports.list'), 'deb http://mirror.example/debian bookworm-backports main\ndeb http://other.example bookworm main\n');
    assert.equal(r.exists('/etc/apt/sources.list'), false, 'preserve_sources_list keeps sources.list');
  });

  it('a second run does not duplicate a line already in the list', async () => {
    const files = { ...OS_RELEASE, '/etc/apt/sources.list.d/x.list': 'deb http://x bookworm main\n' };
    const r = await runModule(aptConfigure, { apt: { sources: { x: { source: 'deb http://x $RELEASE main' } } } }, { files });
    assert.equal(r.read('/etc/apt/sources.list.d/x.list'), 'deb http://x bookworm main\n');
  });

  it('primary/security mirrors render sources.list for the architecture', async () => {
    const r = await runModule(
      aptConfigure,
      {
        apt: {
          primary: [{ arches: ['s390x'], uri: 'http://wrong.example' }, { arches: [DPKG_ARCH], uri: 'http://m.example/debian' }],
          security: [{ arches: ['default'], uri: 'http://sec.example/debian-security' }],
        },
      },
      { files: OS_RELEASE },
    );
    assert.equal(
      r.read('/etc/apt/sources.list').split('\n').filter((l) => l.startsWith('deb')).join('\n'),
      'deb http://m.example/debian bookworm main\ndeb http://m.example/debian bookworm-updates main\ndeb http://sec.example/debian-security bookworm-security main',
    );
  });

  it('sources_list template on Ubuntu uses the default mirrors', async () => {
    const r = await runModule(aptConfigure, { apt: { sources_list: 'deb $MIRROR $RELEASE main\ndeb $SECURITY $RELEASE-security main' } }, { distro: 'ubuntu', files: { '/etc/os-release': 'VERSION_CODENAME="noble"\n' } });
    const primary = DPKG_ARCH === 'amd64' ? 'http://archive.ubuntu.com/ubuntu' : 'http://ports.ubuntu.com/ubuntu-ports';
    const security = DPKG_ARCH === 'amd64' ? 'http://security.ubuntu.com/ubuntu' : 'http://ports.ubuntu.com/ubuntu-ports';
    assert.equal(r.read('/etc/apt/sources.list'), `deb ${primary} noble main\ndeb ${security} noble-security main\n`);
  });

  it('bad items are warned about and skipped; the rest is written', async () => {
    const r = await runModule(
      aptConfigure,
      {
        apt: {
          http_proxy: 'http://x"; Acquire::bad "1',
          sources: {
            ppa: { source: 'ppa:someone/thing' },
            keyserver: { source: 'deb http://k.example $RELEASE main', keyid: 'ABCDEF', keyserver: 'keyserver.ubuntu.com' },
            badkey: { source: 'deb http://b.example main', key: 'not a key' },
            notmap: 'deb http://n.example',
            '../../etc/evil': { source: 'deb http://e.example x main' },
            good: { source: 'deb http://g.example $RELEASE main' },
          },
        },
      },
      { files: OS_RELEASE },
    );
    assert.equal(r.error, undefined);
    assert.equal(r.exists('/etc/apt/apt.conf.d/90cloud-init-aptproxy'), false);
    assert.match(r.logText, /WARNING: apt\.http_proxy: not a proxy URL/);
    assert.match(r.logText, /WARNING: apt\.sources\.ppa: PPA sources/);
    assert.match(r.logText, /WARNING: apt\.sources\.keyserver: fetching keys from a key server is not supported/);
    assert.match(r.logText, /WARNING: apt\.sources\.badkey\.key: not an ASCII-armored/);
    assert.match(r.logText, /WARNING: apt\.sources\.notmap: not a mapping/);
    assert.match(r.logText, /WARNING: apt\.sources\.\.\.\/\.\.\/etc\/evil: .* is not a file name/);
    assert.equal(r.read('/etc/apt/sources.list.d/keyserver.list'), 'deb http://k.example bookworm main\n');
    assert.equal(r.read('/etc/apt/sources.list.d/good.list'), 'deb http://g.example bookworm main\n');
    assert.equal(r.exists('/etc/apt/sources.list.d/badkey.list'), false);
    assert.equal(r.exists('/etc/evil.list'), false);
  });

  it('without a release codename, sources that need $RELEASE are skipped with a warning', async () => {
    const r = await runModule(aptConfigure, { apt: { sources: { a: { source: 'deb http://a $RELEASE main' }, b: { source: 'deb http://b stable main' } } } });
    assert.match(r.logText, /WARNING: apt\.sources\.a\.source: \$RELEASE unknown/);
    assert.equal(r.exists('/etc/apt/sources.list.d/a.list'), false);
    assert.equal(r.read('/etc/apt/sources.list.d/b.list'), 'deb http://b stable main\n');
  });
});
