import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compressIPv6,
  inNetwork,
  ipFamily,
  ipv4MaskToPrefix,
  ipv6MaskToPrefix,
  isIP,
  isIPv4,
  isIPv6,
  isMac,
  parseIPv6,
  parsePrefix,
  prefixToIPv4Mask,
} from '../../src/net/ip.ts';

describe('IPv4', () => {
  test('accepts dotted quads', () => {
    for (const a of ['0.0.0.0', '10.0.0.1', '192.168.1.254', '255.255.255.255', '1.2.3.4']) assert.ok(isIPv4(a), a);
  });
  test('rejects everything else', () => {
    for (const a of ['', '10.0.0', '10.0.0.1.2', '10.0.0.256', '10.0.0.300', '01.2.3.4', '1.2.3.04', '1.2.3.-1', ' 1.2.3.4', '1.2.3.4 ', '1..2.3', 'a.b.c.d', '1.2.3.4/24', '0x1.2.3.4']) {
      assert.ok(!isIPv4(a), a);
    }
  });
});

describe('IPv6', () => {
  test('parses full, compressed and v4-mapped forms', () => {
    assert.deepEqual(parseIPv6('::'), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(parseIPv6('::1'), [0, 0, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual(parseIPv6('2001:db8::'), [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(parseIPv6('2001:DB8:0:0:1:0:0:1'), [0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]);
    assert.deepEqual(parseIPv6('fe80::1:2'), [0xfe80, 0, 0, 0, 0, 0, 1, 2]);
    assert.deepEqual(parseIPv6('::ffff:192.0.2.1'), [0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201]);
    assert.deepEqual(parseIPv6('64:ff9b::10.0.0.1'), [0x64, 0xff9b, 0, 0, 0, 0, 0x0a00, 0x0001]);
    assert.deepEqual(parseIPv6('1:2:3:4:5:6:7:8'), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(parseIPv6('1:2:3:4:5:6:1.2.3.4'), [1, 2, 3, 4, 5, 6, 0x0102, 0x0304]);
  });
  test('rejects malformed addresses', () => {
    for (const a of [
      '', ':', ':::', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', 'g::1', '2001:db8::g1', '1:2:3:4:5:6:7::8',
      '::ffff:192.0.2.256', '::1.2.3', '1.2.3.4', '::1/64', 'fe80::1%eth0', ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7:',
    ]) {
      assert.equal(parseIPv6(a), undefined, a);
      assert.ok(!isIPv6(a), a);
    }
  });
  test('compresses to RFC 5952 text', () => {
    assert.equal(compressIPv6('2001:0db8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
    assert.equal(compressIPv6('2001:db8:0:1:0:0:0:1'), '2001:db8:0:1::1');
    assert.equal(compressIPv6('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
    assert.equal(compressIPv6('2001:db8:1:1:1:1:0:1'), '2001:db8:1:1:1:1:0:1', 'a single zero group is not compressed');
    assert.equal(compressIPv6('0:0:0:0:0:0:0:0'), '::');
    assert.equal(compressIPv6('FE80::ABCD'), 'fe80::abcd');
    assert.equal(compressIPv6('not an address'), 'not an address');
  });
});

describe('family and masks', () => {
  test('ipFamily and isIP', () => {
    assert.equal(ipFamily('10.0.0.1'), 4);
    assert.equal(ipFamily('2001:db8::1'), 6);
    assert.equal(ipFamily('example.com'), undefined);
    assert.ok(isIP('::'));
    assert.ok(!isIP('10.0.0.1/8'));
  });
  test('IPv4 prefixes and netmasks', () => {
    assert.equal(prefixToIPv4Mask(24), '255.255.255.0');
    assert.equal(prefixToIPv4Mask(0), '0.0.0.0');
    assert.equal(prefixToIPv4Mask(32), '255.255.255.255');
    assert.equal(prefixToIPv4Mask(19), '255.255.224.0');
    assert.equal(ipv4MaskToPrefix('255.255.255.0'), 24);
    assert.equal(ipv4MaskToPrefix('255.255.224.0'), 19);
    assert.equal(ipv4MaskToPrefix('0.0.0.0'), 0);
    assert.equal(ipv4MaskToPrefix('255.255.255.255'), 32);
    assert.equal(ipv4MaskToPrefix('24'), 24);
    assert.equal(ipv4MaskToPrefix('33'), undefined);
    assert.equal(ipv4MaskToPrefix('255.0.255.0'), undefined, 'not contiguous');
    assert.equal(ipv4MaskToPrefix('0.255.255.255'), undefined, 'inverted');
    assert.equal(ipv4MaskToPrefix('-1'), undefined);
  });
  test('IPv6 prefixes and masks', () => {
    assert.equal(ipv6MaskToPrefix('64'), 64);
    assert.equal(ipv6MaskToPrefix('128'), 128);
    assert.equal(ipv6MaskToPrefix('129'), undefined);
    assert.equal(ipv6MaskToPrefix('ffff:ffff:ffff:ffff::'), 64);
    assert.equal(ipv6MaskToPrefix('ffff:ff00::'), 24);
    assert.equal(ipv6MaskToPrefix('ffff:0:ffff::'), undefined, 'not contiguous');
  });
  test('parsePrefix', () => {
    assert.deepEqual(parsePrefix('10.0.0.5/24'), { address: '10.0.0.5', prefix: 24, family: 4 });
    assert.deepEqual(parsePrefix('10.0.0.5/255.255.0.0'), { address: '10.0.0.5', prefix: 16, family: 4 });
    assert.deepEqual(parsePrefix('10.0.0.5'), { address: '10.0.0.5', family: 4 });
    assert.deepEqual(parsePrefix('2001:db8::5/64'), { address: '2001:db8::5', prefix: 64, family: 6 });
    assert.deepEqual(parsePrefix('2001:db8::5/ffff:ffff::'), { address: '2001:db8::5', prefix: 32, family: 6 });
    for (const bad of ['10.0.0.5/33', '10.0.0.300/24', '2001:db8::5/129', '10.0.0.5/', '10.0.0.5/x', 'host/24', '/24', '10.0.0.5/24/1']) {
      assert.equal(parsePrefix(bad), undefined, bad);
    }
  });
  test('inNetwork', () => {
    assert.ok(inNetwork('10.0.0.5', '10.0.0.0', 24));
    assert.ok(!inNetwork('10.0.1.5', '10.0.0.0', 24));
    assert.ok(inNetwork('192.0.2.1', '0.0.0.0', 0));
    assert.ok(inNetwork('10.0.0.5', '10.0.0.5', 32));
    assert.ok(inNetwork('2001:db8::5', '2001:db8::', 64));
    assert.ok(!inNetwork('2001:db9::5', '2001:db8::', 32));
    assert.ok(inNetwork('2001:db8:0:0:8000::1', '2001:db8::', 64));
    assert.ok(!inNetwork('2001:db8:0:1::1', '2001:db8::', 64));
    assert.ok(!inNetwork('10.0.0.5', '2001:db8::', 0), 'families differ');
  });
});

describe('MAC addresses', () => {
  test('accepts Ethernet and InfiniBand hardware addresses', () => {
    for (const m of ['52:54:00:12:34:56', '52-54-00-12-34-56', 'AA:BB:CC:DD:EE:FF', `${'00:'.repeat(19)}01`]) assert.ok(isMac(m), m);
  });
  test('rejects everything else', () => {
    for (const m of ['', '52:54:00:12:34', '52:54:00:12:34:56:78', '52:54:00:zz:34:56', '52:54-00:12:34:56', '525400123456', '5:54:00:12:34:56', 'xx:xx:xx:xx:xx:00', ' 52:54:00:12:34:56']) {
      assert.ok(!isMac(m), m);
    }
  });
});
