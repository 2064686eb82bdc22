import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { sha1 } from '../../src/text/sha1.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('sha1: FIPS 180 test vectors', () => {
  assert.equal(hex(sha1(Buffer.from(''))), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
  assert.equal(hex(sha1(Buffer.from('abc'))), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  assert.equal(hex(sha1(Buffer.from('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))), '84983e441c3bd26ebaae4aa1f95129e5e54670f1');
});

test('sha1: agrees with node:crypto on every length across block boundaries', () => {
  for (let n = 0; n < 200; n++) {
    const data = randomBytes(n);
    assert.equal(hex(sha1(data)), createHash('sha1').update(data).digest('hex'), `length ${n}`);
  }
});
