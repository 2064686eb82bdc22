/**
 * Structure-aware mutation of a DHCP message (dhcpcd's lease file): header
 * fields, the magic cookie, and the options (code, length, data), with
 * hostile data where a text or a name list is expected; then random bytes.
 */
import { HOSTILE_STRINGS } from './hostile.ts';
import { mutateBytes } from './mutate-bytes.ts';
import type { Rng } from './rng.ts';

const OPTIONS_START = 240;
const CODES = [0, 1, 3, 6, 12, 15, 28, 51, 52, 53, 54, 58, 59, 119, 121, 245, 249, 255];

interface Option {
  code: number;
  data: Buffer;
}

function options(b: Buffer): Option[] {
  const out: Option[] = [];
  let i = OPTIONS_START;
  while (i < b.length) {
    const code = b[i]!;
    if (code === 255) break;
    if (code === 0) {
      i++;
      continue;
    }
    const len = b[i + 1] ?? 0;
    out.push({ code, data: b.subarray(i + 2, i + 2 + len) });
    i += 2 + len;
  }
  return out;
}

/** RFC 1035 names (option 119): labels, sometimes with compression pointers, loops included. */
function nameList(rng: Rng): Buffer {
  const parts: number[] = [];
  for (let n = 1 + rng.small(4); n > 0; n--) {
    for (let l = 1 + rng.small(3); l > 0; l--) {
      const label = Buffer.from(rng.chance(0.2) ? rng.pick(HOSTILE_STRINGS).slice(0, 63) : rng.pick(['example', 'internal', 'corp', 'a', 'x'.repeat(63)]), 'latin1');
      parts.push(rng.chance(0.05) ? 200 : label.length, ...label);
    }
    if (rng.chance(0.3)) parts.push(0xc0, rng.int(parts.length + 4));
    else parts.push(0);
  }
  return Buffer.from(parts);
}

function optionData(rng: Rng, code: number): Buffer {
  switch (code) {
    case 15:
    case 12:
      return Buffer.from(rng.pick(HOSTILE_STRINGS), 'latin1');
    case 119:
      return nameList(rng);
    case 121:
    case 249: {
      const bytes: number[] = [];
      for (let n = 1 + rng.small(4); n > 0; n--) {
        const width = rng.pick([0, 8, 16, 24, 32, 33, 255]);
        bytes.push(width, ...Array.from({ length: Math.ceil(Math.min(width, 40) / 8) + 4 }, () => rng.int(256)));
      }
      return Buffer.from(bytes.slice(0, 255));
    }
    default:
      return Buffer.from(Array.from({ length: rng.pick([0, 1, 3, 4, 5, 8, 255]) }, () => rng.int(256)));
  }
}

function encode(header: Buffer, opts: readonly Option[], end: boolean): Buffer {
  const parts: Buffer[] = [header];
  for (const o of opts) parts.push(Buffer.from([o.code, Math.min(255, o.data.length)]), o.data.subarray(0, 255));
  if (end) parts.push(Buffer.from([255]));
  return Buffer.concat(parts);
}

export function mutateDhcpMessage(rng: Rng, corpus: readonly Buffer[]): Buffer {
  const base = rng.pick(corpus);
  if (base.length < OPTIONS_START || rng.chance(0.15)) return mutateBytes(base, rng, corpus);
  const header = Buffer.from(base.subarray(0, OPTIONS_START));
  let opts = options(base);
  let end = true;
  for (let n = 1 + rng.small(4); n > 0; n--) {
    switch (rng.int(8)) {
      case 0: // a header field: yiaddr, siaddr, giaddr, op, hlen
        header.writeUInt32BE(rng.u32(), rng.pick([12, 16, 20, 24]));
        if (rng.chance(0.3)) header[rng.pick([0, 1, 2, 3])] = rng.int(256);
        break;
      case 1: // the cookie
        header.writeUInt32BE(rng.chance(0.5) ? 0x63825363 : rng.u32(), 236);
        break;
      case 2:
        opts.push({ code: rng.pick(CODES), data: optionData(rng, rng.pick(CODES)) });
        break;
      case 3:
        if (opts.length) rng.pick(opts).data = optionData(rng, rng.pick(opts).code);
        break;
      case 4: // the same option many times (RFC 3396 concatenation)
        if (opts.length) {
          const o = rng.pick(opts);
          for (let k = rng.pick([2, 10, 300, 3000]); k > 0; k--) opts.push(o);
        }
        break;
      case 5:
        if (opts.length) opts.splice(rng.int(opts.length), 1);
        break;
      case 6:
        end = !end;
        break;
      default: {
        const o = opts.length ? rng.pick(opts) : undefined;
        if (o) opts = opts.map((x) => (x === o ? { code: rng.pick(CODES), data: x.data } : x));
      }
    }
  }
  const out = encode(header, opts, end);
  return rng.chance(0.3) ? mutateBytes(out, rng, corpus) : out;
}
