/**
 * The test cloud itself: DHCP, DNS names and HTTP reach the instance
 * namespace and nothing else; NICs come and go at run time; services can
 * be stopped or slowed; closing leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { missingCloudTools, startCloud, type TestCloud } from './cloud.ts';

const PROBE = fileURLToPath(new URL('./metadata-probe.ts', import.meta.url));

describe('the test cloud', { skip: missingCloudTools() }, () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startCloud({
      nics: [
        {
          name: 'eth0',
          mac: '52:54:00:00:01:10',
          cloudAddress: '10.9.0.1/24',
          dhcp: {
            range: ['10.9.0.100', '10.9.0.150'],
            dns: ['10.9.0.1'],
            // The metadata address on the link, as OpenStack and EC2 VPCs announce it.
            classlessRoutes: [
              { destination: '169.254.169.254/32', gateway: '0.0.0.0' },
              { destination: '0.0.0.0/0', gateway: '10.9.0.1' },
            ],
          },
        },
      ],
      addresses: ['169.254.169.254'],
      dnsNames: { 'data-server': '169.254.169.254' },
      http: { listen: ['169.254.169.254'], routes: [{ path: '/latest/meta-data/instance-id', body: 'i-0123456789' }] },
    });
  });
  after(async () => {
    await cloud?.close();
  });

  test('an instance reaches metadata over an ephemeral lease, by address and by DNS name', async () => {
    const r = await cloud.runNode(PROBE, ['eth0', 'dhclient', 'http://169.254.169.254/latest/meta-data/instance-id', 'data-server'], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { status: number; body: string; resolved: string[]; teardown: string[]; error?: string };
    assert.equal(out.error, undefined);
    assert.equal(out.status, 200);
    assert.equal(out.body, 'i-0123456789');
    assert.deepEqual(out.resolved, ['169.254.169.254']);
    assert.deepEqual(out.teardown, []);
    assert.equal((await cloud.run(['ip', '-4', 'addr', 'show', 'dev', 'eth0'])).stdout, '', 'no address left after the work');
    const seen = await cloud.requests();
    assert.deepEqual(seen.map((s) => `${s.method} ${s.path} ${s.local}`), ['GET /latest/meta-data/instance-id 169.254.169.254']);
  });

  test('routes are data the test replaces; a delayed route makes a slow service', async () => {
    await cloud.setRoutes([{ path: '/slow', body: 'late', delayMs: 1_500 }]);
    const r = await cloud.runNode(PROBE, ['eth0', 'udhcpc', 'http://169.254.169.254/slow'], { timeoutMs: 30_000 });
    const out = JSON.parse(r.stdout) as { status: number; body: string; fetchMs: number };
    assert.equal(out.body, 'late');
    assert.ok(out.fetchMs >= 1_400, `answered after ${out.fetchMs} ms`);
    const missing = await cloud.runNode(PROBE, ['eth0', 'udhcpc', 'http://169.254.169.254/latest/meta-data/instance-id'], { timeoutMs: 30_000 });
    assert.equal((JSON.parse(missing.stdout) as { status: number }).status, 404);
  });

  test('NICs are added and removed at run time; DHCP serves the new one', async () => {
    await cloud.addNic({ name: 'eth1', mac: '52:54:00:00:01:11', cloudAddress: '10.8.0.1/24', dhcp: { range: ['10.8.0.10', '10.8.0.20'] } });
    const links = await cloud.run(['ip', '-br', 'link']);
    assert.match(links.stdout, /^eth1@\S+\s+\S+\s+52:54:00:00:01:11/m);
    const r = await cloud.runNode(fileURLToPath(new URL('../../net/dhcp/ephemeral-probe.ts', import.meta.url)), ['eth1', 'dhclient', '5000']);
    assert.match(r.stdout, /"address":"10\.8\.0\.1\d"/);
    await cloud.removeNic('eth1');
    assert.doesNotMatch((await cloud.run(['ip', '-br', 'link'])).stdout, /eth1/);
    assert.doesNotMatch((await cloud.runInCloud(['ip', '-br', 'link'])).stdout, /ceth1/);
  });

  test('a stopped DHCP server gives no lease; started again it does', async () => {
    await cloud.stopDhcp();
    const probe = fileURLToPath(new URL('../../net/dhcp/ephemeral-probe.ts', import.meta.url));
    const none = await cloud.runNode(probe, ['eth0', 'udhcpc', '2000']);
    assert.match(none.stdout, /"ok":false/);
    await cloud.startDhcp();
    const again = await cloud.runNode(probe, ['eth0', 'udhcpc', '5000']);
    assert.match(again.stdout, /"ok":true/);
    assert.match(await cloud.dhcpLeases(), /52:54:00:00:01:10/);
  });

  test('a DHCP server slower than the budget: the client gives up in time', async () => {
    await cloud.startDhcp({ replyDelaySeconds: 4 });
    const probe = fileURLToPath(new URL('../../net/dhcp/ephemeral-probe.ts', import.meta.url));
    const slow = JSON.parse((await cloud.runNode(probe, ['eth0', 'dhclient', '2000'])).stdout) as { ok: boolean; error: string; elapsedMs: number };
    assert.equal(slow.ok, false);
    assert.match(slow.error, /no lease within 2 s/);
    assert.ok(slow.elapsedMs < 2_000 + 3_000, `took ${slow.elapsedMs} ms`);
    await cloud.startDhcp({ replyDelaySeconds: 0 });
  });

  test('close ends everything: no namespace, no process, no interface on the host', async () => {
    const netnsBefore = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    const other = await startCloud({ nics: [{ name: 'eth9', mac: '52:54:00:00:01:99', cloudAddress: '10.99.0.1/24', dhcp: { range: ['10.99.0.10', '10.99.0.20'] } }] });
    await other.close();
    await other.close();
    assert.doesNotMatch(execFileSync('ip', ['-br', 'link'], { encoding: 'utf8' }), /eth9|ceth9/);
    // The cloud's namespaces were never visible here; whatever else the host has is unchanged.
    assert.equal(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }), netnsBefore);
    assert.doesNotMatch(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }), /10\.99\.0\.10/);
  });
});

interface AddrJson {
  ifname: string;
  operstate?: string;
  flags?: string[];
  addr_info?: { family: string; local: string; prefixlen: number; scope?: string; tentative?: boolean }[];
}
interface RouteJson {
  dst: string;
  gateway?: string;
  dev: string;
  protocol?: string;
}

describe('the test cloud over IPv6', { skip: missingCloudTools() }, () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startCloud({
      nics: [
        // Router advertisements with a prefix: the kernel makes its own address (SLAAC).
        { name: 'eth0', mac: '52:54:00:00:02:10', cloudAddress: '10.9.0.1/24', ipv6: { cloudAddress: '2001:db8:9::1/64', ra: 'slaac' } },
        // Router advertisements that send the instance to DHCPv6 (M flag).
        {
          name: 'eth1',
          mac: '52:54:00:00:02:11',
          cloudAddress: '10.8.0.1/24',
          up: true,
          ipv6: { cloudAddress: '2001:db8:8::1/64', ra: 'stateful', dhcpRange: ['2001:db8:8::100', '2001:db8:8::1ff'] },
        },
      ],
      addresses: ['fd00:ec2::254'],
      http: { listen: ['fd00:ec2::254'], routes: [{ path: '/latest/meta-data/', body: 'instance-id\n' }] },
    });
  });
  after(async () => {
    await cloud?.close();
  });

  const json = async <T>(argv: string[]): Promise<T> => {
    const r = await cloud.run(argv);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout || '[]') as T;
  };
  /** Poll `check` every 100 ms until it returns something, at most `ms`. */
  const until = async <T>(ms: number, what: string, check: () => Promise<T | undefined>): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await check();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`${what} not within ${ms} ms\n${cloud.log().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const globalAddresses = async (dev: string) =>
    (await json<AddrJson[]>(['ip', '-j', '-6', 'addr', 'show', 'dev', dev, 'scope', 'global']))
      .flatMap((l) => l.addr_info ?? [])
      // `ip -j` prints an empty object for each address the scope filter drops.
      .filter((a) => a.local && !a.tentative);
  const defaultRoutes = (dev: string) => json<RouteJson[]>(['ip', '-j', '-6', 'route', 'show', 'default', 'dev', dev]);
  /** The cloud side's own link-local address on a NIC (the router the instance should use). */
  const cloudLinkLocal = async (dev: string) =>
    (JSON.parse((await cloud.runInCloud(['ip', '-j', '-6', 'addr', 'show', 'dev', dev, 'scope', 'link'])).stdout) as AddrJson[]).flatMap((l) => l.addr_info ?? []).flatMap((a) => (a.local ? [a.local] : []));
  const curl = (url: string) => cloud.run(['/usr/bin/curl', '-gsS', '--max-time', '3', url], { timeoutMs: 10_000 });

  test('SLAAC: an address in the advertised /64, a default route via the cloud, HTTP on fd00:ec2::254', async () => {
    const t0 = Date.now();
    assert.deepEqual(await globalAddresses('eth0'), [], 'no address before the link is up');
    assert.equal((await cloud.run(['ip', 'link', 'set', 'dev', 'eth0', 'up'])).code, 0);
    const [addr] = await until(10_000, 'a SLAAC address on eth0', async () => {
      const a = await globalAddresses('eth0');
      return a.length > 0 ? a : undefined;
    });
    assert.match(addr?.local ?? '', /^2001:db8:9:0:/);
    assert.equal(addr?.prefixlen, 64);
    const [route] = await until(10_000, 'a default route on eth0', async () => {
      const r = await defaultRoutes('eth0');
      return r.length > 0 ? r : undefined;
    });
    assert.equal(route?.protocol, 'ra');
    assert.ok((await cloudLinkLocal('ceth0')).includes(route?.gateway ?? ''), `gateway ${route?.gateway} is the cloud side's link-local address`);
    // The first advertisement was taken (about 2-3 s: solicitation delay and DAD); an answer only
    // to the retried solicitation, 4 s later, would take 7 s or more.
    assert.ok(Date.now() - t0 < 6_000, `took ${Date.now() - t0} ms`);

    const r = await curl('http://[fd00:ec2::254]/latest/meta-data/');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'instance-id\n');
    const seen = await cloud.requests();
    assert.deepEqual(seen.map((s) => `${s.method} ${s.path} ${s.local}`), ['GET /latest/meta-data/ fd00:ec2::254']);
    assert.equal(seen[0]?.headers['host'], '[fd00:ec2::254]');
  });

  test('a link broken from the cloud side: no carrier, no answer; mended: answers again', async () => {
    await cloud.setLinkUp('eth0', false);
    const [down] = await json<AddrJson[]>(['ip', '-j', 'link', 'show', 'dev', 'eth0']);
    assert.ok(down?.flags?.includes('NO-CARRIER'), `flags ${JSON.stringify(down?.flags)}`);
    const broken = await curl('http://[fd00:ec2::254]/latest/meta-data/');
    assert.notEqual(broken.code, 0, 'no answer over a broken link');
    await cloud.setLinkUp('eth0', true);
    // The cloud side kept its global address; the instance runs DAD again on its own.
    const back = await until(10_000, 'an answer after the link came back', async () => {
      const r = await curl('http://[fd00:ec2::254]/latest/meta-data/');
      return r.code === 0 ? r : undefined;
    });
    assert.equal(back.stdout, 'instance-id\n');
    await cloud.requests();
  });

  test('stateful DHCPv6: no SLAAC address, dhclient -6 gets one from the range', async () => {
    // eth1 is up since creation; the advertisement gave a route but no address.
    await until(10_000, 'a default route on eth1', async () => {
      const r = await defaultRoutes('eth1');
      return r.length > 0 ? r : undefined;
    });
    assert.deepEqual(await globalAddresses('eth1'), []);
    const files = ['-lf', '/run/dhclient6-eth1.leases', '-pf', '/run/dhclient6-eth1.pid'];
    // -1: one try, then give up; -sf /bin/true: no distro hook script (the lease is read from the file).
    const r = await cloud.run(['/usr/sbin/dhclient', '-6', '-1', '-sf', '/bin/true', ...files, 'eth1'], { timeoutMs: 20_000 });
    // dhclient stays in the background after binding: stop it (-x: no release).
    await cloud.run(['/usr/sbin/dhclient', '-6', '-x', '-sf', '/bin/true', ...files, 'eth1'], { timeoutMs: 10_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.timedOut, false);
    const lease = (await cloud.run(['cat', '/run/dhclient6-eth1.leases'])).stdout;
    const got = /iaaddr (2001:db8:8::[0-9a-f]+) \{/.exec(lease)?.[1];
    assert.ok(got, lease);
    const n = parseInt(got.split('::')[1] ?? '', 16);
    assert.ok(n >= 0x100 && n <= 0x1ff, `${got} is in the range`);
    assert.ok((await cloud.dhcpLeases()).includes(got), 'dnsmasq recorded the lease');
  });
});
