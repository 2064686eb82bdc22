/**
 * Differential test: the MIME reader against Python's email package (which
 * cloud-init reads user-data with): the leaf parts of each message, their
 * content type, file name, Merge-Type and decoded payload, must be the same.
 * Skipped where python3 is not installed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { parseMime } from '../../src/userdata/mime.ts';

const PYTHON = '/usr/bin/python3';

const HARNESS = String.raw`
import base64, email, json, sys
out = []
for m in json.load(sys.stdin):
    msg = email.message_from_bytes(base64.b64decode(m))
    parts = []
    for p in msg.walk():
        if p.is_multipart():
            continue
        payload = p.get_payload(decode=True) or b''
        parts.append([p.get_content_type(), p.get_filename(), p.get('Merge-Type') or p.get('X-Merge-Type'), base64.b64encode(payload).decode()])
    out.append(parts)
print(json.dumps(out))
`;

const b64 = (s: string) => Buffer.from(s).toString('base64');

const MESSAGES: string[] = [
  'Content-Type: multipart/mixed; boundary="==B=="\nMIME-Version: 1.0\n\npreamble\n--==B==\nContent-Type: text/cloud-config; charset="us-ascii"\nContent-Disposition: attachment; filename="a.yaml"\n\n#cloud-config\na: 1\n\n--==B==\nContent-Type: text/x-shellscript\nMerge-Type: list(append)\n\n#!/bin/sh\necho\n--==B==--\nepilogue\n',
  `MIME-Version: 1.0\nContent-Type: multipart/mixed;\n boundary=outer\n\n--outer\nContent-Type: multipart/alternative; boundary="inner"\n\n--inner\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n${b64('#cloud-config\nx: 1\n')}\n--inner\nContent-Type: text/x-shellscript\nContent-Transfer-Encoding: quoted-printable\n\n#!/bin/sh\necho caf=C3=A9 =3D soft=\nbreak\n--inner--\n--outer\nContent-Type: text/plain; name="n.txt"\n\nplain\n--outer--\n`,
  'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=CRLF\r\n\r\n--CRLF\r\nContent-Type: text/cloud-config\r\n\r\n#cloud-config\r\nb: 2\r\n--CRLF\r\nContent-Type: text/x-shellscript\r\nX-Merge-Type: dict(replace)\r\n\r\n#!/bin/sh\r\n\r\n--CRLF--\r\n',
  'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n--B\n\nno headers in this part\n--B\nContent-Type: TEXT/Cloud-Config\n\n#cloud-config\n--B--\n',
  'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nthe closing boundary is missing\n',
  'MIME-Version: 1.0\nContent-Type: text/cloud-config\n\n#cloud-config\nsingle: part\n',
  'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nline with --B inside\n--B \nContent-Type: text/plain\n\nafter a boundary with trailing space\n--B--\n',
  'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="semi;colon"\n\n--semi;colon\nContent-Disposition: attachment; filename="quoted \\"name\\""\n\nx\n--semi;colon--\n',
];

function reference(): unknown[] | null {
  const r = spawnSync(PYTHON, ['-c', HARNESS], { input: JSON.stringify(MESSAGES.map(b64)), encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return JSON.parse(r.stdout) as unknown[];
}

const ref = reference();

test('MIME leaf parts as Python\'s email package reads them', { skip: ref === null ? 'python3 is not installed' : false }, () => {
  MESSAGES.forEach((m, i) => {
    const mine = parseMime(Buffer.from(m), 'ud').parts.map((p) => [p.type, p.filename, p.mergeType, p.payload.toString('base64')]);
    assert.deepEqual(mine, ref?.[i], `message ${i + 1}`);
  });
});
