/**
 * Datasource protocol readers on in-memory inputs: NoCloud meta-data, the
 * OpenStack/ConfigDrive tree (meta_data.json with hostile `files`, uuids,
 * vendor data), CloudStack's password server answers. What a boot makes of
 * them on disk is in stage.ts, through the real CLI.
 */
import assert from 'node:assert/strict';
import { Log } from '../../../src/host/log.ts';
import { parsePasswordAnswer, type PasswordAnswer } from '../../../src/sources/cloudstack/password.ts';
import { parseMetaData } from '../../../src/sources/nocloud/seed.ts';
import { readOpenStackTree, type OpenStackTree, type TreeReader } from '../../../src/sources/openstack/tree.ts';
import type { Mapping } from '../../../src/text/reader.ts';
import type { Area, Outcome, Row } from './row.ts';

/** A thrown error of the code under test becomes the refusal it stands for; anything but Error escapes. */
function refusal<V>(e: unknown): Outcome<V> {
  if (!(e instanceof Error) || e.name === 'TypeError' || e.name === 'RangeError' || e.name === 'ReferenceError') throw e;
  return { errors: [e.message], warnings: [], value: undefined };
}

// --- NoCloud meta-data

const WHERE = 'seed-dir (/var/lib/cloud/seed/nocloud)';
const MD = `${WHERE} meta-data`;
const md = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s) : s);

