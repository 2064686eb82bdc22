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
