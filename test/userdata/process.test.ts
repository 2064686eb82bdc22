/** processUserData: every format, includes with a fake fetch, and the bounds that keep a boot safe. */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { partsSummary, processUserData, renderCloudConfigFile, type UserDataEnv } from '../../src/userdata/index.ts';
import { parseMime } from '../../src/userdata/mime.ts';

const INSTANCE = { v1: { 'local-hostname': 'web1', local_hostname: 'web1', distro: 'debian' } };
const env = (over: Partial<UserDataEnv> = {}): UserDataEnv => ({ stage: 'network', instanceData: INSTANCE, ...over });
const run = (data: string | Buffer, e: UserDataEnv = env()) => processUserData(typeof data === 'string' ? Buffer.from(data) : data, 'user-data', e);

function mime(parts: { type: string; body: string | Buffer; headers?: string[] }[], boundary = 'BOUNDARY'): Buffer {
  const chunks: Buffer[] = [Buffer.from(`Content-Type: multipart/mixed; boundary="${boundary}"\nMIME-Version: 1.0\n\n`)];
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\nContent-Type: ${p.type}\n${(p.headers ?? []).map((h) => `${h}\n`).join('')}\n`), Buffer.isBuffer(p.body) ? p.body : Buffer.from(p.body), Buffer.from('\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\n`));
  return Buffer.concat(chunks);
}

describe('single-part formats', () => {
  test('empty and null user-data', async () => {
    for (const d of [null, Buffer.alloc(0)]) {
      const r = await processUserData(d, 'user-data', env());
      assert.equal(r.cloudConfig, null);
      assert.deepEqual(r.warnings, []);
    }
  });
  test('#cloud-config', async () => {
    const r = await run('#cloud-config\nhostname: h1\nruncmd: [a]\n');
    assert.deepEqual(r.cloudConfig, { hostname: 'h1', runcmd: ['a'] });
    assert.deepEqual(r.cloudConfigParts, ['part-001']);
    assert.deepEqual(r.warnings, []);
    assert.match(partsSummary('user-data', r), /1:text\/cloud-config→cloud-config/);
    assert.match(renderCloudConfigFile(r.cloudConfig, r.cloudConfigParts), /^#cloud-config\n\n# from 1 files\n# part-001\n\n\{/);
  });
  test('invalid YAML: a located warning, no config, and no content quoted', async () => {
    const r = await run('#cloud-config\nhostname: [secret-value\n');
    assert.equal(r.cloudConfig, null);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0] ?? '', /^user-data line 2 column 11: not valid YAML: .*\(the cloud-config is ignored\)$/);
    assert.doesNotMatch(r.warnings.join('\n'), /secret-value/);
  });
  test('a line the YAML error would quote (a password missing its colon) is shown as "…"', async () => {
    const r = await run('#cloud-config\nchpasswd:\n  expire: false\npassword hunter2-secret\n');
    assert.equal(r.cloudConfig, null);
    assert.match(r.warnings[0] ?? '', /^user-data line 4 column 1: not valid YAML: expected ":" after "…": /);
    assert.doesNotMatch(r.warnings.join('\n'), /hunter2/);
  });
  test('an #include line that is no URL is not shown', async () => {
    const r = await run('#include\nroot:hunter2-secret\nftp://h/x?t=1\n');
    assert.deepEqual(r.warnings, ['user-data: a line that is not a URL; only http and https URLs are fetched', 'user-data: a URL with the scheme ftp:; only http and https URLs are fetched']);
  });
  test('a cloud-config that is not a mapping', async () => {
    const r = await run('#cloud-config\n- a\n');
    assert.match(r.warnings[0] ?? '', /must be a mapping/);
  });
  test('#! script: CRLF becomes LF', async () => {
    const r = await run('#!/bin/sh\r\necho hi\r\n');
    assert.deepEqual(r.scripts.map((s) => [s.name, s.content.toString()]), [['part-001', '#!/bin/sh\necho hi\n']]);
  });
  test('#cloud-boothook: the marker line is dropped', async () => {
    const r = await run('#cloud-boothook\n#!/bin/sh\necho boot\n');
    assert.deepEqual(r.boothooks.map((b) => [b.name, b.content.toString()]), [['part-001', '#!/bin/sh\necho boot\n']]);
  });
  test('gzip-compressed user-data', async () => {
    const r = await run(gzipSync(Buffer.from('#cloud-config\na: 1\n')));
    assert.deepEqual(r.cloudConfig, { a: 1 });
  });
  test('corrupt gzip: a warning', async () => {
    const r = await run(Buffer.from([0x1f, 0x8b, 1, 2, 3, 4]));
    assert.match(r.warnings[0] ?? '', /^user-data: gzip data that cannot be decompressed/);
  });
  test('unknown content: a warning, not a failure', async () => {
    const r = await run('just some text\n');
    assert.match(r.warnings[0] ?? '', /^user-data: no handler for content of type text\/x-not-multipart \(it starts with none of .*\); ignored$/);
  });
  test('a #cloud-config that mentions MIME-Version is still a cloud-config', async () => {
    const r = await run('#cloud-config\nwrite_files:\n  - path: /x\n    content: "MIME-Version: 1.0"\n');
    assert.deepEqual(r.warnings, []);
    assert.equal(r.parts[0]?.type, 'text/cloud-config');
  });
  test('a template after blank lines: error lines count from the part start', async () => {
    const r = await run('\n\n## template: jinja\n#cloud-config\na: {{ x.y }}\n');
    assert.match(r.warnings[0] ?? '', /^user-data line 5: jinja template error: "x" is undefined/);
  });
  test('unsupported part types are named', async () => {
    const r = await run('#part-handler\ndef x(): pass\n');
    assert.match(r.warnings[0] ?? '', /part handlers are not supported/);
  });
});

