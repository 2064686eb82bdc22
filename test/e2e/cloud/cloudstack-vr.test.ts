/**
 * The test cloud's CloudStack virtual router: the class on its own (no
 * sockets; time is whatever the test says), then once over real HTTP and
 * DNS from the instance namespace.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { missingCloudTools, startCloud, type TestCloud } from './cloud.ts';
import { CloudStackVr, PASSWORD_PLACEHOLDER, VR_METADATA_PORT, VR_PASSWORD_PORT, type VrAnswer } from './cloudstack-vr.ts';
import type { CloudStackVrSpec } from './types.ts';

const KEYS = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA1ice alice@example\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0b bob@example';
const SPEC: CloudStackVrSpec = {
  metaData: {
    // Given out of CloudStack's order on purpose: the listing puts them in its own.
    'instance-id': 'i-2-17-VM',
    'local-hostname': 'web-1',
    'local-ipv4': '10.1.1.23',
    'availability-zone': 'zone-1',
    'service-offering': 'Small Instance',
    'public-keys': KEYS,
    'vm-id': '5a7c3b9e-1f2d-4e6a-9b8c-0d1e2f3a4b5c',
    // A key CloudStack does not list (a user-data variable): listed after the known ones.
    variable1: 'value1',
  },
  userData: '#cloud-config\nruncmd:\n  - [touch, /run/ok]\n',
  password: 'Pa55-first',
};

const at = (port: number) => (path: string, headers: Record<string, string> = {}, method = 'GET') => ({ port, method, path, headers });
const md = at(VR_METADATA_PORT);
const pw = (value?: string, method = 'GET') => at(VR_PASSWORD_PORT)('/', value === undefined ? {} : { domu_request: value }, method);
const body = (a: VrAnswer) => `${a.status} ${a.body}`;

describe('CloudStackVr (no sockets)', () => {
  test('the listing: the keys present, one per line, in CloudStack\'s order, others after', () => {
    const vr = new CloudStackVr(SPEC, 0);
    const want = 'service-offering\navailability-zone\nlocal-ipv4\nlocal-hostname\ninstance-id\nvm-id\npublic-keys\nvariable1\n';
    for (const path of ['/latest/meta-data/', '/latest/meta-data', '/latest/meta-data/?x=1']) {
      const a = vr.answer(md(path), 0);
      assert.equal(a.status, 200, path);
      assert.equal(a.body, want, path);
      assert.equal(a.headers['content-type'], 'text/plain');
    }
    assert.equal(new CloudStackVr({ metaData: {} }, 0).answer(md('/latest/meta-data/'), 0).body, '');
  });

  test('values as text, the short form as an alias, unknown keys 404', () => {
    const vr = new CloudStackVr(SPEC, 0);
    assert.equal(body(vr.answer(md('/latest/meta-data/instance-id'), 0)), '200 i-2-17-VM');
    assert.equal(body(vr.answer(md('/latest/instance-id'), 0)), '200 i-2-17-VM');
    assert.equal(body(vr.answer(md('/latest/local-hostname'), 0)), '200 web-1');
    assert.equal(body(vr.answer(md('/latest/meta-data/public-keys'), 0)), `200 ${KEYS}`);
    assert.equal(vr.answer(md('/latest/meta-data/local-ipv4', {}, 'HEAD'), 0).status, 200);
    for (const path of ['/latest/meta-data/public-ipv4', '/latest/meta-data/instance-id/', '/latest/meta-data/constructor', '/latest/nope', '/latest/', '/', '/2009-04-04/meta-data/instance-id']) {
      const a = vr.answer(md(path), 0);
      assert.equal(a.status, 404, path);
      assert.match(a.body, /404 Not Found/);
    }
    assert.equal(vr.answer(md('/latest/meta-data/instance-id', {}, 'POST'), 0).status, 405);
  });

  test('user-data as given; 404 without; configure changes only what it names', () => {
    const vr = new CloudStackVr(SPEC, 0);
    assert.equal(body(vr.answer(md('/latest/user-data'), 0)), `200 ${SPEC.userData ?? ''}`);
    assert.equal(vr.answer(md('/latest/user-data'), 0).body, SPEC.userData, 'no newline added, nothing decoded');
    assert.equal(new CloudStackVr({ metaData: { 'instance-id': 'i-1' } }, 0).answer(md('/latest/user-data'), 0).status, 404);
    vr.configure({ userData: null, latencyMs: 250 });
    assert.equal(vr.answer(md('/latest/user-data'), 0).status, 404);
    assert.equal(body(vr.answer(md('/latest/instance-id'), 0)), '200 i-2-17-VM', 'metaData untouched');
    vr.configure({ metaData: { 'instance-id': 'i-2-18-VM' } });
    assert.equal(vr.answer(md('/latest/meta-data/'), 0).body, 'instance-id\n');
    assert.equal(vr.answer(md('/latest/meta-data/'), 0).delayMs, 250, 'latency kept');
    vr.configure({ latencyMs: null });
    assert.equal(vr.answer(md('/latest/meta-data/'), 0).delayMs, 0);
  });

  test('a password is offered until acknowledged, then saved_password; a reset offers a new one', () => {
    const vr = new CloudStackVr(SPEC, 0);
    assert.equal(body(vr.answer(pw('send_my_password'), 0)), '200 Pa55-first');
    assert.equal(body(vr.answer(pw('send_my_password'), 0)), '200 Pa55-first', 'still pending: asked again, offered again');
    assert.equal(vr.answer(pw('send_my_password'), 0).headers['content-type'], 'text/plain');
    assert.equal(body(vr.answer(pw('saved_password'), 0)), '200 saved_password');
    assert.equal(body(vr.answer(pw('send_my_password'), 0)), '200 saved_password');
    vr.setPassword('Pa55-second');
    assert.equal(body(vr.answer(pw('send_my_password'), 0)), '200 Pa55-second');
    vr.setPassword(null);
    assert.equal(body(vr.answer(pw('send_my_password'), 0)), '200 saved_password', 'withdrawn');
    assert.equal(body(new CloudStackVr({ metaData: {} }, 0).answer(pw('send_my_password'), 0)), '200 saved_password', 'none ever set');
  });

  test('bad_request (status 200) without the header or with another value; the path does not matter', () => {
    const vr = new CloudStackVr(SPEC, 0);
    assert.equal(body(vr.answer(pw(), 0)), '200 bad_request');
    assert.equal(body(vr.answer(pw('send_my_passwd'), 0)), '200 bad_request');
    assert.equal(body(vr.answer(pw('SEND_MY_PASSWORD'), 0)), '200 bad_request', 'the value is compared exactly');
    assert.equal(body(vr.answer({ ...pw('send_my_password'), path: '/anything?x' }, 0)), '200 Pa55-first');
    assert.equal(vr.answer(pw('send_my_password', 'POST'), 0).status, 501);
    assert.equal(body(vr.answer(pw('send_my_password'), 0)), '200 Pa55-first', 'none of these acknowledged it');
    vr.configure({ passwordBadRequest: true });
    assert.equal(body(vr.answer(pw('send_my_password'), 0)), '200 bad_request', 'passwordBadRequest: a server that lost track of the instance');
    vr.configure({ passwordBadRequest: null });
    assert.equal(body(vr.answer(pw('send_my_password'), 0)), '200 Pa55-first');
  });

  test('the password log: every request with its time, never the password itself', () => {
    const vr = new CloudStackVr(SPEC, 1_000);
    vr.answer(pw('send_my_password'), 1_010);
    vr.answer(pw(), 1_020);
    vr.answer(pw('saved_password'), 1_030);
    vr.answer(pw('send_my_password'), 1_040);
    vr.setPassword('Pa55-second');
    vr.answer(pw('send_my_password'), 1_050.4);
    vr.answer(md('/latest/meta-data/instance-id'), 1_060);
    const log = vr.passwordLog();
    assert.deepEqual(log, [
      { at: 10, request: 'send_my_password', answer: PASSWORD_PLACEHOLDER },
      { at: 20, request: null, answer: 'bad_request' },
      { at: 30, request: 'saved_password', answer: 'saved_password' },
      { at: 40, request: 'send_my_password', answer: 'saved_password' },
      { at: 50, request: 'send_my_password', answer: '<password>' },
    ]);
    assert.doesNotMatch(JSON.stringify(log), /Pa55/);
    log.pop();
    assert.equal(vr.passwordLog().length, 5, 'a copy');
  });

  test('faults: failing first metadata requests, latency on both ports, services down', () => {
    const vr = new CloudStackVr({ ...SPEC, latencyMs: 100, metadataFailFirst: { count: 2, status: 503 } }, 0);
    const first = vr.answer(md('/latest/meta-data/instance-id'), 0);
    assert.equal(first.status, 503);
    assert.match(first.body, /Service Unavailable/);
    assert.equal(vr.answer(pw('send_my_password'), 0).status, 200, 'the password server is not the failing one');
    assert.equal(vr.answer(md('/latest/user-data'), 0).status, 503);
    assert.equal(body(vr.answer(md('/latest/meta-data/instance-id'), 0)), '200 i-2-17-VM');
    assert.equal(vr.answer(md('/latest/meta-data/instance-id'), 0).delayMs, 100);
    assert.equal(vr.answer(pw('send_my_password'), 0).delayMs, 100);
    vr.configure({ metadataFailFirst: { count: 1, status: 500 } });
    assert.equal(vr.answer(md('/latest/meta-data/'), 0).status, 500, 'given again: counting restarts');
    assert.equal(vr.answer(md('/latest/meta-data/'), 0).status, 200);

    assert.deepEqual([vr.listening(VR_METADATA_PORT), vr.listening(VR_PASSWORD_PORT)], [true, true]);
    vr.configure({ passwordDown: true });
    assert.deepEqual([vr.listening(VR_METADATA_PORT), vr.listening(VR_PASSWORD_PORT)], [true, false]);
    vr.configure({ metadataDown: true, passwordDown: null });
    assert.deepEqual([vr.listening(VR_METADATA_PORT), vr.listening(VR_PASSWORD_PORT)], [false, true]);
    assert.equal(vr.listening(443), false);
  });
});

/** One curl from the instance: status and body apart (curl's exit code too: 7 is "connection refused"). */
interface Got {
  exit: number | null;
  status: number;
  body: string;
}

