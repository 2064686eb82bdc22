/**
 * Writing to stdout and stderr with plain write(2) calls. process.stdout and
 * process.stderr are streams whose first use loads node's stream machinery,
 * about 3 ms of a one-shot process; a CLI that prints a few lines and exits
 * does not need them, and synchronous writes cannot be lost at exit.
 */
import { writeSync } from 'node:fs';

function writeAll(fd: number, text: string): void {
  let buf = Buffer.from(text, 'utf8');
  while (buf.length > 0) {
    try {
      const n = writeSync(fd, buf);
      buf = buf.subarray(n);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A non-blocking pipe that is full: try again. A closed one: drop the output.
      if (code === 'EAGAIN') continue;
      if (code === 'EPIPE') return;
      throw e;
    }
  }
}

export function out(text: string): void {
  writeAll(1, text);
}

export function err(text: string): void {
  writeAll(2, text);
}