describe('MIME multipart', () => {
  test('parts of every kind, in order, with merging and file names', async () => {
    const data = mime([
      { type: 'text/cloud-config', body: '#cloud-config\nruncmd: [one]\npackages: [a]\n' },
      { type: 'text/x-shellscript', body: '#!/bin/sh\necho 1\n', headers: ['Content-Disposition: attachment; filename="setup.sh"'] },
      { type: 'text/cloud-config', body: '#cloud-config\nruncmd: [two]\n', headers: ['Merge-Type: list(append)+dict(no_replace,recurse_list)+str()'] },
      { type: 'application/gzip', body: gzipSync(Buffer.from('#cloud-config\nhostname: gz\n')).toString('base64'), headers: ['Content-Transfer-Encoding: base64'] },
      { type: 'text/x-shellscript-per-boot', body: '#!/bin/sh\necho every boot\n', headers: ['Content-Disposition: attachment; filename="pb.sh"'] },
      { type: 'text/plain', body: '#cloud-boothook\n#!/bin/sh\necho bh\n' },
    ]);
    const r = await run(data);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.cloudConfig, { runcmd: ['one', 'two'], packages: ['a'], hostname: 'gz' });
    assert.deepEqual(r.scripts.map((s) => [s.name, s.frequency ?? null]), [['setup.sh', null], ['pb.sh', 'per-boot']]);
    assert.deepEqual(r.boothooks.map((b) => b.name), ['part-006']);
    assert.deepEqual(r.parts.map((p) => p.outcome), ['cloud-config', 'script', 'cloud-config', 'cloud-config', 'script (per-boot)', 'boothook']);
    // user-data.txt.i reads back as the processed parts.
    const back = parseMime(r.processed, 'i');
    assert.deepEqual(back.parts.map((p) => p.type), ['text/cloud-config', 'text/x-shellscript', 'text/cloud-config', 'text/cloud-config', 'text/x-shellscript-per-boot', 'text/cloud-boothook']);
    assert.equal(back.parts[3]?.payload.toString(), '#cloud-config\nhostname: gz\n');
  });
  test('merge_how in the document wins over the header, and is not kept in the config', async () => {
    const data = mime([
      { type: 'text/cloud-config', body: '#cloud-config\na: [1]\n' },
      { type: 'text/cloud-config', body: '#cloud-config\nmerge_how: "dict(no_replace,recurse_list)+list(prepend)"\na: [2]\n', headers: ['Merge-Type: dict(recurse_list)+list(append)'] },
    ]);
    const r = await run(data);
    assert.deepEqual(r.cloudConfig, { a: [2, 1] });
  });
  test('a bad merge spec or unknown merger: the part is ignored with a warning', async () => {
    const r = await run(mime([
      { type: 'text/cloud-config', body: '#cloud-config\na: 1\n' },
      { type: 'text/cloud-config', body: '#cloud-config\nmerge_how: nonsense\na: 2\n' },
      { type: 'text/cloud-config', body: '#cloud-config\na: 3\n', headers: ['Merge-Type: tuple(x)'] },
    ]));
    assert.deepEqual(r.cloudConfig, { a: 1 });
    assert.match(r.warnings[0] ?? '', /^user-data part 2 \(text\/cloud-config\) line 2: merger "nonsense"/);
    assert.match(r.warnings[1] ?? '', /^user-data part 3 .*unknown merger "tuple"/);
  });
  test('invalid YAML in one part: located warning, the other parts still processed', async () => {
    const r = await run(mime([
      { type: 'text/cloud-config', body: '#cloud-config\na: 1\n' },
      { type: 'text/cloud-config', body: '#cloud-config\nb: 2\nc: [unclosed\n', headers: ['Content-Disposition: attachment; filename="bad.yaml"'] },
      { type: 'text/x-shellscript', body: '#!/bin/sh\n' },
    ]));
    assert.deepEqual(r.cloudConfig, { a: 1 });
    assert.equal(r.scripts.length, 1);
    assert.match(r.warnings[0] ?? '', /^user-data part 2 \(text\/cloud-config, file "bad.yaml"\) line 3 column 4: not valid YAML: .*\(this part is ignored\)$/);
  });
  test('file names cannot leave the scripts directory', async () => {
    const r = await run(mime([
      { type: 'text/x-shellscript', body: '#!/bin/sh\n', headers: ['Content-Disposition: attachment; filename="../../etc/cron.d/x"'] },
      { type: 'text/x-shellscript', body: '#!/bin/sh\n', headers: ['Content-Disposition: attachment; filename=".."'] },
      { type: 'text/x-shellscript', body: '#!/bin/sh\n', headers: ['Content-Disposition: attachment; filename="a b;c"'] },
    ]));
    assert.deepEqual(r.scripts.map((s) => s.name), ['x', 'part-002', 'a_b_c']);
  });
  test('a jinja part is rendered with instance data, then handled by its new type', async () => {
    const r = await run(mime([
      { type: 'text/jinja2', body: '## template: jinja\n#cloud-config\nhostname: {{ v1.local_hostname }}-x\n' },
      { type: 'text/plain', body: '## template: jinja\n#!/bin/sh\necho {{ v1.distro }}\n' },
    ]));
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.cloudConfig, { hostname: 'web1-x' });
    assert.equal(r.scripts[0]?.content.toString(), '#!/bin/sh\necho debian');
  });
  test('jinja: syntax error located on the part line, missing variables warned, instance data built lazily', async () => {
    let built = 0;
    const lazy = env({ instanceData: () => (built++, INSTANCE) });
    const r = await run(mime([
      { type: 'text/cloud-config', body: '#cloud-config\na: 1\n' },
      { type: 'text/plain', body: '## template: jinja\n#cloud-config\n{% if x %}\nb: 2\n' },
      { type: 'text/plain', body: '## template: jinja\n#cloud-config\nc: {{ nope }}\n' },
    ]), lazy);
    assert.equal(built, 2);
    assert.match(r.warnings[0] ?? '', /^user-data part 2 \(text\/jinja2\) line 3: jinja template syntax error: "if" block from line 2 is never closed/);
    assert.match(r.warnings[1] ?? '', /^user-data part 3 \(text\/jinja2\): .*CI_MISSING_JINJA_VAR.*: nope$/);
    assert.deepEqual(r.cloudConfig, { a: 1, c: 'CI_MISSING_JINJA_VAR/nope' });
    const plain = await run('#cloud-config\na: 1\n', env({ instanceData: () => (built++, INSTANCE) }));
    assert.deepEqual(plain.cloudConfig, { a: 1 });
    assert.equal(built, 2);
  });
});

