import assert from 'node:assert/strict';
import fs, { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setPasswords, SSHD_CONFIG, SSHD_DROP_IN, updateSshdConfig } from '../../src/modules/set-passwords.ts';
import { ssh } from '../../src/modules/ssh.ts';
import { usersGroups } from '../../src/modules/users-groups.ts';
import { sha512Crypt } from '../../src/text/sha512-crypt.ts';
import type { Mapping } from '../../src/text/reader.ts';
import { accountsRoot, cleanupAccountRoots } from './accounts-root.ts';
import { cleanupRoots, runModule } from './harness.ts';

after(() => {
  cleanupRoots();
  cleanupAccountRoots();
});

const shadow = (root: string, user: string) => readFileSync(join(root, 'etc/shadow'), 'utf8').split('\n').find((l) => l.startsWith(`${user}:`))?.split(':') ?? [];

/** Whether `plain` is the password behind the "$6$salt$…" hash in the shadow file. */
function verifies(hash: string | undefined, plain: string): boolean {
  const m = /^\$6\$([^$]+)\$/.exec(hash ?? '');
  return m !== null && sha512Crypt(plain, m[1] as string) === hash;
}

/** A root where users_groups already made these users (unlocked, so their passwords count). */
async function rootWithUsers(names: string[], extra: Record<string, string> = {}): Promise<string> {
  const root = accountsRoot(extra);
  const r = await runModule(usersGroups, { users: names.map((name) => ({ name, lock_passwd: false })) }, { root });
  assert.equal(r.error, undefined);
  return root;
}

/** Run with stderr (fd 2) captured: random passwords go to the console. */
async function withConsole<T>(f: () => Promise<T>): Promise<{ value: T; console: string }> {
  const real = fs.writeSync;
  let text = '';
  fs.writeSync = ((fd: number, buf: unknown, ...rest: unknown[]) => {
    if (fd === 2) {
      text += Buffer.isBuffer(buf) ? buf.toString('utf8') : String(buf);
      return Buffer.isBuffer(buf) ? buf.length : Buffer.byteLength(String(buf));
    }
    return (real as (...a: unknown[]) => number)(fd, buf, ...rest);
  }) as typeof fs.writeSync;
  syncBuiltinESMExports();
  try {
    return { value: await f(), console: text };
  } finally {
    fs.writeSync = real;
    syncBuiltinESMExports();
  }
}

describe('sha512Crypt', () => {
  it('matches the specification test vectors', () => {
    assert.equal(sha512Crypt('Hello world!', 'saltstring'), '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1');
    assert.equal(
      sha512Crypt('Hello world!', 'saltstringsaltstring', 10000),
      '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.',
    );
  });
});

