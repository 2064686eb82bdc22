/**
 * An EC2 instance metadata service (IMDS) for the test cloud, after AWS's
 * documentation ("Use the Instance Metadata Service to access instance
 * metadata", "IMDSv2"):
 *
 *   PUT /latest/api/token   X-aws-ec2-metadata-token-ttl-seconds: 1..21600 → a token (TTL echoed);
 *                           a missing or bad TTL is 400, a PUT with X-Forwarded-For 403
 *   GET /                   the API versions, one per line, "latest" last
 *   GET /<version>/…        the tree: directories list their entries (subdirectories with a
 *                           trailing "/", one per line, no final newline), leaves are text
 *   X-aws-ec2-metadata-token on a GET: a valid token is served, an invalid or expired one is 401;
 *   no token: served with httpTokens 'optional' (IMDSv1), 401 with 'required'
 *   HttpEndpoint disabled: 403 for everything
 *
 * The logic is a class holding the state (tree, tokens, fault counters,
 * clock) with one function from request to answer; the controller only
 * turns answers into HTTP, so all of this is testable without sockets, and
 * time is whatever the caller says it is.
 *
 * Not modelled: the PUT response hop limit (the cloud is one hop), IAM
 * credentials, instance tags, and older versions hiding newer keys (every
 * version serves the same tree).
 */
import { randomBytes } from 'node:crypto';
import type { ImdsFault, ImdsSettings, ImdsSpec, ImdsTree } from './types.ts';

/** Versions a current instance lists at "/" (before "latest"). */
export const IMDS_VERSIONS = [
  '1.0',
  '2007-01-19',
  '2007-03-01',
  '2007-08-29',
  '2007-10-10',
  '2007-12-15',
  '2008-02-01',
  '2008-09-01',
  '2009-04-04',
  '2011-01-01',
  '2011-05-01',
  '2012-01-12',
  '2014-02-25',
  '2014-11-05',
  '2015-10-20',
  '2016-04-19',
  '2016-06-30',
  '2016-09-02',
  '2018-03-28',
  '2018-08-17',
  '2018-09-24',
  '2019-10-01',
  '2020-10-27',
  '2021-01-03',
  '2021-03-23',
  '2021-07-15',
  '2022-09-24',
];

const TOKEN_PATH = '/latest/api/token';
const TTL_HEADER = 'x-aws-ec2-metadata-token-ttl-seconds';
const TOKEN_HEADER = 'x-aws-ec2-metadata-token';
/** AWS's bounds for a token's TTL, in seconds. */
const TTL_MIN = 1;
const TTL_MAX = 21_600;

export interface ImdsRequest {
  method: string;
  /** As sent, query string included. */
  path: string;
  /** Lower-case names, as node:http gives them. */
  headers: Record<string, string>;
}

export interface ImdsAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Send the answer this much later. */
  delayMs: number;
  /** Never answer: keep the connection open until the client gives up. */
  hang?: boolean;
  /**
   * Send the headers (Content-Length of the whole body) and only this many
   * bytes of the body, then close the connection.
   */
  cutAfterBytes?: number;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** Common to every answer; AWS's IMDS names itself EC2ws. */
const BASE_HEADERS = { server: 'EC2ws' };

/** An error page as the IMDS sends them: a small XHTML document naming the status. */
function errorAnswer(status: number, extra: Record<string, string> = {}, body?: string): ImdsAnswer {
  const title = `${status} - ${REASONS[status] ?? 'Error'}`;
  return {
    status,
    headers: { ...BASE_HEADERS, 'content-type': 'text/html', ...extra },
    body: body ?? `<?xml version="1.0" encoding="iso-8859-1"?>\n<html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>\n`,
    delayMs: 0,
  };
}

function textAnswer(body: string, extra: Record<string, string> = {}): ImdsAnswer {
  return { status: 200, headers: { ...BASE_HEADERS, 'content-type': 'text/plain', ...extra }, body, delayMs: 0 };
}

