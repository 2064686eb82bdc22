/**
 * Ephemeral DHCPv4 against real dnsmasq in the test cloud, with each real
 * client (dhcpcd, dhclient, busybox udhcpc). The stratus code runs inside
 * the instance namespace (ephemeral-probe.ts); the namespace's addresses and
 * routes are compared before and after, and nothing runs outside the
 * sandbox the cloud owns.
 */
import assert from 'node:assert/strict';
import { accessSync, chmodSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { missingCloudTools, startCloud, type TestCloud } from '../../e2e/cloud/cloud.ts';
import { parseClasslessBytes, parseRoutePairs, parseScriptRecord, type BoundLease } from '../../../src/net/dhcp/client-env.ts';
import { planLease, parseLinkState } from '../../../src/net/dhcp/ephemeral-plan.ts';
import { dhclientLease } from '../../../src/net/dhcp/client-dhclient.ts';
import { chooseDhcpClient, DhcpError, obtainEphemeralLease } from '../../../src/net/dhcp/ephemeral.ts';

const PROBE = fileURLToPath(new URL('./ephemeral-probe.ts', import.meta.url));

interface ProbeResult {
  ok: boolean;
  error?: string;
  lease?: BoundLease;
  changes?: string[];
  during?: { addr: { addr_info: { local: string; prefixlen: number }[] }[]; routes: { dst: string; gateway?: string; dev: string }[] };
  problems?: string[];
  again?: string[];
  address?: string;
  reachable?: string;
  notes?: string[];
  elapsedMs: number;
}

/** The namespace's addresses and routes, without the fields that change with time alone. */
async function snapshot(cloud: TestCloud): Promise<unknown> {
  const json = async (argv: string[]) => {
    const r = await cloud.run(argv);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout || '[]') as Record<string, unknown>[];
  };
  const links = (await json(['ip', '-j', 'addr'])).map((l) => ({
    ifname: l['ifname'],
    flags: l['flags'],
    operstate: l['operstate'],
    address: l['address'],
    addr: ((l['addr_info'] ?? []) as Record<string, unknown>[]).map((a) => ({ family: a['family'], local: a['local'], prefixlen: a['prefixlen'], broadcast: a['broadcast'] })),
  }));
  const routes = [...(await json(['ip', '-j', '-4', 'route', 'show', 'table', 'all'])), ...(await json(['ip', '-j', '-6', 'route', 'show', 'table', 'all']))].map((r) => {
    const { expires: _e, ...rest } = r;
    return rest;
  });
  return { links, routes };
}

