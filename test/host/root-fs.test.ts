/**
 * The target filesystem the stages work on: DiskRoot (paths under a root,
 * atomic writes, relative links, unchanged files left alone) and OverlayRoot
 * (a whole boot in memory: reads see the changes, links are followed,
 * directories appear implicitly, nothing reaches the disk).
 */
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DiskRoot, OverlayRoot } from '../../src/host/root-fs.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempRoot(): string {
  const d = mkdtempSync(join(tmpdir(), 'stratus-rootfs-'));
  dirs.push(d);
  return d;
}

describe('DiskRoot', () => {
  test('writes under the root with the mode asked, never outside it', () => {
    const root = tempRoot();
    const fs = new DiskRoot(root);
    fs.writeFiles([{ path: '/etc/a/b.conf', content: 'x\n', mode: 0o600 }]);
    assert.equal(readFileSync(join(root, 'etc/a/b.conf'), 'utf8'), 'x\n');
    assert.equal(statSync(join(root, 'etc/a/b.conf')).mode & 0o777, 0o600);
    assert.throws(() => fs.writeFiles([{ path: '/../escape', content: '', mode: 0o644 }]), /outside/);
  });

  test('links are stored relative and read back as absolute target paths', () => {
    const root = tempRoot();
    const fs = new DiskRoot(root);
    fs.writeFiles([{ path: '/var/lib/cloud/instances/i-1/x', content: 'hello', mode: 0o644 }]);
    fs.symlink('/var/lib/cloud/instances/i-1', '/var/lib/cloud/instance');
    assert.equal(readlinkSync(join(root, 'var/lib/cloud/instance')), 'instances/i-1');
    assert.equal(fs.readLink('/var/lib/cloud/instance'), '/var/lib/cloud/instances/i-1');
    assert.equal(fs.readText('/var/lib/cloud/instance/x'), 'hello');
    // A link someone else made with an absolute target is reported as that target.
    symlinkSync('/etc/elsewhere', join(root, 'abs'));
    assert.equal(fs.readLink('/abs'), '/etc/elsewhere');
  });

  test('a file that already holds the content and mode is not rewritten', () => {
    const root = tempRoot();
    const fs = new DiskRoot(root);
    fs.writeFiles([{ path: '/f', content: 'same', mode: 0o644 }]);
    const before = lstatSync(join(root, 'f')).ino;
    fs.writeFiles([{ path: '/f', content: 'same', mode: 0o644 }]);
    assert.equal(lstatSync(join(root, 'f')).ino, before, 'replaced although identical');
    fs.writeFiles([{ path: '/f', content: 'same', mode: 0o600 }]);
    assert.equal(statSync(join(root, 'f')).mode & 0o777, 0o600, 'a mode change is written');
    fs.writeFiles([{ path: '/f', content: 'other', mode: 0o600 }]);
    assert.equal(readFileSync(join(root, 'f'), 'utf8'), 'other');
  });

  test('missing things read as null or empty, not errors', () => {
    const fs = new DiskRoot(tempRoot());
    assert.equal(fs.readFile('/nope'), null);
    assert.equal(fs.readFile('/nope/deeper'), null);
    assert.equal(fs.kind('/nope'), null);
    assert.deepEqual(fs.list('/nope'), []);
    assert.equal(fs.readLink('/nope'), null);
    assert.equal(fs.remove('/nope'), false);
  });

  test('remove takes whole trees, and the tree can be made again', () => {
    const root = tempRoot();
    const fs = new DiskRoot(root);
    fs.writeFiles([{ path: '/d/e/f', content: '1', mode: 0o644 }]);
    assert.equal(fs.remove('/d'), true);
    assert.equal(fs.kind('/d'), null);
    fs.writeFiles([{ path: '/d/e/f', content: '2', mode: 0o644 }]);
    assert.equal(fs.readText('/d/e/f'), '2');
  });
});

describe('OverlayRoot', () => {
  test('reads see the changes; the disk does not', () => {
    const root = tempRoot();
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc/hostname'), 'old\n');
    const ov = new OverlayRoot(new DiskRoot(root));
    ov.writeFiles([{ path: '/etc/hostname', content: 'new\n', mode: 0o644 }, { path: '/var/x/y', content: 'y', mode: 0o600 }]);
    assert.equal(ov.readText('/etc/hostname'), 'new\n');
    assert.equal(readFileSync(join(root, 'etc/hostname'), 'utf8'), 'old\n');
    assert.equal(ov.kind('/var/x'), 'dir', 'a directory made implicitly by a write below it');
    assert.deepEqual(ov.list('/var'), ['x']);
    assert.equal(statSync(join(root, 'var'), { throwIfNoEntry: false }), undefined);
  });

  test('links made in the overlay are followed, for reads and writes', () => {
    const ov = new OverlayRoot(new DiskRoot(tempRoot()));
    ov.writeFiles([{ path: '/var/lib/cloud/instances/i-1/a', content: 'A', mode: 0o644 }]);
    ov.symlink('/var/lib/cloud/instances/i-1', '/var/lib/cloud/instance');
    assert.equal(ov.readText('/var/lib/cloud/instance/a'), 'A');
    ov.writeFiles([{ path: '/var/lib/cloud/instance/b', content: 'B', mode: 0o644 }]);
    assert.equal(ov.readText('/var/lib/cloud/instances/i-1/b'), 'B');
    assert.equal(ov.readLink('/var/lib/cloud/instance'), '/var/lib/cloud/instances/i-1');
  });

  test('a removed directory hides what is below it, on disk and in the overlay', () => {
    const root = tempRoot();
    mkdirSync(join(root, 'run/cloud-init'), { recursive: true });
    writeFileSync(join(root, 'run/cloud-init/status.json'), '{}');
    const ov = new OverlayRoot(new DiskRoot(root));
    ov.writeFiles([{ path: '/run/cloud-init/new', content: 'n', mode: 0o644 }]);
    assert.equal(ov.remove('/run/cloud-init'), true);
    assert.equal(ov.readFile('/run/cloud-init/status.json'), null);
    assert.equal(ov.readFile('/run/cloud-init/new'), null);
    assert.deepEqual(ov.list('/run'), []);
    ov.writeFiles([{ path: '/run/cloud-init/again', content: 'a', mode: 0o644 }]);
    assert.equal(ov.readText('/run/cloud-init/again'), 'a');
    assert.ok(lstatSync(join(root, 'run/cloud-init/status.json')).isFile(), 'the disk is untouched');
  });

  test('changes() lists what a plan would do, in path order', () => {
    const ov = new OverlayRoot(new DiskRoot(tempRoot()));
    ov.writeFiles([{ path: '/b', content: 'b', mode: 0o644 }, { path: '/a', content: 'a', mode: 0o600 }]);
    ov.appendFile('/a', '+', 0o644);
    assert.deepEqual(ov.changes().map((c) => [c.path, c.node.kind === 'file' ? c.node.content.toString() : c.node.kind]), [['/a', 'a+'], ['/b', 'b']]);
  });
});
