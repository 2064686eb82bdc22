/**
 * The secrets scan itself (secrets-scan.ts), on hand-made target roots: it
 * must catch every kind of leak, or every end-to-end scenario that ends with
 * it would pass silently. Each test plants one violation and checks that it
 * is reported with its file and kind; the clean cases check it stays quiet.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CloudStackVr } from './cloud/cloudstack-vr.ts';
import { Imds } from './cloud/imds.ts';
import {
  assertNoSecretLeaks,
  cloudReportSecrets,
  cloudConfigSecrets,
  resolveInRoot,
  scanSecrets,
  secretForms,
  sha256,
  userDataSecrets,
  type RootInput,
  type Secret,
  type Violation,
} from './secrets-scan.ts';

const made: string[] = [];
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A temp root (0700, as the harness makes them) with files at target paths and modes. */
function rootWith(files: Record<string, [string | Buffer, number]>, dirModes: Record<string, number> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-secrets-scan-'));
  made.push(dir);
  for (const [path, [content, mode]] of Object.entries(files)) {
    const host = join(dir, path);
    mkdirSync(dirname(host), { recursive: true, mode: 0o755 });
    writeFileSync(host, content);
    chmodSync(host, mode);
  }
  for (const [path, mode] of Object.entries(dirModes)) chmodSync(join(dir, path), mode);
  return dir;
}

const PASSWORD: Secret = { what: 'users[0].plain_text_passwd', value: 'Tr0ub4dor&3-horse' };
const TOKEN: Secret = { what: 'IMDS token 1', value: 'AQAEAFq3xZ0bB1c9Zm9vYmFyLXRva2VuLXZhbHVlLTEyMw==' };
const IDIR = '/var/lib/cloud/instances/iid-1';

function kinds(v: readonly Violation[]): string[] {
  return v.map((x) => `${x.kind} ${x.where}`).sort();
}

describe('the secrets scan catches each kind of violation', () => {
  test('a password in a 0644 file under 0755 directories', () => {
    const root = rootWith({ '/etc/app.conf': [`user=alice\npass=${PASSWORD.value as string}\n`, 0o644] });
    const v = scanSecrets({ root, secrets: [PASSWORD] });
    assert.deepEqual(kinds(v), ['world-readable /etc/app.conf']);
    assert.match(v[0]!.detail, /users\[0\]\.plain_text_passwd \(verbatim\).*mode 0644/);
  });

  test('a token in the log, whatever the log file\'s mode (0640 here), and in a *.log under /run', () => {
    const root = rootWith({
      '/var/log/cloud-init.log': [`2026-01-01 - stratus[INFO]: PUT /latest/api/token -> ${TOKEN.value as string}\n`, 0o640],
      '/run/cloud-init/ds-identify.log': [`token ${TOKEN.value as string}`, 0o600],
    });
    assert.deepEqual(kinds(scanSecrets({ root, secrets: [TOKEN] })), ['log /run/cloud-init/ds-identify.log', 'log /var/log/cloud-init.log']);
  });

  test('user-data.txt (and the sensitive instance data) at 0644: a mode violation even with nothing secret in it', () => {
    const root = rootWith({
      [`${IDIR}/user-data.txt`]: ['', 0o644],
      [`${IDIR}/user-data.txt.i`]: ['', 0o600],
      [`${IDIR}/cloud-config.txt`]: ['', 0o640],
      '/run/cloud-init/instance-data-sensitive.json': ['{}', 0o644],
      '/run/cloud-init/instance-data.json': ['{}', 0o644],
    });
    const v = scanSecrets({ root, secrets: [] });
    assert.deepEqual(kinds(v), ['mode /run/cloud-init/instance-data-sensitive.json', `mode ${IDIR}/cloud-config.txt`, `mode ${IDIR}/user-data.txt`]);
    assert.ok(v.every((x) => /must be 0600/.test(x.detail)));
  });

  test('a private file reached through a symlink is checked at its target', () => {
    const root = rootWith({ '/var/lib/cloud/data/sensitive.json': ['{}', 0o644] });
    mkdirSync(join(root, 'run/cloud-init'), { recursive: true });
    symlinkSync('../../var/lib/cloud/data/sensitive.json', join(root, 'run/cloud-init/instance-data-sensitive.json'));
    const v = scanSecrets({ root, secrets: [] });
    assert.deepEqual(kinds(v), ['mode /run/cloud-init/instance-data-sensitive.json (-> /var/lib/cloud/data/sensitive.json)']);
  });

  test('a user-data script readable by others', () => {
    const root = rootWith({ [`${IDIR}/scripts/part-001`]: ['#!/bin/sh\necho hi\n', 0o755] });
    assert.deepEqual(kinds(scanSecrets({ root, secrets: [] })), [`mode ${IDIR}/scripts/part-001`]);
  });

  test('the base64 form, inside a larger blob at any alignment and across MIME line breaks', () => {
    for (const prefix of ['', 'x', 'xy', 'xyz']) {
      const blob = Buffer.from(`${prefix}#cloud-config\npassword: ${PASSWORD.value as string}\n`).toString('base64').replace(/(.{76})/g, '$1\r\n');
      const root = rootWith({ '/var/lib/cloud/instance-data-copy.txt': [`Content-Transfer-Encoding: base64\r\n\r\n${blob}\r\n`, 0o644] });
      const v = scanSecrets({ root, secrets: [PASSWORD] });
      assert.deepEqual(kinds(v), ['world-readable /var/lib/cloud/instance-data-copy.txt'], `prefix ${JSON.stringify(prefix)}`);
      assert.match(v[0]!.detail, /base64/);
    }
  });

  test('the JSON-escaped form (a multi-line user-data in a JSON document)', () => {
    const userData = '#cloud-config\nruncmd:\n  - echo "sekrit-value" > /root/x\n';
    const root = rootWith({ '/run/cloud-init/status.json': [JSON.stringify({ v1: { errors: [`bad: ${userData}`] } }), 0o644] });
    const v = scanSecrets({ root, secrets: [{ what: 'user-data', value: userData }] });
    assert.deepEqual(kinds(v), ['world-readable /run/cloud-init/status.json']);
    assert.match(v[0]!.detail, /JSON-escaped/);
  });

  test('a secret in what stratus printed', () => {
    const root = rootWith({});
    const v = scanSecrets({ root, secrets: [TOKEN], outputs: [{ label: 'init stderr', text: `stratus: WARNING: token ${TOKEN.value as string} refused\n` }] });
    assert.deepEqual(kinds(v), ['output init stderr']);
  });

  test('a world-readable file that became a leak after stratus changed a test input', () => {
    const root = rootWith({ '/etc/hosts': [`127.0.0.1 localhost # ${PASSWORD.value as string}\n`, 0o644] });
    const inputs = new Map([['/etc/hosts', sha256('127.0.0.1 localhost\n')]]);
    assert.deepEqual(kinds(scanSecrets({ root, secrets: [PASSWORD], inputs })), ['world-readable /etc/hosts']);
  });

  test('assertNoSecretLeaks: the seed\'s own user-data, found by default, fails with a listing', async () => {
    const userData = `#cloud-config\nchpasswd:\n  users:\n    - {name: alice, password: ${PASSWORD.value as string}, type: text}\n`;
    const root = rootWith({
      '/var/lib/cloud/seed/nocloud/user-data': [userData, 0o600],
      '/var/tmp/debug-dump.txt': [`password was ${PASSWORD.value as string}`, 0o644],
    });
    const inputs = new Map<string, RootInput>([['/var/lib/cloud/seed/nocloud/user-data', { sha256: sha256(userData), content: Buffer.from(userData) }]]);
    await assert.rejects(assertNoSecretLeaks({ dir: root, inputs, secrets: [] }, [{ stage: 'init', stdout: '', stderr: '' }]), (e: Error) => {
      assert.match(e.message, /1 violation\(s\)\n {2}\[world-readable\] \/var\/tmp\/debug-dump\.txt: \/var\/lib\/cloud\/seed\/nocloud\/user-data\.chpasswd\.users\[0\]\.password \(verbatim\)/);
      return true;
    });
  });
});