const nocloudRows: Row<Buffer, Mapping>[] = [
  { name: 'meta-data with a NUL byte', input: md('instance-id: iid\0x\n'), expect: { rejected: `${MD} line 1` } },
  { name: 'meta-data with invalid UTF-8 in a value', input: md(Buffer.concat([Buffer.from('instance-id: iid\nlocal-hostname: '), Buffer.from([0xc0, 0xaf]), Buffer.from('\n')])), expect: { rejected: `${MD}: not UTF-8 text` } },
  { name: 'meta-data nested 100 deep', input: md(`instance-id: iid\nx: ${'['.repeat(100)}${']'.repeat(100)}\n`), expect: { rejected: `${MD} line 2` } },
  { name: 'meta-data a number', input: md('42\n'), expect: { rejected: `${MD}: must be a mapping of keys to values` } },
  { name: 'meta-data with a duplicate key', input: md('instance-id: a\ninstance-id: b\n'), expect: { rejected: `${MD} line 2` } },
  { name: 'meta-data with an alias bomb', input: md(['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`), 'instance-id: iid'].join('\n')), expect: { rejected: `${MD}` } },
  { name: 'meta-data only whitespace is empty', input: md('  \n\t\n'), expect: { accepted: (m) => assert.deepEqual(m, {}) } },
  { name: 'meta-data a YAML null document is empty', input: md('~\n'), expect: { accepted: (m) => assert.deepEqual(m, {}) } },
  { name: 'meta-data with a 1 MB hostname is read (the hostname is refused later)', input: md(`instance-id: iid\nlocal-hostname: ${'h'.repeat(1 << 20)}\n`), expect: { accepted: (m) => assert.equal(String(m['local-hostname']).length, 1 << 20) } },
  { name: 'meta-data with a !!python/object tag: plain data, nothing constructed', input: md('instance-id: !!python/object:os.system [reboot]\n'), expect: { accepted: (m) => assert.deepEqual(m, { 'instance-id': ['reboot'] }) } },
];

// --- OpenStack / ConfigDrive tree

type Files = Record<string, string>;
const UUID = '0b5e3c5a-7c2e-4f45-8d3c-1f0f5c0e8a11';
const tree = (meta: Record<string, unknown>, extra: Files = {}): Files => ({ 'openstack/latest/meta_data.json': JSON.stringify({ uuid: UUID, hostname: 'h', ...meta }), ...extra });
const withFiles = (files: unknown, extra: Files = {}) => tree({ files }, { 'openstack/content/0000': 'payload', ...extra });
const OS_MD = 'drive: openstack/latest/meta_data.json';

function memoryReader(files: Files): TreeReader {
  return {
    where: 'drive',
    async list(dir) {
      const names = new Set<string>();
      for (const p of Object.keys(files)) if (p.startsWith(`${dir}/`)) names.add(p.slice(dir.length + 1).split('/')[0] as string);
      return names.size === 0 ? null : [...names].sort();
    },
    async read(p) {
      return Object.hasOwn(files, p) ? Buffer.from(files[p] as string) : null;
    },
  };
}

const noFiles = (t: OpenStackTree) => assert.deepEqual(t.files, []);
const targets = (...paths: string[]) => (t: OpenStackTree) => assert.deepEqual(t.files.map((f) => f.path), paths);

const openstackRows: Row<Files, OpenStackTree>[] = [
  { name: 'files: content_path absolute outside openstack/ is read inside it, never from the host', input: withFiles([{ path: '/etc/app.conf', content_path: '/../../etc/shadow' }]), expect: { accepted: noFiles, errs: [`${OS_MD}: files[0]: content_path "/../../etc/shadow" would leave the openstack/ directory; skipped`] } },
  { name: 'files: path relative (no leading "/")', input: withFiles([{ path: 'etc/app.conf', content_path: '/content/0000' }]), expect: { accepted: noFiles, errs: [`${OS_MD}: files[0]: path "etc/app.conf" is not an absolute file path`] } },
  { name: 'files: path with a NUL byte', input: withFiles([{ path: '/etc/app\0.conf', content_path: '/content/0000' }]), expect: { accepted: noFiles, errs: [`${OS_MD}: files[0]: path "/etc/app\\u0000.conf" is not an absolute file path`] } },
  { name: 'files: path with a newline', input: withFiles([{ path: '/etc/cron.d/x\n* * * * * root reboot', content_path: '/content/0000' }]), expect: { accepted: noFiles, errs: [`${OS_MD}: files[0]: path "/etc/cron.d/x\\n* * * * * root reboot" is not an absolute file path`] } },
  { name: 'files: path ending in "/"', input: withFiles([{ path: '/etc/', content_path: '/content/0000' }]), expect: { accepted: noFiles, errs: [`${OS_MD}: files[0]: path "/etc/" is not an absolute file path`] } },
  { name: 'files: path "/"', input: withFiles([{ path: '/', content_path: '/content/0000' }]), expect: { accepted: noFiles, errs: [`${OS_MD}: files[0]: path "/" is not an absolute file path`] } },
  { name: 'files: path with "." parts', input: withFiles([{ path: '/etc/./app.conf', content_path: '/content/0000' }]), expect: { accepted: noFiles, errs: [`${OS_MD}: files[0]: path "/etc/./app.conf" is not an absolute file path`] } },
  { name: 'files: path with empty parts', input: withFiles([{ path: '//etc//app.conf', content_path: '/content/0000' }]), expect: { accepted: noFiles, errs: [`${OS_MD}: files[0]: path "//etc//app.conf" is not an absolute file path`] } },
  { name: 'files: content_path with a backslash', input: withFiles([{ path: '/etc/app.conf', content_path: '/content\\..\\..\\x' }]), expect: { accepted: noFiles, errs: [`${OS_MD}: files[0]: content_path "/content\\\\..\\\\..\\\\x" would leave the openstack/ directory; skipped`] } },
  { name: 'files: content_path missing on the drive', input: withFiles([{ path: '/etc/app.conf', content_path: '/content/0099' }]), expect: { accepted: noFiles, warns: [`${OS_MD}: files[0]: openstack/content/0099 is missing; /etc/app.conf is not written`] } },
  { name: 'files: an item that is a string', input: withFiles(['/etc/app.conf']), expect: { accepted: noFiles, errs: [`${OS_MD}: files[0] needs the strings path and content_path; skipped`] } },
  { name: 'files: path a number', input: withFiles([{ path: 5, content_path: '/content/0000' }]), expect: { accepted: noFiles, errs: [`${OS_MD}: files[0] needs the strings path and content_path; skipped`] } },
  { name: 'files: a mapping, not a list', input: withFiles({ path: '/etc/app.conf', content_path: '/content/0000' }), expect: { accepted: noFiles, errs: [`${OS_MD}: files must be a list; no file is injected`] } },
  { name: 'files: 101 entries', input: withFiles(Array.from({ length: 101 }, (_, i) => ({ path: `/etc/f${i}`, content_path: '/content/0000' }))), expect: { accepted: noFiles, errs: [`${OS_MD}: files lists 101 files, more than 100; no file is injected`] } },
  { name: 'files: one bad entry does not stop the good one', input: withFiles([{ path: '/../x', content_path: '/content/0000' }, { path: '/etc/good.conf', content_path: '/content/0000' }]), expect: { accepted: targets('/etc/good.conf'), errs: [`${OS_MD}: files[0]: path "/../x" is not an absolute file path`] } },
  { name: 'uuid with a newline', input: tree({ uuid: 'abc\ndef' }), expect: { rejected: `${OS_MD}: uuid "abc\\ndef" cannot name an instance directory` } },
  { name: 'uuid ".."', input: tree({ uuid: '..' }), expect: { rejected: `${OS_MD}: uuid ".." cannot name an instance directory` } },
  { name: 'uuid a number', input: tree({ uuid: 12345 }), expect: { rejected: `${OS_MD} has no uuid (the instance id)` } },
  { name: 'meta_data.json a list', input: { 'openstack/latest/meta_data.json': '[1,2]' }, expect: { rejected: `${OS_MD} must hold a JSON object` } },
  { name: 'meta_data.json nested 100 deep', input: { 'openstack/latest/meta_data.json': `{"uuid": "${UUID}", "x": ${'['.repeat(100)}${']'.repeat(100)}}` }, expect: { rejected: OS_MD } },
  { name: 'meta.dsmode unknown: ignored with a warning', input: tree({ meta: { dsmode: 'everything' } }), expect: { accepted: (t) => assert.equal(t.dsmode, null), warns: [`${OS_MD}: meta.dsmode "everything" is not local, net, pass or disabled; ignored`] } },
  { name: 'random_seed not base64: dropped', input: tree({ random_seed: '$(reboot)!!' }), expect: { accepted: (t) => assert.equal(t.metaData['random_seed'], undefined), warns: [`${OS_MD}: random_seed is not base64 text; it is not used`] } },
  { name: 'vendor_data.json with a non-string cloud-init member', input: tree({}, { 'openstack/latest/vendor_data.json': '{"cloud-init": {"runcmd": ["reboot"]}}' }), expect: { accepted: (t) => assert.equal(t.vendorData, null), warns: ['drive: openstack/latest/vendor_data.json: "cloud-init" must be a string'] } },
  { name: 'vendor_data.json not JSON: ignored', input: tree({}, { 'openstack/latest/vendor_data.json': '{"cloud-init": ' }), expect: { accepted: (t) => assert.equal(t.vendorData, null), warns: ['drive: openstack/latest/vendor_data.json'] } },
  { name: 'network_config content_path escaping openstack/', input: tree({ network_config: { content_path: '/../../etc/network/interfaces' } }), expect: { accepted: (t) => assert.equal(t.networkConfig, null), errs: [`${OS_MD}: network_config.content_path must be a path inside the openstack/ directory; ignored`] } },
];

// --- CloudStack password server

const URL = 'http://10.1.1.1:8080';
const csRows: Row<Buffer, PasswordAnswer>[] = [
  { name: 'password answer with a NUL', input: Buffer.from('pass\0word\n'), expect: { rejected: `${URL}: the password holds control characters; not used` } },
  { name: 'password answer with an inner newline', input: Buffer.from('pass\nroot::0:0::/:/bin/sh\n'), expect: { rejected: `${URL}: the password holds control characters; not used` } },
  { name: 'password answer not UTF-8', input: Buffer.from([0x70, 0xff, 0xfe, 0x0a]), expect: { rejected: `${URL}: the password is not valid UTF-8; not used` } },
  { name: 'password answer of 1 MB', input: Buffer.alloc(1 << 20, 0x61), expect: { rejected: `${URL}: the answer is 1048576 characters long, more than a password` } },
  { name: 'password answer bad_request', input: Buffer.from('bad_request\n'), expect: { rejected: `${URL}: the password server answered bad_request` } },
  { name: 'password answer saved_password with CRLF means none', input: Buffer.from('saved_password\r\n'), expect: { accepted: (a) => assert.deepEqual(a, { kind: 'none' }) } },
  { name: 'password answer with shell metacharacters is a password, used only through chpasswd\'s stdin', input: Buffer.from('$(reboot);`id`|x\n'), expect: { accepted: (a) => assert.deepEqual(a, { kind: 'new', password: '$(reboot);`id`|x' }) } },
];

export const nocloud: Area<Buffer, Mapping> = {
  area: 'nocloud',
  rows: nocloudRows,
  run(data) {
    try {
      return { errors: [], warnings: [], value: parseMetaData(data, WHERE) };
    } catch (e) {
      return refusal(e);
    }
  },
};

export const openstack: Area<Files, OpenStackTree> = {
  area: 'openstack-drive',
  rows: openstackRows,
  async run(files) {
    const log = new Log({ debug: false, tag: 'catalogue' });
    // Warnings and errors are also echoed to stderr by the log; kept in its records here.
    let value: OpenStackTree | null;
    try {
      value = await readOpenStackTree(memoryReader(files), log);
    } catch (e) {
      return refusal(e);
    }
    const at = (levels: string[]) => log.records.filter((r) => levels.includes(r.level)).map((r) => r.message);
    return { errors: at(['ERROR', 'CRITICAL']), warnings: at(['WARNING', 'DEPRECATED']), value: value ?? undefined };
  },
};

export const cloudstack: Area<Buffer, PasswordAnswer> = {
  area: 'cloudstack',
  rows: csRows,
  run(body) {
    try {
      return { errors: [], warnings: [], value: parsePasswordAnswer(body, URL) };
    } catch (e) {
      return refusal(e);
    }
  },
};