describe('set_passwords', () => {
  it('sets text, hash and RANDOM passwords with one chpasswd -e on stdin, expires them, and shows only RANDOM ones on the console', async () => {
    const root = await rootWithUsers(['alice', 'bob', 'carol']);
    const bobHash = sha512Crypt('bob-secret', 'bobsalt');
    const { value: r, console } = await withConsole(() =>
      runModule(setPasswords, { chpasswd: { users: [{ name: 'alice', password: 'alice-secret', type: 'text' }, { name: 'bob', password: bobHash, type: 'hash' }, { name: 'carol', type: 'RANDOM' }] } }, { root }),
    );
    assert.equal(r.error, undefined);
    assert.ok(verifies(shadow(root, 'alice')[1], 'alice-secret'));
    assert.equal(shadow(root, 'bob')[1], bobHash);
    const m = /^carol:([A-Za-z0-9]{20})$/m.exec(console);
    assert.ok(m, console);
    assert.ok(verifies(shadow(root, 'carol')[1], m[1] as string));
    assert.doesNotMatch(console, /alice|bob/);
    // expire (the default): the last change day is 0, so the password must be changed at first login.
    for (const u of ['alice', 'bob', 'carol']) assert.equal(shadow(root, u)[2], '0', u);
    assert.deepEqual(
      r.commands.filter((c) => c.startsWith('chpasswd')),
      [`chpasswd --root ${root} -e`],
    );
    assert.ok(r.commands.includes(`passwd --root ${root} --expire carol`));
  });

  it('expire: false leaves the passwords valid', async () => {
    const root = await rootWithUsers(['alice']);
    const r = await runModule(setPasswords, { chpasswd: { expire: false, users: [{ name: 'alice', password: 'pw-one' }] } }, { root });
    assert.ok(verifies(shadow(root, 'alice')[1], 'pw-one'));
    assert.notEqual(shadow(root, 'alice')[2], '0');
    assert.ok(!r.commands.some((c) => c.includes('--expire')));
  });

  it('takes the deprecated list form (string or list) with a deprecation', async () => {
    const root = await rootWithUsers(['alice', 'bob']);
    const hash = sha512Crypt('listed', 'abc');
    const r = await runModule(setPasswords, { chpasswd: { expire: false, list: `alice:plain-one\nbob:${hash}\n` } }, { root });
    assert.match(r.logText, /DEPRECATED: chpasswd\.list/);
    assert.ok(verifies(shadow(root, 'alice')[1], 'plain-one'));
    assert.equal(shadow(root, 'bob')[1], hash);
    const r2 = await runModule(setPasswords, { chpasswd: { expire: false, list: ['alice:plain-two', 'nocolon', 'Bad User:x'] } }, { root });
    assert.ok(verifies(shadow(root, 'alice')[1], 'plain-two'));
    assert.match(r2.logText, /WARNING: chpasswd\.list\[1\]: not "user:password"; skipped/);
    assert.match(r2.logText, /WARNING: chpasswd\.list\[2\]: "Bad User" is not a valid user name; skipped/);
  });

  it('password is for the default user', async () => {
    const root = await rootWithUsers(['debian']);
    const cfg: Mapping = { system_info: { default_user: { name: 'debian' } }, users: ['default'], password: 'default-pw', chpasswd: { expire: false } };
    await runModule(setPasswords, cfg, { root });
    assert.ok(verifies(shadow(root, 'debian')[1], 'default-pw'));
    const r = await runModule(setPasswords, { password: 'x' }, { root });
    assert.match(r.logText, /WARNING: password: there is no default user/);
  });

  it('refuses a hash that would break the chpasswd input', async () => {
    const root = await rootWithUsers(['alice']);
    const r = await runModule(setPasswords, { chpasswd: { users: [{ name: 'alice', password: '$6$x$y\nroot:$6$evil', type: 'hash' }] } }, { root });
    assert.match(r.logText, /WARNING: set_passwords: the password hash for alice contains ":" or a line break; not set/);
    assert.ok(!r.commands.some((c) => c.startsWith('chpasswd')));
    assert.equal(shadow(root, 'root')[1], '*');
  });

  it('ssh_pwauth writes the sshd_config.d drop-in when sshd_config includes it, and asks a running sshd to reload', async () => {
    const main = 'Include /etc/ssh/sshd_config.d/*.conf\nPort 22\n';
    const r = await runModule(setPasswords, { ssh_pwauth: true }, { files: { [SSHD_CONFIG]: main } });
    assert.equal(r.read(SSHD_DROP_IN), 'PasswordAuthentication yes\n');
    assert.equal(r.mode(SSHD_DROP_IN), 0o600);
    assert.equal(r.read(SSHD_CONFIG), main);
    assert.deepEqual(r.commands, ['systemctl try-reload-or-restart ssh']);
    assert.match(r.read('/var/lib/cloud/data/stratus-manifest.json').replace(/\s/g, ''), /50-cloud-init\.conf":\{"category":"ssh_config"/);
    const rhel = await runModule(setPasswords, { ssh_pwauth: false }, { files: { [SSHD_CONFIG]: main }, distro: 'rhel' });
    assert.equal(rhel.read(SSHD_DROP_IN), 'PasswordAuthentication no\n');
    assert.deepEqual(rhel.commands, ['systemctl try-reload-or-restart sshd']);
  });

  it('ssh_pwauth without an include edits sshd_config in place: an existing line where it is, a new one before Match blocks', async () => {
    const r1 = await runModule(setPasswords, { ssh_pwauth: false }, { files: { [SSHD_CONFIG]: 'Port 22\n#PasswordAuthentication yes\npasswordauthentication yes\nUsePAM yes\n' } });
    assert.equal(r1.read(SSHD_CONFIG), 'Port 22\n#PasswordAuthentication yes\nPasswordAuthentication no\nUsePAM yes\n');
    const r2 = await runModule(setPasswords, { ssh_pwauth: 'no' }, { files: { [SSHD_CONFIG]: 'Port 22\nMatch User anoncvs\n  PasswordAuthentication yes\n' } });
    assert.equal(r2.read(SSHD_CONFIG), 'Port 22\nPasswordAuthentication no\nMatch User anoncvs\n  PasswordAuthentication yes\n');
    assert.match(r2.logText, /DEPRECATED: ssh_pwauth: the string "no" is deprecated/);
  });

  it('ssh_pwauth unchanged, absent or unknown leaves sshd alone; no restart when nothing changed', async () => {
    for (const v of ['unchanged', undefined, 'maybe']) {
      const cfg: Mapping = v === undefined ? {} : { ssh_pwauth: v };
      const r = await runModule(setPasswords, cfg, { files: { [SSHD_CONFIG]: 'Port 22\n' } });
      assert.equal(r.read(SSHD_CONFIG), 'Port 22\n');
      assert.equal(r.exists(SSHD_DROP_IN), false);
      assert.deepEqual(r.commands, []);
      if (v === 'maybe') assert.match(r.logText, /WARNING: ssh_pwauth: "maybe" is not true, false or "unchanged"/);
    }
    const same = await runModule(setPasswords, { ssh_pwauth: true }, { files: { [SSHD_CONFIG]: 'PasswordAuthentication yes\n' } });
    assert.deepEqual(same.commands, []);
    const none = await runModule(setPasswords, { ssh_pwauth: true });
    assert.equal(none.exists(SSHD_CONFIG), false);
  });

  it('updateSshdConfig reports whether it changed a file', async () => {
    const r = await runModule({ name: 'probe', frequency: 'always', run: () => undefined }, {}, { files: { [SSHD_CONFIG]: 'Port 22\n' } });
    assert.equal(updateSshdConfig(r.ctx, { PasswordAuthentication: 'no' }), true);
    assert.equal(updateSshdConfig(r.ctx, { PasswordAuthentication: 'no' }), false);
  });
});

/** Every regular file under `dir` with its mode. */
function walk(dir: string, out: [string, number][] = []): [string, number][] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (st.isFile()) out.push([p, st.mode & 0o7777]);
  }
  return out;
}

