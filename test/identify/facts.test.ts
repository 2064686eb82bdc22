import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { parseDsIdentifyCfg } from '../../src/identify/ds-identify-cfg.ts';
import { gatherFacts } from '../../src/identify/facts.ts';
import type { FilesystemInfo } from '../../src/identify/types.ts';
import { tempRoot, type TempRoot } from '../config/temp-root.ts';

describe('gatherFacts', () => {
  let root: TempRoot | undefined;
  afterEach(() => {
    root?.dispose();
    root = undefined;
  });
  const disks: FilesystemInfo[] = [{ device: '/dev/sr0', type: 'iso9660', label: 'cidata' }];

  test('reads DMI, hypervisor, cmdline, container, seeds, config drives and ds-identify.cfg under the root', () => {
    root = tempRoot(
      {
        '/sys/class/dmi/id/sys_vendor': 'QEMU\n',
        '/sys/class/dmi/id/product_name': '  OpenStack Nova \n',
        '/sys/class/dmi/id/product_serial': 'ds=nocloud;s=http://10.0.0.1/\nsecond line\n',
        '/sys/class/dmi/id/chassis_asset_tag': '\n',
        '/sys/hypervisor/uuid': 'ec2e1916-9099-7caf-fd21-012345abcdef\n',
        '/proc/cmdline': 'BOOT_IMAGE=/vmlinuz foo="a b" ro\n',
        '/run/systemd/container': 'lxc\n',
        '/var/lib/cloud/seed/nocloud/meta-data': 'instance-id: x\n',
        '/var/lib/cloud/seed/nocloud/user-data': '#cloud-config\n',
        '/var/lib/cloud/seed/nocloud/sub/file': '',
        '/var/lib/cloud/seed/stray-file': '',
        '/writable/system-data/var/lib/cloud/seed/nocloud-net/meta-data': '',
        '/config-drive/openstack/2015-10-15/meta_data.json': '{}',
        '/config-drive/openstack/2016-06-30/user_data': '',
        '/config-drive/openstack/latest/meta_data.json': '{}',
        '/var/lib/cloud/seed/config_drive/openstack/latest/meta_data.json': '{}',
        '/etc/cloud/ds-identify.cfg': 'policy: search,found=first  # comment\ndatasource: "Ec2"\n',
      },
      'facts',
    );
    const facts = gatherFacts(root.fs, () => disks, 'x86_64');
    assert.deepEqual(facts.dmi, {
      sysVendor: 'QEMU',
      productName: 'OpenStack Nova',
      productSerial: 'ds=nocloud;s=http://10.0.0.1/',
      productUuid: null,
      chassisAssetTag: '',
      boardName: null,
    });
    assert.equal(facts.hypervisorUuid, 'ec2e1916-9099-7caf-fd21-012345abcdef');
    assert.equal(facts.cmdline, 'BOOT_IMAGE=/vmlinuz foo="a b" ro\n');
    assert.deepEqual(facts.cmdlineTokens, ['BOOT_IMAGE=/vmlinuz', 'foo=a b', 'ro']);
    assert.equal(facts.container, 'lxc');
    assert.equal(facts.machine, 'x86_64');
    assert.deepEqual(facts.seedDirs, {
      '/var/lib/cloud/seed/config_drive': [],
      '/var/lib/cloud/seed/nocloud': ['meta-data', 'user-data'],
      '/writable/system-data/var/lib/cloud/seed/nocloud-net': ['meta-data'],
    });
    assert.deepEqual(facts.configDriveDirs, {
      '/var/lib/cloud/seed/config_drive': ['latest'],
      '/config-drive': ['2015-10-15', 'latest'],
    });
    assert.deepEqual(facts.dsIdentifyCfg, { policy: 'search,found=first', datasource: 'Ec2' });
    assert.deepEqual(facts.filesystems, disks);
    assert.deepEqual(facts.notes, []);
  });

  test('an empty root: nothing known, nothing fails', () => {
    root = tempRoot({}, 'facts');
    const facts = gatherFacts(root.fs, () => []);
    assert.equal(facts.dmi.sysVendor, null);
    assert.equal(facts.hypervisorUuid, null);
    assert.equal(facts.cmdline, '');
    assert.deepEqual(facts.cmdlineTokens, []);
    assert.equal(facts.container, null);
    assert.deepEqual(facts.seedDirs, {});
    assert.deepEqual(facts.configDriveDirs, {});
    assert.deepEqual(facts.dsIdentifyCfg, {});
    assert.ok(facts.machine.length > 0);
  });

  test('a failing block-device probe is a note, not a failure', () => {
    root = tempRoot({}, 'facts');
    const facts = gatherFacts(root.fs, () => {
      throw new Error('blkid exploded');
    });
    assert.deepEqual(facts.filesystems, []);
    assert.deepEqual(facts.notes, ['block devices could not be probed: blkid exploded']);
  });
});

describe('parseDsIdentifyCfg', () => {
  const cases: [string, ReturnType<typeof parseDsIdentifyCfg>][] = [
    ['', {}],
    ['datasource: NoCloud\n', { datasource: 'NoCloud' }],
    ["policy: 'search,maybe=all'\n", { policy: 'search,maybe=all' }],
    ['# policy: disabled\n  policy :  enabled  \n', { policy: 'enabled' }],
    ['ci.datasource.ec2.strict_id: warn\n', { ec2StrictId: 'warn' }],
    ['policy: a\npolicy: b\nother: x\n__proto__: y\nno colon here\n', { policy: 'b' }],
  ];
  for (const [text, expected] of cases) test(JSON.stringify(text), () => assert.deepEqual(parseDsIdentifyCfg(text), expected));
});
