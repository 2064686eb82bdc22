/**
 * Secrets through whole boots: cloud-configs full of passwords, tokens and
 * private keys — well-formed, and malformed in the ways that make a
 * validator quote them — booted through all four stages. boot() ends with
 * the secrets scan (secrets-scan.ts), so every test here fails if a secret
 * reaches a world-readable file, the log or the output, or a private file has
 * the wrong mode; the last test shows that boot() does fail on a leak.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { buildCli, type Cli } from '../cli/cli.ts';
import { ACCOUNT_FILES } from '../modules/accounts-root.ts';
import { boot, describeRuns, seedDir, targetRoot, type TargetRoot } from './harness.ts';
import { PRIVATE_INSTANCE_FILES } from './secrets-scan.ts';

let cli: Cli;
before(() => {
  cli = buildCli();
});
after(() => cli?.dispose());

const META = (id: string) => `instance-id: ${id}\nlocal-hostname: secrets-host\n`;

/**
 * A root with the shadow tools' files (passwords are really set, into
 * /etc/shadow), a default user and an sshd_config, so set_passwords and
 * users_groups have something to do.
 */
function secretsRoot(opts: { shadow?: boolean } = {}): TargetRoot {
  const root = targetRoot(cli);
  for (const [p, [c, m]] of Object.entries(ACCOUNT_FILES)) if (opts.shadow !== false || !p.includes('shadow')) root.write(p, c, m);
  root.write('/etc/cloud/cloud.cfg.d/10-user.cfg', 'system_info:\n  default_user: {name: debian, lock_passwd: false}\n');
  root.write('/etc/ssh/sshd_config', 'PasswordAuthentication no\n');
  return root;
}

async function bootOk(root: TargetRoot): Promise<void> {
  const runs = await boot(cli, root);
  assert.deepEqual(runs.map((r) => r.status), [0, 0, 0, 0], describeRuns(runs));
}

