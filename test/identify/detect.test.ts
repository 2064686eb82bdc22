import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Detect, DetectResult } from '../../src/identify/types.ts';
import { detectCloudStack } from '../../src/sources/cloudstack/detect.ts';
import { detectConfigDrive } from '../../src/sources/configdrive/detect.ts';
import { detectEc2 } from '../../src/sources/ec2/detect.ts';
import { detectNoCloud } from '../../src/sources/nocloud/detect.ts';
import { detectOpenStack } from '../../src/sources/openstack/detect.ts';
import { makeFacts, type FactsOverrides } from './fixture.ts';

interface Case {
  name: string;
  facts?: FactsOverrides;
  cfg?: Record<string, unknown>;
  result: DetectResult['result'];
  /** A part of the reason. */
  reason?: string;
  extraConfig?: Record<string, unknown>;
}

function run(detect: Detect, cases: readonly Case[]): void {
  for (const c of cases) {
    test(`${c.result}: ${c.name}`, () => {
      const got = detect(makeFacts(c.facts), c.cfg ?? {});
      assert.equal(got.result, c.result, got.reason);
      if (c.reason) assert.ok(got.reason.includes(c.reason), got.reason);
      assert.deepEqual(got.extraConfig, c.extraConfig);
    });
  }
}

const SEED = '/var/lib/cloud/seed';
const cidata = (type: string, label = 'cidata') => ({ filesystems: [{ device: '/dev/sr0', type, label }] });

describe('detect NoCloud', () => {
  run(detectNoCloud, [
    { name: 'nothing', result: 'not-found' },
    { name: 'DMI serial ds=nocloud', facts: { dmi: { productSerial: 'ds=nocloud;s=http://10.0.0.1/seed/' } }, result: 'found', reason: 'DMI product_serial' },
    { name: 'DMI serial of another kind', facts: { dmi: { productSerial: 'VMware-42 1a' } }, result: 'not-found' },
    { name: 'kernel command line ds=nocloud', facts: { cmdline: 'ro ds=nocloud;h=x' }, result: 'found', reason: 'ds=nocloud' },
    { name: 'kernel command line ds=nocloud-net', facts: { cmdline: 'ds=nocloud-net;s=http://h/' }, result: 'found', reason: 'ds=nocloud-net' },
    { name: 'seed dir nocloud with both files', facts: { seedDirs: { [`${SEED}/nocloud`]: ['meta-data', 'user-data'] } }, result: 'found', reason: `${SEED}/nocloud` },
    { name: 'seed dir nocloud-net', facts: { seedDirs: { [`${SEED}/nocloud-net`]: ['meta-data', 'user-data', 'vendor-data'] } }, result: 'found' },
    {
      name: 'Ubuntu Core seed dir',
      facts: { seedDirs: { [`/writable/system-data${SEED}/nocloud`]: ['meta-data', 'user-data'] } },
      result: 'found',
      reason: '/writable/system-data',
    },
    { name: 'seed dir without user-data', facts: { seedDirs: { [`${SEED}/nocloud`]: ['meta-data'] } }, result: 'not-found' },
    { name: 'cidata iso9660', facts: cidata('iso9660'), result: 'found', reason: '/dev/sr0 (iso9660, label cidata)' },
    { name: 'CIDATA vfat', facts: cidata('vfat', 'CIDATA'), result: 'found' },
    { name: 'cidata on ext4', facts: cidata('ext4'), result: 'not-found' },
    { name: 'CiData (mixed case)', facts: cidata('vfat', 'CiData'), result: 'not-found' },
    { name: 'fs_label from config', facts: cidata('vfat', 'SEED'), cfg: { datasource: { NoCloud: { fs_label: 'seed' } } }, result: 'found' },
    { name: 'fs_label null turns disks off', facts: cidata('vfat'), cfg: { datasource: { NoCloud: { fs_label: null } } }, result: 'not-found' },
    { name: 'config user-data and meta-data', cfg: { datasource: { NoCloud: { 'user-data': '#cloud-config\n', 'meta-data': {} } } }, result: 'found', reason: 'system config' },
    { name: 'config user-data only', cfg: { datasource: { NoCloud: { 'user-data': '#cloud-config\n' } } }, result: 'not-found' },
    { name: 'config seedfrom', cfg: { datasource: { NoCloud: { seedfrom: 'http://10.0.0.1/' } } }, result: 'found', reason: 'seedfrom' },
  ]);
});