/** "meta-data/a/b", "/latest/meta-data/a/b/" → ["meta-data", "a", "b"]: control paths are relative to the version root. */
export function treeSegments(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '');
  return parts[0] === 'latest' ? parts.slice(1) : parts;
}

/** Whether a path segment names an entry: exactly, or as the "0" of "0=my-key". */
function names(segment: string, key: string): boolean {
  return segment === key || key.startsWith(`${segment}=`);
}

function child(dir: ImdsTree, segment: string): [string, string | ImdsTree] | undefined {
  const exact = dir[segment];
  if (exact !== undefined) return [segment, exact];
  return Object.entries(dir).find(([k]) => names(segment, k));
}

function pathMatches(pattern: string, path: string): boolean {
  return pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : pattern === path;
}

function clone(tree: ImdsTree): ImdsTree {
  return JSON.parse(JSON.stringify(tree)) as ImdsTree;
}

export class Imds {
  private tree: ImdsTree;
  private settings: ImdsSettings = {};
  private faults: ImdsFault[] = [];
  /** Matching requests seen by each fault since the last configure (same index as `faults`). */
  private counts: number[] = [];
  /** Token → expiry time (caller's clock, ms). */
  private readonly tokens = new Map<string, number>();
  /** Every token ever issued, expired ones too: secrets an instance must not leak (secrets-scan.ts). */
  private readonly issued: string[] = [];
  /** Every user-data the tree held (at the start, and put there by set()). */
  private readonly userDataGiven: string[] = [];
  private clockStart: number;

  constructor(
    spec: ImdsSpec,
    now: number,
    /** The token generator (tests of this class can make tokens predictable). */
    private readonly newToken: () => string = () => randomBytes(42).toString('base64'),
  ) {
    this.tree = clone(spec.tree);
    if (typeof this.tree['user-data'] === 'string') this.userDataGiven.push(this.tree['user-data']);
    const { tree: _tree, ...settings } = spec;
    this.configure(settings);
    this.clockStart = now;
  }

  /** Replace every setting (omitted ones go back to their defaults) and restart the fault counters; the tree, tokens and clock stay. */
  configure(settings: ImdsSettings): void {
    this.settings = { ...settings };
    const t = settings.throttle;
    // Throttling is a status fault on every path; checked first, as AWS throttles before looking at the request.
    this.faults = [
      ...(t ? [{ kind: 'status' as const, status: t.status, retryAfterSeconds: t.retryAfterSeconds, first: t.first, every: t.every }] : []),
      ...(settings.faults ?? []),
    ];
    this.counts = this.faults.map(() => 0);
  }

  /** Every token issued so far, and every user-data served (the secrets scan's inputs). */
  secrets(): { tokens: string[]; userData: string[] } {
    return { tokens: [...this.issued], userData: [...this.userDataGiven] };
  }

  /** Propagation delays (`appear`) count from here. */
  resetClock(now: number): void {
    this.clockStart = now;
  }

  /** Put a leaf or a directory at `path`, making the directories above it. */
  set(path: string, value: string | ImdsTree): void {
    const segs = treeSegments(path);
    const last = segs.pop();
    if (last === undefined) throw new Error(`imdsSet: empty path`);
    let dir = this.tree;
    for (const s of segs) {
      const found = child(dir, s);
      if (found === undefined) {
        const made: ImdsTree = {};
        dir[s] = made;
        dir = made;
      } else if (typeof found[1] === 'string') {
        throw new Error(`imdsSet ${path}: ${found[0]} is a leaf`);
      } else {
        dir = found[1];
      }
    }
    const key = child(dir, last)?.[0] ?? last;
    dir[key] = typeof value === 'string' ? value : clone(value);
    if (dir === this.tree && key === 'user-data' && typeof value === 'string') this.userDataGiven.push(value);
  }

