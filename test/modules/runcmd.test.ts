import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runcmd, shellQuote, shellify } from '../../src/modules/runcmd.ts';
import { cleanupRoots, runModule } from './harness.ts';

after(cleanupRoots);

const SCRIPT = '/var/lib/cloud/instances/iid-test/scripts/runcmd';

describe('runcmd', () => {
  it('writes strings as lines and argv lists shell-quoted, mode 0700, and runs nothing', async () => {
    const r = await runModule(runcmd, {
      runcmd: ['echo hello > /tmp/x', ['ls', '-l', '/'], ['sh', '-c', "echo 'it''s' $HOME; rm -rf /"], ['printf', ''], ['echo', 42]],
    });
    assert.equal(r.error, undefined);
    assert.equal(
      r.read(SCRIPT),
      [
        '#!/bin/sh',
        'echo hello > /tmp/x',
        'ls -l /',
        `sh -c 'echo '\\''it'\\'''\\''s'\\'' $HOME; rm -rf /'`,
        "printf ''",
        'echo 42',
        '',
      ].join('\n'),
    );
    assert.equal(r.mode(SCRIPT), 0o700);
    assert.deepEqual(r.commands, []);
  });

  it('quotes so that sh reads the words back unchanged', async () => {
    const { spawnSync } = await import('node:child_process');
    const words = ['a b', "it's", '$HOME', '`id`', '"q"', 'back\\slash', '*', ''];
    const line = ['printf', '%s\\n', ...words].map(shellQuote).join(' ');
    const out = spawnSync('sh', ['-c', line], { encoding: 'utf8' }).stdout;
    assert.equal(out, `${words.join('\n')}\n`);
  });

  it('warns about bad items by index and keeps the others', async () => {
    const r = await runModule(runcmd, { runcmd: ['true', { a: 1 }, [], null, ['x', { y: 1 }], 'false'] });
    assert.equal(r.read(SCRIPT), '#!/bin/sh\ntrue\nfalse\n');
    for (const i of [1, 2, 3, 4]) assert.match(r.logText, new RegExp(`WARNING: runcmd\\[${i}\\]: not a string`));
  });

  it('warns and writes nothing when runcmd is not a list', async () => {
    const r = await runModule(runcmd, { runcmd: 'echo hi' });
    assert.equal(r.exists(SCRIPT), false);
    assert.match(r.logText, /WARNING: runcmd must be a list/);
  });

  it('shellify reports nothing bad for a clean list', () => {
    assert.deepEqual(shellify(['a', ['b', 'c d']]), { script: "#!/bin/sh\na\nb 'c d'\n", bad: [] });
  });
});