describe('#cloud-config-archive', () => {
  test('strings and mappings, types sniffed or given, merge headers', async () => {
    const r = await run(`#cloud-config-archive
- "#cloud-config\\nruncmd: [a]\\n"
- type: text/x-shellscript
  filename: s.sh
  content: |
    #!/bin/sh
    echo archived
- content: "runcmd: [b]"
  Merge-Type: "dict(no_replace,recurse_list)+list(append)"
- content: 42
`);
    assert.deepEqual(r.cloudConfig, { runcmd: ['a', 'b'] });
    assert.deepEqual(r.scripts.map((s) => s.name), ['s.sh']);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0] ?? '', /line 10: item 4: content must be a string/);
  });
  test('an archive that is not a list', async () => {
    const r = await run('#cloud-config-archive\na: 1\n');
    assert.match(r.warnings[0] ?? '', /must be a list of parts/);
  });
});

describe('#include and #include-once', () => {
  const served: Record<string, string | Buffer> = {
    'http://h/a.yaml': '#cloud-config\nhostname: included\n',
    'http://h/b.sh': '#!/bin/sh\necho b\n',
    'http://h/once.yaml': '#cloud-config\nonce: true\n',
    'http://h/gz': gzipSync(Buffer.from('#cloud-config\ngz: 1\n')),
    'http://h/loop': '#include http://h/loop\n',
  };
  function fakeFetch() {
    const calls: string[] = [];
    const fetch = async (url: string) => {
      calls.push(url);
      const body = served[url.split('?')[0] ?? ''];
      return body === undefined ? { status: 404, body: Buffer.from('nope') } : { status: 200, body: Buffer.from(body) };
    };
    return { calls, fetch };
  }

  test('one URL per line, comments skipped, fetched content processed recursively', async () => {
    const { calls, fetch } = fakeFetch();
    const r = await run('#include\n# a comment\nhttp://h/a.yaml\n\nhttp://h/b.sh\nhttp://h/gz\n', env({ fetch }));
    assert.deepEqual(calls, ['http://h/a.yaml', 'http://h/b.sh', 'http://h/gz']);
    assert.deepEqual(r.cloudConfig, { hostname: 'included', gz: 1 });
    assert.equal(r.scripts.length, 1);
    assert.deepEqual(r.warnings, []);
  });
  test('failures are warnings without the query string', async () => {
    const { fetch } = fakeFetch();
    const r = await run('#include http://h/missing?token=SECRET\nftp://h/x\n', env({ fetch: async (u) => (u.includes('missing') ? fetch(u) : Promise.reject(new Error('boom'))) }));
    assert.equal(r.warnings.length, 2);
    assert.match(r.warnings[0] ?? '', /"http:\/\/h\/missing\?…" answered HTTP 404/);
    assert.match(r.warnings[1] ?? '', /a URL with the scheme ftp:; only http and https URLs are fetched/);
    assert.doesNotMatch(r.warnings.join('\n'), /SECRET/);
  });
  test('a thrown fetch error is a warning', async () => {
    const r = await run('#include http://h/x\n', env({ fetch: () => Promise.reject(new Error('http://h/x: connection refused')) }));
    assert.match(r.warnings[0] ?? '', /could not be fetched \(http:\/\/h\/x: connection refused\)/);
  });
  test('no fetching in the local stage', async () => {
    const { calls, fetch } = fakeFetch();
    const r = await run('#include http://h/a.yaml\n', env({ stage: 'local', fetch }));
    assert.deepEqual(calls, []);
    assert.match(r.warnings[0] ?? '', /fetched in the network stage/);
  });
  test('include-once: fetched once, then read from the cache', async () => {
    const { calls, fetch } = fakeFetch();
    const cache = new Map<string, Buffer>();
    const e = env({ fetch, readCache: (k) => cache.get(k) ?? null, writeCache: (k, b) => void cache.set(k, b) });
    const first = await run('#include-once\nhttp://h/once.yaml\n', e);
    const second = await run('#include-once\nhttp://h/once.yaml\n', e);
    assert.deepEqual(calls, ['http://h/once.yaml']);
    assert.equal(cache.size, 1);
    assert.match([...cache.keys()][0] ?? '', /^[0-9a-f]{40}$/);
    assert.deepEqual(first.cloudConfig, { once: true });
    assert.deepEqual(second.cloudConfig, { once: true });
    assert.deepEqual(second.includes, [{ url: 'http://h/once.yaml', once: true, fromCache: true, ok: true }]);
  });
  test('an include that includes itself stops at the depth bound', async () => {
    const { calls, fetch } = fakeFetch();
    const r = await run('#include http://h/loop\n', env({ fetch }));
    assert.equal(calls.length, 8);
    assert.ok(r.warnings.some((w) => /nested more than 8 deep/.test(w)));
  });
});

