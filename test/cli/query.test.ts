/**
 * `stratus query` on instance data in temporary roots: dot paths with
 * aliases both ways, --all, --list-keys, --format, the root / non-root
 * split (sensitive file, user-data, redaction), explicit files, gzip'd and
 * binary user-data, and the error messages and exit codes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, describe, test } from 'node:test';
import { runQuery } from '../../src/cli/query.ts';
import { capture, runVerbProcess, tempRoots, type Entry } from '../report/helpers.ts';

const roots = tempRoots('stratus-query-test-');
const hostDir = mkdtempSync(join(tmpdir(), 'stratus-query-files-'));
after(() => {
  roots.dispose();
  rmSync(hostDir, { recursive: true, force: true });
});

const REDACTED = {
  _beta_keys: ['subplatform'],
  base64_encoded_keys: [],
  ds: {
    _doc: 'EXPERIMENTAL: The structure and format of content scoped under the ds key may change in subsequent releases of cloud-init.',
    meta_data: { 'instance-id': 'iid-123', 'local-hostname': 'web1', 'v1.0': { 'user.network-config': 'x' } },
  },
  merged_cfg: 'redacted for non-root user',
  sensitive_keys: ['merged_cfg'],
  v1: {
    'availability-zone': 'az1',
    availability_zone: 'az1',
    cloud_id: 'nocloud',
    cloud_name: 'nocloud',
    'instance-id': 'iid-123',
    instance_id: 'iid-123',
    local_hostname: 'web1',
    platform: 'nocloud',
    public_ssh_keys: ['ssh-ed25519 AAAA one'],
    region: null,
  },
};
const SENSITIVE = { ...REDACTED, merged_cfg: { runcmd: ['echo secret'] }, secret: 'hunter2' };
const USER_DATA = '#cloud-config\nhostname: web1\n';

function files(extra: Record<string, Entry> = {}): Record<string, Entry> {
  return {
    '/run/cloud-init/instance-data.json': JSON.stringify(REDACTED),
    '/run/cloud-init/instance-data-sensitive.json': { content: JSON.stringify(SENSITIVE), mode: 0o600 },
    '/run/cloud-init/combined-cloud-config.json': '{"hostname": "web1", "runcmd": ["x"]}',
    '/var/lib/cloud/instances/iid-123/user-data.txt': USER_DATA,
    '/var/lib/cloud/instances/iid-123/vendor-data.txt': '',
    // cloud-init's link is absolute: followed inside the root.
    '/var/lib/cloud/instance': { link: '/var/lib/cloud/instances/iid-123' },
    ...extra,
  };
}

async function query(argv: string[], opts: { asRoot?: boolean; files?: Record<string, Entry>; root?: string } = {}) {
  const root = opts.root ?? roots.make(opts.files ?? files());
  const c = capture();
  const code = await runQuery(argv, { root, debug: false, force: false }, { ...c.io, asRoot: opts.asRoot ?? false });
  return { code, out: c.out, err: c.err };
}

describe('varname', () => {
  const cases: [string, string][] = [
    ['v1.local_hostname', 'web1\n'],
    ['local_hostname', 'web1\n'],
    ['v1.availability_zone', 'az1\n'],
    // The alias of a hyphenated key, and a hyphenated spelling of an underscore key.
    ['ds.meta_data.local_hostname', 'web1\n'],
    ['ds.meta-data.local-hostname', 'web1\n'],
    ['ds.meta_data.v1_0.user_network_config', 'x\n'],
    ['v1.public_ssh_keys', '[\n "ssh-ed25519 AAAA one"\n]\n'],
    ['v1.region', 'null\n'],
    ['ds.meta_data', '{\n "instance-id": "iid-123",\n "local-hostname": "web1",\n "v1.0": {\n  "user.network-config": "x"\n }\n}\n'],
  ];
  for (const [varname, expected] of cases) {
    test(varname, async () => {
      const r = await query([varname]);
      assert.equal(r.err, '');
      assert.equal(r.out, expected);
      assert.equal(r.code, 0);
    });
  }

  test('an unknown key: exit 1 naming the key (top level, and deeper)', async () => {
    const top = await query(['foo']);
    assert.equal(top.code, 1);
    assert.equal(top.out, '');
    assert.equal(top.err, "stratus query: Undefined instance-data key 'foo'\n");
    const deep = await query(['v1.nope.x']);
    assert.equal(deep.code, 1);
    assert.equal(deep.err, "stratus query: instance-data 'v1' has no 'nope'\n");
  });
});

describe('--all and --list-keys', () => {
  test('--all: the sorted data, v1 keys also at the top, indent 1', async () => {
    const r = await query(['--all']);
    assert.equal(r.code, 0);
    const all = JSON.parse(r.out);
    assert.equal(all.cloud_name, 'nocloud');
    assert.equal(all.v1.cloud_name, 'nocloud');
    assert.equal(all.userdata, '<redacted for non-root user> file:/var/lib/cloud/instance/user-data.txt');
    assert.ok(!('meta_data' in all.ds && 'local_hostname' in all.ds.meta_data), 'no alias keys in --all');
    assert.ok(r.out.startsWith('{\n "_beta_keys": [\n  "subplatform"\n ],\n'));
  });

  test('--list-keys, top level and under a path; not a dict is an error', async () => {
    const top = await query(['--list-keys']);
    assert.equal(top.code, 0);
    assert.ok(top.out.split('\n').includes('v1'));
    assert.ok(top.out.split('\n').includes('cloud_name'));
    const v1 = await query(['-l', 'v1']);
    assert.equal(
      v1.out,
      'availability-zone\navailability_zone\ncloud_id\ncloud_name\ninstance-id\ninstance_id\nlocal_hostname\nplatform\npublic_ssh_keys\nregion\n',
    );
    const leaf = await query(['--list-keys', 'v1.cloud_name']);
    assert.equal(leaf.code, 1);
    assert.equal(leaf.err, "stratus query: --list-keys provided but 'v1.cloud_name' is not a dict\n");
  });

  test('no option and no varname: exit 1 with the usage', async () => {
    const r = await query([]);
    assert.equal(r.code, 1);
    assert.match(r.err, /Expected one of the options: --all, --format, --list-keys or varname/);
    assert.match(r.err, /usage: stratus query/);
  });
});

describe('--format', () => {
  test('dotted substitutions, aliases, str() of non-strings; one trailing newline dropped', async () => {
    const r = await query(['--format', 'host={{ v1.local_hostname }} az={{availability_zone}} keys={{ v1.public_ssh_keys }} region={{ v1.region }}\n']);
    assert.equal(r.err, '');
    assert.equal(r.out, "host=web1 az=az1 keys=['ssh-ed25519 AAAA one'] region=None\n");
    assert.equal(r.code, 0);
  });

  test('an undefined variable is an error naming it', async () => {
    const r = await query(['-f', '{{ v1.nope }} and {{ bogus }}']);
    assert.equal(r.code, 1);
    assert.equal(r.err, 'stratus query: Failed to render templated data. Undefined jinja variables: "v1.nope", "bogus"\n');
  });

  test('jinja beyond substitutions is refused, not half-rendered', async () => {
    for (const template of ['{% if v1 %}x{% endif %}', '{{ v1.cloud_name | upper }}', '{# c #}', "{{ v1['cloud_name'] }}"]) {
      const r = await query(['--format', template]);
      assert.equal(r.code, 1, template);
      assert.match(r.err, /--format supports only \{\{ dotted\.variable \}\} substitutions for now/);
      assert.equal(r.out, '');
    }
  });

  test('a value containing braces is printed as is', async () => {
    const root = roots.make(files({ '/run/cloud-init/instance-data.json': JSON.stringify({ v1: { x: '{{ y }}' } }) }));
    const r = await query(['-f', '{{ v1.x }}'], { root });
    assert.equal(r.out, '{{ y }}\n');
    assert.equal(r.code, 0);
  });
});

describe('root and non-root', () => {
  test('non-root: the redacted file; user-data, vendor-data and combined config redacted with their files', async () => {
    const r = await query(['--all']);
    const all = JSON.parse(r.out);
    assert.equal(all.merged_cfg, 'redacted for non-root user');
    assert.equal(all.secret, undefined);
    assert.equal(all.userdata, '<redacted for non-root user> file:/var/lib/cloud/instance/user-data.txt');
    assert.equal(all.vendordata, '<redacted for non-root user> file:/var/lib/cloud/instance/vendor-data.txt');
    assert.equal(all.combined_cloud_config, '<redacted for non-root user> file:/run/cloud-init/combined-cloud-config.json');
  });

  test('root: the sensitive file, user-data, vendor-data and the combined config', async () => {
    const r = await query(['--all'], { asRoot: true });
    assert.equal(r.err, '');
    const all = JSON.parse(r.out);
    assert.equal(all.secret, 'hunter2');
    assert.deepEqual(all.merged_cfg, { runcmd: ['echo secret'] });
    assert.equal(all.userdata, USER_DATA);
    assert.equal(all.vendordata, '');
    assert.deepEqual(all.combined_cloud_config, { hostname: 'web1', runcmd: ['x'] });
    const ud = await query(['userdata'], { asRoot: true });
    assert.equal(ud.out, `${USER_DATA}\n`);
  });

  test('root without the sensitive file: the redacted one, with a warning', async () => {
    const f = files();
    delete f['/run/cloud-init/instance-data-sensitive.json'];
    const r = await query(['v1.cloud_name'], { asRoot: true, files: f });
    assert.equal(r.code, 0);
    assert.equal(r.out, 'nocloud\n');
    assert.equal(
      r.err,
      'stratus query: warning: Missing root-readable /run/cloud-init/instance-data-sensitive.json. Using redacted /run/cloud-init/instance-data.json instead.\n',
    );
  });

  test('root: gzip user-data is decompressed, other binary is ci-b64:, a missing default file is null', async () => {
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x01]);
    const f = files({
      '/var/lib/cloud/instances/iid-123/user-data.txt': gzipSync(Buffer.from(USER_DATA)),
      '/var/lib/cloud/instances/iid-123/vendor-data.txt': binary,
    });
    delete f['/run/cloud-init/combined-cloud-config.json'];
    const r = await query(['--all'], { asRoot: true, files: f });
    const all = JSON.parse(r.out);
    assert.equal(all.userdata, USER_DATA);
    assert.equal(all.vendordata, `ci-b64:${binary.toString('base64')}`);
    assert.equal(all.combined_cloud_config, null);
    const vd = await query(['vendordata'], { asRoot: true, files: f });
    assert.equal(vd.out, `"ci-b64:${binary.toString('base64')}"\n`);
  });
});

describe('explicit files and errors', () => {
  test('--instance-data, --user-data and --vendor-data are paths on this machine', async () => {
    const id = join(hostDir, 'id.json');
    const ud = join(hostDir, 'ud');
    const vd = join(hostDir, 'vd');
    writeFileSync(id, JSON.stringify({ v1: { cloud_name: 'elsewhere' } }));
    writeFileSync(ud, 'my user data');
    writeFileSync(vd, 'my vendor data');
    const root = roots.make({});
    const asRoot = await query(['-i', id, '-u', ud, '-v', vd, '-f', '{{ cloud_name }} {{ userdata }} {{ vendordata }}'], { asRoot: true, root });
    assert.equal(asRoot.err, '');
    assert.equal(asRoot.out, 'elsewhere my user data my vendor data\n');
    const user = await query(['-i', id, '-u', ud, 'userdata'], { root });
    assert.equal(user.out, `<redacted for non-root user> file:${ud}\n`);
    const missing = await query(['-i', id, '-u', join(hostDir, 'nope'), 'userdata'], { asRoot: true, root });
    assert.equal(missing.code, 1);
    assert.equal(missing.err, `stratus query: Missing user-data file: ${join(hostDir, 'nope')}\n`);
  });

  test('missing or corrupt instance data: exit 1 naming the file', async () => {
    const none = await query(['v1'], { files: {} });
    assert.equal(none.code, 1);
    assert.equal(none.err, 'stratus query: Missing instance-data file: /run/cloud-init/instance-data.json\n');
    const bad = await query(['v1'], { files: { '/run/cloud-init/instance-data.json': '{"v1": ' } });
    assert.equal(bad.code, 1);
    assert.match(bad.err, /^stratus query: \/run\/cloud-init\/instance-data\.json is not valid JSON: /);
  });

  test('usage errors: exit 2', async () => {
    const r = await query(['a', 'b']);
    assert.equal(r.code, 2);
    assert.match(r.err, /one VARNAME at most/);
    const u = await query(['--bogus']);
    assert.equal(u.code, 2);
  });
});

test('a real run as this user', async () => {
  const root = roots.make(files());
  const r = await runVerbProcess('query', 'query', ['v1.cloud_id'], root);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'nocloud\n');
  assert.equal(r.status, 0);
});
