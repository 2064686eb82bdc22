import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { parsePermissions, writeFiles, writeFilesDeferred } from '../../src/modules/write-files.ts';
import { cleanupRoots, runModule } from './harness.ts';

after(cleanupRoots);

const PASSWD = 'root:x:0:0:root:/root:/bin/bash\nalice:x:1234:1234::/home/alice:/bin/sh\n';
const GROUP = 'root:x:0:\nalice:x:1234:\nstaff:x:50:alice\n';

describe('write_files', () => {
  it('writes text, base64 and gzip contents with their modes', async () => {
    const gz = gzipSync(Buffer.from('zipped\n')).toString('base64');
    const r = await runModule(writeFiles, {
      write_files: [
        { path: '/etc/motd', content: 'hello\n' },
        { path: '/etc/b64', content: Buffer.from('decoded').toString('base64'), encoding: 'b64', permissions: '0600' },
        { path: '/etc/gz', content: gz, encoding: 'gz+b64', permissions: 0o755 },
        { path: '/etc/gzbin', content: gz, encoding: 'gzip' },
        { path: '/opt/new/dir/file', content: 'x', permissions: '0o640' },
      ],
    });
    assert.equal(r.error, undefined);
    assert.equal(r.read('/etc/motd'), 'hello\n');
    assert.equal(r.mode('/etc/motd'), 0o644);
    assert.equal(r.read('/etc/b64'), 'decoded');
    assert.equal(r.mode('/etc/b64'), 0o600);
    assert.equal(r.read('/etc/gz'), 'zipped\n');
    assert.equal(r.mode('/etc/gz'), 0o755);
    assert.equal(r.read('/etc/gzbin'), 'zipped\n');
    assert.equal(r.mode('/opt/new/dir/file'), 0o640);
    assert.doesNotMatch(r.logText, /WARNING/);
    // Sizes and paths in the log, never contents.
    assert.doesNotMatch(r.logText, /hello|decoded|zipped/);
  });

  it('reads permissions as octal text or the number YAML 1.1 makes of 0644', () => {
    assert.equal(parsePermissions('0644'), 0o644);
    assert.equal(parsePermissions('644'), 0o644);
    assert.equal(parsePermissions('0o755'), 0o755);
    assert.equal(parsePermissions(420), 0o644);
    assert.equal(parsePermissions('0999'), null);
    assert.equal(parsePermissions(0o17777), null);
  });

  it('warns about a bad entry by index and still writes the others', async () => {
    const r = await runModule(writeFiles, {
      write_files: [
        { path: '/etc/one', content: '1' },
        { path: '/etc/two', content: '2', encoding: 'b65' },
        { path: 'relative/path', content: '3' },
        { path: '/../../escape', content: '4' },
        { path: '/etc/bad-b64', content: '!!!', encoding: 'base64' },
        { path: '/etc/bad-perm', content: '5', permissions: 'rwx' },
        'not a mapping',
        { path: '/etc/three', content: '3' },
      ],
    });
    assert.equal(r.error, undefined);
    assert.equal(r.read('/etc/one'), '1');
    assert.equal(r.read('/etc/three'), '3');
    assert.equal(r.exists('/etc/two'), false);
    assert.equal(r.exists('/etc/bad-b64'), false);
    assert.match(r.logText, /write_files\[1\] \(\/etc\/two\): unknown encoding "b65"/);
    assert.match(r.logText, /write_files\[2\]: path "relative\/path" is not absolute/);
    assert.match(r.logText, /write_files\[3\]: .*may not contain "\.\."/);
    assert.match(r.logText, /write_files\[4\].*not valid base64/);
    assert.match(r.logText, /write_files\[5\].*permissions "rwx"/);
    assert.match(r.logText, /write_files\[6\]: not a mapping/);
  });

  it('follows links inside the target, never out of it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'stratus-wf-'));
    const outside = mkdtempSync(join(tmpdir(), 'stratus-wf-outside-'));
    try {
      mkdirSync(join(root, 'real'), { recursive: true });
      // An absolute link: on the host it would point at `outside`; in the target it means <root>/real.
      symlinkSync('/real', join(root, 'etc'));
      symlinkSync(outside, join(root, 'escape'));
      const r = await runModule(writeFiles, { write_files: [{ path: '/etc/conf', content: 'in' }, { path: '/escape/x', content: 'out' }] }, { root });
      assert.equal(r.read('/real/conf'), 'in');
      assert.equal(statSync(join(outside, 'x'), { throwIfNoEntry: false }), undefined);
      assert.equal(r.read(`${outside}/x`), 'out');
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('appends to an existing file', async () => {
    const r = await runModule(writeFiles, { write_files: [{ path: '/etc/list', content: 'b\n', append: true }] }, { files: { '/etc/list': 'a\n' } });
    assert.equal(r.read('/etc/list'), 'a\nb\n');
  });

  it('sets the owner from the target passwd and group files', { skip: process.getuid?.() !== 0 && 'needs root to chown' }, async () => {
    const r = await runModule(
      writeFiles,
      {
        write_files: [
          { path: '/home/alice/a', content: 'a', owner: 'alice:staff', permissions: '0600' },
          { path: '/home/alice/b', content: 'b', owner: 'alice' },
          { path: '/home/alice/c', content: 'c', owner: '77:88' },
          { path: '/home/alice/d', content: 'd', owner: 'bob:root' },
        ],
      },
      { files: { '/etc/passwd': PASSWD, '/etc/group': GROUP } },
    );
    const st = (p: string) => statSync(join(r.root, p));
    assert.equal(st('/home/alice/a').uid, 1234);
    assert.equal(st('/home/alice/a').gid, 50);
    assert.equal(st('/home/alice/b').uid, 1234);
    assert.equal(st('/home/alice/c').uid, 77);
    assert.equal(st('/home/alice/c').gid, 88);
    assert.equal(st('/home/alice/d').uid, 0);
    assert.equal(r.read('/home/alice/d'), 'd');
    assert.match(r.logText, /write_files\[3\].*user "bob" is not in the target's \/etc\/passwd/);
    assert.deepEqual(r.commands, []);
  });

  it('refuses oversized decompressed content', async () => {
    const big = gzipSync(Buffer.alloc(40 * 1024 * 1024)).toString('base64');
    const r = await runModule(writeFiles, { write_files: [{ path: '/big', content: big, encoding: 'gzip+base64' }, { path: '/small', content: 's' }] });
    assert.equal(r.exists('/big'), false);
    assert.equal(r.read('/small'), 's');
    assert.match(r.logText, /write_files\[0\].*larger than/);
  });

  it('leaves deferred entries to write_files_deferred, which writes only them', async () => {
    const cfg = {
      write_files: [
        { path: '/now', content: 'now' },
        { path: '/later', content: 'later', defer: true },
        { path: '/bad', encoding: 'nope' },
      ],
    };
    const first = await runModule(writeFiles, cfg);
    assert.equal(first.exists('/now'), true);
    assert.equal(first.exists('/later'), false);
    assert.match(first.logText, /write_files\[2\]/);
    const second = await runModule(writeFilesDeferred, cfg, { root: first.root, stage: 'modules-final' });
    assert.equal(second.read('/later'), 'later');
    assert.doesNotMatch(second.logText, /write_files\[2\]/);
  });

  it('refuses to replace or read a device or FIFO', async () => {
    const root = mkdtempSync(join(tmpdir(), 'stratus-wf-fifo-'));
    try {
      mkdirSync(join(root, 'run'), { recursive: true });
      execFileSync('mkfifo', [join(root, 'run/fifo')]);
      const r = await runModule(writeFiles, { write_files: [{ path: '/run/fifo', content: 'x', append: true }] }, { root });
      assert.ok(statSync(join(root, 'run/fifo')).isFIFO());
      assert.match(r.logText, /write_files\[0\].*not a regular file/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
