// Which of some strings appear anywhere in a file (a guest's qcow2 overlay: every block the guest wrote during its
// boots, logs and journal included, uncompressed), read in chunks with an overlap so no match is cut in two.
import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK = 16 * 1024 * 1024;

/** Indexes into `needles` of those found in the file. */
export function findInFile(path: string, needles: readonly string[]): number[] {
  const wanted = needles.map((n) => Buffer.from(n, 'utf8'));
  const overlap = Math.max(0, ...wanted.map((w) => w.length - 1));
  const found = new Set<number>();
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(CHUNK + overlap);
    let kept = 0;
    for (;;) {
      const n = readSync(fd, buf, kept, CHUNK, null);
      if (n === 0) break;
      const view = buf.subarray(0, kept + n);
      wanted.forEach((w, i) => {
        if (!found.has(i) && view.includes(w)) found.add(i);
      });
      kept = Math.min(overlap, view.length);
      view.copy(buf, 0, view.length - kept);
    }
  } finally {
    closeSync(fd);
  }
  return [...found].sort((a, b) => a - b);
}
