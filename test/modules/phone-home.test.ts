import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { phoneHome, phoneHomeTiming } from '../../src/modules/phone-home.ts';
import { cleanupRoots, instance, runModule } from './harness.ts';
import { ECDSA, ED25519, RSA } from './ssh-keys.fixture.ts';

interface Hit {
  method: string;
  url: string;
  type: string | undefined;
  body: string;
}

let server: Server;
let base = '';
let hits: Hit[] = [];
/** Statuses to answer with, in order; 200 once they run out. */
let answers: number[] = [];

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({ method: req.method ?? '', url: req.url ?? '', type: req.headers['content-type'], body: Buffer.concat(chunks).toString() });
      res.statusCode = answers.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  phoneHomeTiming.pauseMs = 10;
  phoneHomeTiming.timeoutMs = 2000;
});

after(async () => {
  cleanupRoots();
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  hits = [];
  answers = [];
});

const KEYS = {
  '/etc/ssh/ssh_host_rsa_key.pub': `${RSA}\n`,
  '/etc/ssh/ssh_host_ecdsa_key.pub': `${ECDSA}\n`,
  '/etc/ssh/ssh_host_ed25519_key.pub': `${ED25519}\n`,
};

describe('phone_home', () => {
  it('POSTs every key as a form, with $INSTANCE_ID in the URL replaced', async () => {
    const r = await runModule(phoneHome, { phone_home: { url: `${base}/phone/$INSTANCE_ID/`, post: 'all' } }, { files: KEYS, instance: instance({ instanceId: 'i-0abc' }) });
    assert.equal(r.error, undefined);
    assert.equal(hits.length, 1);
    const hit = hits[0];
    assert.equal(hit?.method, 'POST');
    assert.equal(hit?.url, '/phone/i-0abc/');
    assert.equal(hit?.type, 'application/x-www-form-urlencoded');
    const form = Object.fromEntries(new URLSearchParams(hit?.body));
    assert.deepEqual(form, { pub_key_rsa: RSA, pub_key_ecdsa: ECDSA, pub_key_ed25519: ED25519, instance_id: 'i-0abc', hostname: 'test-host', fqdn: 'test-host' });
    assert.doesNotMatch(r.logText, /WARNING/);
  });

  it('post: a list sends only those keys; unknown names are warned about; a missing key file is left out', async () => {
    const r = await runModule(phoneHome, { phone_home: { url: `${base}/x`, post: ['instance_id', 'pub_key_rsa', 'pub_key_dsa', 'fqdn'] }, fqdn: 'web.example.org' }, { files: {} });
    assert.deepEqual(Object.fromEntries(new URLSearchParams(hits[0]?.body)), { instance_id: 'iid-test', fqdn: 'web.example.org' });
    assert.match(r.logText, /WARNING: phone_home\.post: "pub_key_dsa" is not one of/);
  });

  it('retries up to `tries` times', async () => {
    answers = [500, 503];
    const r = await runModule(phoneHome, { phone_home: { url: `${base}/r`, tries: 3 } });
    assert.equal(hits.length, 3);
    assert.doesNotMatch(r.logText, /WARNING/);
  });

  it('a failure after all tries is a warning, not a module failure', async () => {
    answers = [500, 500, 500];
    const r = await runModule(phoneHome, { phone_home: { url: `${base}/f`, tries: '2' } });
    assert.equal(r.error, undefined);
    assert.equal(hits.length, 2);
    assert.match(r.logText, /WARNING: phone_home: posting to .*\/f failed after 2 tries: .*HTTP 500/);
  });

  it('no url: warned, nothing sent; bad tries: warned, the default is used', async () => {
    const r = await runModule(phoneHome, { phone_home: { post: 'all' } });
    assert.match(r.logText, /WARNING: phone_home needs a url/);
    const t = await runModule(phoneHome, { phone_home: { url: `${base}/t`, tries: -1 } });
    assert.match(t.logText, /WARNING: phone_home\.tries -1 is not a positive integer/);
    assert.equal(hits.length, 1);
  });
});
