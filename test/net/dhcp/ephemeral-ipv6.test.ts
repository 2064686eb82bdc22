/**
 * IPv6 link-local for a metadata service on fe80::a9fe:a9fe (OpenStack's
 * IPv6 metadata address), end to end in the test cloud: stratus's
 * bringUpLinkLocal runs inside the instance namespace, then stratus's own
 * HTTP client fetches http://[fe80::a9fe:a9fe%eth0]/openstack from the
 * cloud's HTTP server listening on that link-local address.
 *
 * This file is both the test and the probe it runs in the instance
 * namespace: started as `node --import tsx ephemeral-ipv6.test.ts --probe
 * <iface> <timeoutMs> [url]`, it brings the link-local address up, fetches
 * the URL, tears down and prints one JSON object instead of running tests.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { missingCloudTools, startCloud, type TestCloud } from '../../e2e/cloud/cloud.ts';
import { bringUpLinkLocal } from '../../../src/net/dhcp/ephemeral-ipv6.ts';
import { httpGet } from '../../../src/host/http.ts';

const SELF = fileURLToPath(import.meta.url);

interface ProbeResult {
  ok: boolean;
  error?: string;
  name?: string;
  address?: string;
  changes?: string[];
  status?: number;
  body?: string;
  problems?: string[];
  elapsedMs: number;
}

/** The probe: runs in the instance namespace only (see the header). */
async function probe(iface: string, timeoutMs: number, url: string | undefined): Promise<ProbeResult> {
  const t0 = Date.now();
  try {
    const ll = await bringUpLinkLocal(iface, { exec: { root: '/', dryRun: false }, timeoutMs });
    let fetched: { status?: number; body?: string; error?: string } = {};
    if (url) {
      try {
        const r = await httpGet(url, { timeoutMs: 3_000, retries: 0 });
        fetched = { status: r.status, body: r.body.toString('utf8') };
      } catch (e) {
        fetched = { error: (e as Error).message };
      }
    }
    const problems = ll.teardown();
    return { ok: fetched.error === undefined, ...fetched, address: ll.address, changes: [...ll.changes], problems, elapsedMs: Date.now() - t0 };
  } catch (e) {
    return { ok: false, error: (e as Error).message, name: (e as Error).name, elapsedMs: Date.now() - t0 };
  }
}

if (process.argv[2] === '--probe') {
  const [iface = 'eth0', timeout = '5000', url] = process.argv.slice(3);
  process.stdout.write(`${JSON.stringify(await probe(iface, Number(timeout), url))}\n`);
} else {
  describe('IPv6 link-local metadata (bringUpLinkLocal + httpGet) against the test cloud', { skip: missingCloudTools() }, () => {
    let cloud: TestCloud;
    before(async () => {
      cloud = await startCloud({
        nics: [
          // The link starts down: bringUpLinkLocal brings it up, teardown puts it down again.
          { name: 'eth0', mac: '52:54:00:00:03:10', cloudAddress: '10.9.0.1/24', ipv6: { linkLocal: ['fe80::a9fe:a9fe'] } },
          // The link starts up: teardown leaves it up.
          { name: 'eth1', mac: '52:54:00:00:03:11', cloudAddress: '10.8.0.1/24', up: true, ipv6: { linkLocal: ['fe80::a9fe:a9fe'] } },
          // IPv6 gets disabled on this one (the failure case).
          { name: 'eth2', mac: '52:54:00:00:03:12', cloudAddress: '10.7.0.1/24' },
        ],
        http: {
          // The same link-local address on two links: the scope says which one.
          listen: ['fe80::a9fe:a9fe%ceth0', 'fe80::a9fe:a9fe%ceth1'],
          routes: [{ path: '/openstack', body: '2012-08-10\nlatest\n' }],
        },
      });
    });
    after(async () => {
      await cloud?.close();
    });

    const run = async (iface: string, timeoutMs: number, url?: string): Promise<ProbeResult> => {
      const r = await cloud.runNode(SELF, ['--probe', iface, String(timeoutMs), ...(url ? [url] : [])], { timeoutMs: timeoutMs + 20_000 });
      assert.equal(r.code, 0, `probe failed: ${r.stderr}\n${cloud.log().slice(-2000)}`);
      return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as ProbeResult;
    };
    const linkUp = async (iface: string): Promise<boolean> => {
      const r = await cloud.run(['ip', '-j', 'link', 'show', 'dev', iface]);
      assert.equal(r.code, 0, r.stderr);
      return ((JSON.parse(r.stdout) as { flags?: string[] }[])[0]?.flags ?? []).includes('UP');
    };

    test('a link that was down: up, metadata fetched over fe80::a9fe:a9fe%eth0, down again', async () => {
      assert.equal(await linkUp('eth0'), false);
      const r = await run('eth0', 5_000, 'http://[fe80::a9fe:a9fe%eth0]/openstack');
      assert.equal(r.ok, true, r.error);
      // EUI-64 from the MAC: the kernel's default address generation.
      assert.equal(r.address, 'fe80::5054:ff:fe00:310');
      assert.deepEqual(r.changes, ['link up']);
      assert.equal(r.status, 200);
      assert.equal(r.body, '2012-08-10\nlatest\n');
      assert.deepEqual(r.problems, []);
      assert.equal(await linkUp('eth0'), false, 'teardown put the link down again');
      const seen = await cloud.requests();
      // It arrived on eth0's link (the cloud side, ceth0), not eth1's, which has the same address.
      assert.deepEqual(seen.map((s) => `${s.method} ${s.path} ${s.local}`), ['GET /openstack fe80::a9fe:a9fe%ceth0']);
      // The zone is for this machine's socket; the server sees the plain address.
      assert.equal(seen[0]?.headers['host'], '[fe80::a9fe:a9fe]');
    });

    test('a link that was up: nothing to change, the RFC 6874 form (%25) works too, the link stays up', async () => {
      assert.equal(await linkUp('eth1'), true);
      const r = await run('eth1', 5_000, 'http://[fe80::a9fe:a9fe%25eth1]/openstack');
      assert.equal(r.ok, true, r.error);
      assert.equal(r.address, 'fe80::5054:ff:fe00:311');
      assert.deepEqual(r.changes, []);
      assert.equal(r.body, '2012-08-10\nlatest\n');
      assert.equal(await linkUp('eth1'), true, 'teardown left the link up');
      assert.deepEqual((await cloud.requests()).map((s) => `${s.path} ${s.local}`), ['/openstack fe80::a9fe:a9fe%ceth1']);
    });

    test('IPv6 disabled on the NIC: DhcpError within the budget, the link down again', async () => {
      const off = await cloud.run(['sysctl', '-qw', 'net.ipv6.conf.eth2.disable_ipv6=1']);
      assert.equal(off.code, 0, off.stderr);
      const r = await run('eth2', 1_500);
      assert.equal(r.ok, false);
      assert.equal(r.name, 'DhcpError');
      assert.match(r.error ?? '', /no usable IPv6 link-local address within 1\.5 s/);
      assert.ok(r.elapsedMs >= 1_500 && r.elapsedMs < 1_500 + 2_000, `gave up after ${r.elapsedMs} ms`);
      assert.equal(await linkUp('eth2'), false, 'the failed attempt put the link down again');
    });
  });
}
