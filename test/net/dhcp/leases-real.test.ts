/**
 * Lease readers on lease files the real clients write now: fixtures/real-leases.sh
 * runs dnsmasq in a namespace of its own and dhclient, dhcpcd,
 * systemd-networkd and NetworkManager (internal client, then its dhclient
 * backend, on a private D-Bus system bus) each on a veth NIC of a sandbox
 * (private mount, network and PID namespaces, see ../validators/sandbox.ts).
 * The files land in a temp dir laid out like a target root, which the
 * rooted readers then read; every value must be what dnsmasq was told to
 * serve, and each address the one dnsmasq recorded for that NIC's MAC.
 * Nothing runs in, or changes, the host's network namespace; the sandbox and
 * everything in it end with the test.
 *
 * STRATUS_UPDATE_LEASE_FIXTURES=1 copies the new files over fixtures/real/
 * (which leases.test.ts reads, for machines without these clients).
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { DiskRoot } from '../../../src/host/root-fs.ts';
import { parseDhclientLeases, parseDhcpcdDump, parseNmcliDhcp4, readAllLeases, type Lease } from '../../../src/net/dhcp/leases/index.ts';
import { requireTools, runSandboxed, TOOLS, withTempDir, type Tool } from '../validators/sandbox.ts';
import { assertServedByDnsmasq } from './fixtures/dnsmasq-expected.ts';

const CLIENT_TOOLS: Tool[] = [
  TOOLS.ip,
  TOOLS.networkd,
  { path: '/usr/sbin/dnsmasq', aptPackage: 'dnsmasq-base' },
  { path: '/sbin/dhclient', aptPackage: 'isc-dhcp-client' },
  { path: '/usr/sbin/dhcpcd', aptPackage: 'dhcpcd-base' },
  { path: '/usr/sbin/NetworkManager', aptPackage: 'network-manager' },
  { path: '/usr/bin/nmcli', aptPackage: 'network-manager' },
  { path: '/usr/bin/dbus-daemon', aptPackage: 'dbus-daemon' },
];

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));

/** MAC → address, from dnsmasq's lease file ("expiry mac ip hostname client-id"). */
function dnsmasqAddresses(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .map((l) => l.split(' '))
      .filter((w) => w.length >= 3)
      .map((w) => [w[1] ?? '', w[2] ?? '']),
  );
}

test('lease files written by dhclient, dhcpcd, systemd-networkd and NetworkManager against dnsmasq', { timeout: 120_000 }, async () => {
  requireTools(...CLIENT_TOOLS);
  await withTempDir('leases', async (dir) => {
    const script = readFileSync(join(FIXTURES, 'real-leases.sh'), 'utf8');
    const r = await runSandboxed(script, [dir, 'dhclient dhcpcd networkd nm nmdhclient'], { timeoutMs: 100_000 });
    const output = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.timedOut, false, output);
    assert.equal(r.code, 0, output);
    assert.doesNotMatch(r.stdout, /^@@ .*(failed|not connected|no lease)/m, output);

    const byMac = dnsmasqAddresses(readFileSync(join(dir, 'out/dnsmasq.leases'), 'utf8'));
    const mac = (n: number) => `52:54:00:77:00:0${n}`;
    const all = readAllLeases(new DiskRoot(dir));
    assert.deepEqual(all.diagnostics, []);
    const found = (source: Lease['source'], iface: string) => {
      const l = all.leases.find((x) => x.source === source && x.interface === iface);
      assert.ok(l, `no ${source} lease for ${iface}: ${JSON.stringify(all.leases.map((x) => [x.source, x.interface]))}`);
      return l;
    };

    const dhclient = found('dhclient', 'eth0');
    assertServedByDnsmasq(dhclient);
    assert.equal(dhclient.address, byMac.get(mac(0)));
    assert.equal(dhclient.sourcePath, '/var/lib/dhcp/dhclient.eth0.leases');
    // dhclient ran twice: both blocks parse, and the one kept is the last.
    const blocks = parseDhclientLeases(readFileSync(join(dir, 'var/lib/dhcp/dhclient.eth0.leases'), 'utf8'));
    assert.equal(blocks.leases.length, 2);
    assert.deepEqual(dhclient, blocks.leases[1] && { ...blocks.leases[1], sourcePath: dhclient.sourcePath });

    // dhcpcd: its binary lease file (read under the root) and --dumplease (asked while it ran) agree.
    const dhcpcdFile = found('dhcpcd', 'eth1');
    assertServedByDnsmasq(dhcpcdFile);
    assert.equal(dhcpcdFile.address, byMac.get(mac(1)));
    const dump = parseDhcpcdDump(readFileSync(join(dir, 'out/dhcpcd-dumplease.eth1.txt'), 'utf8'));
    assertServedByDnsmasq(dump.leases[0]);
    assert.equal(dump.leases[0]?.address, dhcpcdFile.address);

    // networkd: the file named by ifindex is mapped to eth2 through the sandbox's own sysfs copy.
    const networkd = found('networkd', 'eth2');
    assertServedByDnsmasq(networkd);
    assert.equal(networkd.address, byMac.get(mac(2)));

    // NetworkManager, internal client: the file holds the address; nmcli holds the rest.
    const nmInternal = found('networkmanager', 'eth3');
    assert.equal(nmInternal.address, byMac.get(mac(3)));
    const nmcliInternal = parseNmcliDhcp4(readFileSync(join(dir, 'out/nmcli-t-eth3.txt'), 'utf8'), { iface: 'eth3' });
    assertServedByDnsmasq(nmcliInternal.leases[0]);
    assert.equal(nmcliInternal.leases[0]?.address, nmInternal.address);

    // NetworkManager, dhclient backend: dhclient's grammar in NetworkManager's file, and nmcli with byte routes.
    const nmDhclient = found('networkmanager', 'eth4');
    assertServedByDnsmasq(nmDhclient);
    assert.equal(nmDhclient.address, byMac.get(mac(4)));
    assert.match(nmDhclient.sourcePath ?? '', /^\/var\/lib\/NetworkManager\/dhclient-[0-9a-f-]{36}-eth4\.lease$/);
    const nmcliDhclient = parseNmcliDhcp4(readFileSync(join(dir, 'out/nmcli-eth4.txt'), 'utf8'), { iface: 'eth4' });
    assertServedByDnsmasq(nmcliDhclient.leases[0]);

    if (process.env['STRATUS_UPDATE_LEASE_FIXTURES'] === '1') {
      rmSync(join(FIXTURES, 'real'), { recursive: true, force: true });
      cpSync(dir, join(FIXTURES, 'real'), { recursive: true });
    }
  });
});
