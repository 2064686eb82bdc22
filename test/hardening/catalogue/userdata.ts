/**
 * User-data through processUserData, as the init stage runs it: broken MIME,
 * bad base64, gzip bombs and corrupt or nested gzip, #include loops through
 * several URLs, archives of the wrong shape, unknown part types, hostile part
 * file names, NUL bytes and invalid UTF-8. User-data is never refused as a
 * whole: the safe result is that the bad part is ignored with a warning that
 * names the part (never its content) and the rest is used.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { processUserData, type ProcessedUserData, type UserDataEnv } from '../../../src/userdata/index.ts';
import type { Area, Row } from './row.ts';

interface Input {
  data: Buffer;
  /** Include bodies by URL (the emulated web server), for #include rows. */
  web?: Record<string, string>;
}

const text = (s: string): Input => ({ data: Buffer.from(s) });
const bytes = (b: Buffer): Input => ({ data: b });

function mime(parts: { type: string; body: string | Buffer; headers?: string[] }[], boundary = 'XYZ'): Buffer {
  const chunks: Buffer[] = [Buffer.from(`Content-Type: multipart/mixed; boundary="${boundary}"\nMIME-Version: 1.0\n\n`)];
  for (const p of parts) chunks.push(Buffer.from(`--${boundary}\nContent-Type: ${p.type}\n${(p.headers ?? []).map((h) => `${h}\n`).join('')}\n`), Buffer.from(p.body), Buffer.from('\n'));
  chunks.push(Buffer.from(`--${boundary}--\n`));
  return Buffer.concat(chunks);
}

const CC = '#cloud-config\nhostname: kept\n';
const kept = (r: ProcessedUserData) => assert.equal(r.cloudConfig?.['hostname'], 'kept');
const noConfig = (r: ProcessedUserData) => assert.equal(r.cloudConfig, null);
const noScripts = (r: ProcessedUserData) => assert.deepEqual(r.scripts, []);
const nested = (levels: number, inner: Buffer): Buffer => (levels === 0 ? inner : nested(levels - 1, gzipSync(inner)));
const bomb = gzipSync(Buffer.alloc(80 * 1024 * 1024, 0x61));

