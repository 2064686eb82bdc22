import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { identify, readCachedIdentify, writeIdentifyResult, type IdentifyResult } from '../../src/identify/index.ts';
import { parsePolicy } from '../../src/identify/policy.ts';
import { tempRoot, type TempRoot } from '../config/temp-root.ts';
import { makeFacts, type FactsOverrides } from './fixture.ts';

const CIDATA = { filesystems: [{ device: '/dev/sr0', type: 'iso9660', label: 'cidata' }] };
const CONFIG2 = { filesystems: [{ device: '/dev/vdb', type: 'vfat', label: 'config-2' }] };
const NOT_FOUND_DISABLED = 'di_report:\n  datasource_list: [  ]\n  # reporting not found result. notfound=disabled.\n';

interface Case {
  name: string;
  files?: Record<string, string>;
  facts?: FactsOverrides;
  cfg?: Record<string, unknown>;
  code: 0 | 1 | 2;
  list: string[];
  text: string | null;
  /** Parts of the log that must be there. */
  log?: string[];
}

const cases: Case[] = [
  { name: 'disabled by marker file', files: { '/etc/cloud/cloud-init.disabled': '' }, facts: CIDATA, code: 2, list: [], text: null, log: ['disabled by the marker file'] },
  { name: 'disabled on the kernel command line', facts: { ...CIDATA, cmdline: 'ro cloud-init=disabled ds=nocloud' }, code: 2, list: [], text: null },
  { name: 'policy mode disabled (ds-identify.cfg)', facts: { ...CIDATA, dsIdentifyCfg: { policy: 'disabled' } }, code: 1, list: [], text: null },
  { name: 'policy mode enabled (kernel command line) writes nothing', facts: { cmdline: 'ci.di.policy=enabled' }, code: 0, list: [], text: null },
  { name: 'the kernel command line policy wins over ds-identify.cfg', facts: { cmdline: 'ci.di.policy=enabled', dsIdentifyCfg: { policy: 'disabled' } }, code: 0, list: [], text: null },
  { name: 'explicit ds=nocloud (canonical name)', facts: { cmdline: 'ro ds=nocloud;s=/seed/' }, code: 0, list: ['NoCloud', 'None'], text: 'datasource_list: [ NoCloud, None ]\n' },
  { name: 'explicit ci.ds=nocloud-net', facts: { cmdline: 'ci.ds=nocloud-net' }, code: 0, list: ['NoCloud', 'None'], text: 'datasource_list: [ NoCloud, None ]\n' },
  { name: 'explicit datasource in ds-identify.cfg', facts: { dsIdentifyCfg: { datasource: 'Ec2' } }, code: 0, list: ['Ec2', 'None'], text: 'datasource_list: [ Ec2, None ]\n' },
  { name: 'explicit unknown datasource is kept', facts: { cmdline: 'ds=Azure' }, code: 0, list: ['Azure', 'None'], text: 'datasource_list: [ Azure, None ]\n' },
  { name: 'explicit None', facts: { cmdline: 'ds=None' }, code: 0, list: ['None'], text: 'datasource_list: [ None ]\n' },
  {
    name: 'manual-clean marker keeps the config',
    files: { '/var/lib/cloud/instances/iid-1/manual-clean': '' },
    facts: CIDATA,
    code: 0,
    list: [],
    text: '# manual_cache_clean.\n',
  },
  { name: 'single-entry list', cfg: { datasource_list: ['Ec2'] }, code: 0, list: ['Ec2', 'None'], text: 'datasource_list: [ Ec2, None ]\n' },
  { name: 'single entry and None', cfg: { datasource_list: ['configdrive', 'None'] }, code: 0, list: ['ConfigDrive', 'None'], text: 'datasource_list: [ ConfigDrive, None ]\n' },
  {
    name: 'search: NoCloud found on the builtin list',
    facts: CIDATA,
    code: 0,
    list: ['NoCloud', 'None'],
    text: 'datasource_list: [ NoCloud, None ]\n',
    log: ['check NoCloud: found: filesystem /dev/sr0', 'check Ec2: not-found:', 'check None: not-found:', 'result: 0 (found NoCloud)'],
  },
  { name: 'search: found=all keeps every found one', facts: { filesystems: [...CIDATA.filesystems, ...CONFIG2.filesystems] }, code: 0, list: ['NoCloud', 'ConfigDrive', 'None'], text: 'datasource_list: [ NoCloud, ConfigDrive, None ]\n' },
  {
    name: 'search: found=first keeps the first in list order',
    facts: { filesystems: [...CIDATA.filesystems, ...CONFIG2.filesystems], cmdline: 'ci.di.policy=found=first' },
    cfg: { datasource_list: ['ConfigDrive', 'NoCloud', 'None'] },
    code: 0,
    list: ['ConfigDrive', 'None'],
    text: 'datasource_list: [ ConfigDrive, None ]\n',
  },
  { name: 'search: nothing found disables', code: 1, list: [], text: NOT_FOUND_DISABLED, log: ['result: 1 (no datasource found [mode=search, notfound=disabled])'] },
  { name: 'search: maybe=none ignores maybe', cfg: { datasource: { Ec2: { strict_id: 'warn' } } }, code: 1, list: [], text: NOT_FOUND_DISABLED, log: ['check Ec2: maybe:'] },
  {
    name: 'search: maybe=all uses maybe with its extra config',
    facts: { dsIdentifyCfg: { policy: 'search,maybe=all' } },
    cfg: { datasource: { Ec2: { strict_id: 'warn' } } },
    code: 0,
    list: ['Ec2', 'None'],
    text: 'datasource_list: [ Ec2, None ]\ndatasource: {Ec2: {strict_id: "warn"}}\n',
  },
  {
    name: 'search: found wins over maybe',
    facts: { ...CONFIG2, dsIdentifyCfg: { policy: 'search,maybe=all' } },
    cfg: { datasource: { Ec2: { strict_id: 'warn' } } },
    code: 0,
    list: ['ConfigDrive', 'None'],
    text: 'datasource_list: [ ConfigDrive, None ]\n',
  },
  {
    name: 'search: notfound=enabled',
    facts: { cmdline: 'ci.di.policy=notfound=enabled' },
    code: 0,
    list: [],
    text: 'di_report:\n  datasource_list: [  ]\n  # reporting not found result. notfound=enabled.\n',
  },
  { name: 'report: found is written under di_report', facts: { ...CIDATA, cmdline: 'ci.di.policy=report' }, code: 0, list: ['NoCloud', 'None'], text: 'di_report:\n  datasource_list: [ NoCloud, None ]\n' },
  { name: 'report: nothing found still enables', facts: { cmdline: 'ci.di.policy=report,notfound=disabled' }, code: 0, list: [], text: 'di_report:\n  datasource_list: [  ]\n' },
  {
    name: 'names unknown to stratus are not found; names are matched without case and once',
    facts: CIDATA,
    cfg: { datasource_list: ['Azure', 'nocloud', 'NoCloud', 'GCE', 'None'] },
    code: 0,
    list: ['NoCloud', 'None'],
    text: 'datasource_list: [ NoCloud, None ]\n',
    log: ['datasource_list: Azure, NoCloud, GCE, None', 'check Azure: not-found: not supported by stratus', 'check GCE: not-found: not supported by stratus'],
  },
  { name: 'a datasource_list that is not a list of names means the builtin list', facts: CIDATA, cfg: { datasource_list: 'NoCloud' }, code: 0, list: ['NoCloud', 'None'], text: 'datasource_list: [ NoCloud, None ]\n', log: ['not a list of names'] },
  {
    name: 'bad policy values fall back to the defaults with a warning',
    facts: { ...CIDATA, cmdline: 'ci.di.policy=search,found=some,maybe=perhaps,bogus' },
    code: 0,
    list: ['NoCloud', 'None'],
    text: 'datasource_list: [ NoCloud, None ]\n',
    log: ['invalid value "some" for found', 'invalid value "perhaps" for maybe', 'unknown part "bogus"', 'policy: search,found=all,maybe=none,notfound=disabled'],
  },
];

