/**
 * CloudStack's pure parts: the password server's answers, the virtual
 * router's discovery order (with a scripted context: which methods yield
 * which addresses, which addresses answer), the gateway from /proc, and
 * instance confirmation by DMI UUID. The real protocol, end to end, is in
 * test/e2e/cloudstack.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DiskRoot } from '../../../src/host/root-fs.ts';
import { Log } from '../../../src/host/log.ts';
import { cloudStack } from '../../../src/sources/cloudstack/index.ts';
import { parsePasswordAnswer, PasswordServerError } from '../../../src/sources/cloudstack/password.ts';
import { discoverVirtualRouter, leaseGateway, resolvConfNameservers, VR_METHODS } from '../../../src/sources/cloudstack/router.ts';
import type { CrawlContext, Crawled, NetworkAccess } from '../../../src/sources/types.ts';
import { procDefaultGateway } from '../../../src/host/net-facts.ts';

const URL = 'http://10.1.1.1:8080/';
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function root(files: Record<string, string>): DiskRoot {
  const d = mkdtempSync(join(tmpdir(), 'stratus-cs-'));
  dirs.push(d);
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(dirname(join(d, p)), { recursive: true });
    writeFileSync(join(d, p), c);
  }
  return new DiskRoot(d);
}

function ctx(fs: DiskRoot, over: Partial<CrawlContext> = {}): CrawlContext & { logged: string[] } {
  const logged: string[] = [];
  const log = new Log({ debug: false, tag: 'test' });
  for (const level of ['debug', 'info', 'warn'] as const) {
    const orig = log[level].bind(log);
    log[level] = (m: string) => {
      logged.push(`${level}: ${m}`);
      if (level === 'warn') orig(m);
    };
  }
  return {
    fs,
    log,
    stage: 'local',
    cfg: {},
    cmdline: '',
    dmi: () => null,
    filesystemsLabelled: () => [],
    httpGet: () => Promise.reject(new Error('no HTTP in this test')),
    httpPut: () => Promise.reject(new Error('no HTTP in this test')),
    withNetwork: () => Promise.reject(new Error('no network in this test')),
    resolve4: async () => [],
    defaultGateway: () => null,
    ...over,
    logged,
  };
}

describe('password server answers', () => {
  const b = (s: string) => Buffer.from(s, 'utf8');
  test('a password, with its line end removed and its spaces kept', () => {
    assert.deepEqual(parsePasswordAnswer(b('s3cret pass\n'), URL), { kind: 'new', password: 's3cret pass' });
    assert.deepEqual(parsePasswordAnswer(b('p:w\r\n'), URL), { kind: 'new', password: 'p:w' });
  });
  test('empty or saved_password: nothing new', () => {
    for (const t of ['', '\n', 'saved_password', 'saved_password\n']) assert.deepEqual(parsePasswordAnswer(b(t), URL), { kind: 'none' });
  });
  test('bad_request, control characters, invalid UTF-8 and huge bodies are errors that do not show the body', () => {
    for (const body of [b('bad_request'), b('a\nb'), b('x\0y'), Buffer.from([0x61, 0xff, 0x62]), b('x'.repeat(600))]) {
      assert.throws(() => parsePasswordAnswer(body, URL), (e: Error) => e instanceof PasswordServerError && e.message.startsWith(URL) && !e.message.includes('xxxx'));
    }
  });
});

describe('virtual router discovery', () => {
  const lease: NetworkAccess = {
    iface: 'eth0',
    lease: { interface: 'eth0', address: '10.1.1.50', prefix: 24, routers: ['10.1.1.254'], staticRoutes: [], serverIdentifier: '10.1.1.2', dns: ['10.1.1.3'], domain: 'cs.example', client: 'dhclient' },
  };
  const networkdLease = 'ADDRESS=10.1.1.50\nNETMASK=255.255.255.0\nROUTER=10.1.1.254\nSERVER_ADDRESS=10.1.1.4\n';

  test('methods in order; each address once; the first that answers wins; every step logged', async () => {
    const asked: string[] = [];
    const fs = root({ 'run/systemd/netif/leases/2': networkdLease, 'sys/class/net/eth0/ifindex': '2\n' });
    const c = ctx(fs, {
      resolve4: async (name, servers) => {
        asked.push(`${name}@${servers.join(',')}`);
        return name === 'data-server' ? ['10.1.1.2'] : [];
      },
    });
    const probed: string[] = [];
    const r = await discoverVirtualRouter(c, lease, async (a) => (probed.push(a), a === '10.1.1.4'), { deadline: Infinity, now: () => 0 });
    assert.equal(r.found?.address, '10.1.1.4');
    assert.equal(r.found?.method, 'networkd lease');
    // 10.1.1.2 came from the lease and again from DNS: probed once.
    assert.deepEqual(probed, ['10.1.1.2', '10.1.1.4']);
    assert.deepEqual(asked, ['data-server@10.1.1.3']);
    assert.ok(c.logged.some((l) => /candidate 10\.1\.1\.2 from ephemeral lease .* does not answer/.test(l)), c.logged.join('\n'));
    assert.ok(c.logged.some((l) => /virtual router 10\.1\.1\.4 found by networkd lease/.test(l)), c.logged.join('\n'));
  });

  test('nothing answers: null, with what each method gave', async () => {
    const c = ctx(root({}));
    const r = await discoverVirtualRouter(c, lease, async () => false, { deadline: Infinity, now: () => 0 });
    assert.equal(r.found, null);
    assert.equal(r.tried.length, VR_METHODS.length);
    assert.match(r.tried.join('; '), /ephemeral lease: 10\.1\.1\.2 does not answer.*dns data-server: no address.*default gateway: 10\.1\.1\.254 does not answer/);
  });

  test('the budget stops the search', async () => {
    let t = 0;
    const c = ctx(root({}));
    const r = await discoverVirtualRouter(c, lease, async () => ((t += 100), false), { deadline: 100, now: () => t });
    assert.equal(r.found, null);
    assert.match(r.tried.at(-1) ?? '', /not tried, the time budget is spent/);
  });

  test('without a lease (network stage): DNS from the target resolv.conf, the gateway of the live system', async () => {
    const seen: string[] = [];
    const c = ctx(root({ 'etc/resolv.conf': '# x\nnameserver 10.1.1.3\nnameserver fe80::1\nsearch cs.example\n' }), {
      resolve4: async (name, servers) => (seen.push(`${name}@${servers.join(',')}`), []),
      defaultGateway: () => '10.1.1.254',
    });
    const r = await discoverVirtualRouter(c, { iface: null, lease: null }, async (a) => a === '10.1.1.254', { deadline: Infinity, now: () => 0 });
    assert.deepEqual(seen, ['data-server@10.1.1.3']);
    assert.equal(r.found?.method, 'default gateway');
  });

  test('helpers: resolv.conf nameservers (IPv4), lease gateways (RFC 3442 first), /proc/net/route', () => {
    assert.deepEqual(resolvConfNameservers('nameserver 1.1.1.1\n nameserver 8.8.8.8 # x\nnameserver ::1\n'), ['1.1.1.1', '8.8.8.8']);
    assert.equal(leaseGateway({ routers: ['10.0.0.1'], staticRoutes: [] }), '10.0.0.1');
    assert.equal(leaseGateway({ routers: ['10.0.0.1'], staticRoutes: [{ destination: '0.0.0.0/0', gateway: '10.0.0.9' }] }), '10.0.0.9');
    assert.equal(leaseGateway({ routers: ['10.0.0.1'], staticRoutes: [{ destination: '10.5.0.0/16', gateway: '10.0.0.9' }] }), undefined);
    const route = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n' +
      'eth0\t0001010A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n' +
      'eth0\t00000000\tFE01010A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n';
    assert.equal(procDefaultGateway(route), '10.1.1.254');
    assert.equal(procDefaultGateway(route.split('\n').slice(0, 2).join('\n')), null);
  });
});

describe('instance confirmation', () => {
  const cached = { metaData: { 'vm-id': 'A1B2C3D4-0000-4000-8000-000000000001' } } as unknown as Crawled;
  test('the DMI system UUID is the cached vm-id: the same instance, no request', () => {
    const c = ctx(root({}), { dmi: (k) => (k === 'product_uuid' ? 'a1b2c3d4-0000-4000-8000-000000000001' : null) });
    assert.equal(cloudStack.checkInstanceId?.(c, 'i-2-3-VM', cached), true);
  });
  test('another UUID or none: cannot tell (crawled again)', () => {
    assert.equal(cloudStack.checkInstanceId?.(ctx(root({}), { dmi: () => 'ffffffff-0000-4000-8000-000000000001' }), 'x', cached), null);
    assert.equal(cloudStack.checkInstanceId?.(ctx(root({})), 'x', cached), null);
  });
});