  /** Remove the node at `path`; a missing one is an error, so a mistyped path does not pass silently. */
  delete(path: string): void {
    const segs = treeSegments(path);
    const last = segs.pop();
    let dir: ImdsTree | undefined = this.tree;
    for (const s of segs) {
      const next: string | ImdsTree | undefined = dir === undefined ? undefined : child(dir, s)?.[1];
      dir = typeof next === 'string' ? undefined : next;
    }
    const key = last === undefined || dir === undefined ? undefined : child(dir, last)?.[0];
    if (key === undefined || dir === undefined) throw new Error(`imdsDelete ${path}: no such node`);
    delete dir[key];
  }

  answer(req: ImdsRequest, now: number): ImdsAnswer {
    const path = req.path.split('?')[0] ?? '/';
    let delayMs = this.settings.latencyMs ?? 0;
    let hit: ImdsFault | undefined;
    for (const [i, f] of this.faults.entries()) {
      if (f.path !== undefined && !pathMatches(f.path, path)) continue;
      if (f.method !== undefined && f.method.toUpperCase() !== req.method.toUpperCase()) continue;
      const n = (this.counts[i] ?? 0) + 1;
      this.counts[i] = n;
      if (f.first !== undefined && n > f.first) continue;
      if (f.every !== undefined && n % f.every !== 0) continue;
      if (f.kind === 'delay') delayMs += f.delayMs;
      else hit ??= f;
    }
    if (hit?.kind === 'hang') return { status: 0, headers: {}, body: '', delayMs, hang: true };
    if (hit?.kind === 'status') {
      const extra: Record<string, string> = hit.retryAfterSeconds === undefined ? {} : { 'retry-after': String(hit.retryAfterSeconds) };
      return { ...errorAnswer(hit.status, extra, hit.body), delayMs };
    }
    const a = { ...this.serve(req.method.toUpperCase(), path, req.headers, now), delayMs };
    if (hit?.kind === 'truncate') {
      const full = Buffer.byteLength(a.body);
      const keep = Math.floor(full * (hit.keep ?? 0.5));
      if (hit.close) return { ...a, cutAfterBytes: keep };
      // Cut on bytes, as a broken transfer would; the answer stays well-formed HTTP.
      return { ...a, body: Buffer.from(a.body).subarray(0, keep).toString('utf8') };
    }
    return a;
  }

  private serve(method: string, path: string, headers: Record<string, string>, now: number): ImdsAnswer {
    if (this.settings.state === 'disabled') return errorAnswer(403);
    if (path === TOKEN_PATH) {
      // No documented answer for other methods here; 405 is what an HTTP server says for them.
      if (method !== 'PUT') return errorAnswer(405, { allow: 'PUT' });
      // AWS refuses token requests that went through a proxy, so a token does not leave the instance.
      if (headers['x-forwarded-for'] !== undefined) return errorAnswer(403);
      const raw = headers[TTL_HEADER]?.trim();
      const ttl = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (!(ttl >= TTL_MIN && ttl <= TTL_MAX)) return errorAnswer(400);
      for (const [t, expiry] of this.tokens) if (expiry <= now) this.tokens.delete(t);
      const token = this.newToken();
      this.tokens.set(token, now + ttl * (this.settings.tokenSecondMs ?? 1000));
      this.issued.push(token);
      return textAnswer(token, { [TTL_HEADER]: String(ttl) });
    }
    if (method !== 'GET' && method !== 'HEAD') return errorAnswer(405, { allow: 'GET, HEAD, PUT' });
    const token = headers[TOKEN_HEADER];
    if (token !== undefined) {
      const expiry = this.tokens.get(token);
      if (expiry === undefined || expiry <= now) return errorAnswer(401);
    } else if (this.settings.httpTokens === 'required') {
      return errorAnswer(401);
    }
    return this.lookup(path, now);
  }

