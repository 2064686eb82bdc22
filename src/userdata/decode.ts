/**
 * Byte codecs user-data needs: gunzip with a bound on the output (a gzip
 * bomb must not exhaust memory), base64 and quoted-printable transfer
 * encodings.
 */
import { zlib } from '../host/builtin.ts';

/** The most decompressed user-data stratus accepts, from one gzip stream and in total. */
export const MAX_DECOMPRESSED = 64 * 1024 * 1024;

/** The shared decompression budget of one user-data: many small bombs add up. */
export class Budget {
  constructor(public left = MAX_DECOMPRESSED) {}
}

export function gunzip(data: Buffer, budget: Budget): Buffer {
  // zlib refuses a limit below 1; a spent budget still lets an empty stream through.
  const limit = Math.max(1, budget.left);
  let out: Buffer;
  try {
    out = zlib().gunzipSync(data, { maxOutputLength: limit });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || /larger than|buffer|too large/i.test((e as Error).message)) {
      throw new Error(`gzip data expands to more than ${MAX_DECOMPRESSED} bytes (the limit for all user-data); ignored`);
    }
    throw new Error(`gzip data that cannot be decompressed (${(e as Error).message})`);
  }
  budget.left -= out.length;
  return out;
}

export function decodeBase64(text: string): Buffer {
  return Buffer.from(text.replace(/[^A-Za-z0-9+/=_-]/g, ''), 'base64');
}

/** RFC 2045 quoted-printable: "=XX" bytes and soft line breaks ("=" at the end of a line). */
export function decodeQuotedPrintable(text: string): Buffer {
  const out: number[] = [];
  const s = text.replace(/[ \t]+(\r?\n)/g, '$1');
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x3d) {
      out.push(c & 0xff);
      continue;
    }
    if (s[i + 1] === '\n') {
      i += 1;
      continue;
    }
    if (s[i + 1] === '\r' && s[i + 2] === '\n') {
      i += 2;
      continue;
    }
    const hex = s.slice(i + 1, i + 3);
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      out.push(c);
    }
  }
  return Buffer.from(out);
}
