/**
 * The test cloud's HTTP faults (faults.ts) as a client meets them: curl in
 * the instance namespace against plain routes, the IMDS and a CloudStack
 * VR. Each fault is checked by what curl sees (its exit code, the bytes it
 * got, how long it waited) and lifted again by the next `httpFaults`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HttpFaults } from './faults.ts';
import { missingCloudTools, startCloud, type TestCloud } from './cloud.ts';
import { awsTree } from './imds.ts';

describe('HttpFaults: which request a fault hits', () => {
  test('first, every, path prefix and method; the first fault that hits decides, all matching count', () => {
    const f = new HttpFaults();
    f.configure({
      faults: [
        { path: '/latest/api/token', method: 'PUT', every: 2, kind: 'hang' },
        { path: '/latest/*', first: 2, kind: 'status', status: 503 },
      ],
    });
    const kinds = ['PUT /latest/api/token', 'PUT /latest/api/token', 'GET /latest/meta-data/', 'GET /latest/x?y=1', 'GET /other'].map((r) => {
      const [m, p] = r.split(' ') as [string, string];
      return f.pick(m, p)?.kind ?? '-';
    });
    // The token PUTs count for the prefix fault too: it is spent after them.
    assert.deepEqual(kinds, ['status', 'hang', '-', '-', '-']);
    f.configure({ refuse: true });
    assert.equal(f.pick('GET', '/latest/meta-data/'), undefined);
    assert.equal(f.refuse, true);
    assert.equal(f.blackhole, false);
  });
});

const skip = missingCloudTools() ?? (process.getuid?.() === 0 ? undefined : 'needs root');

/** curl from the instance: exit code, body length, seconds taken, and the headers it got. */
async function curl(cloud: TestCloud, url: string, opts: { max?: number; method?: string; headers?: string[] } = {}): Promise<{ code: number | null; size: number; seconds: number; head: string }> {
  const argv = ['curl', '-sS', '-o', '/dev/null', '-D', '-', '-w', '\n%{size_download} %{time_total}', '-m', String(opts.max ?? 3)];
  if (opts.method) argv.push('-X', opts.method);
  for (const h of opts.headers ?? []) argv.push('-H', h);
  const r = await cloud.run([...argv, url], { timeoutMs: 30_000 });
  const lines = r.stdout.trimEnd().split('\n');
  const [size, seconds] = (lines.pop() ?? '0 0').split(' ');
  return { code: r.code, size: Number(size), seconds: Number(seconds), head: lines.join('\n') };
}

describe('test cloud: HTTP faults for every service', { skip }, () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startCloud({
      nics: [{ name: 'eth0', mac: '52:54:00:00:0f:01', cloudAddress: '10.77.0.1/24', up: true }],
      addresses: ['169.254.169.254'],
      http: { listen: ['169.254.169.254'], routes: [{ path: '/r', body: 'x'.repeat(100) }] },
    });
    for (const argv of [
      ['ip', 'addr', 'add', '10.77.0.10/24', 'dev', 'eth0'],
      ['ip', 'route', 'add', 'default', 'via', '10.77.0.1'],
    ]) assert.equal((await cloud.run(argv)).code, 0);
  });
  after(async () => {
    await cloud?.close();
  });

  const URL = 'http://169.254.169.254/r';

  test('refuse: connection refused (curl 7) at once; lifted, the route answers again', async () => {
    await cloud.httpFaults({ refuse: true });
    const r = await curl(cloud, URL);
    assert.equal(r.code, 7);
    assert.ok(r.seconds < 1, `${r.seconds} s`);
    await cloud.httpFaults({});
    assert.equal((await curl(cloud, URL)).code, 0);
  });

  test('blackhole: no SYN-ACK comes back, curl times out connecting (28); DHCP-free paths recover when lifted', async () => {
    await cloud.httpFaults({ blackhole: true });
    const r = await curl(cloud, URL, { max: 2 });
    assert.equal(r.code, 28);
    assert.match((await cloud.runInCloud(['tc', '-s', 'qdisc', 'show', 'dev', 'ceth0'])).stdout, /qdisc blackhole 20:[\s\S]*dropped [1-9]/);
    await cloud.httpFaults({});
    const ok = await curl(cloud, URL);
    assert.equal(ok.code, 0);
    assert.equal(ok.size, 100);
  });

  test('status with Retry-After; reset; hang', async () => {
    await cloud.httpFaults({ faults: [{ path: '/r', first: 1, kind: 'status', status: 429, retryAfterSeconds: 7 }, { path: '/r', first: 2, kind: 'reset' }, { path: '/r', first: 3, kind: 'hang' }] });
    const throttled = await curl(cloud, URL);
    assert.match(throttled.head, /^HTTP\/1\.1 429/);
    assert.match(throttled.head, /^retry-after: 7/im);
    assert.equal((await curl(cloud, URL)).code, 56, 'reset by peer');
    const hung = await curl(cloud, URL, { max: 1 });
    assert.equal(hung.code, 28);
    assert.equal((await curl(cloud, URL)).code, 0, 'the burst is over');
  });

  test('drip: the whole body, slowly; a client with a 1 s limit gets part of it', async () => {
    await cloud.httpFaults({ faults: [{ path: '/r', kind: 'drip', intervalMs: 20, bytesPerChunk: 2 }] });
    const slow = await curl(cloud, URL, { max: 10 });
    assert.equal(slow.code, 0);
    assert.equal(slow.size, 100);
    assert.ok(slow.seconds >= 0.9, `${slow.seconds} s for 50 chunks 20 ms apart`);
    const cut = await curl(cloud, URL, { max: 0.5 });
    assert.equal(cut.code, 28);
    assert.ok(cut.size > 0 && cut.size < 100, `${cut.size} bytes`);
  });

  test('truncate: closed after half (curl 18), or held open (curl waits: 28); oversize: the size asked for', async () => {
    await cloud.httpFaults({ faults: [{ path: '/r', first: 1, kind: 'truncate', close: true }, { path: '/r', first: 2, kind: 'truncate', keep: 0.3, close: false }, { path: '/r', kind: 'oversize', bytes: 3_000_000 }] });
    const closed = await curl(cloud, URL);
    assert.equal(closed.code, 18);
    assert.equal(closed.size, 50);
    assert.match(closed.head, /content-length: 100/i);
    const open = await curl(cloud, URL, { max: 1 });
    assert.equal(open.code, 28);
    assert.equal(open.size, 30);
    const big = await curl(cloud, URL, { max: 10 });
    assert.equal(big.code, 0);
    assert.equal(big.size, 3_000_000);
    const seen = (await cloud.requests()).filter((q) => q.path === '/r').map((q) => q.status ?? '-');
    assert.deepEqual(seen.slice(-3), ['-', '-', 200], 'a cut answer records no status');
    await cloud.httpFaults({});
  });
});