describe('secrets', () => {
  it('passwords, hashes and private keys never reach the log, a command line or a file others can read', async () => {
    const root = accountsRoot({ '/etc/ssh/sshd_config': 'Include /etc/ssh/sshd_config.d/*.conf\n' });
    const secrets = ['plain-ug-Secret1', 'plain-cp-Secret2', 'plain-default-Secret3', 'PRIVATE-KEY-BODY-Secret4'];
    const hashes = [sha512Crypt('h1', 'saltone'), sha512Crypt('h2', 'salttwo'), sha512Crypt('h3', 'saltthree')];
    const cfg: Mapping = {
      system_info: { default_user: { name: 'debian', lock_passwd: false } },
      users: [
        'default',
        { name: 'ann', plain_text_passwd: secrets[0], lock_passwd: false },
        { name: 'ben', passwd: hashes[0] },
        { name: 'cid', hashed_passwd: hashes[1], lock_passwd: false },
        { name: 'dee', passwd: 'not:a\nhash' },
      ],
      password: secrets[2],
      chpasswd: { users: [{ name: 'ann', password: secrets[1], type: 'text' }, { name: 'ben', password: hashes[2] }, { name: 'cid', type: 'RANDOM' }] },
      ssh_pwauth: true,
      ssh_keys: { ed25519_private: `-----BEGIN OPENSSH PRIVATE KEY-----\n${secrets[3]}\n-----END OPENSSH PRIVATE KEY-----\n`, ed25519_public: 'ssh-ed25519 AAAAPUB host' },
    };
    const runs = [];
    let shown = '';
    for (const mod of [usersGroups, ssh, setPasswords]) {
      const { value, console } = await withConsole(() => runModule(mod, cfg, { root }));
      assert.equal(value.error, undefined);
      runs.push(value);
      shown += console;
    }
    const random = /^cid:(\S+)$/m.exec(shown)?.[1];
    assert.ok(random, 'the RANDOM password is shown on the console');
    // The password key is ignored when chpasswd.users is given (as in cloud-init); the others were set.
    assert.ok(verifies(shadow(root, 'ann')[1], secrets[1] as string));
    assert.equal(shadow(root, 'ben')[1], hashes[2]);
    assert.ok(verifies(shadow(root, 'cid')[1], random));
    const all = [...secrets, ...hashes, random, 'not:a'];
    for (const r of runs) {
      for (const s of all) {
        assert.ok(!r.logText.includes(s), `log holds a secret: ${r.logText}`);
        for (const c of r.ctx.commands) assert.ok(!c.argv.some((a) => a.includes(s)), `command holds a secret: ${c.argv.join(' ')}`);
      }
    }
    const shadowFiles = new Set(['etc/shadow', 'etc/shadow-', 'etc/gshadow', 'etc/gshadow-'].map((p) => join(root, p)));
    const files = walk(root);
    assert.ok(files.length > 10);
    for (const [path, mode] of files) {
      if (shadowFiles.has(path)) {
        assert.equal(mode & 0o007, 0, `${path} must not be world-readable`);
        continue;
      }
      if ((mode & 0o044) === 0) continue;
      const text = readFileSync(path, 'utf8');
      for (const s of all) assert.ok(!text.includes(s), `${path} (mode ${mode.toString(8)}) holds a secret`);
    }
  });
});