async function probe(cloud: TestCloud, iface: string, client: string, timeoutMs = 10_000, mode = 'dhcp'): Promise<ProbeResult> {
  const r = await cloud.runNode(PROBE, [iface, client, String(timeoutMs), mode], { timeoutMs: timeoutMs + 20_000 });
  assert.equal(r.code, 0, `probe failed: ${r.stderr}\n${cloud.log().slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as ProbeResult;
}

const installed = (p: string) => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

const CLIENTS = [
  { name: 'dhcpcd', binary: '/usr/sbin/dhcpcd' },
  { name: 'dhclient', binary: '/usr/sbin/dhclient' },
  { name: 'udhcpc', binary: '/usr/bin/busybox' },
] as const;

const skipCloud = missingCloudTools();

for (const client of CLIENTS) {
  const skip = skipCloud ?? (installed(client.binary) ? undefined : `${client.binary} is not installed`);
  describe(`ephemeral DHCP with ${client.name} against dnsmasq`, { skip }, () => {
    let cloud: TestCloud;
    before(async () => {
      cloud = await startCloud({
        nics: [
          // Plain options; the link starts down (teardown must put it down again).
          {
            name: 'eth0',
            mac: '52:54:00:00:00:10',
            cloudAddress: '10.9.0.1/24',
            dhcp: { range: ['10.9.0.100', '10.9.0.150'], fixedAddress: '10.9.0.50', dns: ['10.9.0.1', '10.9.0.2'], domain: 'cloud.internal', leaseTime: '3600' },
          },
          // Classless routes and a router that must lose to them; the link starts up.
          {
            name: 'eth1',
            mac: '52:54:00:00:00:11',
            cloudAddress: '10.8.0.1/24',
            up: true,
            dhcp: {
              range: ['10.8.0.100', '10.8.0.150'],
              fixedAddress: '10.8.0.60',
              router: '10.8.0.1',
              classlessRoutes: [
                { destination: '192.168.50.0/24', gateway: '10.8.0.1' },
                { destination: '169.254.169.254/32', gateway: '0.0.0.0' },
                { destination: '0.0.0.0/0', gateway: '10.8.0.254' },
              ],
            },
          },
          // No DHCP server behind this one.
          { name: 'eth2', mac: '52:54:00:00:00:12', cloudAddress: '10.7.0.1/24' },
        ],
      });
    });
    after(async () => {
      await cloud?.close();
    });

    test('lease fields match dnsmasq, address and default route applied, teardown restores the namespace', async () => {
      await linkLocalSettled(cloud, 'eth0');
      const beforeState = await snapshot(cloud);
      const r = await probe(cloud, 'eth0', client.name);
      assert.equal(r.ok, true, r.error);
      assert.deepEqual(r.lease, {
        interface: 'eth0',
        address: '10.9.0.50',
        prefix: 24,
        broadcast: '10.9.0.255',
        routers: ['10.9.0.1'],
        staticRoutes: [],
        serverIdentifier: '10.9.0.1',
        dns: ['10.9.0.1', '10.9.0.2'],
        domain: 'cloud.internal',
        leaseTimeSeconds: 3600,
        client: client.name,
      });
      assert.deepEqual(r.changes, ['link up', 'address 10.9.0.50/24', 'route default via 10.9.0.1']);
      assert.deepEqual(r.during?.addr[0]?.addr_info.map((a) => `${a.local}/${a.prefixlen}`), ['10.9.0.50/24']);
      assert.ok(r.during?.routes.some((x) => x.dst === 'default' && x.gateway === '10.9.0.1' && x.dev === 'eth0'), JSON.stringify(r.during?.routes));
      assert.deepEqual(r.problems, []);
      assert.deepEqual(r.again, [], 'a second teardown does nothing');
      assert.deepEqual(await snapshot(cloud), beforeState);
    });

    test('classless static routes win over the router option (RFC 3442); teardown keeps the link up', async () => {
      await linkLocalSettled(cloud, 'eth1');
      const beforeState = await snapshot(cloud);
      const r = await probe(cloud, 'eth1', client.name);
      assert.equal(r.ok, true, r.error);
      assert.deepEqual(r.lease?.staticRoutes, [
        { destination: '192.168.50.0/24', gateway: '10.8.0.1' },
        { destination: '169.254.169.254/32', gateway: '0.0.0.0' },
        { destination: '0.0.0.0/0', gateway: '10.8.0.254' },
      ]);
      assert.deepEqual(r.lease?.routers, ['10.8.0.1']);
      assert.deepEqual(r.changes, ['address 10.8.0.60/24', 'route 192.168.50.0/24 via 10.8.0.1', 'route 169.254.169.254/32', 'route default via 10.8.0.254']);
      const routes = (r.during?.routes ?? []).map((x) => `${x.dst} ${x.gateway ?? '-'} ${x.dev}`);
      assert.ok(routes.includes('default 10.8.0.254 eth1'), routes.join('; '));
      assert.ok(routes.includes('192.168.50.0/24 10.8.0.1 eth1'), routes.join('; '));
      assert.ok(routes.includes('169.254.169.254 - eth1'), routes.join('; '));
      assert.ok(!routes.includes('default 10.8.0.1 eth1'), 'the router option is ignored');
      assert.deepEqual(r.problems, []);
      assert.deepEqual(await snapshot(cloud), beforeState);
    });

    test('no DHCP server: a bounded failure with a clear message, nothing left behind', async () => {
      await linkLocalSettled(cloud, 'eth2');
      const beforeState = await snapshot(cloud);
      const r = await probe(cloud, 'eth2', client.name, 3_000);
      assert.equal(r.ok, false);
      assert.match(r.error ?? '', new RegExp(`^ephemeral DHCP on eth2 \\(${client.name}\\): (no lease within 3 s|.*gave up)`));
      // The budget plus the ip commands and the kill; generous because the CPU is shared in CI.
      assert.ok(r.elapsedMs < 3_000 + 3_000, `took ${r.elapsedMs} ms`);
      assert.deepEqual(await snapshot(cloud), beforeState);
    });
  });
}

describe('IPv6 link-local and the connectivity check', { skip: skipCloud }, () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await startCloud({
      nics: [{ name: 'eth0', mac: '52:54:00:00:00:20', cloudAddress: '10.9.0.1/24', dhcp: { range: ['10.9.0.100', '10.9.0.150'] } }],
      addresses: ['169.254.169.254'],
      http: { listen: ['169.254.169.254'], routes: [{ path: '/', body: 'ok' }] },
    });
  });
  after(async () => {
    await cloud?.close();
  });

  test('link-local: the link comes up, the address is usable, teardown puts the link down again', async () => {
    await linkLocalSettled(cloud, 'eth0');
    const beforeState = await snapshot(cloud);
    const r = await probe(cloud, 'eth0', 'dhclient', 5_000, 'ipv6');
    assert.equal(r.ok, true, r.error);
    // EUI-64 from the MAC: the kernel's default address generation.
    assert.equal(r.address, 'fe80::5054:ff:fe00:20');
    assert.deepEqual(r.changes, ['link up']);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.again, []);
    assert.deepEqual(await snapshot(cloud), beforeState);
  });

  test('metadata unreachable: DHCP runs; already reachable: nothing is touched', async () => {
    const url = 'http://169.254.169.254/';
    const leased = await probe(cloud, 'eth0', 'dhclient', 5_000, `check=${url}`);
    assert.equal(leased.ok, true, leased.error);
    assert.equal(leased.lease?.client, 'dhclient');
    // The OS network is up already (here: configured by hand): no DHCP, no change.
    for (const argv of [
      ['ip', 'link', 'set', 'dev', 'eth0', 'up'],
      ['ip', 'addr', 'add', '10.9.0.77/24', 'dev', 'eth0'],
      ['ip', 'route', 'add', '169.254.169.254/32', 'via', '10.9.0.1'],
    ]) {
      const r = await cloud.run(argv);
      assert.equal(r.code, 0, r.stderr);
    }
    // The kernel adds the link's IPv6 link-local address (and its routes) a moment after the link
    // comes up; compare only once that has settled, or the change would be the kernel's, not ours.
    await linkLocalSettled(cloud, 'eth0');
    const beforeState = await snapshot(cloud);
    const skipped = await probe(cloud, 'eth0', 'dhclient', 5_000, `check=${url}`);
    assert.equal(skipped.ok, true, skipped.error);
    assert.equal(skipped.reachable, url);
    assert.deepEqual(await snapshot(cloud), beforeState);
  });
});

/** Wait (at most 5 s) until an up link has a link-local IPv6 address that is no longer tentative. */
async function linkLocalSettled(c: TestCloud, iface: string): Promise<void> {
  const link = await c.run(['ip', '-j', 'link', 'show', 'dev', iface]);
  const flags = (JSON.parse(link.stdout || '[]') as { flags?: string[] }[])[0]?.flags ?? [];
  if (!flags.includes('UP')) return;
  for (let i = 0; i < 50; i++) {
    const r = await c.run(['ip', '-j', '-6', 'addr', 'show', 'dev', iface]);
    const info = (JSON.parse(r.stdout || '[]') as { addr_info?: { scope?: string; tentative?: boolean }[] }[])[0]?.addr_info ?? [];
    if (info.some((a) => a.scope === 'link' && !a.tentative)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${iface}: no settled IPv6 link-local address within 5 s`);
}