describe('identify', () => {
  let root: TempRoot | undefined;
  afterEach(() => {
    root?.dispose();
    root = undefined;
  });

  for (const c of cases) {
    test(c.name, () => {
      root = tempRoot(c.files ?? {}, 'identify');
      if (c.files && Object.keys(c.files).some((p) => p.startsWith('/var/lib/cloud/instances/'))) root.add('/var/lib/cloud/instance', { link: '/var/lib/cloud/instances/iid-1' });
      const got = identify(root.fs, makeFacts(c.facts), c.cfg ?? { datasource_list: ['NoCloud', 'ConfigDrive', 'OpenStack', 'Ec2', 'CloudStack', 'None'] });
      assert.equal(got.code, c.code, got.log.join('\n'));
      assert.deepEqual(got.datasourceList, c.list);
      assert.equal(got.cloudCfgText, c.text);
      for (const part of c.log ?? []) assert.ok(got.log.some((l) => l.includes(part)), `log lacks ${JSON.stringify(part)}:\n${got.log.join('\n')}`);
    });
  }

  test('one log line per check, naming the datasource, the outcome and the reason', () => {
    root = tempRoot({}, 'identify');
    const got = identify(root.fs, makeFacts(CIDATA), { datasource_list: ['NoCloud', 'ConfigDrive', 'Ec2', 'None'] });
    assert.deepEqual(
      got.checks.map((c) => c.datasource),
      ['NoCloud', 'ConfigDrive', 'Ec2', 'None'],
    );
    assert.equal(got.log.filter((l) => l.startsWith('check ')).length, 4);
    assert.ok(got.log.some((l) => l.startsWith('dmi: sys_vendor=(none)')));
  });
});

