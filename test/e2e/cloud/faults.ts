/**
 * Faults of a metadata service as an instance meets them, for every HTTP
 * service of the test cloud alike (static routes, the OpenStack layout, the
 * EC2 IMDS, a CloudStack VR's metadata port): set at run time with
 * `cloud.httpFaults(settings)`, checked before the service answers.
 *
 * - `refuse`: nothing listens on the service's port (the kernel answers a
 *   SYN with a reset: "connection refused"), as with the server stopped.
 * - `blackhole`: the cloud side's NICs drop every packet leaving the
 *   service's port (an htb class whose qdisc is `blackhole`, in the cloud
 *   namespace): SYNs arrive, no SYN-ACK ever comes back — a firewall that
 *   drops, or a dead path. DHCP and DNS still pass.
 * - `faults`: per request, matched and counted as the IMDS's faults are
 *   (`path` exact or "…*" prefix, `method`, `first`, `every`); the first
 *   one that hits decides:
 *   `status` (a 5xx burst, or 429/503 with Retry-After), `hang` (the
 *   request is read, nothing is ever answered), `reset` (the connection is
 *   reset after the request arrived), `drip` (the real answer, its body a
 *   few bytes at a time), `truncate` (the real answer's headers with its
 *   full Content-Length, then only part of the body; `close`: the
 *   connection is closed after it, else it is held open: the client waits
 *   for bytes that never come), `oversize` (a 200 whose body is the real
 *   answer padded to `bytes`).
 *
 * The logic here is data and small functions; the controller owns the
 * sockets and calls `sendFaulty` with the answer the service would have
 * given.
 */
import type { ServerResponse } from 'node:http';

export interface HttpFaultMatch {
  /** Exact request path without the query; a trailing "*" makes a prefix. Default: every path. */
  path?: string;
  method?: string;
  /** Hits the matching requests 1..first (counted since the last httpFaults). */
  first?: number;
  /** Hits the every-th matching request (every, 2·every, …). */
  every?: number;
}

export type HttpFault = HttpFaultMatch &
  (
    | { kind: 'status'; status: number; retryAfterSeconds?: number }
    | { kind: 'hang' }
    | { kind: 'reset' }
    /** The real answer, `bytesPerChunk` (default 1) every `intervalMs`. */
    | { kind: 'drip'; intervalMs: number; bytesPerChunk?: number }
    /** The real answer's full Content-Length, `keep` (fraction, default 0.5) of its body; then closed, or held open. */
    | { kind: 'truncate'; keep?: number; close: boolean }
    /** A 200 of `bytes` bytes: the real body, then filler. */
    | { kind: 'oversize'; bytes: number }
  );

export interface HttpFaultSettings {
  refuse?: boolean;
  blackhole?: boolean;
  faults?: HttpFault[];
}

/** What the service would have answered. */
export interface RealAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function pathMatches(pattern: string, path: string): boolean {
  return pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : pattern === path;
}

/** The settings in force and the per-fault request counts. */
export class HttpFaults {
  private settings: HttpFaultSettings = {};
  private counts: number[] = [];

  /** Replace every setting; counting starts again. */
  configure(settings: HttpFaultSettings): void {
    this.settings = { ...settings };
    this.counts = (settings.faults ?? []).map(() => 0);
  }

  get refuse(): boolean {
    return this.settings.refuse === true;
  }

  get blackhole(): boolean {
    return this.settings.blackhole === true;
  }

  /** The fault this request meets, if any (every matching fault counts it). */
  pick(method: string, rawPath: string): HttpFault | undefined {
    const path = rawPath.split('?')[0] ?? rawPath;
    let chosen: HttpFault | undefined;
    for (const [i, f] of (this.settings.faults ?? []).entries()) {
      if (f.path !== undefined && !pathMatches(f.path, path)) continue;
      if (f.method !== undefined && f.method !== method) continue;
      const n = (this.counts[i] ?? 0) + 1;
      this.counts[i] = n;
      const hit = (f.first === undefined || n <= f.first) && (f.every === undefined || n % f.every === 0);
      if (hit && chosen === undefined) chosen = f;
    }
    return chosen;
  }
}

