/**
 * Byte-level mutation, applied after serialization (and alone to binary
 * inputs): flip, insert, delete, duplicate, overwrite with interesting
 * bytes, splice two inputs, truncate.
 */
import { HOSTILE_BYTES } from './hostile.ts';
import type { Rng } from './rng.ts';

const INTERESTING_8 = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x20, 0x0a];

export function mutateBytes(input: Buffer, rng: Rng, others: readonly Buffer[]): Buffer {
  let b = input;
  const n = 1 + rng.small(6);
  for (let i = 0; i < n; i++) b = mutateOnce(b, rng, others);
  return b;
}

function mutateOnce(b: Buffer, rng: Rng, others: readonly Buffer[]): Buffer {
  const at = rng.int(b.length + 1);
  switch (rng.int(9)) {
    case 0: {
      if (b.length === 0) return b;
      const c = Buffer.from(b);
      const p = rng.int(c.length);
      c[p] = c[p]! ^ (1 << rng.int(8));
      return c;
    }
    case 1:
      return Buffer.concat([b.subarray(0, at), Buffer.from(rng.pick(HOSTILE_BYTES)), b.subarray(at)]);
    case 2: {
      const len = 1 + rng.small(64);
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + len))]);
    }
    case 3: {
      const len = 1 + rng.small(256);
      const piece = b.subarray(at, at + len);
      const times = 1 + rng.small(8);
      return Buffer.concat([b.subarray(0, at), ...Array.from({ length: times }, () => piece), b.subarray(at)]);
    }
    case 4: {
      if (b.length === 0) return b;
      const c = Buffer.from(b);
      c[rng.int(c.length)] = rng.pick(INTERESTING_8);
      return c;
    }
    case 5: {
      if (others.length === 0) return b;
      const o = rng.pick(others);
      const from = rng.int(o.length + 1);
      return Buffer.concat([b.subarray(0, at), o.subarray(from, from + 1 + rng.small(512))]);
    }
    case 6:
      return b.subarray(0, at);
    case 7: {
      if (b.length === 0) return b;
      const c = Buffer.from(b);
      c[rng.int(c.length)] = rng.int(256);
      return c;
    }
    default: {
      // A copy of a line elsewhere: keeps line structure, changes order and counts.
      const lines = b.toString('latin1').split('\n');
      if (lines.length < 2) return b;
      const line = rng.pick(lines);
      lines.splice(rng.int(lines.length + 1), 0, line);
      return Buffer.from(lines.join('\n'), 'latin1');
    }
  }
}