describe('test cloud: HTTP faults in front of the IMDS and a CloudStack VR', { skip }, () => {
  test('IMDS: a token endpoint that hangs every other time; the real answers in between', async () => {
    const cloud = await startCloud({
      nics: [{ name: 'eth0', mac: '52:54:00:00:0f:02', cloudAddress: '10.78.0.1/24', up: true }],
      addresses: ['169.254.169.254'],
      http: { listen: ['169.254.169.254'], imds: { tree: awsTree({ instanceId: 'i-0f', region: 'r', az: 'ra', hostname: 'h', nics: [{ mac: '52:54:00:00:0f:02', deviceNumber: 0, ipv4s: ['10.78.0.10'], subnetV4: '10.78.0.0/24' }] }) } },
    });
    try {
      await cloud.run(['ip', 'addr', 'add', '10.78.0.10/24', 'dev', 'eth0']);
      await cloud.run(['ip', 'route', 'add', 'default', 'via', '10.78.0.1']);
      await cloud.httpFaults({ faults: [{ path: '/latest/api/token', method: 'PUT', every: 2, kind: 'hang' }] });
      const token = ['X-aws-ec2-metadata-token-ttl-seconds: 60'];
      const codes: (number | null)[] = [];
      for (let i = 0; i < 4; i++) codes.push((await curl(cloud, 'http://169.254.169.254/latest/api/token', { method: 'PUT', headers: token, max: 1 })).code);
      assert.deepEqual(codes, [0, 28, 0, 28]);
      await cloud.httpFaults({ faults: [{ path: '/latest/meta-data/instance-id', kind: 'truncate', keep: 0.5, close: true }] });
      const r = await curl(cloud, 'http://169.254.169.254/latest/meta-data/instance-id');
      assert.equal(r.code, 18);
      assert.equal(r.size, 2, 'half of "i-0f"');
    } finally {
      await cloud.close();
    }
  });

  test('CloudStack VR: refuse closes the metadata port only; the password server still answers', async () => {
    const cloud = await startCloud({
      nics: [{ name: 'eth0', mac: '52:54:00:00:0f:03', cloudAddress: '10.79.0.1/24', up: true }],
      http: { listen: ['10.79.0.1'], cloudstack: { metaData: { 'instance-id': 'i-2-3-VM' } } },
    });
    try {
      await cloud.run(['ip', 'addr', 'add', '10.79.0.10/24', 'dev', 'eth0']);
      await cloud.httpFaults({ refuse: true });
      assert.equal((await curl(cloud, 'http://10.79.0.1/latest/meta-data/instance-id')).code, 7);
      assert.equal((await curl(cloud, 'http://10.79.0.1:8080/', { headers: ['DomU_Request: send_my_password'] })).code, 0);
      await cloud.httpFaults({ faults: [{ kind: 'status', status: 503, retryAfterSeconds: 2, first: 1 }] });
      const r = await curl(cloud, 'http://10.79.0.1/latest/meta-data/instance-id');
      assert.match(r.head, /^HTTP\/1\.1 503/);
      assert.match(r.head, /^retry-after: 2/im);
      assert.equal((await curl(cloud, 'http://10.79.0.1/latest/meta-data/instance-id')).size, 'i-2-3-VM'.length);
    } finally {
      await cloud.close();
    }
  });
});
