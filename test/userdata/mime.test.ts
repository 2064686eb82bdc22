/** The MIME reader user-data goes through. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseHeaderValue, parseMime } from '../../src/userdata/mime.ts';

const msg = (s: string) => Buffer.from(s.replace(/\n/g, '\r\n'), 'latin1');

describe('parseMime', () => {
  test('multipart with headers, filenames, merge type; preamble and epilogue dropped', () => {
    const m = parseMime(
      msg(`Content-Type: multipart/mixed; boundary="XX"
MIME-Version: 1.0

preamble
--XX
Content-Type: text/cloud-config
Content-Disposition: attachment; filename="a.yaml"
Merge-Type: list(append)+dict(recurse_list)

#cloud-config
a: 1
--XX
Content-Type: text/x-shellscript; name=run.sh

#!/bin/sh
echo hi
--XX--
epilogue
`),
      'ud',
    );
    assert.deepEqual(m.warnings, []);
    assert.equal(m.parts.length, 2);
    assert.deepEqual(
      m.parts.map((p) => [p.type, p.filename, p.mergeType, p.payload.toString()]),
      [
        ['text/cloud-config', 'a.yaml', 'list(append)+dict(recurse_list)', '#cloud-config\r\na: 1'],
        ['text/x-shellscript', 'run.sh', null, '#!/bin/sh\r\necho hi'],
      ],
    );
  });

  test('nested multipart, base64 and quoted-printable parts, folded headers', () => {
    const b64 = Buffer.from('#cloud-config\nhostname: h\n').toString('base64');
    const m = parseMime(
      Buffer.from(`MIME-Version: 1.0
Content-Type: multipart/mixed;
 boundary=outer

--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/cloud-config
Content-Transfer-Encoding: base64

${b64.slice(0, 10)}
${b64.slice(10)}
--inner
Content-Type: text/x-shellscript
Content-Transfer-Encoding: quoted-printable

#!/bin/sh
echo caf=C3=A9 =3D long=
line
--inner--
--outer
Content-Type: text/plain

#cloud-config
x: 1
--outer--
`),
      'ud',
    );
    assert.deepEqual(m.warnings, []);
    assert.deepEqual(
      m.parts.map((p) => [p.type, p.payload.toString('utf8')]),
      [
        ['text/cloud-config', '#cloud-config\nhostname: h\n'],
        ['text/x-shellscript', '#!/bin/sh\necho café = longline'],
        ['text/plain', '#cloud-config\nx: 1'],
      ],
    );
  });

  test('binary payloads survive (latin1 round trip)', () => {
    const bin = Buffer.from([0x1f, 0x8b, 0x00, 0xff, 0x80, 0x0a, 0x7f]);
    const m = parseMime(Buffer.concat([Buffer.from('MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: application/octet-stream\n\n'), bin, Buffer.from('\n--B--\n')]), 'ud');
    assert.deepEqual(m.parts[0]?.payload, bin);
  });

  test('multipart without a boundary parameter: a warning, no parts', () => {
    const m = parseMime(Buffer.from('MIME-Version: 1.0\nContent-Type: multipart/mixed\n\n--x\n\nhi\n--x--\n'), 'user-data');
    assert.equal(m.parts.length, 0);
    assert.match(m.warnings[0] ?? '', /^user-data: multipart\/mixed without a boundary parameter/);
  });

  test('broken MIME: the boundary never occurs, or the closing one is missing', () => {
    const none = parseMime(Buffer.from('MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=ZZ\n\n--other\n\nx\n'), 'user-data');
    assert.equal(none.parts.length, 0);
    assert.match(none.warnings[0] ?? '', /no part/);
    const open = parseMime(Buffer.from('MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=ZZ\n\n--ZZ\nContent-Type: text/cloud-config\n\n#cloud-config\na: 1\n'), 'user-data');
    assert.equal(open.parts.length, 1);
    assert.match(open.warnings[0] ?? '', /without its closing boundary/);
  });

  test('a boundary string inside a line is not a delimiter', () => {
    const m = parseMime(Buffer.from('MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n--B\n\nline with --B inside\n--B--\n'), 'ud');
    assert.equal(m.parts[0]?.payload.toString(), 'line with --B inside');
  });

  test('a part without headers starts after its empty line; one whose first line is not a header is all body', () => {
    const m = parseMime(Buffer.from('MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n--B\n#cloud-config\na: b\n\nc: d\n--B--\n'), 'ud');
    assert.equal(m.parts[0]?.type, 'text/plain');
    assert.equal(m.parts[0]?.payload.toString(), '#cloud-config\na: b\n\nc: d');
  });

  test('nesting is bounded', () => {
    let body = 'Content-Type: text/plain\n\nx\n';
    for (let i = 0; i < 15; i++) body = `Content-Type: multipart/mixed; boundary=b${i}\n\n--b${i}\n${body}--b${i}--\n`;
    const m = parseMime(Buffer.from(`MIME-Version: 1.0\n${body}`), 'ud');
    assert.equal(m.parts.length, 0);
    assert.ok(m.warnings.some((w) => /nested more than 10/.test(w)));
  });
});

test('parseHeaderValue: quoted parameters with escapes, case-insensitive names', () => {
  const h = parseHeaderValue('Text/Plain; Charset=UTF-8; name="a \\"b\\"; c"');
  assert.equal(h.value, 'text/plain');
  assert.equal(h.params.get('charset'), 'UTF-8');
  assert.equal(h.params.get('name'), 'a "b"; c');
});