  private lookup(path: string, now: number): ImdsAnswer {
    const segs = path.split('/').slice(1);
    const [version, ...rest] = segs;
    if (path === '/') return textAnswer([...(this.settings.versions ?? IMDS_VERSIONS), 'latest'].join('\n'));
    if (version === undefined || (version !== 'latest' && !(this.settings.versions ?? IMDS_VERSIONS).includes(version))) return errorAnswer(404);
    const trailingSlash = rest[rest.length - 1] === '';
    const wanted = trailingSlash ? rest.slice(0, -1) : rest;
    const hidden = (this.settings.appear ?? []).filter((a) => now - this.clockStart < a.afterMs).map((a) => treeSegments(a.path));
    const visible = (keys: string[]) => !hidden.some((h) => h.length === keys.length && h.every((s, i) => names(s, keys[i] ?? '')));
    let node: string | ImdsTree = this.tree;
    const keys: string[] = [];
    for (const s of wanted) {
      if (typeof node === 'string') return errorAnswer(404);
      const found = child(node, s);
      if (found === undefined || !visible([...keys, found[0]])) return errorAnswer(404);
      keys.push(found[0]);
      node = found[1];
    }
    if (typeof node === 'string') return trailingSlash ? errorAnswer(404) : textAnswer(node);
    const atRoot = keys.length === 0;
    const entries = Object.entries(node)
      .filter(([k]) => visible([...keys, k]))
      // The version root lists its entries bare ("dynamic", "meta-data", "user-data"), as AWS does; "0=my-key" is listed as it is.
      .map(([k, v]) => (typeof v === 'string' || atRoot || k.includes('=') ? k : `${k}/`));
    return textAnswer(entries.join('\n'));
  }
}

export interface AwsNic {
  mac: string;
  deviceNumber: number;
  networkCard?: number;
  /** Private IPv4 addresses, the primary first. */
  ipv4s: string[];
  /** The subnet's IPv4 CIDR block ("10.0.1.0/24"). */
  subnetV4: string;
  ipv6s?: string[];
  /** The subnet's IPv6 CIDR block ("2600:1f18:abc:de00::/64"). */
  subnetV6?: string;
  interfaceId?: string;
  subnetId?: string;
  vpcId?: string;
  /** The VPC's IPv4 CIDR block; default the subnet's. */
  vpcV4?: string;
}

export interface AwsTreeOptions {
  instanceId: string;
  region: string;
  /** Availability zone ("eu-west-1a"). */
  az: string;
  /** The primary NIC's private DNS name. */
  hostname: string;
  nics: AwsNic[];
  /** Key name → OpenSSH public key, in the order they are numbered. */
  publicKeys?: Record<string, string>;
  userData?: string;
  imageId?: string;
  instanceType?: string;
  accountId?: string;
}

/** A plausible, stable id from a MAC ("eni-" + 17 hex digits). */
function idFromMac(prefix: string, mac: string): string {
  return `${prefix}-${mac.replace(/:/g, '').padStart(17, '0').slice(-17)}`;
}

/**
 * The tree a VPC instance with these NICs serves under /latest/: the keys
 * AWS documents in "Instance metadata categories" that matter to an init
 * agent, with realistic values (per-MAC network keys, public keys as
 * "0=name", the instance identity document).
 */