describe('detect ConfigDrive', () => {
  run(detectConfigDrive, [
    { name: 'nothing', result: 'not-found' },
    { name: '/config-drive with a dated version', facts: { configDriveDirs: { '/config-drive': ['2015-10-15'] } }, result: 'found', reason: '/config-drive/openstack/2015-10-15/meta_data.json' },
    { name: 'seed with latest only', facts: { configDriveDirs: { [`${SEED}/config_drive`]: ['latest'] } }, result: 'found', reason: 'latest' },
    { name: 'a version dir of another name', facts: { configDriveDirs: { '/config-drive': ['content'] } }, result: 'not-found' },
    { name: 'an empty tree', facts: { configDriveDirs: { '/config-drive': [] } }, result: 'not-found' },
    { name: 'config-2 vfat', facts: { filesystems: [{ device: '/dev/vdb', type: 'vfat', label: 'config-2' }] }, result: 'found', reason: '/dev/vdb' },
    { name: 'CONFIG-2 iso9660', facts: { filesystems: [{ device: '/dev/sr0', type: 'iso9660', label: 'CONFIG-2' }] }, result: 'found' },
    { name: 'config-2 on ext4', facts: { filesystems: [{ device: '/dev/vdb1', type: 'ext4', label: 'config-2' }] }, result: 'not-found' },
  ]);
});

describe('detect OpenStack', () => {
  run(detectOpenStack, [
    { name: 'nothing on x86', result: 'not-found' },
    { name: 'product name OpenStack Nova', facts: { dmi: { productName: 'OpenStack Nova' } }, result: 'found', reason: 'product_name' },
    { name: 'product name OpenStack Compute', facts: { dmi: { productName: 'OpenStack Compute' } }, result: 'found' },
    ...['OpenTelekomCloud', 'SAP CCloud VM', 'HUAWEICLOUD', 'Samsung Cloud Platform', 'OpenStack Nova', 'OpenStack Compute'].map(
      (tag): Case => ({ name: `asset tag ${tag}`, facts: { dmi: { chassisAssetTag: tag } }, result: 'found', reason: 'chassis_asset_tag' }),
    ),
    { name: 'a config drive is there', facts: { dmi: { productName: 'OpenStack Nova' }, configDriveDirs: { '/config-drive': ['latest'] } }, result: 'not-found', reason: 'config drive' },
    { name: 'a config-2 disk is there', facts: { dmi: { productName: 'OpenStack Nova' }, filesystems: [{ device: '/dev/sr0', type: 'iso9660', label: 'config-2' }] }, result: 'not-found' },
    { name: 'in a container, DMI is the host', facts: { dmi: { productName: 'OpenStack Nova' }, container: 'lxc' }, result: 'not-found' },
    { name: 'other product', facts: { dmi: { productName: 'Standard PC (Q35 + ICH9, 2009)' } }, result: 'not-found' },
    { name: 'non-x86 without DMI', facts: { machine: 'aarch64' }, result: 'maybe', reason: 'aarch64' },
  ]);
});

