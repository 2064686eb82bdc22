/**
 * The test cloud's EC2 instance metadata service, over real HTTP from the
 * instance namespace with curl: the IMDSv2 token flow, IMDSv1 allowed or
 * not, a disabled endpoint, the tree of a two-NIC instance, and the faults
 * tests inject (latency, throttling, 5xx bursts, hangs, truncation,
 * propagation delay), on both the IPv4 and the IPv6 address.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { missingCloudTools, startCloud, type TestCloud } from './cloud.ts';
import { awsTree } from './imds.ts';

const MAC_A = '02:1a:2b:3c:4d:01';
const MAC_B = '02:1a:2b:3c:4d:02';
const BASE = 'http://169.254.169.254';
const TOKEN = `${BASE}/latest/api/token`;
const DOC = '/latest/dynamic/instance-identity/document';
const KEY_ALICE = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA1ice alice@example';
const KEY_BOB = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0b bob@example';

interface Got {
  /** curl's exit code (0 also for 4xx/5xx: no -f). */
  exit: number | null;
  /** 0 when no answer came. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** curl's time_total. */
  seconds: number;
  stderr: string;
}

describe('the test cloud IMDS', { skip: missingCloudTools() }, () => {
  let cloud: TestCloud;

  /** One request with curl from the instance; the status line, headers and body come back apart. */
  const curl = async (url: string, o: { method?: string; headers?: Record<string, string>; maxTime?: number } = {}): Promise<Got> => {
    const argv = ['/usr/bin/curl', '-gsS', '-i', '-m', String(o.maxTime ?? 3), '-X', o.method ?? 'GET', '-w', '\n@@%{http_code} %{time_total}'];
    for (const [k, v] of Object.entries(o.headers ?? {})) argv.push('-H', `${k}: ${v}`);
    argv.push(url);
    const r = await cloud.run(argv, { timeoutMs: 15_000 });
    const at = r.stdout.lastIndexOf('\n@@');
    const [code, time] = r.stdout.slice(at + 3).split(' ');
    const raw = r.stdout.slice(0, at);
    const split = raw.indexOf('\r\n\r\n');
    const headers: Record<string, string> = {};
    for (const line of (split < 0 ? raw : raw.slice(0, split)).split('\r\n').slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    return { exit: r.code, status: Number(code), headers, body: split < 0 ? '' : raw.slice(split + 4), seconds: Number(time), stderr: r.stderr };
  };
  const token = async (ttl = '60') => {
    const r = await curl(TOKEN, { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': ttl } });
    assert.equal(r.status, 200, r.body);
    return r.body;
  };
  const get = (path: string, tok?: string, o: { maxTime?: number; base?: string } = {}) =>
    curl(`${o.base ?? BASE}${path}`, { headers: tok === undefined ? {} : { 'X-aws-ec2-metadata-token': tok }, maxTime: o.maxTime });
  const body = async (path: string) => {
    const r = await get(path);
    assert.equal(r.status, 200, `${path}: ${r.status} ${r.body}`);
    return r.body;
  };

  before(async () => {
    cloud = await startCloud({
      nics: [{ name: 'eth0', mac: MAC_A, cloudAddress: '10.9.0.1/24', up: true, ipv6: { cloudAddress: '2001:db8:9::1/64', ra: 'slaac' } }],
      addresses: ['169.254.169.254', 'fd00:ec2::254'],
      http: {
        listen: ['169.254.169.254', 'fd00:ec2::254'],
        imds: {
          tree: awsTree({
            instanceId: 'i-0123456789abcdef0',
            region: 'eu-west-1',
            az: 'eu-west-1a',
            hostname: 'ip-10-0-1-10.eu-west-1.compute.internal',
            nics: [
              { mac: MAC_A, deviceNumber: 0, networkCard: 0, ipv4s: ['10.0.1.10'], subnetV4: '10.0.1.0/24', ipv6s: ['2600:1f18:1:100::10'], subnetV6: '2600:1f18:1:100::/64' },
              { mac: MAC_B, deviceNumber: 1, networkCard: 1, ipv4s: ['10.0.2.20', '10.0.2.21'], subnetV4: '10.0.2.0/24' },
            ],
            publicKeys: { alice: KEY_ALICE, bob: KEY_BOB },
            userData: '#cloud-config\nhostname: imds-test\n',
          }),
        },
      },
    });
    // IPv4 by hand; IPv6 from the cloud's router advertisements (SLAAC address and default route).
    for (const argv of [
      ['ip', 'addr', 'add', '10.9.0.2/24', 'dev', 'eth0'],
      ['ip', 'route', 'add', 'default', 'via', '10.9.0.1'],
    ]) {
      const r = await cloud.run(argv);
      assert.equal(r.code, 0, r.stderr);
    }
    const end = Date.now() + 10_000;
    while ((await cloud.run(['ip', '-6', 'route', 'show', 'default', 'dev', 'eth0'])).stdout.trim() === '') {
      if (Date.now() > end) throw new Error(`no IPv6 default route on eth0 within 10 s\n${cloud.log().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(() => cloud?.close());
  beforeEach(async () => {
    await cloud.imdsConfigure({});
    await cloud.requests();
  });

  test('IMDSv2 required: PUT a token, GET with it; no token, a wrong one, a bad TTL or X-Forwarded-For are refused', async () => {
    await cloud.imdsConfigure({ httpTokens: 'required' });
    const put = await curl(TOKEN, { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '21600' } });
    assert.equal(put.status, 200);
    assert.equal(put.headers['x-aws-ec2-metadata-token-ttl-seconds'], '21600');
    assert.ok(put.body.length >= 40, `a token: ${put.body}`);
    assert.notEqual(await token(), put.body, 'each token is new');
    const ok = await get('/latest/meta-data/instance-id', put.body);
    assert.equal(ok.status, 200);
    assert.equal(ok.body, 'i-0123456789abcdef0');
    assert.equal((await get('/latest/meta-data/instance-id')).status, 401);
    assert.equal((await get('/latest/meta-data/instance-id', 'not-a-token')).status, 401);
    for (const ttl of [undefined, '0', '21601', 'abc', '-5', '']) {
      const r = await curl(TOKEN, { method: 'PUT', headers: ttl === undefined ? {} : { 'X-aws-ec2-metadata-token-ttl-seconds': ttl } });
      assert.equal(r.status, 400, `TTL ${String(ttl)}`);
    }
    assert.equal((await curl(TOKEN, { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '1' } })).status, 200);
    const proxied = await curl(TOKEN, { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60', 'X-Forwarded-For': '10.0.0.9' } });
    assert.equal(proxied.status, 403);
    assert.equal((await curl(TOKEN)).status, 405, 'a token is only PUT for');
    const seen = await cloud.requests();
    assert.deepEqual(
      seen.slice(0, 5).map((s) => `${s.method} ${s.path} ${s.headers['x-aws-ec2-metadata-token'] === undefined ? 'no-token' : 'token'} ${String(s.status)}`),
      [
        'PUT /latest/api/token no-token 200',
        'PUT /latest/api/token no-token 200',
        'GET /latest/meta-data/instance-id token 200',
        'GET /latest/meta-data/instance-id no-token 401',
        'GET /latest/meta-data/instance-id token 401',
      ],
    );
    assert.equal(seen.length, 14);
  });

  test('IMDSv1 optional: a GET without a token is served; a wrong token is still 401', async () => {
    await cloud.imdsConfigure({ httpTokens: 'optional' });
    assert.equal(await body('/latest/meta-data/instance-id'), 'i-0123456789abcdef0');
    assert.equal((await get('/latest/meta-data/instance-id', 'stale')).status, 401);
    assert.equal((await get('/latest/meta-data/instance-id', await token())).status, 200);
  });

  test('a token expires after its TTL (time shortened: a TTL second lasts 100 ms)', async () => {
    await cloud.imdsConfigure({ httpTokens: 'required', tokenSecondMs: 100 });
    const tok = await token('3');
    assert.equal((await get('/latest/meta-data/instance-id', tok)).status, 200);
    await new Promise((r) => setTimeout(r, 450));
    assert.equal((await get('/latest/meta-data/instance-id', tok)).status, 401, 'expired after 300 ms');
    assert.equal((await get('/latest/meta-data/instance-id', await token('3'))).status, 200, 'a new one works');
  });

  test('disabled: every request is 403', async () => {
    await cloud.imdsConfigure({ state: 'disabled' });
    assert.equal((await curl(TOKEN, { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' } })).status, 403);
    for (const p of ['/', '/latest/meta-data/', '/latest/meta-data/instance-id', '/latest/user-data', '/nope']) assert.equal((await get(p)).status, 403, p);
    await cloud.imdsConfigure({});
    assert.equal((await get('/latest/meta-data/instance-id')).status, 200, 'enabled again');
  });

  test('the tree of a two-NIC instance: versions, listings, leaves, public keys, per-MAC keys, identity document, user data', async () => {
    const versions = await body('/');
    assert.match(versions, /^1\.0\n2007-01-19\n/);
    assert.ok(versions.endsWith('\n2021-03-23\n2021-07-15\n2022-09-24\nlatest'), versions);
    assert.equal(await body('/latest/'), 'dynamic\nmeta-data\nuser-data');
    const md = (await body('/latest/meta-data/')).split('\n');
    for (const e of ['ami-id', 'block-device-mapping/', 'hostname', 'instance-id', 'local-ipv4', 'mac', 'network/', 'placement/', 'public-keys/']) assert.ok(md.includes(e), `${e} in ${md.join(' ')}`);
    assert.equal(await body('/latest/meta-data'), md.join('\n'), 'a directory without its slash lists too');
    assert.equal(await body('/latest/meta-data/local-ipv4'), '10.0.1.10');
    assert.equal(await body('/latest/meta-data/mac'), MAC_A);
    assert.equal(await body('/latest/meta-data/placement/availability-zone'), 'eu-west-1a');
    assert.equal(await body('/latest/meta-data/public-keys/'), '0=alice\n1=bob');
    assert.equal(await body('/latest/meta-data/public-keys/1/'), 'openssh-key');
    assert.equal(await body('/latest/meta-data/public-keys/0/openssh-key'), KEY_ALICE);
    assert.equal(await body('/latest/meta-data/public-keys/1/openssh-key'), KEY_BOB);
    assert.equal(await body('/latest/meta-data/network/interfaces/macs/'), `${MAC_A}/\n${MAC_B}/`);
    const a = `/latest/meta-data/network/interfaces/macs/${MAC_A}`;
    const b = `/latest/meta-data/network/interfaces/macs/${MAC_B}`;
    const keysA = (await body(`${a}/`)).split('\n');
    for (const k of ['device-number', 'interface-id', 'ipv6s', 'local-ipv4s', 'mac', 'network-card', 'subnet-ipv4-cidr-block', 'subnet-ipv6-cidr-blocks', 'vpc-id']) assert.ok(keysA.includes(k), `${k} in ${keysA.join(' ')}`);
    assert.ok(!(await body(`${b}/`)).split('\n').includes('ipv6s'), 'no ipv6s on a NIC without IPv6');
    assert.equal(await body(`${a}/device-number`), '0');
    assert.equal(await body(`${b}/device-number`), '1');
    assert.equal(await body(`${b}/network-card`), '1');
    assert.equal(await body(`${b}/local-ipv4s`), '10.0.2.20\n10.0.2.21');
    assert.equal(await body(`${a}/ipv6s`), '2600:1f18:1:100::10');
    assert.equal(await body(`${a}/subnet-ipv6-cidr-blocks`), '2600:1f18:1:100::/64');
    assert.equal(await body(`${b}/subnet-ipv4-cidr-block`), '10.0.2.0/24');
    assert.equal(await body(`${b}/mac`), MAC_B);
    assert.match(await body(`${b}/interface-id`), /^eni-[0-9a-f]{17}$/);
    assert.match(await body(`${b}/vpc-id`), /^vpc-/);
    assert.equal(await body('/latest/dynamic/'), 'instance-identity/');
    assert.deepEqual((await body('/latest/dynamic/instance-identity/')).split('\n'), ['document', 'pkcs7', 'rsa2048', 'signature']);
    const doc = JSON.parse(await body(DOC)) as Record<string, unknown>;
    assert.equal(doc['instanceId'], 'i-0123456789abcdef0');
    assert.equal(doc['region'], 'eu-west-1');
    assert.equal(doc['availabilityZone'], 'eu-west-1a');
    assert.equal(doc['privateIp'], '10.0.1.10');
    assert.equal(doc['accountId'], '123456789012');
    assert.match(String(doc['imageId']), /^ami-/);
    assert.equal(typeof doc['instanceType'], 'string');
    assert.equal(await body('/latest/user-data'), '#cloud-config\nhostname: imds-test\n');
    // Dated API versions serve the same tree.
    for (const v of ['2021-03-23', '2018-09-24', '2016-09-02', '2009-04-04']) assert.equal(await body(`/${v}/meta-data/instance-id`), 'i-0123456789abcdef0', v);
    for (const p of ['/2010-01-01/meta-data/', '/latest/meta-data/nope', '/latest/meta-data/instance-id/', `${a}/nope`, '/latest/meta-data/public-keys/2/']) assert.equal((await get(p)).status, 404, p);
    // Only the versions the spec lists exist.
    await cloud.imdsConfigure({ versions: ['2009-04-04', '2016-09-02', '2018-09-24', '2021-03-23'] });
    assert.equal(await body('/'), '2009-04-04\n2016-09-02\n2018-09-24\n2021-03-23\nlatest');
    assert.equal((await get('/2022-09-24/meta-data/instance-id')).status, 404);
    assert.equal((await get('/2021-03-23/meta-data/instance-id')).status, 200);
    // An instance without user data: 404, and the version root stops listing it.
    await cloud.imdsDelete('user-data');
    assert.equal((await get('/latest/user-data')).status, 404);
    assert.equal(await body('/latest/'), 'dynamic\nmeta-data');
    await cloud.imdsSet('/latest/user-data', 'back');
    assert.equal(await body('/latest/user-data'), 'back');
  });

  test('latency: every answer 300 ms later', async () => {
    const quick = await Promise.all([0, 1, 2].map(() => get('/latest/meta-data/instance-id')));
    await cloud.imdsConfigure({ latencyMs: 300 });
    const slow: Got[] = [];
    for (let i = 0; i < 3; i++) slow.push(await get('/latest/meta-data/instance-id'));
    assert.ok(Math.max(...quick.map((r) => r.seconds)) < 0.2, `without latency: ${quick.map((r) => r.seconds).join(' ')}`);
    assert.ok(slow.every((r) => r.status === 200 && r.seconds >= 0.29), `with latency: ${slow.map((r) => r.seconds).join(' ')}`);
  });

  test('throttling: every 2nd request 429 with Retry-After; a burst of the first 3 at 503; a 5xx burst on one path', async () => {
    await cloud.imdsConfigure({ throttle: { every: 2, status: 429, retryAfterSeconds: 2 } });
    const every: Got[] = [];
    for (let i = 0; i < 4; i++) every.push(await get('/latest/meta-data/instance-id'));
    assert.deepEqual(every.map((r) => r.status), [200, 429, 200, 429]);
    assert.equal(every[1]?.headers['retry-after'], '2');
    assert.equal(every[0]?.headers['retry-after'], undefined);

    await cloud.imdsConfigure({ throttle: { first: 3, status: 503, retryAfterSeconds: 1 } });
    const burst: Got[] = [];
    for (let i = 0; i < 4; i++) burst.push(await get('/latest/meta-data/instance-id'));
    assert.deepEqual(burst.map((r) => r.status), [503, 503, 503, 200]);
    assert.equal(burst[0]?.headers['retry-after'], '1');

    await cloud.imdsConfigure({ faults: [{ path: '/latest/meta-data/network/*', kind: 'status', status: 500, first: 2 }] });
    const mac = '/latest/meta-data/network/interfaces/macs/';
    assert.deepEqual([(await get(mac)).status, (await get('/latest/meta-data/instance-id')).status, (await get(mac)).status, (await get(mac)).status], [500, 200, 500, 200]);
    assert.deepEqual((await cloud.requests()).map((s) => s.status), [200, 429, 200, 429, 503, 503, 503, 200, 500, 200, 500, 200]);
  });

  test('propagation: a NIC key appears only after its delay; a hotplugged NIC appears and goes by control op', async () => {
    const ipv6s = `meta-data/network/interfaces/macs/${MAC_A}/ipv6s`;
    await cloud.imdsConfigure({ appear: [{ path: ipv6s, afterMs: 1_500 }] });
    await cloud.imdsResetClock();
    const t0 = Date.now();
    assert.equal((await get(`/latest/${ipv6s}`)).status, 404);
    assert.ok(!(await body(`/latest/meta-data/network/interfaces/macs/${MAC_A}/`)).split('\n').includes('ipv6s'), 'not listed yet');
    let seenAt = 0;
    while (Date.now() - t0 < 6_000) {
      if ((await get(`/latest/${ipv6s}`)).status === 200) {
        seenAt = Date.now() - t0;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(seenAt >= 1_400 && seenAt < 3_000, `appeared after ${seenAt} ms`);
    assert.ok((await body(`/latest/meta-data/network/interfaces/macs/${MAC_A}/`)).split('\n').includes('ipv6s'), 'listed now');

    const macC = '02:1a:2b:3c:4d:03';
    const macs = '/latest/meta-data/network/interfaces/macs/';
    assert.equal(await body(macs), `${MAC_A}/\n${MAC_B}/`);
    await cloud.imdsSet(`meta-data/network/interfaces/macs/${macC}`, { 'device-number': '2', 'local-ipv4s': '10.0.3.30', mac: macC });
    assert.equal(await body(macs), `${MAC_A}/\n${MAC_B}/\n${macC}/`);
    assert.equal(await body(`${macs}${macC}/device-number`), '2');
    await cloud.imdsSet(`meta-data/network/interfaces/macs/${macC}/ipv6s`, '2600:1f18:1:300::30');
    assert.equal(await body(`${macs}${macC}/ipv6s`), '2600:1f18:1:300::30');
    await cloud.imdsDelete(`meta-data/network/interfaces/macs/${macC}`);
    assert.equal(await body(macs), `${MAC_A}/\n${MAC_B}/`);
    assert.equal((await get(`${macs}${macC}/device-number`)).status, 404);
    await assert.rejects(cloud.imdsDelete(`meta-data/network/interfaces/macs/${macC}`), /no such node/);
  });

  test('a hung path: curl -m 2 times out, other paths answer meanwhile', async () => {
    await cloud.imdsConfigure({ faults: [{ path: '/latest/meta-data/instance-id', kind: 'hang' }] });
    const [hung, other] = await Promise.all([get('/latest/meta-data/instance-id', undefined, { maxTime: 2 }), get('/latest/meta-data/local-ipv4')]);
    assert.equal(hung.exit, 28, `curl timed out: ${hung.stderr}`);
    assert.equal(hung.status, 0);
    assert.ok(hung.seconds >= 1.9, `after ${hung.seconds} s`);
    assert.equal(other.status, 200);
    assert.equal(other.body, '10.0.1.10');
    const seen = await cloud.requests();
    assert.equal(seen.find((s) => s.path === '/latest/meta-data/instance-id')?.status, undefined, 'never answered');
  });

  test('the token endpoint answers only every other time, and late', async () => {
    await cloud.imdsConfigure({
      faults: [
        { path: '/latest/api/token', kind: 'hang', every: 2 },
        { path: '/latest/api/token', kind: 'delay', delayMs: 400 },
      ],
    });
    const put = () => curl(TOKEN, { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' }, maxTime: 1.5 });
    const [first, second, third] = [await put(), await put(), await put()];
    assert.equal(first.status, 200);
    assert.ok(first.seconds >= 0.39, `late: ${first.seconds} s`);
    assert.equal(second.exit, 28, 'the second hangs');
    assert.equal(third.status, 200);
    assert.equal((await get('/latest/meta-data/instance-id')).seconds < 0.2, true, 'other paths are not delayed');
  });

  test('a truncated identity document: half a body is not JSON; a cut connection fails the transfer', async () => {
    const full = await body(DOC);
    await cloud.imdsConfigure({ faults: [{ path: DOC, kind: 'truncate' }] });
    const half = await get(DOC);
    assert.equal(half.status, 200);
    assert.equal(half.body, full.slice(0, Math.floor(full.length / 2)));
    assert.throws(() => JSON.parse(half.body));
    await cloud.imdsConfigure({ faults: [{ path: DOC, kind: 'truncate', keep: 0.25, close: true }] });
    const cut = await get(DOC);
    assert.equal(cut.exit, 18, `curl: partial file: ${cut.stderr}`);
    assert.equal(cut.headers['content-length'], String(full.length));
    assert.equal(cut.body, full.slice(0, Math.floor(full.length / 4)));
  });

  test('served on 169.254.169.254 and on fd00:ec2::254', async () => {
    await cloud.imdsConfigure({ httpTokens: 'required' });
    for (const base of [BASE, 'http://[fd00:ec2::254]']) {
      const put = await curl(`${base}/latest/api/token`, { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' } });
      assert.equal(put.status, 200, `${base}: ${put.stderr}`);
      const r = await get('/latest/meta-data/instance-id', put.body, { base });
      assert.equal(r.status, 200, base);
      assert.equal(r.body, 'i-0123456789abcdef0');
    }
    assert.deepEqual((await cloud.requests()).map((s) => `${s.method} ${s.local} ${String(s.status)}`), [
      'PUT 169.254.169.254 200',
      'GET 169.254.169.254 200',
      'PUT fd00:ec2::254 200',
      'GET fd00:ec2::254 200',
    ]);
  });
});