describe('secrets in a boot stay private', () => {
  test('passwords, a private host key and a token in a well-formed cloud-config: nowhere readable, private files 0600', async () => {
    const root = secretsRoot();
    seedDir(root, {
      'meta-data': META('iid-secrets-1'),
      'user-data': `#cloud-config
password: Default-User-Pw-1
ssh_pwauth: true
chpasswd:
  expire: false
  users:
    - {name: debian, password: Chpasswd-Users-Pw-2, type: text}
    - {name: root, type: RANDOM}
users:
  - default
  - {name: alice, plain_text_passwd: Plain-Text-Pw-3, lock_passwd: false}
  - {name: bob, hashed_passwd: '$6$rounds=4096$saltsalt$Hashed-Pw-4-hashhashhash'}
ssh_keys:
  ed25519_private: |
    -----BEGIN OPENSSH PRIVATE KEY-----
    b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
    -----END OPENSSH PRIVATE KEY-----
  ed25519_public: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq1n0p0mY0ZbCv2Zp3s5dUuB8cQk7oR8c0cNq3QX6Qe
ubuntu_pro:
  token: Pro-Token-5-abcdef
runcmd:
  - [sh, -c, 'echo runcmd-ran']
`,
    });
    await bootOk(root);
    // The scan ran inside boot(); what it checked exists, so it did not pass on an empty root.
    for (const name of PRIVATE_INSTANCE_FILES.filter((n) => !n.includes('vendor2') && n !== 'network-config.json')) {
      assert.equal(root.mode(`/var/lib/cloud/instances/iid-secrets-1/${name}`), 0o600, name);
    }
    assert.equal(root.mode('/run/cloud-init/instance-data-sensitive.json'), 0o600);
    assert.match(root.read('/run/cloud-init/instance-data-sensitive.json'), /Chpasswd-Users-Pw-2/);
    assert.equal(root.mode('/var/lib/cloud/instances/iid-secrets-1/scripts/runcmd') & 0o077, 0);
    // The passwords were set: their hashes are in the shadow file, which others cannot read.
    const shadow = root.read('/etc/shadow');
    // bob's password is set and locked (lock_passwd defaults to true): "!" before the hash.
    assert.match(shadow, /^bob:!\$6\$rounds=4096\$saltsalt\$Hashed-Pw-4-hashhashhash:/m);
    assert.match(shadow, /^alice:\$6\$[^:]+:/m);
    assert.equal(root.mode('/etc/shadow') & 0o004, 0);
  });

  test('a target without /etc/shadow: no password is set (chpasswd would put the hash into /etc/passwd, which everyone reads)', async () => {
    const root = secretsRoot({ shadow: false });
    seedDir(root, {
      'meta-data': META('iid-secrets-noshadow'),
      'user-data': `#cloud-config
users:
  - {name: bob, hashed_passwd: '$6$rounds=4096$saltsalt$No-Shadow-Hash-hashhash', lock_passwd: false}
`,
    });
    await bootOk(root);
    // The user is made; its password field holds no hash.
    assert.match(root.read('/etc/passwd'), /^bob:!?:1000:/m);
    assert.match(root.read('/var/log/cloud-init.log'), /users\[0\]: the target has no \/etc\/shadow, and chpasswd would put the hash into the world-readable \/etc\/passwd; the password of bob is not set/);
  });

  test('malformed passwords are reported by where they are and their kind, never their value (log, status.json)', async () => {
    const root = secretsRoot();
    root.secrets.push({ what: 'the scalar cloud-config of the vendor-data', value: 'only-a-scalar-Vendor-Pw-9' });
    seedDir(root, {
      'meta-data': META('iid-secrets-2'),
      // Digits are a number to YAML; a string where a mapping belongs; a password under the wrong key.
      'user-data': `#cloud-config
users:
  - {name: carol, passwd: 12345678901, plain_text_passwd: [List-Pw-6]}
chpasswd:
  users:
    - {name: debian, password: 987654321, type: weird}
password: {nested: Nested-Pw-7}
`,
      'vendor-data': '#cloud-config\n"only-a-scalar-Vendor-Pw-9"\n',
    });
    await bootOk(root);
    const log = root.read('/var/log/cloud-init.log');
    // The problems are still reported, located, with the kind of value found.
    assert.match(log, /users\[0\]\.passwd: must be a string, not a number/);
    assert.match(log, /chpasswd\.users\[0\]\.password: must be a string, not a number/);
    assert.match(log, /vendor-data: a cloud-config must be a mapping of module keys .*; ignored/);
  });

  test('chpasswd given as a plain string, and gzip-compressed user-data', async () => {
    const root = secretsRoot();
    seedDir(root, {
      'meta-data': META('iid-secrets-3'),
      'user-data': gzipSync(Buffer.from('#cloud-config\nchpasswd: "debian:String-Chpasswd-Pw-8"\nssh_pwauth: true\n')),
    });
    await bootOk(root);
    assert.match(root.read('/var/log/cloud-init.log'), /chpasswd: must be a mapping, not a string/);
  });
});

describe('boot() fails the test on a leak', () => {
  test('a password the user-data writes into a world-readable file is listed with its file and form', async () => {
    const root = secretsRoot();
    seedDir(root, {
      'meta-data': META('iid-secrets-leak'),
      'user-data': `#cloud-config
chpasswd:
  users: [{name: debian, password: Leaked-On-Purpose-Pw, type: text}]
write_files:
  - path: /etc/motd
    permissions: '0644'
    encoding: b64
    content: ${Buffer.from('welcome; the password is Leaked-On-Purpose-Pw\n').toString('base64')}
`,
    });
    await assert.rejects(boot(cli, root), (e: Error) => {
      assert.match(e.message, /\[world-readable\] \/etc\/motd: \/var\/lib\/cloud\/seed\/nocloud\/user-data\.chpasswd\.users\[0\]\.password \(verbatim\) in a file others can read \(mode 0644\)/);
      return true;
    });
  });
});
