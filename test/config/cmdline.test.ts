import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  ccFromCmdline,
  cloudInitDisabled,
  cmdlineValue,
  datasourceFromCmdline,
  hasToken,
  networkConfigFromCmdline,
  nocloudFromCmdline,
  tokenizeCmdline,
} from '../../src/config/cmdline.ts';
import { formatDiagnostic } from '../../src/text/diagnostics.ts';

describe('tokenizeCmdline', () => {
  const cases: [string, string[]][] = [
    ['', []],
    ['  \n', []],
    ['BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro\n', ['BOOT_IMAGE=/vmlinuz', 'root=/dev/vda1', 'ro']],
    ['a\tb  c', ['a', 'b', 'c']],
    ['foo="a b" bar', ['foo=a b', 'bar']],
    ['"foo=a b" bar', ['foo=a b', 'bar']],
    ['x=a"b c"d y', ['x=a"b c"d', 'y']],
    ['foo="unterminated value', ['foo=unterminated value']],
  ];
  for (const [text, tokens] of cases) {
    test(JSON.stringify(text), () => assert.deepEqual(tokenizeCmdline(text), tokens));
  }
});

describe('command line helpers', () => {
  const tokens = tokenizeCmdline('ro ci.di.policy=search ds=Ec2 ci.ds=nocloud;s=/seed/ x=1 x=2 flag');
  test('cmdlineValue: the last one wins, missing is undefined', () => {
    assert.equal(cmdlineValue(tokens, 'x'), '2');
    assert.equal(cmdlineValue(tokens, 'ci.di.policy'), 'search');
    assert.equal(cmdlineValue(tokens, 'flag'), undefined);
    assert.equal(cmdlineValue(tokens, 'nope'), undefined);
  });
  test('hasToken matches whole tokens only', () => {
    assert.ok(hasToken(tokens, 'flag'));
    assert.ok(!hasToken(tokens, 'fla'));
  });
  test('cloudInitDisabled', () => {
    assert.ok(cloudInitDisabled(tokenizeCmdline('quiet cloud-init=disabled')));
    assert.ok(!cloudInitDisabled(tokenizeCmdline('quiet cloud-init=enabled')));
    assert.ok(!cloudInitDisabled(tokenizeCmdline('xcloud-init=disabled')));
  });
  test('datasourceFromCmdline: ds=, ci.ds=, ci.datasource=, last wins, cut at ;, case kept', () => {
    const cases: [string, string | undefined][] = [
      ['ro quiet', undefined],
      ['ds=Ec2', 'Ec2'],
      ['ci.ds=OpenStack', 'OpenStack'],
      ['ci.datasource=CloudStack', 'CloudStack'],
      ['ds=nocloud;s=http://10.0.0.1/seed/', 'nocloud'],
      ['ds=Ec2 ci.datasource=NoCloud', 'NoCloud'],
      ['ds=Ec2 ds=', 'Ec2'],
      ['xds=Ec2', undefined],
    ];
    for (const [text, ds] of cases) assert.equal(datasourceFromCmdline(tokenizeCmdline(text)), ds, text);
  });
});

describe('nocloudFromCmdline', () => {
  const cases: [string, ReturnType<typeof nocloudFromCmdline>][] = [
    ['ro quiet', null],
    ['ds=nocloud', { variant: 'nocloud', values: {}, dsmode: 'local' }],
    ['ds=nocloud-net', { variant: 'nocloud-net', values: {}, dsmode: 'net' }],
    ['ds=nocloudx', null],
    [
      'ro ds=nocloud;h=myhost;i=iid-1;s=http://10.0.0.1:8000/ quiet',
      { variant: 'nocloud', values: { 'local-hostname': 'myhost', 'instance-id': 'iid-1', seedfrom: 'http://10.0.0.1:8000/' }, dsmode: 'net' },
    ],
    ['ds=nocloud-net;s=file:///var/seed/', { variant: 'nocloud-net', values: { seedfrom: 'file:///var/seed/' }, dsmode: 'local' }],
    ['ds=nocloud;s=/var/seed/', { variant: 'nocloud', values: { seedfrom: '/var/seed/' }, dsmode: 'local' }],
    ['ds=nocloud;s=ftps://host/seed/', { variant: 'nocloud', values: { seedfrom: 'ftps://host/seed/' }, dsmode: 'net' }],
    ['ds=nocloud;s=https://host/seed/', { variant: 'nocloud', values: { seedfrom: 'https://host/seed/' }, dsmode: 'net' }],
    // An unknown scheme gives no dsmode: the datasource then defers or fails on it.
    ['ds=nocloud;s=gopher://host/', { variant: 'nocloud', values: { seedfrom: 'gopher://host/' } }],
    // An explicit dsmode wins over the seedfrom scheme.
    ['ds=nocloud;s=http://h/;dsmode=local', { variant: 'nocloud', values: { seedfrom: 'http://h/', dsmode: 'local' }, dsmode: 'local' }],
    ['ds=nocloud-net;dsmode=pass', { variant: 'nocloud-net', values: { dsmode: 'pass' } }],
    // Long keys pass through, empty items and keys without a value are skipped.
    ['ds=nocloud;;local-hostname=h2;novalue;seedfrom=/s/', { variant: 'nocloud', values: { 'local-hostname': 'h2', seedfrom: '/s/' }, dsmode: 'local' }],
    ['ds=nocloud;i=a=b', { variant: 'nocloud', values: { 'instance-id': 'a=b' }, dsmode: 'local' }],
    ['ds=NoCloud;i=x', { variant: 'nocloud', values: { 'instance-id': 'x' }, dsmode: 'local' }],
    // The last ds=nocloud token wins.
    ['ds=nocloud;i=one ds=nocloud-net;i=two', { variant: 'nocloud-net', values: { 'instance-id': 'two' }, dsmode: 'net' }],
    ['ds=nocloud;s="http://h/a b/"', { variant: 'nocloud', values: { seedfrom: '"http://h/a b/"' }, dsmode: undefined }],
  ];
  for (const [text, expected] of cases) {
    test(text, () => {
      const got = nocloudFromCmdline(text);
      if (expected && expected.dsmode === undefined) delete expected.dsmode;
      assert.deepEqual(got === null ? null : { ...got, values: { ...got.values } }, expected);
    });
  }
  test('the DMI serial form', () => {
    assert.deepEqual(nocloudFromCmdline('ds=nocloud;s=http://10.1.1.1/__dmi.chassis-serial-number__/'), {
      variant: 'nocloud',
      values: { seedfrom: 'http://10.1.1.1/__dmi.chassis-serial-number__/' },
      dsmode: 'net',
    });
  });
  test('a __proto__ key stays an ordinary key', () => {
    const got = nocloudFromCmdline('ds=nocloud;__proto__=x');
    assert.ok(got);
    assert.equal(Object.getPrototypeOf(got.values), Object.prototype);
    assert.deepEqual(Object.keys(got.values), ['__proto__']);
  });
});

