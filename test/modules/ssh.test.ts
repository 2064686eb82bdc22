import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_DISABLE_ROOT_OPTS, metadataPublicKeys, ssh } from '../../src/modules/ssh.ts';
import { usersGroups } from '../../src/modules/users-groups.ts';
import { accountsRoot, cleanupAccountRoots } from './accounts-root.ts';
import { cleanupRoots, instance, runModule } from './harness.ts';

after(() => {
  cleanupRoots();
  cleanupAccountRoots();
});

function have(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const KEYGEN = have('ssh-keygen');

const MD_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMetadataKeyMetadataKeyMetadataKey00001 from-metadata';
const CFG_KEY = 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYConfigKey= from-config';
const DEFAULT_USER = { system_info: { default_user: { name: 'debian' } }, users: ['default'] };

describe('ssh: host keys', () => {
  it('removes the old host keys of the image and generates new ones, ed25519 first', { skip: KEYGEN ? false : 'ssh-keygen is not installed' }, async () => {
    const old = { '/etc/ssh/ssh_host_rsa_key': 'OLD', '/etc/ssh/ssh_host_rsa_key.pub': 'OLD', '/etc/ssh/ssh_host_dsa_key': 'OLD', '/etc/ssh/sshd_config': 'Port 22\n' };
    const r = await runModule(ssh, { ssh_genkeytypes: ['ed25519', 'ecdsa'] }, { files: old });
    assert.equal(r.error, undefined);
    assert.equal(r.exists('/etc/ssh/ssh_host_rsa_key'), false);
    assert.equal(r.exists('/etc/ssh/ssh_host_dsa_key'), false);
    assert.equal(r.read('/etc/ssh/sshd_config'), 'Port 22\n');
    for (const t of ['ed25519', 'ecdsa']) {
      assert.match(r.read(`/etc/ssh/ssh_host_${t}_key`), /BEGIN OPENSSH PRIVATE KEY/);
      assert.equal(r.mode(`/etc/ssh/ssh_host_${t}_key`), 0o600);
      assert.match(r.read(`/etc/ssh/ssh_host_${t}_key.pub`), t === 'ed25519' ? /^ssh-ed25519 / : /^ecdsa-sha2-nistp256 /);
    }
    assert.deepEqual(
      r.commands.map((c) => c.replace(r.root, 'ROOT')),
      ['ssh-keygen -q -t ed25519 -N  -f ROOT/etc/ssh/ssh_host_ed25519_key', 'ssh-keygen -q -t ecdsa -N  -f ROOT/etc/ssh/ssh_host_ecdsa_key'],
    );
  });

  it('the default types are ed25519, ecdsa and rsa, in that order; unknown types are warnings', async () => {
    const r = await runModule(ssh, { ssh_genkeytypes: ['dsa', 'ed25519'] });
    assert.match(r.logText, /WARNING: ssh_genkeytypes: "dsa" is not a host key type/);
    if (!KEYGEN) return;
    const d = await runModule(ssh, {});
    assert.deepEqual(
      d.commands.map((c) => c.split(' ')[3]),
      ['ed25519', 'ecdsa', 'rsa'],
    );
    assert.match(d.read('/etc/ssh/ssh_host_rsa_key.pub'), /^ssh-rsa /);
  });

  it('ssh_deletekeys: false keeps the image keys (and nothing is generated over them)', async () => {
    const r = await runModule(ssh, { ssh_deletekeys: false, ssh_genkeytypes: ['ed25519'] }, { files: { '/etc/ssh/ssh_host_ed25519_key': 'KEEP' } });
    assert.equal(r.read('/etc/ssh/ssh_host_ed25519_key'), 'KEEP');
    assert.deepEqual(r.commands, []);
  });

  it('writes the host keys given in ssh_keys (private 0600, public and certificate 0644) and generates none', async () => {
    const r = await runModule(
      ssh,
      {
        ssh_keys: {
          ed25519_private: '-----BEGIN OPENSSH PRIVATE KEY-----\nGIVEN\n-----END OPENSSH PRIVATE KEY-----\n',
          ed25519_public: 'ssh-ed25519 AAAAGIVEN host',
          ed25519_certificate: 'ssh-ed25519-cert-v01@openssh.com AAAACERT host',
          bogus_private: 'x',
        },
      },
      { files: { '/etc/ssh/sshd_config': 'Include /etc/ssh/sshd_config.d/*.conf\n' } },
    );
    assert.equal(r.mode('/etc/ssh/ssh_host_ed25519_key'), 0o600);
    assert.equal(r.read('/etc/ssh/ssh_host_ed25519_key.pub'), 'ssh-ed25519 AAAAGIVEN host\n');
    assert.equal(r.mode('/etc/ssh/ssh_host_ed25519_key.pub'), 0o644);
    assert.equal(r.mode('/etc/ssh/ssh_host_ed25519_key-cert.pub'), 0o644);
    assert.equal(r.read('/etc/ssh/sshd_config.d/50-cloud-init.conf'), 'HostCertificate /etc/ssh/ssh_host_ed25519_key-cert.pub\n');
    assert.match(r.logText, /WARNING: ssh_keys\.bogus_private: not a key stratus knows/);
    assert.ok(!r.commands.some((c) => c.startsWith('ssh-keygen -q')));
    assert.doesNotMatch(r.logText, /GIVEN/);
  });

  it('derives the public half of a given private key', { skip: KEYGEN ? false : 'ssh-keygen is not installed' }, async () => {
    const made = await runModule(ssh, { ssh_genkeytypes: ['ed25519'] });
    const priv = made.read('/etc/ssh/ssh_host_ed25519_key');
    const pub = made.read('/etc/ssh/ssh_host_ed25519_key.pub').split(' ').slice(0, 2).join(' ');
    const r = await runModule(ssh, { ssh_keys: { ed25519_private: priv } });
    assert.equal(r.read('/etc/ssh/ssh_host_ed25519_key.pub').split(' ').slice(0, 2).join(' ').trim(), pub);
  });
});

describe('ssh: authorized keys', () => {
  it('gives the metadata keys and ssh_authorized_keys to the default user, and to root behind the "log in as" command', async () => {
    const root = accountsRoot();
    await runModule(usersGroups, DEFAULT_USER, { root });
    const inst = instance({ metaData: { 'instance-id': 'i-1', 'public-keys': { '0': [MD_KEY] } } });
    const r = await runModule(ssh, { ...DEFAULT_USER, ssh_deletekeys: false, ssh_keys: {}, ssh_authorized_keys: [CFG_KEY] }, { root, instance: inst });
    assert.equal(r.read('/home/debian/.ssh/authorized_keys'), `${MD_KEY}\n${CFG_KEY}\n`);
    const uid = Number(readFileSync(join(root, 'etc/passwd'), 'utf8').match(/^debian:x:(\d+):/m)?.[1]);
    assert.equal(statSync(join(root, 'home/debian/.ssh/authorized_keys')).uid, uid);
    const rootKeys = r.read('/root/.ssh/authorized_keys').trim().split('\n');
    assert.equal(rootKeys.length, 2);
    const prefix = DEFAULT_DISABLE_ROOT_OPTS.replace('$USER', 'debian').replace('$DISABLE_USER', 'root');
    assert.equal(rootKeys[0], `${prefix} ${MD_KEY}`);
    assert.match(rootKeys[0] ?? '', /^no-port-forwarding,no-agent-forwarding,no-X11-forwarding,command="echo '[^']*\\"debian\\"[^']*\\"root\\"[^']*';echo;sleep 10;exit 142" ssh-ed25519 /);
    assert.equal(r.mode('/root/.ssh/authorized_keys'), 0o600);
    assert.equal(r.mode('/root/.ssh'), 0o700);
  });

  it('disable_root: false gives root the plain keys; a key already there is replaced, not repeated', async () => {
    const root = accountsRoot({ '/root/.ssh/authorized_keys': `# mine\nno-pty ${MD_KEY}\n` });
    const inst = instance({ metaData: { 'instance-id': 'i-1', 'public-keys': MD_KEY } });
    const r = await runModule(ssh, { disable_root: false, ssh_keys: {}, ssh_deletekeys: false }, { root, instance: inst });
    assert.equal(r.read('/root/.ssh/authorized_keys'), `# mine\n${MD_KEY}\n`);
  });

  it('disable_root_opts is used with $USER and $DISABLE_USER filled in; allow_public_ssh_keys: false ignores the metadata', async () => {
    const root = accountsRoot();
    const inst = instance({ metaData: { 'instance-id': 'i-1', 'public-keys': [MD_KEY] } });
    const r = await runModule(ssh, { disable_root_opts: 'command="echo $USER not $DISABLE_USER"', allow_public_ssh_keys: false, ssh_authorized_keys: [CFG_KEY], ssh_keys: {}, ssh_deletekeys: false }, { root, instance: inst });
    assert.equal(r.read('/root/.ssh/authorized_keys'), `command="echo NONE not root" ${CFG_KEY}\n`);
  });

  it('never writes through a symbolic link in ~/.ssh', async () => {
    const root = accountsRoot({ '/etc/target-file': 'system file\n' });
    mkdirSync(join(root, 'root/.ssh'), { recursive: true });
    symlinkSync('/etc/target-file', join(root, 'root/.ssh/authorized_keys'));
    const r = await runModule(ssh, { ssh_authorized_keys: [CFG_KEY], ssh_keys: {}, ssh_deletekeys: false }, { root });
    assert.match(r.logText, /WARNING: ssh \(root, login disabled\): \/root\/\.ssh\/authorized_keys is a symbolic link; keys for root not written/);
    assert.equal(r.read('/etc/target-file'), 'system file\n');
  });

  it('a default user that does not exist is a warning', async () => {
    const root = accountsRoot();
    const r = await runModule(ssh, { ...DEFAULT_USER, ssh_authorized_keys: [CFG_KEY], ssh_keys: {}, ssh_deletekeys: false }, { root });
    assert.match(r.logText, /WARNING: ssh: the default user debian does not exist/);
    assert.ok(r.exists('/root/.ssh/authorized_keys'));
  });

  it('reads the metadata key shapes of each cloud', () => {
    assert.deepEqual(metadataPublicKeys({ 'public-keys': `${MD_KEY}\n\n${CFG_KEY}\n` }), [MD_KEY, CFG_KEY]);
    assert.deepEqual(metadataPublicKeys({ public_keys: { mykey: MD_KEY } }), [MD_KEY]);
    assert.deepEqual(metadataPublicKeys({ 'public-keys': { '0': { 'openssh-key': MD_KEY } } }), [MD_KEY]);
    assert.deepEqual(metadataPublicKeys({}), []);
  });
});