const rows: Row<Input, ProcessedUserData>[] = [
  // --- MIME
  { name: 'MIME boundary parameter empty', input: bytes(Buffer.from(`Content-Type: multipart/mixed; boundary=""\n\n--\nContent-Type: text/cloud-config\n\n${CC}\n----\n`)), expect: { accepted: noConfig, warns: ['user-data: no handler for content of type text/x-not-multipart'] } },
  { name: 'MIME boundary of 200 characters (over RFC 2046\'s 70)', input: bytes(mime([{ type: 'text/cloud-config', body: CC }], 'b'.repeat(200))), expect: { accepted: kept } },
  { name: 'MIME part cut off in its headers', input: bytes(Buffer.from('Content-Type: multipart/mixed; boundary="Q"\n\n--Q\nContent-Type: text/cloud-con')), expect: { accepted: noConfig, warns: ['user-data: no handler for content of type text/x-not-multipart'] } },
  { name: 'MIME header line of 1 MB', input: bytes(Buffer.from(`Content-Type: multipart/mixed; boundary="Q"\nX-Junk: ${'j'.repeat(1 << 20)}\n\n--Q\nContent-Type: text/cloud-config\n\n${CC}\n--Q--\n`)), expect: { accepted: noConfig, warns: ['user-data: no handler for content of type text/x-not-multipart'] } },
  { name: 'MIME part type with a CR/LF-injected header: read as headers, the part fails to decode', input: bytes(mime([{ type: 'text/cloud-config\r\nContent-Transfer-Encoding: base64', body: CC }])), expect: { accepted: noConfig, warns: ['user-data part 1 (text/cloud-config): not UTF-8 text; ignored'] } },
  { name: 'MIME part base64 with invalid characters', input: bytes(mime([{ type: 'text/cloud-config', body: '!!!not*base64$$$', headers: ['Content-Transfer-Encoding: base64'] }, { type: 'text/cloud-config', body: CC }])), expect: { accepted: kept, warns: ['user-data part 1 (text/cloud-config): not UTF-8 text; ignored'] } },
  { name: 'MIME part base64 with bad padding', input: bytes(mime([{ type: 'text/cloud-config', body: `${Buffer.from(CC).toString('base64').replace(/=+$/, '')}===`, headers: ['Content-Transfer-Encoding: base64'] }])), expect: { accepted: kept } },
  { name: 'MIME part with an unknown transfer encoding', input: bytes(mime([{ type: 'text/cloud-config', body: CC, headers: ['Content-Transfer-Encoding: x-rot13'] }])), expect: { accepted: kept } },
  { name: 'MIME part of unknown type application/x-evil', input: bytes(mime([{ type: 'application/x-evil', body: '#!/bin/sh\nrm -rf /\n' }, { type: 'text/cloud-config', body: CC }])), expect: { accepted: (r) => { kept(r); noScripts(r); }, warns: ['user-data part 1 (application/x-evil): no handler for content of type application/x-evil'] } },
  { name: 'MIME part type with NUL', input: bytes(mime([{ type: 'text/x-shell\0script', body: '#!/bin/sh\necho\n' }])), expect: { accepted: noScripts, warns: ['user-data part 1 (text/x-shell\\u0000script): no handler for content of type text/x-shell\\u0000script'] } },
  { name: 'MIME 3000 empty parts', input: bytes(mime(Array.from({ length: 3000 }, () => ({ type: 'text/plain', body: '' })))), expect: { accepted: noConfig, warns: ['user-data: more than 1000 parts; the rest is ignored'] } },
  { name: 'script part file name with ../ stays in the scripts directory', input: bytes(mime([{ type: 'text/x-shellscript', body: '#!/bin/sh\necho\n', headers: ['Content-Disposition: attachment; filename="../../../etc/cron.d/evil"'] }])), expect: { accepted: (r) => assert.deepEqual(r.scripts.map((s) => s.name), ['evil']) } },
  { name: 'script part file name ".." becomes part-NNN', input: bytes(mime([{ type: 'text/x-shellscript', body: '#!/bin/sh\necho\n', headers: ['Content-Disposition: attachment; filename=".."'] }])), expect: { accepted: (r) => assert.deepEqual(r.scripts.map((s) => s.name), ['part-001']) } },
  { name: 'script part file name with shell metacharacters is made safe', input: bytes(mime([{ type: 'text/x-shellscript', body: '#!/bin/sh\necho\n', headers: ['Content-Disposition: attachment; filename="$(reboot);`id`|x"'] }])), expect: { accepted: (r) => assert.match(r.scripts[0]?.name ?? '', /^[A-Za-z0-9._+@-]+$/) } },
  { name: 'script part file name with NUL and newline', input: bytes(mime([{ type: 'text/x-shellscript', body: '#!/bin/sh\necho\n', headers: ['Content-Disposition: attachment; filename="a\0b\\nc"'] }])), expect: { accepted: (r) => assert.match(r.scripts[0]?.name ?? '', /^[A-Za-z0-9._+@-]+$/) } },
  { name: 'Merge-Type header garbage: that part ignored', input: bytes(mime([{ type: 'text/cloud-config', body: '#cloud-config\nhostname: merged\n', headers: ['Merge-Type: dict(((('] }, { type: 'text/cloud-config', body: CC }])), expect: { accepted: kept, warns: ['user-data part 1 (text/cloud-config) line 2: merger "dict((((" is not of the form name(option,...); this part is ignored'] } },

  // --- gzip and base64
  { name: 'gzip truncated in the middle', input: bytes(gzipSync(Buffer.from(CC.repeat(100))).subarray(0, 40)), expect: { accepted: noConfig, warns: ['user-data: gzip data that cannot be decompressed (unexpected end of file)'] } },
  { name: 'gzip header only', input: bytes(Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3])), expect: { accepted: noConfig, warns: ['user-data: gzip data that cannot be decompressed (unexpected end of file)'] } },
  { name: 'gzip nested 12 times: unpacked once, the rest is no known type', input: bytes(nested(12, Buffer.from(CC))), expect: { accepted: noConfig, warns: ['user-data: no handler for content of type text/plain'] } },
  { name: 'gzip in gzip once is unpacked', input: bytes(nested(2, Buffer.from(CC))), expect: { accepted: kept } },
  { name: 'gzip bomb inside a base64 MIME part', input: bytes(mime([{ type: 'application/x-gzip', body: bomb.toString('base64'), headers: ['Content-Transfer-Encoding: base64'] }, { type: 'text/cloud-config', body: CC }])), expect: { accepted: kept, warns: ['user-data part 1 (application/x-gzip): gzip data expands to more than 67108864 bytes (the limit for all user-data); ignored'] } },
  { name: 'gzip with a wrong CRC', input: bytes(((b) => { b.writeUInt32LE((b.readUInt32LE(b.length - 8) ^ 0xffffffff) >>> 0, b.length - 8); return b; })(Buffer.from(gzipSync(Buffer.from(CC))))), expect: { accepted: noConfig, warns: ['user-data: gzip data that cannot be decompressed (incorrect data check)'] } },

  // --- text encodings
  { name: 'cloud-config with NUL bytes', input: text('#cloud-config\nhostname: a\0b\n'), expect: { accepted: noConfig, warns: ['user-data line 2 column 12: not valid YAML: the character U+0000 is not allowed'] } },
  { name: 'cloud-config with invalid UTF-8', input: bytes(Buffer.concat([Buffer.from('#cloud-config\nhostname: '), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('\n')])), expect: { accepted: noConfig, warns: ['user-data: not UTF-8 text; ignored'] } },
  { name: 'cloud-config behind a UTF-8 BOM is not sniffed as one', input: bytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CC)])), expect: { accepted: noConfig, warns: ['user-data: no handler for content of type text/x-not-multipart'] } },
  { name: 'cloud-config in UTF-16', input: bytes(Buffer.from(CC, 'utf16le')), expect: { accepted: noConfig, warns: ['user-data: no handler for content of type text/x-not-multipart'] } },
  { name: 'cloud-config nested 100 levels', input: text(`#cloud-config\nx: ${'['.repeat(100)}${']'.repeat(100)}\nhostname: kept\n`), expect: { accepted: noConfig, warns: ['user-data line 2 column 69: not valid YAML: nested more than 64 levels deep (the cloud-config is ignored)'] } },
  { name: 'cloud-config with 20000 keys in a flow mapping', input: text(`#cloud-config\nx: {${Array.from({ length: 20000 }, (_, i) => `k${i}: 1`).join(', ')}}\nhostname: kept\n`), expect: { accepted: kept } },

  // --- archives
  { name: 'archive entry content a number', input: text('#cloud-config-archive\n- type: text/cloud-config\n  content: 42\n- type: text/cloud-config\n  content: "#cloud-config\\nhostname: kept\\n"\n'), expect: { accepted: kept, warns: ['user-data line 2: item 1: content must be a string; the item is ignored'] } },
  { name: 'archive entry a list', input: text('#cloud-config-archive\n- [a, b]\n- "#cloud-config\\nhostname: kept\\n"\n'), expect: { accepted: kept, warns: ['user-data line 2: item 1: content must be a string; the item is ignored'] } },
  { name: 'archive nested in an archive nested in an archive', input: text(`#cloud-config-archive\n- type: text/cloud-config-archive\n  content: ${JSON.stringify(`#cloud-config-archive\n- type: text/cloud-config-archive\n  content: ${JSON.stringify(`#cloud-config-archive\n- ${JSON.stringify(CC)}\n`)}\n`)}\n`), expect: { accepted: kept } },
  { name: 'archive with invalid YAML', input: text('#cloud-config-archive\n- type: [\n'), expect: { accepted: noConfig, warns: ['user-data line 2: not valid YAML: the list "[" that starts here is not closed'] } },

  // --- includes
  { name: '#include loop through two URLs', input: { data: Buffer.from('#include\nhttp://a.example/1\n'), web: { 'http://a.example/1': '#include\nhttp://a.example/2\n', 'http://a.example/2': '#include\nhttp://a.example/1\n' } }, expect: { accepted: noConfig, warns: ['user-data part 9 (text/x-include-url): includes nested more than 8 deep'] } },
  { name: '#include of a file:// URL is not read', input: { data: Buffer.from('#include\nfile:///etc/shadow\n'), web: {} }, expect: { accepted: noConfig, warns: ['user-data: a URL with the scheme file:; only http and https URLs are fetched'] } },
  { name: '#include of 500 URLs', input: { data: Buffer.from(`#include\n${Array.from({ length: 500 }, (_, i) => `http://a.example/${i}`).join('\n')}\n`), web: {} }, expect: { accepted: noConfig, warns: ['user-data: "http://a.example/499" answered HTTP 404; not included'] } },
  { name: '#include URL with a newline-free control character', input: { data: Buffer.from('#include\nhttp://a.example/\u0007x\n'), web: {} }, expect: { accepted: noConfig, warns: ['user-data: "http://a.example/\\u0007x" answered HTTP 404; not included'] } },

  // --- templates and handlers
  { name: 'jinja template calling range(10^8): no function calls, a located syntax error', input: text('## template: jinja\n#cloud-config\n{% for i in range(100000000) %}x{% endfor %}\n'), expect: { accepted: noConfig, warns: ['user-data line 3: jinja template syntax error: unexpected "("; this part is ignored'] } },
  { name: 'jinja template with unbalanced tags', input: text('## template: jinja\n#cloud-config\n{% if v1.x %}\nhostname: a\n'), expect: { accepted: noConfig, warns: ['user-data line 3: jinja template syntax error: "if" block from line 2 is never closed'] } },
  { name: '#part-handler is not run', input: text('#part-handler\ndef list_types():\n    return ["text/x-evil"]\n'), expect: { accepted: (r) => { noConfig(r); noScripts(r); }, warns: ['user-data: Python part handlers are not supported by stratus; ignored'] } },
  { name: 'empty boothook: an empty hook, nothing else', input: text('#cloud-boothook\n'), expect: { accepted: (r) => { noConfig(r); noScripts(r); assert.deepEqual(r.boothooks.map((b) => b.content.length), [0]); } } },
];

const fetchFrom = (web: Record<string, string>): UserDataEnv['fetch'] => async (url) =>
  Object.hasOwn(web, url) ? { status: 200, body: Buffer.from(web[url] as string) } : { status: 404, body: Buffer.alloc(0) };

export const userData: Area<Input, ProcessedUserData> = {
  area: 'userdata',
  rows,
  async run(input) {
    const env: UserDataEnv = { stage: 'network', instanceData: { v1: { local_hostname: 'h' } }, ...(input.web ? { fetch: fetchFrom(input.web) } : {}) };
    const r = await processUserData(input.data, 'user-data', env);
    return { errors: [], warnings: r.warnings, value: r };
  },
};