export function awsTree(o: AwsTreeOptions): ImdsTree {
  const primary = o.nics.find((n) => n.deviceNumber === 0 && (n.networkCard ?? 0) === 0) ?? o.nics[0];
  if (!primary) throw new Error('awsTree: at least one NIC');
  const imageId = o.imageId ?? 'ami-0abcdef1234567890';
  const instanceType = o.instanceType ?? 't3.micro';
  const accountId = o.accountId ?? '123456789012';
  const privateIp = primary.ipv4s[0] ?? '';
  const dnsName = (ip: string) => `ip-${ip.replace(/\./g, '-')}.${o.region}.compute.internal`;
  const macs: ImdsTree = {};
  for (const n of o.nics) {
    const vpcId = n.vpcId ?? 'vpc-0123456789abcdef0';
    const m: ImdsTree = {
      'device-number': String(n.deviceNumber),
      'interface-id': n.interfaceId ?? idFromMac('eni', n.mac),
    };
    if (n.ipv6s?.length) m['ipv6s'] = n.ipv6s.join('\n');
    Object.assign(m, {
      'local-hostname': n === primary ? o.hostname : dnsName(n.ipv4s[0] ?? ''),
      'local-ipv4s': n.ipv4s.join('\n'),
      mac: n.mac,
      'network-card': String(n.networkCard ?? 0),
      'owner-id': accountId,
      'security-group-ids': 'sg-0123456789abcdef0',
      'security-groups': 'default',
      'subnet-id': n.subnetId ?? idFromMac('subnet', n.mac),
      'subnet-ipv4-cidr-block': n.subnetV4,
    });
    if (n.subnetV6) m['subnet-ipv6-cidr-blocks'] = n.subnetV6;
    m['vpc-id'] = vpcId;
    m['vpc-ipv4-cidr-block'] = n.vpcV4 ?? n.subnetV4;
    m['vpc-ipv4-cidr-blocks'] = n.vpcV4 ?? n.subnetV4;
    if (n.subnetV6) m['vpc-ipv6-cidr-blocks'] = n.subnetV6.replace(/\/\d+$/, '/56');
    macs[n.mac] = m;
  }
  const keys: ImdsTree = {};
  Object.entries(o.publicKeys ?? {}).forEach(([name, key], i) => (keys[`${i}=${name}`] = { 'openssh-key': key }));
  const metaData: ImdsTree = {
    'ami-id': imageId,
    'ami-launch-index': '0',
    'ami-manifest-path': '(unknown)',
    'block-device-mapping': { ami: '/dev/xvda', root: '/dev/xvda' },
    events: { maintenance: { history: '[]', scheduled: '[]' } },
    hostname: o.hostname,
    'instance-action': 'none',
    'instance-id': o.instanceId,
    'instance-life-cycle': 'on-demand',
    'instance-type': instanceType,
  };
  if (primary.ipv6s?.[0]) metaData['ipv6'] = primary.ipv6s[0];
  Object.assign(metaData, {
    'local-hostname': o.hostname,
    'local-ipv4': privateIp,
    mac: primary.mac,
    network: { interfaces: { macs } },
    placement: { 'availability-zone': o.az, region: o.region },
    profile: 'default-hvm',
  });
  if (Object.keys(keys).length > 0) metaData['public-keys'] = keys;
  Object.assign(metaData, {
    'reservation-id': `r-${o.instanceId.replace(/^i-/, '')}`,
    'security-groups': 'default',
    services: { domain: 'amazonaws.com', partition: 'aws' },
    system: 'nitro',
  });
  const document = {
    accountId,
    architecture: 'x86_64',
    availabilityZone: o.az,
    billingProducts: null,
    devpayProductCodes: null,
    marketplaceProductCodes: null,
    imageId,
    instanceId: o.instanceId,
    instanceType,
    kernelId: null,
    pendingTime: '2026-01-01T00:00:00Z',
    privateIp,
    ramdiskId: null,
    region: o.region,
    version: '2017-09-30',
  };
  const tree: ImdsTree = {
    dynamic: {
      'instance-identity': {
        document: JSON.stringify(document, null, 2),
        // Signatures are opaque to an init agent; placeholders keep the listing realistic.
        pkcs7: 'MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwGggCSA',
        rsa2048: 'MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwGggCSA',
        signature: 'dGVzdCBjbG91ZCBzaWduYXR1cmU=',
      },
    },
    'meta-data': metaData,
  };
  if (o.userData !== undefined) tree['user-data'] = o.userData;
  return tree;
}
