/**
 * SHA-512 crypt ("$6$", the scheme glibc's crypt(3) and shadow use), so a
 * plain-text password can be handed to `chpasswd -e` already hashed: plain
 * chpasswd hashes through PAM, which cannot load its modules inside a
 * --root that is not "/", and a hash is all the target's /etc/shadow needs.
 * Written from the published specification (Drepper, "Unix crypt using
 * SHA-256 and SHA-512"). This file loads node:crypto: import it lazily.
 */
import { createHash } from 'node:crypto';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const SALT_CHARS = ITOA64;

function sha512(...parts: Buffer[]): Buffer {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** `src` repeated (and cut) to `len` bytes. */
function stretch(src: Buffer, len: number): Buffer {
  const out = Buffer.alloc(len);
  for (let i = 0; i < len; i += src.length) src.copy(out, i, 0, Math.min(src.length, len - i));
  return out;
}

// The spec's output order: each group of three digest bytes becomes four characters.
const GROUPS: readonly (readonly [number, number, number])[] = Array.from({ length: 21 }, (_, i) => {
  const a = (i * 22) % 63;
  return [a, (a + 21) % 63, (a + 42) % 63] as const;
});

function encode(d: Buffer): string {
  let s = '';
  const put = (w: number, n: number) => {
    for (let i = 0; i < n; i++, w >>= 6) s += ITOA64[w & 0x3f];
  };
  for (const [a, b, c] of GROUPS) put(((d[a] ?? 0) << 16) | ((d[b] ?? 0) << 8) | (d[c] ?? 0), 4);
  put(d[63] ?? 0, 2);
  return s;
}

/**
 * The "$6$[rounds=N$]salt$hash" string for `password`. The salt is cut to
 * 16 characters, rounds are clamped to the spec's 1000..999999999; the
 * default 5000 rounds are not written out.
 */
export function sha512Crypt(password: string, salt: string, rounds?: number): string {
  const P = Buffer.from(password, 'utf8');
  const S = Buffer.from(salt.slice(0, 16), 'utf8');
  const R = rounds === undefined ? 5000 : Math.min(999_999_999, Math.max(1000, Math.floor(rounds)));
  const B = sha512(P, S, P);
  const a = createHash('sha512').update(P).update(S).update(stretch(B, P.length));
  for (let n = P.length; n > 0; n >>= 1) a.update(n & 1 ? B : P);
  let prev = a.digest();
  const dp = createHash('sha512');
  for (let i = 0; i < P.length; i++) dp.update(P);
  const pBytes = stretch(dp.digest(), P.length);
  const ds = createHash('sha512');
  for (let i = 0; i < 16 + (prev[0] ?? 0); i++) ds.update(S);
  const sBytes = stretch(ds.digest(), S.length);
  // One buffer per round, filled in place: a hash update is a call into C++, and rounds are thousands.
  const buf = Buffer.alloc(2 * 64 + S.length + 2 * P.length);
  for (let i = 0; i < R; i++) {
    let n = (i & 1 ? pBytes : prev).copy(buf, 0);
    if (i % 3 !== 0) n += sBytes.copy(buf, n);
    if (i % 7 !== 0) n += pBytes.copy(buf, n);
    n += (i & 1 ? prev : pBytes).copy(buf, n);
    prev = createHash('sha512').update(buf.subarray(0, n)).digest();
  }
  const head = rounds === undefined ? '$6$' : `$6$rounds=${R}$`;
  return `${head}${S.toString('utf8')}$${encode(prev)}`;
}
