/**
 * The IMDS's answers as HTTP: one adapter for every server that fronts an
 * `Imds` (the test cloud's controller inside its namespace, the VM suite's
 * server on the host's loopback).
 */
import type { ServerResponse } from 'node:http';
import type { ImdsAnswer } from './imds.ts';

/**
 * Send `a` after its delay: the whole body, or (cutAfterBytes) the headers
 * and only part of the body before the connection is destroyed. A hanging
 * answer sends nothing; the caller holds the response until its client goes.
 * `sent` gets the status once a whole answer has left.
 */
export function sendImdsAnswer(a: ImdsAnswer, res: ServerResponse, sent?: (status: number) => void): void {
  if (a.hang) return;
  setTimeout(() => {
    const body = Buffer.from(a.body);
    res.writeHead(a.status, { ...a.headers, 'content-length': String(body.length) });
    if (a.cutAfterBytes === undefined) {
      sent?.(a.status);
      res.end(body);
      return;
    }
    // Destroyed only once the cut part has left, so the client does get it before the connection goes.
    res.write(body.subarray(0, a.cutAfterBytes), () => res.destroy());
  }, a.delayMs);
}