describe('the secrets scan stays quiet where nothing leaks', () => {
  test('a secret only in a 0600 file, and in a 0644 file under a 0700 directory', () => {
    const root = rootWith(
      {
        [`${IDIR}/user-data.txt`]: [`#cloud-config\npassword: ${PASSWORD.value as string}\n`, 0o600],
        '/root/notes/pass.txt': [PASSWORD.value as string, 0o644],
        '/run/cloud-init/instance-data-sensitive.json': [JSON.stringify({ password: PASSWORD.value }), 0o600],
        '/run/cloud-init/instance-data.json': ['{"userdata": "redacted for non-root user"}', 0o644],
      },
      { '/root': 0o700 },
    );
    assert.deepEqual(scanSecrets({ root, secrets: [PASSWORD], outputs: [{ label: 'init stderr', text: 'all fine\n' }] }), []);
  });

  test('a test\'s own world-readable input, unchanged, and seed images under /dev are not stratus\'s leaks', () => {
    const seed = `#cloud-config\npassword: ${PASSWORD.value as string}\n`;
    const root = rootWith({ '/srv/seed/user-data': [seed, 0o644], '/dev/vdb': [seed, 0o644] });
    assert.deepEqual(scanSecrets({ root, secrets: [PASSWORD], inputs: new Map([['/srv/seed/user-data', sha256(seed)]]) }), []);
  });

  test('a FIFO in the root is not opened (the scan would hang), symlinks out of the root are not followed', () => {
    const root = rootWith({ '/etc/ok': ['fine\n', 0o644] });
    mkdirSync(join(root, 'run/channels'), { recursive: true });
    assert.equal(spawnSync('mkfifo', ['-m', '0644', join(root, 'run/channels/local.start')]).status, 0);
    // An absolute link resolves inside the root, as under chroot: /etc/passwd of the root, never the host's.
    symlinkSync('/../../../etc/passwd', join(root, 'etc/link'));
    assert.equal(resolveInRoot(root, '/etc/link'), null, 'the root has no /etc/passwd');
    writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
    assert.equal(resolveInRoot(root, '/etc/link'), '/etc/passwd');
    assert.deepEqual(scanSecrets({ root, secrets: [PASSWORD] }), []);
  });
});