describe('size guards', () => {
  test('a gzip bomb is refused, not expanded', async () => {
    const bomb = gzipSync(Buffer.alloc(80 * 1024 * 1024, 0x61));
    const t = Date.now();
    const r = await run(bomb);
    assert.ok(Date.now() - t < 10_000);
    assert.match(r.warnings[0] ?? '', /expands to more than 67108864 bytes/);
  });
  test('many gzip parts share one budget', async () => {
    const part = gzipSync(Buffer.from(`#!/bin/sh\n${'#'.repeat(30 * 1024 * 1024)}\n`)).toString('base64');
    const r = await run(mime([1, 2, 3].map(() => ({ type: 'application/x-gzip', body: part, headers: ['Content-Transfer-Encoding: base64'] }))));
    assert.equal(r.scripts.length, 2, "two fit in 64 MiB, the third does not");
    assert.ok(r.warnings.some((w) => /^user-data part 3 .*expands to more than/.test(w)));
  });
  test('10 MB user-data of each kind neither crashes nor hangs', async () => {
    const big = 10 * 1024 * 1024;
    const t = Date.now();
    const script = await run(`#!/bin/sh\n${'echo x\n'.repeat(big / 7)}`);
    assert.equal(script.scripts.length, 1);
    const junk = await run('x'.repeat(big));
    assert.equal(junk.warnings.length, 1);
    const oneLineMime = await run(`MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n--B\n\n${'y'.repeat(big)}\n--B--\n`);
    assert.equal(oneLineMime.parts.length, 1);
    const cfg = await run(`#cloud-config\nwrite_files:\n${'  - {path: /tmp/x, content: abcdefghij}\n'.repeat(big / 45)}`);
    assert.ok(cfg.cloudConfig !== null || cfg.warnings.length > 0);
    const manyParts = await run(mime(Array.from({ length: 1500 }, () => ({ type: 'text/x-shellscript', body: '#!/bin/sh\n' }))));
    assert.ok(manyParts.warnings.some((w) => /more than 1000 parts/.test(w)));
    assert.ok(Date.now() - t < 60_000, `took ${Date.now() - t} ms`);
  });
});

test('a YAML error in a rendered template names the template as its origin', async () => {
  const r = await processUserData(Buffer.from('## template: jinja\n#cloud-config\na: [{{ v1.distro }}\n'), 'vendor-data', env());
  assert.match(r.warnings[0] ?? '', /^vendor-data part 2 \(text\/cloud-config, rendered from a jinja template\) line 2 column 4: not valid YAML/);
});