describe('detect Ec2', () => {
  const strict = (value: string) => ({ datasource: { Ec2: { strict_id: value } } });
  run(detectEc2, [
    { name: 'nothing (strict_id true by default)', result: 'not-found', reason: 'strict_id is true (the default)' },
    { name: 'seed dir ec2', facts: { seedDirs: { [`${SEED}/ec2`]: ['meta-data', 'user-data'] } }, result: 'found' },
    { name: 'seed dir ec2 in a container', facts: { container: 'lxc', seedDirs: { [`${SEED}/ec2`]: ['meta-data', 'user-data'] } }, result: 'found' },
    { name: 'in a container', facts: { container: 'docker', hypervisorUuid: 'ec2e1916-9099-7caf-fd21-012345abcdef' }, result: 'not-found', reason: 'container' },
    { name: 'Xen hypervisor uuid', facts: { hypervisorUuid: 'ec2e1916-9099-7caf-fd21-012345abcdef' }, result: 'found', reason: 'AWS' },
    { name: 'Xen hypervisor uuid of another cloud', facts: { hypervisorUuid: '4f5c2e19-9099-7caf-fd21-012345abcdef' }, result: 'not-found' },
    { name: 'product uuid EC2...', facts: { dmi: { productUuid: 'EC2E1916-9099-7CAF-FD21-012345ABCDEF' } }, result: 'found', reason: 'AWS' },
    { name: 'product uuid byte-swapped', facts: { dmi: { productUuid: '16192EEC-9099-7CAF-FD21-012345ABCDEF' } }, result: 'found', reason: 'byte-swapped' },
    { name: 'product uuid with ec only in another place', facts: { dmi: { productUuid: '1619ec2e-9099-7caf-fd21-012345abcdef' } }, result: 'not-found' },
    { name: 'Brightbox', facts: { dmi: { productSerial: 'srv-abcde.gb1.brightbox.com' } }, result: 'found', reason: 'Brightbox' },
    { name: 'ZStack', facts: { dmi: { chassisAssetTag: '123.zstack.io' } }, result: 'found', reason: 'ZStack' },
    { name: 'e24cloud', facts: { dmi: { sysVendor: 'e24cloud' } }, result: 'found' },
    { name: 'Tilaa', facts: { dmi: { sysVendor: 'Tilaa' } }, result: 'found' },
    { name: 'Outscale', facts: { dmi: { productName: '3DS Outscale VM', sysVendor: '3DS Outscale' } }, result: 'found', reason: 'Outscale' },
    { name: 'Outscale product without the vendor', facts: { dmi: { productName: '3DS Outscale VM' } }, result: 'not-found' },
    { name: 'strict_id warn in config', cfg: strict('warn'), result: 'maybe', extraConfig: strict('warn') },
    { name: 'strict_id false (a YAML boolean) in config', cfg: { datasource: { Ec2: { strict_id: false } } }, result: 'maybe', extraConfig: strict('false') },
    { name: 'strict_id warn,10 on the command line wins', facts: { cmdline: 'ci.datasource.ec2.strict_id=warn,10' }, cfg: strict('true'), result: 'maybe', extraConfig: strict('warn,10') },
    { name: 'strict_id in ds-identify.cfg', facts: { dsIdentifyCfg: { ec2StrictId: 'false' } }, result: 'maybe', extraConfig: strict('false') },
    { name: 'config wins over ds-identify.cfg', facts: { dsIdentifyCfg: { ec2StrictId: 'false' } }, cfg: strict('true'), result: 'not-found' },
    { name: 'an invalid strict_id means the default', cfg: strict('sometimes'), result: 'not-found', reason: 'invalid value "sometimes"' },
  ]);
});

describe('detect CloudStack', () => {
  run(detectCloudStack, [
    { name: 'nothing', result: 'not-found' },
    { name: 'product name CloudStack KVM Hypervisor', facts: { dmi: { productName: 'CloudStack KVM Hypervisor' } }, result: 'found', reason: 'product_name' },
    { name: 'product name Apache CloudStack', facts: { dmi: { productName: 'Apache CloudStack' } }, result: 'not-found' },
    { name: 'in a container', facts: { dmi: { productName: 'CloudStack KVM Hypervisor' }, container: 'lxc' }, result: 'not-found' },
    { name: 'seed dir cs', facts: { seedDirs: { [`${SEED}/cs`]: ['meta-data', 'user-data'] } }, result: 'found', reason: `${SEED}/cs` },
  ]);
});