const REASONS: Record<number, string> = { 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

/**
 * Answer `res` as `fault` says, from the service's real answer. Responses
 * left open on purpose go into `held` (the controller ends them when HTTP
 * stops). `sent` gets the status once a whole answer has left.
 */
export function sendFaulty(fault: HttpFault, real: RealAnswer, res: ServerResponse, held: Set<ServerResponse>, sent: (status: number) => void): void {
  const hold = () => {
    held.add(res);
    res.on('close', () => held.delete(res));
  };
  switch (fault.kind) {
    case 'status': {
      const title = `${fault.status} ${REASONS[fault.status] ?? 'Error'}`;
      const headers: Record<string, string> = { 'content-type': 'text/html' };
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      sent(fault.status);
      res.writeHead(fault.status, headers).end(`<html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>\n`);
      return;
    }
    case 'hang':
      hold();
      return;
    case 'reset':
      // An RST, not a FIN: what a crashing proxy or a reset middlebox gives.
      res.socket?.resetAndDestroy();
      return;
    case 'drip': {
      hold();
      res.writeHead(real.status, { ...real.headers, 'content-length': String(real.body.length) });
      const step = Math.max(1, fault.bytesPerChunk ?? 1);
      let at = 0;
      const timer = setInterval(() => {
        if (at >= real.body.length) {
          clearInterval(timer);
          sent(real.status);
          res.end();
          return;
        }
        res.write(real.body.subarray(at, at + step));
        at += step;
      }, fault.intervalMs);
      res.on('close', () => clearInterval(timer));
      return;
    }
    case 'truncate': {
      const keep = Math.floor(real.body.length * Math.min(1, Math.max(0, fault.keep ?? 0.5)));
      res.writeHead(real.status, { ...real.headers, 'content-length': String(real.body.length) });
      if (fault.close) {
        res.write(real.body.subarray(0, keep), () => res.destroy());
        return;
      }
      hold();
      res.write(real.body.subarray(0, keep));
      return;
    }
    case 'oversize': {
      const total = Math.max(fault.bytes, real.body.length);
      res.writeHead(200, { ...real.headers, 'content-length': String(total) });
      res.write(real.body);
      const filler = Buffer.alloc(64 * 1024, 0x20);
      let left = total - real.body.length;
      // Written as the client reads (backpressure): a client that gives up early costs nothing more.
      const pump = (): void => {
        while (left > 0) {
          const n = Math.min(left, filler.length);
          left -= n;
          if (!res.write(n === filler.length ? filler : filler.subarray(0, n))) {
            res.once('drain', pump);
            return;
          }
        }
        sent(200);
        res.end();
      };
      pump();
      return;
    }
  }
}

/**
 * The tc commands (run in the cloud namespace) that make `dev` drop every
 * packet from TCP source port `port`, IPv4 and IPv6, or (on: false) lift
 * that again. Only htb and the blackhole qdisc are needed: no netfilter,
 * no netem.
 */
export function blackholeCommands(dev: string, port: number, on: boolean): string[][] {
  if (!on) return [['tc', 'qdisc', 'del', 'dev', dev, 'root']];
  const p = String(port);
  return [
    ['tc', 'qdisc', 'replace', 'dev', dev, 'root', 'handle', '1:', 'htb', 'default', '10', 'r2q', '100000'],
    ['tc', 'class', 'add', 'dev', dev, 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '10gbit'],
    ['tc', 'class', 'add', 'dev', dev, 'parent', '1:', 'classid', '1:20', 'htb', 'rate', '10gbit'],
    ['tc', 'qdisc', 'add', 'dev', dev, 'parent', '1:20', 'handle', '20:', 'blackhole'],
    ['tc', 'filter', 'add', 'dev', dev, 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'protocol', '6', '0xff', 'match', 'ip', 'sport', p, '0xffff', 'flowid', '1:20'],
    ['tc', 'filter', 'add', 'dev', dev, 'parent', '1:', 'protocol', 'ipv6', 'prio', '2', 'u32', 'match', 'ip6', 'protocol', '6', '0xff', 'match', 'ip6', 'sport', p, '0xffff', 'flowid', '1:20'],
  ];
}
