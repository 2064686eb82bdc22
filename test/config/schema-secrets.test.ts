/**
 * Schema messages never repeat a secret: they go to the log and to the
 * world-readable status.json. Under a password, token or private-key key
 * (src/config/schema/secret-paths.ts) a message says the value's kind; other
 * values are still shown, as users need them to find the mistake.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateCloudConfig } from '../../src/config/schema/cloud-config.ts';
import { isSecretPath } from '../../src/config/schema/secret-paths.ts';
import { formatDiagnostic } from '../../src/text/diagnostics.ts';

function messages(cfg: unknown): string[] {
  const r = validateCloudConfig(cfg, undefined, 'user-data cloud-config');
  return [...r.errors, ...r.warnings].map((d) => formatDiagnostic(d));
}

describe('schema messages and secrets', () => {
  test('a wrong-typed password is named by its place and kind, not its value', () => {
    const out = messages({
      users: [{ name: 'carol', passwd: 12345678901, plain_text_passwd: ['List-Pw-6'], hashed_passwd: 424242424242 }],
      chpasswd: { users: [{ name: 'debian', password: 987654321, type: 'Typo-Pw-type' }], expire: 'Not-A-Bool-Pw' },
      password: { nested: 'Nested-Pw-7' },
      ssh_keys: { rsa_private: 31337313373 },
    }).join('\n');
    for (const secret of ['12345678901', 'List-Pw-6', '424242424242', '987654321', 'Typo-Pw-type', 'Not-A-Bool-Pw', 'Nested-Pw-7', '31337313373']) {
      assert.ok(!out.includes(secret), `${secret} in:\n${out}`);
    }
    assert.match(out, /users\[0\]\.passwd: must be a string, not a number/);
    assert.match(out, /chpasswd\.users\[0\]\.password: must be a string, not a number/);
    assert.match(out, /chpasswd\.users\[0\]\.type: a string is not one of text, hash, RANDOM/);
    assert.match(out, /password: must be a string, not a mapping/);
  });

  test('chpasswd as a string ("user:password") is not repeated', () => {
    const out = messages({ chpasswd: 'debian:String-Chpasswd-Pw-8' }).join('\n');
    assert.match(out, /chpasswd: must be a mapping, not a string/);
    assert.ok(!out.includes('String-Chpasswd-Pw-8'), out);
  });

  test('values elsewhere are still shown; a scalar document is named by its kind', () => {
    assert.match(messages({ users: [{ name: 'carol', lock_passwd: 'maybe' }] }).join('\n'), /users\[0\]\.lock_passwd: must be true or false, not "maybe"/);
    assert.deepEqual(messages('my password is hunter2-xyz'), ['user-data cloud-config: a cloud-config must be a mapping of keys to values, not a string']);
    assert.equal(isSecretPath(['users', 0, 'lock_passwd']), false);
    assert.equal(isSecretPath(['ssh_keys', 'ed25519_private']), true);
  });
});