describe('ccFromCmdline', () => {
  const cases: [string, string | null][] = [
    ['ro quiet', null],
    ['ro cc: ssh_import_id: [smoser, kirkland]\\n end_cc quiet', 'ssh_import_id: [smoser, kirkland]\n '],
    ['cc:runcmd: [ls] end_cc', 'runcmd: [ls] '],
    ['cc: a: 1 end_cc cc:b: 2 end_cc', 'a: 1 \nb: 2 '],
    ['cc:ssh_import_id: %5Bsmoser%5D end_cc', 'ssh_import_id: [smoser] '],
    ['cc:a: %E2%82%AC end_cc', 'a: € '],
    ['cc:a: 100%zz end_cc', 'a: 100%zz '],
    ['cc:a: 1%5Cnb: 2 end_cc', 'a: 1\nb: 2 '],
    ['ro cc: datasource_list: [NoCloud]\n', 'datasource_list: [NoCloud]\n'],
    ['acc:x end_cc', null],
  ];
  for (const [text, expected] of cases) test(JSON.stringify(text), () => assert.equal(ccFromCmdline(text), expected));
});

describe('networkConfigFromCmdline', () => {
  const yaml = 'version: 2\nethernets:\n  eth0:\n    dhcp4: true\n';
  const b64 = Buffer.from(yaml).toString('base64');
  const gz = gzipSync(Buffer.from(yaml)).toString('base64');
  test('absent', () => {
    assert.deepEqual(networkConfigFromCmdline('ro quiet'), { kind: 'absent' });
    assert.deepEqual(networkConfigFromCmdline('network-config='), { kind: 'absent' });
  });
  test('disabled', () => assert.deepEqual(networkConfigFromCmdline('ro network-config=disabled'), { kind: 'disabled', config: { config: 'disabled' } }));
  test('base64', () => assert.deepEqual(networkConfigFromCmdline(`ro network-config=${b64} quiet`), { kind: 'text', text: yaml }));
  test('gzip then base64', () => assert.deepEqual(networkConfigFromCmdline(`network-config=${gz}`), { kind: 'text', text: yaml }));
  test('unpadded base64', () => assert.deepEqual(networkConfigFromCmdline(`network-config=${b64.replace(/=+$/, '')}`), { kind: 'text', text: yaml }));
  test('the last one wins', () => assert.deepEqual(networkConfigFromCmdline(`network-config=disabled network-config=${b64}`), { kind: 'text', text: yaml }));
  const errors: [string, string][] = [
    ['ro network-config=not*base64', 'kernel command line line 1: network-config: is not base64 text'],
    ['network-config=QUJD=x', 'kernel command line line 1: network-config: is not base64 text'],
    [`network-config=${gz.slice(0, 24)}`, 'kernel command line line 1: network-config: is gzip data that cannot be uncompressed'],
    [`network-config=${Buffer.from([0xff, 0xfe, 0x00]).toString('base64')}`, 'kernel command line line 1: network-config: does not decode to UTF-8 text'],
  ];
  for (const [text, message] of errors) {
    test(`error: ${text}`, () => {
      const got = networkConfigFromCmdline(text);
      assert.equal(got.kind, 'error');
      if (got.kind !== 'error') return;
      assert.ok(formatDiagnostic(got.diagnostic).startsWith(message), formatDiagnostic(got.diagnostic));
      assert.equal(got.diagnostic.column, text.indexOf('network-config=') + 1);
    });
  }
});