describe('ephemeral DHCP, pure parts', () => {
  test('RFC 3442 bytes (dhclient) and dest/len pairs (dhcpcd, udhcpc) give the same routes', () => {
    const want = [
      { destination: '192.168.50.0/24', gateway: '10.9.0.1' },
      { destination: '0.0.0.0/0', gateway: '10.9.0.254' },
    ];
    assert.deepEqual(parseClasslessBytes('24 192 168 50 10 9 0 1 0 10 9 0 254'), want);
    assert.deepEqual(parseClasslessBytes('24,192,168,50,10,9,0,1,0,10,9,0,254'), want);
    assert.deepEqual(parseRoutePairs('192.168.50.0/24 10.9.0.1 0.0.0.0/0 10.9.0.254'), want);
    // A truncated or malformed route ends the list; what came before it stays.
    assert.deepEqual(parseClasslessBytes('24 192 168 50 10 9 0 1 16 10'), want.slice(0, 1));
    assert.deepEqual(parseRoutePairs('192.168.50.0/24 10.9.0.1 nonsense 10.9.0.254'), want.slice(0, 1));
  });

  test('only bound records carry a lease', () => {
    const preinit = parseScriptRecord('arg=\nreason=PREINIT\ninterface=eth0\n');
    assert.equal(dhclientLease(preinit, 'eth0'), undefined);
    const bound = parseScriptRecord('arg=\nreason=BOUND\ninterface=eth0\nnew_ip_address=10.0.0.5\nnew_subnet_mask=255.255.0.0\n');
    assert.equal(dhclientLease(bound, 'eth0')?.prefix, 16);
  });

  test('plan: an existing default route is kept; an off-subnet gateway is marked onlink', () => {
    const lease: BoundLease = { interface: 'eth0', address: '10.0.0.5', prefix: 24, routers: ['10.0.0.1'], staticRoutes: [], dns: [], client: 'dhclient' };
    const state = parseLinkState('[{"ifname":"eth0","flags":["BROADCAST","UP"]}]', '[]');
    assert.equal(state.up, true);
    assert.deepEqual(
      planLease(lease, state, true).map((c) => c.what),
      ['address 10.0.0.5/24'],
    );
    const off = planLease({ ...lease, routers: ['192.0.2.1'] }, state, false);
    assert.deepEqual(off[1]?.add, ['ip', '-4', 'route', 'add', 'default', 'via', '192.0.2.1', 'onlink', 'dev', 'eth0']);
  });

  test('client choice: priority order, unknown names noted and skipped, busybox stands in for udhcpc', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratus-dhcp-choice-'));
    try {
      for (const name of ['dhclient', 'busybox']) {
        writeFileSync(join(dir, name), '#!/bin/sh\n');
        chmodSync(join(dir, name), 0o755);
      }
      const notes: string[] = [];
      const a = chooseDhcpClient(['pump', 'dhcpcd', 'udhcpc', 'dhclient'], dir, (m) => notes.push(m));
      assert.equal(a?.driver.name, 'udhcpc');
      assert.deepEqual(a?.invocation, [join(dir, 'busybox'), 'udhcpc']);
      assert.deepEqual(notes, ['unknown DHCP client "pump" in the priority list: skipped']);
      assert.equal(chooseDhcpClient(['dhclient'], dir)?.invocation[0], join(dir, 'dhclient'));
      assert.equal(chooseDhcpClient(['dhcpcd'], dir), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('refused before touching anything: when planning, under another root, or with no client installed', async () => {
    await assert.rejects(obtainEphemeralLease('eth0', { exec: { root: '/', dryRun: true } }), /ephemeral DHCP on eth0: not run when planning/);
    await assert.rejects(obtainEphemeralLease('eth0', { exec: { root: '/tmp/x', dryRun: false } }), /the target is \/tmp\/x, not this machine/);
    await assert.rejects(
      obtainEphemeralLease('eth0', { exec: { root: '/', dryRun: false }, searchPath: '/nonexistent' }),
      (e: unknown) => e instanceof DhcpError && /no DHCP client found \(looked for dhcpcd, dhclient, udhcpc in \/nonexistent\)/.test(e.message),
    );
  });
});
