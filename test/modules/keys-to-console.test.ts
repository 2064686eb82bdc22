import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { captureConsole } from '../../src/modules/console-output.ts';
import { keysToConsole } from '../../src/modules/keys-to-console.ts';
import type { Mapping } from '../../src/text/reader.ts';
import { cleanupRoots, runModule, type RunOptions } from './harness.ts';
import { ECDSA, ED25519, KEYGEN_L, RSA } from './ssh-keys.fixture.ts';

after(cleanupRoots);

const HOST_KEYS = {
  '/etc/ssh/ssh_host_ed25519_key.pub': `${ED25519}\n`,
  '/etc/ssh/ssh_host_rsa_key.pub': `${RSA}\n`,
  '/etc/ssh/ssh_host_ecdsa_key.pub': `${ECDSA}\n`,
  '/etc/ssh/ssh_host_ed25519_key': 'PRIVATE, never read',
  '/etc/ssh/sshd_config': '',
};

/** Console output is captured through the modules' console sink (see src/modules/console-output.ts). */
async function printed(cfg: Mapping, opts: RunOptions = { files: HOST_KEYS }) {
  const cap = captureConsole();
  try {
    const r = await runModule(keysToConsole, cfg, opts);
    return { r, text: cap.text() };
  } finally {
    cap.restore();
  }
}

const blob = (line: string) => line.split(' ').slice(0, 2).join(' ');

describe('keys_to_console', () => {
  it('prints the fingerprints as ssh-keygen -l does and the keys, between the exact marker lines', async () => {
    const { r, text } = await printed({});
    assert.equal(r.error, undefined);
    const rule = '#'.repeat(61);
    assert.equal(
      text,
      [
        rule,
        '-----BEGIN SSH HOST KEY FINGERPRINTS-----',
        KEYGEN_L.ecdsa,
        KEYGEN_L.ed25519,
        KEYGEN_L.rsa,
        '-----END SSH HOST KEY FINGERPRINTS-----',
        rule,
        '-----BEGIN SSH HOST KEY KEYS-----',
        blob(ECDSA),
        blob(ED25519),
        blob(RSA),
        '-----END SSH HOST KEY KEYS-----',
        '',
      ].join('\n'),
    );
  });

  it('blacklists hide fingerprints and keys by key type', async () => {
    const { text } = await printed({ ssh_fp_console_blacklist: ['ssh-rsa'], ssh_key_console_blacklist: ['ecdsa-sha2-nistp256', 'ssh-ed25519'] });
    const fps = text.split('-----BEGIN SSH HOST KEY FINGERPRINTS-----\n')[1]?.split('-----END')[0] ?? '';
    assert.equal(fps, `${KEYGEN_L.ecdsa}\n${KEYGEN_L.ed25519}\n`);
    const keys = text.split('-----BEGIN SSH HOST KEY KEYS-----\n')[1]?.split('-----END')[0] ?? '';
    assert.equal(keys, `${blob(RSA)}\n`);
  });

  it('ssh.emit_keys_to_console: false prints nothing; no host keys prints nothing', async () => {
    assert.equal((await printed({ ssh: { emit_keys_to_console: false } })).text, '');
    assert.equal((await printed({}, { files: {} })).text, '');
  });

  it('a .pub file without a key is warned about and left out', async () => {
    const { r, text } = await printed({}, { files: { '/etc/ssh/ssh_host_ed25519_key.pub': `${ED25519}\n`, '/etc/ssh/ssh_host_bad_key.pub': 'garbage\n' } });
    assert.match(r.logText, /WARNING: \/etc\/ssh\/ssh_host_bad_key\.pub holds no SSH public key/);
    assert.match(text, new RegExp(KEYGEN_L.ed25519.replace(/[+/()]/g, '\\$&')));
  });
});
