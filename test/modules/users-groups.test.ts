import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadModule } from '../../src/modules/registry.ts';
import { DOAS_FILE, usersGroups, SUDOERS_FILE } from '../../src/modules/users-groups.ts';
import { accountsRoot, cleanupAccountRoots } from './accounts-root.ts';
import { DiskRoot, OverlayRoot } from '../../src/host/root-fs.ts';
import { makeStageContext } from '../../src/stages/context.ts';
import { cleanupRoots, instance, runModule } from './harness.ts';

after(() => {
  cleanupRoots();
  cleanupAccountRoots();
});

const KEY1 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyOneKeyOneKeyOneKeyOneKeyOneKeyOne0001 alice@laptop';
const KEY2 = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQKeyTwoKeyTwo= bob@desk';

const passwdLine = (root: string, user: string) => readFileSync(join(root, 'etc/passwd'), 'utf8').split('\n').find((l) => l.startsWith(`${user}:`));
const groupLine = (root: string, group: string) => readFileSync(join(root, 'etc/group'), 'utf8').split('\n').find((l) => l.startsWith(`${group}:`));
const shadowLine = (root: string, user: string) => readFileSync(join(root, 'etc/shadow'), 'utf8').split('\n').find((l) => l.startsWith(`${user}:`));

describe('users_groups', () => {
  it('creates users and groups in the target root with useradd --root, never on the host', async () => {
    const hostBefore = ['/etc/passwd', '/etc/group', '/etc/shadow'].map((p) => readFileSync(p, 'utf8'));
    const root = accountsRoot();
    const r = await runModule(
      usersGroups,
      {
        groups: ['admins', { devs: ['root'] }],
        users: [
          {
            name: 'alice',
            gecos: 'Alice Example',
            groups: ['admins', 'newgroup'],
            shell: '/bin/bash',
            sudo: 'ALL=(ALL) NOPASSWD:ALL',
            ssh_authorized_keys: [KEY1],
          },
          { name: 'svc', system: true, uid: 990 },
          { name: 'bob', lock_passwd: false, homedir: '/srv/bob', primary_group: 'staff', sudo: ['ALL=(ALL) ALL', '/usr/bin/true'] },
        ],
      },
      { root },
    );
    assert.equal(r.error, undefined);
    assert.match(passwdLine(root, 'alice') ?? '', /^alice:x:1000:\d+:Alice Example:\/home\/alice:\/bin\/bash$/);
    assert.match(passwdLine(root, 'svc') ?? '', /^svc:x:990:/);
    assert.match(passwdLine(root, 'bob') ?? '', /^bob:x:\d+:\d+::\/srv\/bob:/);
    assert.match(groupLine(root, 'admins') ?? '', /:alice$/);
    assert.match(groupLine(root, 'newgroup') ?? '', /:alice$/);
    assert.match(groupLine(root, 'devs') ?? '', /:root$/);
    const staffGid = (groupLine(root, 'staff') ?? '').split(':')[2];
    assert.equal(passwdLine(root, 'bob')?.split(':')[3], staffGid);
    // A system user gets no home; alice's home was made by useradd.
    assert.equal(r.exists('/home/svc'), false);
    assert.equal(statSync(join(root, 'home/alice')).uid, 1000);
    // Locked by default; bob asked for no lock (and has no password: still "!" from useradd).
    assert.match(shadowLine(root, 'alice') ?? '', /^alice:!/);
    assert.ok(r.commands.some((c) => c === `passwd --root ${root} -l alice`));
    assert.ok(!r.commands.some((c) => c.startsWith('passwd') && c.endsWith(' bob')));
    // Every command was given the root.
    for (const c of r.ctx.commands) assert.deepEqual(c.argv.slice(1, 3), ['--root', root], c.argv.join(' '));
    assert.ok(r.ctx.commands.every((c) => c.ran));
    const hostAfter = ['/etc/passwd', '/etc/group', '/etc/shadow'].map((p) => readFileSync(p, 'utf8'));
    assert.deepEqual(hostAfter, hostBefore);
  });

  it('writes sudo rules to 90-cloud-init-users (0440) and makes sudoers include sudoers.d', async () => {
    const root = accountsRoot({ '/etc/sudoers': 'Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n' });
    const r = await runModule(usersGroups, { users: [{ name: 'alice', sudo: 'ALL=(ALL) NOPASSWD:ALL' }, { name: 'bob', sudo: ['ALL=(ALL) ALL', 'bad\nrule', 'nonsense'] }, { name: 'carol', sudo: false }] }, { root });
    const text = r.read(SUDOERS_FILE);
    assert.match(text, /^alice ALL=\(ALL\) NOPASSWD:ALL$/m);
    assert.match(text, /^bob ALL=\(ALL\) ALL$/m);
    assert.doesNotMatch(text, /carol|bad|nonsense/);
    assert.equal(r.mode(SUDOERS_FILE), 0o440);
    assert.match(r.read('/etc/sudoers'), /^Defaults env_reset\nroot ALL=\(ALL:ALL\) ALL\n[\s\S]*^@includedir \/etc\/sudoers\.d$/m);
    assert.match(r.logText, /WARNING: users\[1\]\.sudo\[1\]: a sudo rule must be one non-empty line/);
    assert.match(r.logText, /WARNING: users\[1\]\.sudo\[2\]: "nonsense" is not a sudo rule/);
  });

  it('leaves an include that is already there alone', async () => {
    const sudoers = 'root ALL=(ALL:ALL) ALL\n#includedir /etc/sudoers.d\n';
    const root = accountsRoot({ '/etc/sudoers': sudoers });
    const r = await runModule(usersGroups, { users: [{ name: 'alice', sudo: 'ALL=(ALL) ALL' }] }, { root });
    assert.equal(r.read('/etc/sudoers'), sudoers);
  });

  it('writes doas rules that name the user in a block of /etc/doas.conf, keeping the admin\'s rules', async () => {
    const root = accountsRoot({ '/etc/doas.conf': 'permit persist :wheel\n' });
    const cfg = { users: [{ name: 'alice', doas: ['permit nopass alice', 'permit bob', 'allow alice'] }] };
    const r = await runModule(usersGroups, cfg, { root });
    const want = 'permit persist :wheel\n# BEGIN rules for users made at first boot (stratus users_groups)\npermit nopass alice\n# END rules for users made at first boot\n';
    assert.equal(r.read(DOAS_FILE), want);
    assert.equal(r.mode(DOAS_FILE), 0o600);
    assert.match(r.logText, /WARNING: users\[0\]\.doas\[1\]: the rule does not name the user alice/);
    assert.match(r.logText, /WARNING: users\[0\]\.doas\[2\]: a doas rule is one line starting with "permit" or "deny"/);
    // A second run (a new instance) replaces the block instead of adding another.
    await runModule(usersGroups, cfg, { root });
    assert.equal(r.read(DOAS_FILE), want);
  });

  it('writes authorized_keys 0600 in a 0700 ~/.ssh owned by the user, keeping lines already there', async () => {
    const root = accountsRoot();
    const r = await runModule(usersGroups, { users: [{ name: 'alice', ssh_authorized_keys: [KEY1, KEY2, 'not a key'] }] }, { root });
    const uid = Number(passwdLine(root, 'alice')?.split(':')[2]);
    const gid = Number(passwdLine(root, 'alice')?.split(':')[3]);
    const file = '/home/alice/.ssh/authorized_keys';
    assert.equal(r.read(file), `${KEY1}\n${KEY2}\n`);
    assert.equal(r.mode(file), 0o600);
    assert.equal(r.mode('/home/alice/.ssh'), 0o700);
    for (const p of ['home/alice/.ssh', 'home/alice/.ssh/authorized_keys']) {
      const st = statSync(join(root, p));
      assert.deepEqual([st.uid, st.gid], [uid, gid], p);
    }
    assert.match(r.logText, /WARNING: users\[0\]\.ssh_authorized_keys\[2\]: not an SSH public key/);
  });

  it('skips invalid user and group names with a warning naming the item, and never passes them to a command', async () => {
    const root = accountsRoot();
    const r = await runModule(
      usersGroups,
      { groups: ['ok', 'Bad Group;rm -rf /'], users: [{ name: 'bad name!' }, { name: '$(reboot)' }, 'fine', { name: 'x'.repeat(33) }, { gecos: 'no name' }] },
      { root },
    );
    assert.match(r.logText, /WARNING: users\[0\]\.name: "bad name!" is not a valid user name; user skipped/);
    assert.match(r.logText, /WARNING: users\[1\]\.name: "\$\(reboot\)" is not a valid user name/);
    assert.match(r.logText, /WARNING: users\[3\]\.name: "x{33}" is not a valid user name/);
    assert.match(r.logText, /WARNING: users\[4\]\.name: null is not a valid user name/);
    assert.match(r.logText, /WARNING: groups\[1\]: "Bad Group;rm -rf \/" is not a valid group name; skipped/);
    assert.ok(passwdLine(root, 'fine'));
    assert.ok(groupLine(root, 'ok'));
    assert.ok(!r.commands.some((c) => /bad|reboot|rm -rf|xxxx/.test(c)));
  });

  it('creates the default user from system_info.default_user, with overrides from the users entry', async () => {
    const root = accountsRoot();
    const r = await runModule(
      usersGroups,
      {
        system_info: { default_user: { name: 'debian', gecos: 'Debian', groups: ['adm', 'sudo'], sudo: ['ALL=(ALL) NOPASSWD:ALL'], shell: '/bin/bash', lock_passwd: true } },
        users: [{ name: 'default', gecos: 'Debian admin' }, { name: 'extra' }],
      },
      { root },
    );
    assert.match(passwdLine(root, 'debian') ?? '', /^debian:x:1000:\d+:Debian admin:\/home\/debian:\/bin\/bash$/);
    assert.match(groupLine(root, 'adm') ?? '', /:debian$/);
    assert.match(r.read(SUDOERS_FILE), /^debian ALL=\(ALL\) NOPASSWD:ALL$/m);
    assert.ok(passwdLine(root, 'extra'));
  });

  it('"default" without a configured default user is skipped quietly; an existing user is not created again', async () => {
    const root = accountsRoot();
    const r = await runModule(usersGroups, { users: ['default', 'root'] }, { root });
    assert.ok(!r.commands.some((c) => c.startsWith('useradd')));
    assert.match(r.logText, /user root already exists/);
    assert.doesNotMatch(r.logText, /WARNING/);
  });

  it('warns about fields it ignores and bad values, and still creates the user', async () => {
    const root = accountsRoot();
    const r = await runModule(usersGroups, { users: [{ name: 'alice', selinux_user: 'staff_u', doas: ['permit alice'], shell: 'bash', uid: 'abc', expiredate: '2030-01-01', inactive: '5', gecos: 'a:b' }] }, { root });
    assert.ok(passwdLine(root, 'alice'));
    for (const w of ['selinux_user: not supported', 'shell: "bash" is not an absolute path', 'uid: "abc" is not a number', 'gecos: must not contain']) assert.match(r.logText, new RegExp(`WARNING: users\\[0\\]\\.${w}`));
    assert.ok(r.commands.some((c) => c.includes('--expiredate 2030-01-01') && c.includes('--inactive 5')));
  });

  it('lists every command with the root it acts on', async () => {
    const root = accountsRoot();
    const r = await runModule(usersGroups, { users: [{ name: 'alice', groups: 'g1, g2' }] }, { root });
    assert.ok(r.commands.includes(`groupadd --root ${root} g1`));
    assert.ok(r.commands.some((c) => c.startsWith(`useradd --root ${root}`) && c.includes('--groups g1,g2') && c.endsWith(' alice')));
  });

  it('when planning, nothing runs and nothing on disk changes; every command is listed', async () => {
    const root = accountsRoot();
    const before = readFileSync(join(root, 'etc/passwd'), 'utf8');
    const ctx = makeStageContext('init', new OverlayRoot(new DiskRoot(root)), { root, debug: false, force: false, files: [], dryRun: true });
    await usersGroups.run({ ctx, cfg: { users: [{ name: 'alice', sudo: 'ALL=(ALL) ALL', ssh_authorized_keys: [KEY1] }] }, instance: instance(), isNewInstance: true, distro: 'debian', args: [] });
    assert.equal(readFileSync(join(root, 'etc/passwd'), 'utf8'), before);
    assert.deepEqual(
      ctx.commands.map((c) => [c.argv[0], c.ran]),
      [['useradd', false], ['passwd', false]],
    );
    assert.match(ctx.fs.readText(SUDOERS_FILE) ?? '', /^alice ALL=\(ALL\) ALL$/m);
  });
});

describe('registry', () => {
  it('users_groups, ssh and set_passwords are registered, once per instance, always active, with a schema', async () => {
    for (const name of ['users_groups', 'ssh', 'set_passwords']) {
      const mod = await loadModule(name);
      assert.equal(mod?.name, name);
      assert.equal(mod?.frequency, 'once-per-instance');
      assert.equal(mod?.activateBy, undefined);
      assert.ok(mod?.schema && Object.keys(mod.schema.properties).length > 0);
    }
    assert.equal((await loadModule('cc_users_groups'))?.name, 'users_groups');
  });
});