describe('where the secrets come from', () => {
  test('every password of a cloud-config, not the RANDOM marker', () => {
    const cfg = {
      password: 'top-level-pw',
      chpasswd: { list: 'alice:list-pw-1\nbob:RANDOM\n', users: [{ name: 'carol', password: 'users-pw-2', type: 'text' }, { name: 'dave', type: 'RANDOM' }] },
      users: ['default', { name: 'erin', passwd: '$6$salt$hashhash', plain_text_passwd: 'plain-pw-3', hashed_passwd: '$6$x$hashed-pw-4' }],
      ssh_keys: { rsa_private: '-----BEGIN RSA PRIVATE KEY-----\nabc\n', rsa_public: 'ssh-rsa AAAA' },
      ubuntu_pro: { token: 'pro-token-5' },
    };
    assert.deepEqual(
      cloudConfigSecrets(cfg).map((s) => `${s.what}=${String(s.value)}`),
      [
        'password=top-level-pw',
        'chpasswd.list[0] password=list-pw-1',
        'chpasswd.users[0].password=users-pw-2',
        'users[1].passwd=$6$salt$hashhash',
        'users[1].plain_text_passwd=plain-pw-3',
        'users[1].hashed_passwd=$6$x$hashed-pw-4',
        'ssh_keys.rsa_private=-----BEGIN RSA PRIVATE KEY-----\nabc\n',
        'ubuntu_pro.token=pro-token-5',
      ],
    );
    assert.deepEqual(cloudConfigSecrets({ chpasswd: { list: ['frank:list-pw-6'] } }).map((s) => s.value), ['list-pw-6']);
  });

  test('user-data: the body when it is more than a placeholder, its scripts, and the passwords in MIME parts', async () => {
    assert.deepEqual(await userDataSecrets('#cloud-config\n{}\n', 'ud'), []);
    const mime = [
      'Content-Type: multipart/mixed; boundary="XX"',
      'MIME-Version: 1.0',
      '',
      '--XX',
      'Content-Type: text/cloud-config',
      '',
      'password: mime-part-pw',
      '--XX',
      'Content-Type: text/x-shellscript',
      '',
      '#!/bin/sh\necho from-a-script',
      '--XX--',
      '',
    ].join('\n');
    const found = (await userDataSecrets(mime, 'ud')).map((s) => s.what);
    assert.deepEqual(found, ['ud', 'ud script part-002', 'ud.password']);
  });

  test('base64 and JSON forms are distinct from the verbatim one; secrets shorter than 6 bytes are refused', () => {
    const names = secretForms('a"b\nc-secret-é').map((f) => f.name);
    assert.deepEqual(names, ['verbatim', 'base64', 'base64 (offset 1)', 'base64 (offset 2)', 'JSON-escaped', 'JSON-escaped (ASCII)']);
    assert.throws(() => scanSecrets({ root: rootWith({}), secrets: [{ what: 'pin', value: '1234' }] }), /"pin" is 4 bytes; at least 6/);
  });
});

describe('the test cloud reports what it handed out (the secrets op)', () => {
  test('IMDS: every token issued, expired ones too, and every user-data the tree held', async () => {
    let n = 0;
    const imds = new Imds({ tree: { 'meta-data': { 'instance-id': 'i-1' }, 'user-data': '#cloud-config\npassword: imds-served-pw\n' } }, 0, () => `token-number-${++n}`);
    const put = (now: number) => imds.answer({ method: 'PUT', path: '/latest/api/token', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '1' } }, now);
    assert.equal(put(0).body, 'token-number-1');
    assert.equal(put(5_000).body, 'token-number-2');
    imds.set('user-data', '#cloud-config\npassword: imds-later-pw\n');
    const got = imds.secrets();
    assert.deepEqual(got.tokens, ['token-number-1', 'token-number-2']);
    assert.deepEqual(got.userData, ['#cloud-config\npassword: imds-served-pw\n', '#cloud-config\npassword: imds-later-pw\n']);
    const secrets = await cloudReportSecrets({ imdsTokens: got.tokens, vrPasswords: [], userData: got.userData });
    assert.deepEqual(secrets.map((s) => String(s.value)).filter((v) => !v.startsWith('#')), ['token-number-1', 'token-number-2', 'imds-served-pw', 'imds-later-pw']);
  });

  test('CloudStack VR: the spec\'s password and every reset, not a withdrawal', () => {
    const vr = new CloudStackVr({ metaData: {}, password: 'first-vr-pw', userData: '#cloud-config\n{}\n' }, 0);
    vr.setPassword('second-vr-pw');
    vr.setPassword(null);
    vr.configure({ userData: '#cloud-config\nhostname: x\n' });
    assert.deepEqual(vr.secrets(), { passwords: ['first-vr-pw', 'second-vr-pw'], userData: ['#cloud-config\n{}\n', '#cloud-config\nhostname: x\n'] });
  });
});