describe('the test cloud\'s CloudStack VR over HTTP', { skip: missingCloudTools() }, () => {
  const VR = '10.9.0.1';
  let cloud: TestCloud;
  before(async () => {
    cloud = await startCloud({
      // The VR is the network's gateway, DHCP and DNS server, so its address is the cloud side's.
      nics: [{ name: 'eth0', mac: '52:54:00:00:05:10', cloudAddress: `${VR}/24`, up: true }],
      dnsNames: { 'data-server': VR },
      http: { listen: [VR], cloudstack: { ...SPEC, password: 'Pa55-over-http' } },
    });
    const r = await cloud.run(['ip', 'addr', 'add', '10.9.0.50/24', 'dev', 'eth0']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await cloud?.close();
  });

  const curl = async (url: string, headers: Record<string, string> = {}): Promise<Got> => {
    const argv = ['/usr/bin/curl', '-sS', '-m', '3', '-w', '\n@@%{http_code}'];
    for (const [k, v] of Object.entries(headers)) argv.push('-H', `${k}: ${v}`);
    const r = await cloud.run([...argv, url], { timeoutMs: 10_000 });
    const cut = r.stdout.lastIndexOf('\n@@');
    return { exit: r.code, status: Number(r.stdout.slice(cut + 3)), body: r.stdout.slice(0, cut) };
  };

  test('metadata on :80, the password server on :8080, data-server from dnsmasq, ports that go down', async () => {
    // data-server, asked of the VR's DNS (dnsmasq) from the instance; no dig or nslookup here, so node's resolver.
    const dns = await cloud.run(
      [process.execPath, '-e', `const r = new (require('node:dns').promises.Resolver)({ timeout: 2000, tries: 2 }); r.setServers(['${VR}']); r.resolve4('data-server').then((a) => console.log(a.join(',')));`],
      { timeoutMs: 10_000 },
    );
    assert.equal(dns.code, 0, dns.stderr);
    assert.equal(dns.stdout.trim(), VR);

    assert.deepEqual(await curl(`http://${VR}/latest/meta-data/instance-id`), { exit: 0, status: 200, body: 'i-2-17-VM' });
    assert.equal((await curl(`http://${VR}/latest/user-data`)).body, SPEC.userData);
    assert.equal((await curl(`http://${VR}/latest/meta-data/public-ipv4`)).status, 404);
    const header = { DomU_Request: 'send_my_password' };
    assert.deepEqual(await curl(`http://${VR}:8080/`, header), { exit: 0, status: 200, body: 'Pa55-over-http' });
    assert.deepEqual(await curl(`http://${VR}:8080/`), { exit: 0, status: 200, body: 'bad_request' });
    assert.equal((await curl(`http://${VR}:8080/`, { DomU_Request: 'saved_password' })).body, 'saved_password');
    assert.equal((await curl(`http://${VR}:8080/`, header)).body, 'saved_password');
    await cloud.vrSetPassword('Pa55-reset');
    assert.equal((await curl(`http://${VR}:8080/`, header)).body, 'Pa55-reset');

    const seen = await cloud.requests();
    assert.deepEqual(
      seen.map((s) => `${s.port} ${s.method} ${s.path} ${s.local} ${String(s.status)}`),
      [
        `80 GET /latest/meta-data/instance-id ${VR} 200`,
        `80 GET /latest/user-data ${VR} 200`,
        `80 GET /latest/meta-data/public-ipv4 ${VR} 404`,
        `8080 GET / ${VR} 200`,
        `8080 GET / ${VR} 200`,
        `8080 GET / ${VR} 200`,
        `8080 GET / ${VR} 200`,
        `8080 GET / ${VR} 200`,
      ],
    );
    assert.equal(seen[3]?.headers['domu_request'], 'send_my_password');
    const log = await cloud.vrPasswordLog();
    assert.deepEqual(
      log.map((e) => `${String(e.request)} → ${e.answer}`),
      ['send_my_password → <password>', 'null → bad_request', 'saved_password → saved_password', 'send_my_password → saved_password', 'send_my_password → <password>'],
    );
    assert.doesNotMatch(JSON.stringify(log), /Pa55/);

    // A service down refuses connections (curl exit 7); the other one keeps answering.
    await cloud.vrConfigure({ passwordDown: true });
    assert.equal((await curl(`http://${VR}:8080/`, header)).exit, 7);
    assert.equal((await curl(`http://${VR}/latest/instance-id`)).body, 'i-2-17-VM');
    await cloud.vrConfigure({ passwordDown: false, metadataDown: true });
    assert.equal((await curl(`http://${VR}/latest/instance-id`)).exit, 7);
    assert.equal((await curl(`http://${VR}:8080/`, header)).body, 'Pa55-reset');
    await cloud.vrConfigure({ metadataDown: false, metadataFailFirst: { count: 1, status: 503 } });
    assert.equal((await curl(`http://${VR}/latest/instance-id`)).status, 503);
    assert.equal((await curl(`http://${VR}/latest/instance-id`)).body, 'i-2-17-VM');
  });
});
