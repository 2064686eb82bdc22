/**
 * unifiedDiff against GNU `diff -u` (everything after the two header lines,
 * which carry timestamps there) on hand-picked cases, and on seeded random
 * ones: the diff applies with `patch` to give the new text and changes no
 * more lines than GNU's does (where several shortest diffs exist the two
 * may choose differently). Skipped without diff/patch.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { unifiedDiff } from '../../src/text/diff.ts';

const dir = mkdtempSync(join(tmpdir(), 'stratus-diff-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const haveTools = spawnSync('diff', ['--version']).status === 0 && spawnSync('patch', ['--version']).status === 0;

function gnuDiff(a: string | null, b: string | null, context = 3): string {
  const pa = join(dir, 'a');
  const pb = join(dir, 'b');
  rmSync(pa, { force: true });
  rmSync(pb, { force: true });
  if (a !== null) writeFileSync(pa, a);
  if (b !== null) writeFileSync(pb, b);
  const r = spawnSync('diff', [`-U${context}`, '-N', 'a', 'b'], { cwd: dir, encoding: 'utf8' });
  return r.stdout.split('\n').slice(2).join('\n');
}

const body = (d: string) => d.split('\n').slice(2).join('\n');
const lines = (n: number, f = (i: number) => `line ${i}`) => Array.from({ length: n }, (_, i) => `${f(i + 1)}\n`).join('');

const CASES: [string, string | null, string | null, number?][] = [
  ['one line changed in the middle', lines(10), lines(10).replace('line 5\n', 'line five\n')],
  ['additions at the start and end', lines(5), `new 0\n${lines(5)}new 6\n`],
  ['removals', lines(12), lines(12).replace('line 2\n', '').replace('line 11\n', '')],
  ['two changes far apart: two hunks', lines(30), lines(30).replace('line 3\n', 'x\n').replace('line 25\n', 'y\n')],
  ['two changes 6 lines apart: one hunk', lines(30), lines(30).replace('line 3\n', 'x\n').replace('line 10\n', 'y\n')],
  ['two changes 7 lines apart: two hunks', lines(30), lines(30).replace('line 3\n', 'x\n').replace('line 11\n', 'y\n')],
  ['new file', null, lines(3)],
  ['removed file', lines(3), null],
  ['empty to text', '', 'a\n'],
  ['no newline at the end, old side', 'a\nb', 'a\nb\n'],
  ['no newline at the end, new side', 'a\nb\n', 'a\nb'],
  ['no newline at the end, both, changed', 'a\nb\nc', 'a\nB\nc'],
  ['no newline at the end, unchanged context', `${lines(5)}last`, `${lines(5).replace('line 4\n', 'four\n')}last`],
  ['replace everything', 'a\nb\nc\n', 'x\ny\n'],
  ['swap', 'a\nb\nc\n', 'b\na\nc\n'],
  ['context 0', lines(10), lines(10).replace('line 4\n', '').replace('line 7\n', 'seven\n'), 0],
  ['context 1', lines(10), lines(10).replace('line 4\n', 'four\n'), 1],
  ['CRLF lines', 'a\r\nb\r\n', 'a\r\nc\r\n'],
  ['a netplan file', 'network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n', 'network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n      dhcp6: true\n    eth1:\n      dhcp4: true\n'],
];

describe('against GNU diff -u', { skip: haveTools ? false : 'diff or patch is not installed' }, () => {
  for (const [name, a, b, context] of CASES) {
    test(name, () => {
      const mine = unifiedDiff(a, b, 'etc/x.conf', 'etc/x.conf', context ?? 3);
      assert.equal(body(mine), gnuDiff(a, b, context ?? 3));
    });
  }

  test('seeded random texts: patch gives the new text; no more changed lines than GNU', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const alphabet = ['a', 'b', 'c', 'd', '', '  x'];
    const gen = (n: number) => Array.from({ length: n }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('\n') + (rnd() < 0.7 ? '\n' : '');
    for (let t = 0; t < 120; t++) {
      const a = gen(Math.floor(rnd() * 25));
      const b = rnd() < 0.4 ? gen(Math.floor(rnd() * 25)) : a.split('\n').map((l) => (rnd() < 0.2 ? 'z' : l)).filter(() => rnd() > 0.1).join('\n');
      const mine = unifiedDiff(a, b, 'f', 'f');
      if (a === b) {
        assert.equal(mine, '');
        continue;
      }
      writeFileSync(join(dir, 'old'), a);
      writeFileSync(join(dir, 'p'), mine);
      const r = spawnSync('patch', ['-s', '-o', 'new', 'old', 'p'], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}\n${mine}`);
      assert.equal(readFileSync(join(dir, 'new'), 'utf8'), b, mine);
      rmSync(join(dir, 'new'));
      const changed = (d: string) => body(d).split('\n').filter((l) => l.startsWith('+') || l.startsWith('-')).length;
      assert.ok(changed(mine) <= changed(`--- \n+++ \n${gnuDiff(a, b)}`), `${JSON.stringify(a)} → ${JSON.stringify(b)}`);
    }
  });
});

describe('headers and edge cases', () => {
  test('a/ b/ names, /dev/null for a missing side, leading slashes dropped', () => {
    assert.equal(unifiedDiff('x\n', 'y\n', '/etc/hosts', '/etc/hosts'), '--- a/etc/hosts\n+++ b/etc/hosts\n@@ -1 +1 @@\n-x\n+y\n');
    assert.equal(unifiedDiff(null, 'y\n', 'f', 'f'), '--- /dev/null\n+++ b/f\n@@ -0,0 +1 @@\n+y\n');
    assert.equal(unifiedDiff('x\n', null, 'f', 'f'), '--- a/f\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n');
  });

  test('equal texts give nothing; an empty file created gives the headers only', () => {
    assert.equal(unifiedDiff('a\n', 'a\n', 'f', 'f'), '');
    assert.equal(unifiedDiff(null, null, 'f', 'f'), '');
    assert.equal(unifiedDiff(null, '', 'f', 'f'), '--- /dev/null\n+++ b/f\n');
  });

  test('huge inputs with many differences: one block for the changed middle, still correct, quickly', () => {
    const n = 30000;
    const a = lines(n, (i) => `a${i}`);
    const b = `${lines(n, (i) => `b${i}`)}`;
    const started = Date.now();
    const d = unifiedDiff(`head\n${a}tail\n`, `head\n${b}tail\n`, 'f', 'f');
    assert.ok(Date.now() - started < 5000);
    assert.ok(d.startsWith(`--- a/f\n+++ b/f\n@@ -1,${n + 2} +1,${n + 2} @@\n head\n-a1\n`));
    assert.equal(d.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---')).length, n);
  });

  test('a large file with few differences is still minimal', () => {
    const a = lines(50000);
    const b = a.replace('line 100\n', 'changed\n').replace('line 40000\n', '');
    const d = unifiedDiff(a, b, 'f', 'f');
    assert.equal(d.split('\n').filter((l) => /^[-+][^-+]/.test(l)).length, 3);
  });
});