describe('parsePolicy', () => {
  test('each part overrides the default on its own', () => {
    assert.deepEqual(parsePolicy('').policy, { mode: 'search', found: 'all', maybe: 'none', notfound: 'disabled' });
    assert.deepEqual(parsePolicy('found=first').policy, { mode: 'search', found: 'first', maybe: 'none', notfound: 'disabled' });
    assert.deepEqual(parsePolicy('report,maybe=all,notfound=enabled').policy, { mode: 'report', found: 'all', maybe: 'all', notfound: 'enabled' });
  });
});

describe('writeIdentifyResult and readCachedIdentify', () => {
  let root: TempRoot | undefined;
  afterEach(() => {
    root?.dispose();
    root = undefined;
  });
  const result = (code: 0 | 1 | 2, text: string | null): IdentifyResult => ({ code, mode: 'search', datasourceList: [], cloudCfgText: text, checks: [], log: [`line for ${code}`] });
  const mode = (r: TempRoot, path: string): number => statSync(join(r.dir, path)).mode & 0o777;

  test('found: cloud.cfg, result code, log and the enabled marker, all 0644', () => {
    root = tempRoot({ '/run/cloud-init/disabled': '' }, 'identify');
    assert.equal(readCachedIdentify(root.fs), null);
    writeIdentifyResult(root.fs, result(0, 'datasource_list: [ NoCloud, None ]\n'));
    assert.equal(root.fs.readText('/run/cloud-init/cloud.cfg'), 'datasource_list: [ NoCloud, None ]\n');
    assert.equal(root.fs.readText('/run/cloud-init/.ds-identify.result'), '0\n');
    assert.equal(root.fs.readText('/run/cloud-init/ds-identify.log'), 'line for 0\n');
    assert.equal(root.fs.kind('/run/cloud-init/enabled'), 'file');
    assert.equal(root.fs.kind('/run/cloud-init/disabled'), null);
    for (const p of ['/run/cloud-init/cloud.cfg', '/run/cloud-init/.ds-identify.result', '/run/cloud-init/ds-identify.log', '/run/cloud-init/enabled']) assert.equal(mode(root, p), 0o644, p);
    assert.equal(readCachedIdentify(root.fs), 0);
  });

  test('a later run: disabled marker replaces enabled, stale cloud.cfg removed, log appended', () => {
    root = tempRoot({}, 'identify');
    writeIdentifyResult(root.fs, result(0, 'datasource_list: [ Ec2, None ]\n'));
    writeIdentifyResult(root.fs, result(2, null));
    assert.equal(root.fs.kind('/run/cloud-init/cloud.cfg'), null);
    assert.equal(root.fs.kind('/run/cloud-init/enabled'), null);
    assert.equal(root.fs.kind('/run/cloud-init/disabled'), 'file');
    assert.equal(root.fs.readText('/run/cloud-init/ds-identify.log'), 'line for 0\nline for 2\n');
    assert.equal(readCachedIdentify(root.fs), 2);
  });

  test('readCachedIdentify ignores anything but 0, 1 and 2', () => {
    root = tempRoot({ '/run/cloud-init/.ds-identify.result': '3\n' }, 'identify');
    assert.equal(readCachedIdentify(root.fs), null);
    root.add('/run/cloud-init/.ds-identify.result', '1\n');
    assert.equal(readCachedIdentify(root.fs), 1);
  });
});
