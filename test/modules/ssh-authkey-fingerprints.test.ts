import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { captureConsole } from '../../src/modules/console-output.ts';
import { configuredUsers, sshAuthkeyFingerprints as mod } from '../../src/modules/ssh-authkey-fingerprints.ts';
import type { Mapping } from '../../src/text/reader.ts';
import { cleanupRoots, runModule, type RunOptions } from './harness.ts';
import { ECDSA, ED25519, MD5, RSA } from './ssh-keys.fixture.ts';

after(cleanupRoots);

async function printed(cfg: Mapping, opts: RunOptions) {
  const cap = captureConsole();
  try {
    const r = await runModule(mod, cfg, opts);
    return { r, text: cap.text() };
  } finally {
    cap.restore();
  }
}

const DEFAULT_USER = { system_info: { default_user: { name: 'debian' } } };
const PASSWD = 'root:x:0:0:root:/root:/bin/bash\ndebian:x:1000:1000::/home/debian:/bin/bash\nops:x:1001:1001::/srv/ops:/bin/sh\n';

describe('ssh_authkey_fingerprints', () => {
  it('a table per user and file: type, fingerprint, options, comment (hex of the digest, as cloud-init)', async () => {
    const keys = `# a comment\n${ED25519}\nfrom="10.0.0.0/8",no-pty ${RSA}\n\n${ECDSA.split(' ').slice(0, 2).join(' ')}\n`;
    const { r, text } = await printed({ ...DEFAULT_USER, authkey_hash: 'md5' }, { files: { '/etc/passwd': PASSWD, '/home/debian/.ssh/authorized_keys': keys } });
    assert.equal(r.error, undefined);
    const lines = text.trimEnd().split('\n');
    assert.ok(lines.every((l) => l.startsWith('ci-info: ')));
    assert.match(lines[0] ?? '', /^ci-info: \++Authorized keys from \/home\/debian\/\.ssh\/authorized_keys for user debian\++$/);
    assert.match(lines[2] ?? '', /^ci-info: \| Keytype +\| Fingerprint \(md5\) +\| Options +\| Comment +\|$/);
    const rows = lines.slice(4, 7).map((l) => l.replace('ci-info: ', '').split('|').slice(1, -1).map((c) => c.trim()));
    assert.deepEqual(rows, [
      ['ssh-ed25519', MD5.ed25519, '-', 'root@test-host'],
      ['ssh-rsa', MD5.rsa, 'from="10.0.0.0/8",no-pty', 'root@test-host'],
      ['ecdsa-sha2-nistp256', MD5.ecdsa, '-', '-'],
    ]);
    // Every line of the table is as wide as its banner.
    assert.equal(new Set(lines.map((l) => l.length)).size, 1);
  });

  it('sha256 by default; home from /etc/passwd; AuthorizedKeysFile from sshd_config', async () => {
    const { text } = await printed(
      { users: ['default', { name: 'ops' }] , ...DEFAULT_USER },
      { files: { '/etc/passwd': PASSWD, '/etc/ssh/sshd_config': 'AuthorizedKeysFile /etc/ssh/keys/%u .ssh/authorized_keys\n', '/etc/ssh/keys/ops': `${ED25519}\n` } },
    );
    assert.match(text, /no authorized SSH keys fingerprints found for user debian\./);
    assert.match(text, /Authorized keys from \/etc\/ssh\/keys\/ops for user ops/);
    assert.match(text, /Fingerprint \(sha256\)/);
    assert.match(text, /\| ssh-ed25519 \| ([0-9a-f]{2}:){31}[0-9a-f]{2} \|/);
  });

  it('no_ssh_fingerprints prints nothing; an unknown hash fails the module', async () => {
    const files = { '/home/debian/.ssh/authorized_keys': `${ED25519}\n` };
    assert.equal((await printed({ ...DEFAULT_USER, no_ssh_fingerprints: true }, { files })).text, '');
    const bad = await printed({ ...DEFAULT_USER, authkey_hash: 'rot13' }, { files });
    assert.match(bad.r.error?.message ?? '', /authkey_hash "rot13"/);
  });

  it('which users: the default user alone, "default" in users, names, comma lists', () => {
    assert.deepEqual(configuredUsers(DEFAULT_USER), ['debian']);
    assert.deepEqual(configuredUsers({ ...DEFAULT_USER, users: ['default', 'a', { name: 'b' }, 7] }), ['debian', 'a', 'b']);
    assert.deepEqual(configuredUsers({ ...DEFAULT_USER, users: [{ name: 'b' }] }), ['b']);
    assert.deepEqual(configuredUsers({ ...DEFAULT_USER, users: 'default, c' }), ['debian', 'c']);
    assert.deepEqual(configuredUsers({ ...DEFAULT_USER, user: 'ubuntu' }), ['ubuntu']);
    assert.deepEqual(configuredUsers({}), []);
  });
});
