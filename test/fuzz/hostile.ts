/**
 * Values an attacker or a broken metadata service might put anywhere: the
 * classes issue 12 names (wrong types, huge values, deep nesting, NUL,
 * CR/LF, `../`, `/`, shell metacharacters, unicode lookalikes) plus values
 * near the edges network parsers care about (prefix lengths, octets, MTUs).
 */
import type { Rng } from './rng.ts';

export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\0',
  'eth0\0',
  'eth\u00000',
  'a\nb',
  'a\r\nb',
  'example.com\nnameserver 6.6.6.6',
  'eth0\r',
  '\t',
  '../../../../etc/shadow',
  '../',
  '..',
  '.',
  '/etc/passwd',
  '/',
  '//',
  'eth0/../../x',
  'eth0/1',
  'a/b',
  '$(reboot)',
  '`id`',
  '; rm -rf / #',
  '|| true',
  '&& halt',
  '\'"\\',
  '${IFS}',
  '*',
  '~',
  '-rf',
  '--help',
  '%s%s%n',
  '{{ 7*7 }}',
  '{% for x in range(99999999) %}x{% endfor %}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '\u0435th0', // Cyrillic "е"
  'eth\u200b0', // zero-width space
  '\u202eeth0', // right-to-left override
  '\ufeffversion',
  '\ud800',
  '\udfff',
  '😀',
  'ｅｔｈ０',
  'x'.repeat(16),
  'x'.repeat(256),
  'x'.repeat(4097),
  'a.'.repeat(200),
  '0',
  '-1',
  '1e309',
  '-0',
  '0x10',
  '0o777',
  '0777',
  '1_000',
  'NaN',
  '.inf',
  'true',
  'yes',
  'off',
  'null',
  '~',
  '10.0.0.1',
  '10.0.0.1/24',
  '10.0.0.300/24',
  '10.0.0.1/33',
  '10.0.0.1/-1',
  '10.0.0.1/255.255.255.0',
  '10.0.0.1/255.0.255.0',
  '0.0.0.0/0',
  '255.255.255.255',
  '1.2.3',
  '1.2.3.4.5',
  '01.02.03.04',
  '::',
  '::/0',
  '::1/128',
  '2001:db8::1/129',
  'fe80::1%eth0',
  '::ffff:10.0.0.1',
  '2001:db8:::1',
  '1:2:3:4:5:6:7:8:9',
  '52:54:00:12:34:56',
  '52:54:00:12:34',
  'ff:ff:ff:ff:ff:ff',
  'zz:zz:zz:zz:zz:zz',
  '52-54-00-12-34-56',
  'http://169.254.169.254/latest/meta-data/',
  'file:///etc/shadow',
  'https://x/',
  'static',
  'dhcp',
  'dhcp6',
  'manual',
  'bond',
  'bridge',
  'vlan',
  'physical',
  'eth0',
  'lo',
  'all',
  'default',
];

export const HOSTILE_NUMBERS: readonly number[] = [
  0, -1, 1, 2, 3, 7, 8, 24, 31, 32, 33, 64, 127, 128, 129, 255, 256, 1280, 1500, 9000, 65535, 65536, 4294967295, 4294967296,
  2 ** 31, -(2 ** 31), 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, 0.5, 1.5, -0.0001, 1e-320,
];

/** A random hostile string, sometimes built from pieces. */
export function hostileString(rng: Rng): string {
  if (rng.chance(0.8)) return rng.pick(HOSTILE_STRINGS);
  const n = 1 + rng.small(4);
  let s = '';
  for (let i = 0; i < n; i++) s += rng.pick(HOSTILE_STRINGS);
  return s;
}

export function hostileNumber(rng: Rng): number {
  return rng.chance(0.85) ? rng.pick(HOSTILE_NUMBERS) : (rng.u32() | 0) * (rng.chance(0.5) ? 1 : 1e6);
}

/** Bytes that upset text decoders and line splitters. */
export const HOSTILE_BYTES: readonly number[][] = [
  [0x00], [0x0a], [0x0d], [0x0d, 0x0a], [0x09], [0x20], [0xff], [0xfe], [0xc0, 0x80], [0xc3], [0xe2, 0x80], [0xed, 0xa0, 0x80],
  [0xef, 0xbb, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0x80], [0x1b], [0x7f], [0x22], [0x27], [0x5c], [0x3a], [0x2d, 0x20], [0x23],
  [0x7b], [0x7d], [0x5b], [0x5d], [0x26], [0x2a], [0x21], [0x7c], [0x3e], [0x3d], [0x2f], [0x2e, 0x2e, 0x2f], [0x25], [0x24, 0x28],
];
