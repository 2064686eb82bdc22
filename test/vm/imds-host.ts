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
  close(): Promise<void>;
}

export function startHostImds(spec: ImdsSpec): Promise<HostImds> {
  const t0 = performance.now();
  const service = new Imds(spec, t0);
  const requests: ImdsRequestSeen[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
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
        close: () => new Promise((done) => {
          for (const res of open) res.destroy();
          server.close(() => done());
        }),
      });
    });
  });
}
