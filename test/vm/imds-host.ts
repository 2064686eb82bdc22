// The test IMDS for a VM scenario: an Imds (test/e2e/cloud/imds.ts) behind an HTTP server on the host's
// loopback only. The guest reaches it at 169.254.169.254:80 through a QEMU guestfwd that runs
// `socat` per connection (boot.ts), so nothing outside loopback is ever contacted.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Imds } from '../e2e/cloud/imds.ts';
import { sendImdsAnswer } from '../e2e/cloud/imds-http.ts';
import type { ImdsSpec } from '../e2e/cloud/types.ts';

export interface ImdsRequestSeen {
  method: string;
  path: string;
  /** whether the request carried X-aws-ec2-metadata-token */
  token: boolean;
  /** 0 until a whole answer has left (a hang or a cut connection stays 0) */
  status: number;
  /** host milliseconds since the server started */
  atMs: number;
}

export interface HostImds {
  port: number;
  requests: ImdsRequestSeen[];
  /**
   * (Re)starts the IMDS clock, from which the spec's `appear` delays count (e.g. a hot-added NIC's data
   * propagating): 'now', or 'next-request' — when the next request arrives, before it is answered (under TCG
   * the guest's handler may need longer to start than a propagation delay lasts).
   */
  startClock(when: 'now' | 'next-request'): void;
  /** when startClock was called and when the clock started, in ImdsRequestSeen.atMs terms */
  clock: { armedAtMs?: number; startedAtMs?: number };
  close(): Promise<void>;
}

export interface HostImdsOptions {
  /** keep every `appear` node hidden until startClock() (not from server start, long before the guest asks) */
  holdClock?: boolean;
}

export function startHostImds(spec: ImdsSpec, opts: HostImdsOptions = {}): Promise<HostImds> {
  const t0 = performance.now();
  const service = new Imds(spec, t0);
  // a clock that starts at +∞: now − start is −∞, below every afterMs
  if (opts.holdClock) service.resetClock(Number.POSITIVE_INFINITY);
  const requests: ImdsRequestSeen[] = [];
  const clock: HostImds['clock'] = {};
  let armed = false;
  const start = (): void => {
    const now = performance.now();
    service.resetClock(now);
    clock.startedAtMs = Math.round(now - t0);
  };
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    if (armed) {
      armed = false;
      start();
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const seen: ImdsRequestSeen = {
      method: req.method ?? 'GET', path: req.url ?? '/', token: 'x-aws-ec2-metadata-token' in headers, status: 0,
      atMs: Math.round(performance.now() - t0),
    };
    requests.push(seen);
    open.add(res);
    res.on('close', () => open.delete(res));
    req.resume();
    req.on('end', () => sendImdsAnswer(service.answer({ method: seen.method, path: seen.path, headers }, performance.now()), res, (s) => (seen.status = s)));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        requests,
        clock,
        startClock: (when) => {
          clock.armedAtMs = Math.round(performance.now() - t0);
          if (when === 'now') start();
          else armed = true;
        },
        close: () => new Promise((done) => {
          for (const res of open) res.destroy();
          server.close(() => done());
        }),
      });
    });
  });
}
