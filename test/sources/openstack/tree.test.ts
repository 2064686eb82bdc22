/**
 * The OpenStack tree reader on in-memory trees: version choice and fallback,
 * required and optional files, injected files and their path checks, vendor
 * data, random_seed, the legacy ENI file. The drive and the metadata service
 * are covered end to end in test/e2e.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Log } from '../../../src/host/log.ts';
import { readOpenStackTree, safeTargetPath, safeTreePath, vendorDataOf, type TreeReader } from '../../../src/sources/openstack/tree.ts';
import { KNOWN_VERSIONS, versionsToTry } from '../../../src/sources/openstack/versions.ts';
import { DatasourceError } from '../../../src/sources/types.ts';

function memoryReader(files: Record<string, string>): TreeReader & { asked: string[] } {
  const asked: string[] = [];
  return {
    where: 'mem',
    asked,
    async list(dir) {
      const names = new Set<string>();
      for (const p of Object.keys(files)) if (p.startsWith(`${dir}/`)) names.add(p.slice(dir.length + 1).split('/')[0] as string);
      return names.size === 0 ? null : [...names].sort();
    },
    async read(p) {
      asked.push(p);
      return p in files ? Buffer.from(files[p] as string) : null;
    },
  };
}

const quiet = () => new Log({ debug: false, tag: 'test' });
const md = (extra: Record<string, unknown> = {}) => JSON.stringify({ uuid: 'u-1', hostname: 'h', ...extra });

describe('versions', () => {
  test('the newest known version present, then latest; latest alone when nothing is known', () => {
    assert.deepEqual(versionsToTry(['2012-08-10', '2018-08-27', 'latest', 'content']), ['2018-08-27', '2012-08-10', 'latest']);
    assert.deepEqual(versionsToTry(['2099-01-01', 'latest']), ['latest']);
    assert.deepEqual(versionsToTry(['2013-04-04/']), ['2013-04-04']);
    assert.deepEqual(versionsToTry([]), ['latest']);
    assert.equal(KNOWN_VERSIONS[0], '2018-08-27');
  });
});

describe('readOpenStackTree', () => {
  test('no openstack/ directory: not a v2 tree', async () => {
    assert.equal(await readOpenStackTree(memoryReader({ 'meta.js': '{}' }), quiet()), null);
  });

  test('reads the newest version and copies uuid and hostname to cloud-init keys', async () => {
    const t = await readOpenStackTree(
      memoryReader({
        'openstack/2012-08-10/meta_data.json': md({ hostname: 'old' }),
        'openstack/2016-06-30/meta_data.json': md({ hostname: 'new' }),
        'openstack/2016-06-30/user_data': '#cloud-config\n{}\n',
        'openstack/latest/meta_data.json': md({ hostname: 'latest' }),
      }),
      quiet(),
    );
    assert.ok(t);
    assert.equal(t.version, '2016-06-30');
    assert.equal(t.metaData['instance-id'], 'u-1');
    assert.equal(t.metaData['local-hostname'], 'new');
    assert.equal(t.userData?.toString(), '#cloud-config\n{}\n');
  });

  test('a listed version without meta_data.json falls back to the next, with a warning', async () => {
    const log = quiet();
    const r = memoryReader({ 'openstack/2018-08-27/user_data': 'x', 'openstack/2015-10-15/meta_data.json': md() });
    const t = await readOpenStackTree(r, log);
    assert.equal(t?.version, '2015-10-15');
    assert.ok(log.records.some((x) => x.level === 'WARNING' && /2018-08-27\/meta_data\.json is missing; trying the next version/.test(x.message)));
  });

  test('required: meta_data.json present, a JSON object, with a usable uuid', async () => {
    const fails = async (files: Record<string, string>, re: RegExp) => {
      await assert.rejects(readOpenStackTree(memoryReader(files), quiet()), (e: unknown) => e instanceof DatasourceError && re.test(e.message));
    };
    await fails({ 'openstack/latest/user_data': 'x' }, /no meta_data\.json in openstack\/latest/);
    await fails({ 'openstack/latest/meta_data.json': '{"uuid": ' }, /mem: openstack\/latest\/meta_data\.json:1:10: not valid JSON/);
    await fails({ 'openstack/latest/meta_data.json': '[1]' }, /must hold a JSON object/);
    await fails({ 'openstack/latest/meta_data.json': '{"hostname": "h"}' }, /has no uuid/);
    await fails({ 'openstack/latest/meta_data.json': '{"uuid": "../../etc"}' }, /cannot name an instance directory/);
  });

  test('broken optional files are warnings; the rest is used', async () => {
    const log = quiet();
    const t = await readOpenStackTree(
      memoryReader({ 'openstack/latest/meta_data.json': md(), 'openstack/latest/vendor_data.json': '{oops', 'ec2/latest/meta-data.json': 'nope' }),
      log,
    );
    assert.equal(t?.vendorData, null);
    assert.equal(t?.ec2MetaData, null);
    const warnings = log.records.filter((x) => x.level === 'WARNING').map((x) => x.message);
    assert.ok(warnings.some((w) => /vendor_data\.json:1:2: not valid JSON.*ignored/.test(w)), warnings.join('\n'));
    assert.ok(warnings.some((w) => /ec2\/latest\/meta-data\.json:1:1/.test(w)), warnings.join('\n'));
  });

  test('network_data.json is handed on as text; without it, the legacy ENI file meta_data.json names', async () => {
    const nd = '{"links": [], "networks": []}';
    const a = await readOpenStackTree(memoryReader({ 'openstack/latest/meta_data.json': md(), 'openstack/latest/network_data.json': nd }), quiet());
    assert.deepEqual(a?.networkConfig, { source: 'mem: openstack/latest/network_data.json', kind: 'network_data.json', text: nd });
    assert.deepEqual(a?.networkJson, { links: [], networks: [] });
    const eni = 'auto eth0\niface eth0 inet dhcp\n';
    const b = await readOpenStackTree(
      memoryReader({ 'openstack/2012-08-10/meta_data.json': md({ network_config: { content_path: '/content/0000' } }), 'openstack/content/0000': eni }),
      quiet(),
    );
    assert.deepEqual(b?.networkConfig, { source: 'mem: openstack/content/0000', kind: 'eni', text: eni });
  });

  test('injected files: content read from openstack/content; unsafe paths refused, the rest kept', async () => {
    const log = quiet();
    const t = await readOpenStackTree(
      memoryReader({
        'openstack/latest/meta_data.json': md({
          files: [
            { path: '/etc/motd', content_path: '/content/0000' },
            { path: '/etc/../root/.ssh/authorized_keys', content_path: '/content/0000' },
            { path: '/etc/x', content_path: '/content/../../meta.js' },
            { path: 'relative', content_path: '/content/0000' },
            { path: '/etc/missing', content_path: '/content/0009' },
            'junk',
          ],
        }),
        'openstack/content/0000': 'hello\n',
      }),
      log,
    );
    assert.deepEqual(t?.files.map((f) => [f.path, f.content.toString()]), [['/etc/motd', 'hello\n']]);
    const errors = log.records.filter((x) => x.level === 'ERROR').map((x) => x.message);
    assert.equal(errors.length, 4, errors.join('\n'));
    assert.match(errors.join('\n'), /files\[1\]: path "\/etc\/\.\.\/root\/\.ssh\/authorized_keys"/);
    assert.match(errors.join('\n'), /files\[2\]: content_path .* would leave the openstack\/ directory/);
  });

  test('random_seed must be base64; dsmode comes from meta', async () => {
    const log = quiet();
    const good = await readOpenStackTree(memoryReader({ 'openstack/latest/meta_data.json': md({ random_seed: 'AAEC/w==', meta: { dsmode: 'local' } }) }), log);
    assert.equal(good?.metaData['random_seed'], 'AAEC/w==');
    assert.equal(good?.dsmode, 'local');
    const bad = await readOpenStackTree(memoryReader({ 'openstack/latest/meta_data.json': md({ random_seed: 'not base64!', meta: { dsmode: 'sometimes' } }) }), log);
    assert.equal(bad?.metaData['random_seed'], undefined);
    assert.equal(bad?.dsmode, null);
  });
});

describe('vendor data and paths', () => {
  test('vendor_data.json: a string, or the cloud-init member of an object; anything else is none', () => {
    const log = quiet();
    assert.equal(vendorDataOf('#cloud-config\n{}', 'v', log)?.toString(), '#cloud-config\n{}');
    assert.equal(vendorDataOf({ 'cloud-init': '#!/bin/sh\ntrue' }, 'v', log)?.toString(), '#!/bin/sh\ntrue');
    assert.equal(vendorDataOf({ static: {} }, 'v', log), null);
    assert.equal(vendorDataOf({ 'cloud-init': { runcmd: [] } }, 'v', log), null);
    assert.equal(vendorDataOf([1], 'v', log), null);
    assert.equal(log.records.filter((r) => r.level === 'WARNING').length, 2);
  });

  test('tree and target paths', () => {
    assert.equal(safeTreePath('/content/0000'), 'content/0000');
    for (const bad of ['/content/../x', '', '/', 'a//b', 'a/./b', 'a\nb', 'a\\b']) assert.equal(safeTreePath(bad), null, bad);
    assert.equal(safeTargetPath('/etc/motd'), '/etc/motd');
    for (const bad of ['etc/motd', '/etc/', '/etc/../x', '/etc/./x', '/a\0b', '/a\nb']) assert.equal(safeTargetPath(bad), null, bad);
  });
});
