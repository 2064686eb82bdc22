/**
 * Lease readers on files in each client's format: the real files kept in
 * fixtures/real/ (produced by dhclient, dhcpcd, systemd-networkd and
 * NetworkManager against dnsmasq by fixtures/real-leases.sh, which
 * leases-real.test.ts runs afresh), and hand-written inputs for what a
 * healthy client rarely writes: escapes, several leases, truncated and
 * malformed blocks, old key spellings.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { DiskRoot, OverlayRoot } from '../../../src/host/root-fs.ts';
import { assertServedByDnsmasq } from './fixtures/dnsmasq-expected.ts';
import {
  latestPerInterface,
  parseDhclientLeases,
  parseDhcpcdDump,
  parseDhcpMessage,
  parseNetworkdLease,
  parseNmcliConnectedDevices,
  parseNmcliDhcp4,
  readAllLeases,
  readDhclientLeaseFiles,
  routesFromByteText,
  routesFromBytes,
  routesFromPairs,
  type Lease,
} from '../../../src/net/dhcp/leases/index.ts';

const REAL = fileURLToPath(new URL('./fixtures/real', import.meta.url));
const real = (p: string) => readFileSync(join(REAL, p));

describe('real lease files (fixtures/real)', () => {
  test('dhclient', () => {
    const r = parseDhclientLeases(real('var/lib/dhcp/dhclient.eth0.leases').toString(), 'dhclient.eth0.leases');
    assert.deepEqual(r.diagnostics, []);
    // Two runs of dhclient on eth0: two blocks; the later one is the lease.
    assert.equal(r.leases.length, 2);
    const l = r.leases[1];
    assert.deepEqual(latestPerInterface(r.leases), [l]);
    assertServedByDnsmasq(r.leases[0]);
    assertServedByDnsmasq(l);
    assert.equal(l?.interface, 'eth0');
    assert.equal(l?.renewAfter, 1800);
    assert.equal(l?.rebindAfter, 3150);
    // Times are written in UTC as "W YYYY/MM/DD HH:MM:SS"; renew, rebind and expire fall within one lease time.
    assert.ok(l?.expireAt !== undefined && l.renewAt !== undefined && l.rebindAt !== undefined);
    assert.ok(l.renewAt < l.rebindAt && l.rebindAt < l.expireAt && l.expireAt - l.renewAt <= 3600);
  });

  test('dhcpcd --dumplease (dhcpcd 9: bare values) and its binary lease file agree', () => {
    const dump = parseDhcpcdDump(real('out/dhcpcd-dumplease.eth1.txt').toString());
    assert.deepEqual(dump.diagnostics, []);
    assertServedByDnsmasq(dump.leases[0]);
    assert.equal(dump.leases[0]?.interface, 'eth1');
    const file = parseDhcpMessage(real('var/lib/dhcpcd/eth1.lease'), { iface: 'eth1' });
    assert.deepEqual(file.diagnostics, []);
    assertServedByDnsmasq(file.leases[0]);
    const { options: _a, source: _b, sourcePath: _c, ...fromDump } = dump.leases[0] as Lease;
    const { options: _d, source: _e, sourcePath: _f, ...fromFile } = file.leases[0] as Lease;
    assert.deepEqual(fromFile, fromDump);
  });

  test('systemd-networkd (CLASSLESS_ROUTES=, DOMAIN_SEARCH_LIST=)', () => {
    const r = parseNetworkdLease(real('run/systemd/netif/leases/4').toString(), { iface: 'eth2' });
    assert.deepEqual(r.diagnostics, []);
    assertServedByDnsmasq(r.leases[0]);
    assert.equal(r.leases[0]?.renewAfter, 1800);
  });

  test('nmcli DHCP4 options: internal client (terse) and dhclient backend (padded, byte routes)', () => {
    const internal = parseNmcliDhcp4(real('out/nmcli-t-eth3.txt').toString(), { iface: 'eth3' });
    assertServedByDnsmasq(internal.leases[0]);
    assert.ok(!Object.keys(internal.leases[0]?.options ?? {}).some((k) => k.startsWith('requested_')));
    const viaDhclient = parseNmcliDhcp4(real('out/nmcli-eth4.txt').toString(), { iface: 'eth4' });
    assertServedByDnsmasq(viaDhclient.leases[0]);
    assert.equal(viaDhclient.leases[0]?.renewAfter, 1800);
  });

  test('readAllLeases over the real root finds one lease per client, each on its interface', () => {
    const r = readAllLeases(new DiskRoot(REAL));
    assert.deepEqual(r.diagnostics, []);
    const by = new Map(r.leases.map((l) => [l.interface, l]));
    assert.deepEqual([...by.keys()].sort(), ['eth0', 'eth1', 'eth2', 'eth3', 'eth4']);
    assert.equal(by.get('eth0')?.source, 'dhclient');
    assert.equal(by.get('eth1')?.source, 'dhcpcd');
    assert.equal(by.get('eth2')?.source, 'networkd');
    assert.equal(by.get('eth2')?.sourcePath, '/run/systemd/netif/leases/4');
    assert.equal(by.get('eth3')?.source, 'networkmanager');
    assert.equal(by.get('eth4')?.source, 'networkmanager');
    for (const i of ['eth0', 'eth1', 'eth2', 'eth4']) assertServedByDnsmasq(by.get(i));
    // NetworkManager 1.42's internal client records only the address in its file.
    assert.deepEqual(by.get('eth3')?.options, { ADDRESS: by.get('eth3')?.address });
  });
});

describe('dhclient grammar', () => {
  const two = `
# written by dhclient
default-duid "\\000\\001\\000\\001";
lease {
  interface "eth0";
  fixed-address 10.0.0.5;
  option subnet-mask 255.255.0.0;
  option routers 10.0.0.1,10.0.0.2;
  option dhcp-server-identifier 10.0.0.1;
  expire 1 2026/01/05 10:00:00;
}
lease {
  interface "eth1";
  fixed-address 172.16.0.9;
  option dhcp-server-identifier 172.16.0.1;
}
lease {
  interface "eth0";
  fixed-address 10.0.0.6;
  option dhcp-server-identifier 10.0.0.254;
  renew never;
  expire epoch 1767607200; # Mon Jan 05 10:00:00 2026
}
lease6 {
  interface "eth0";
  ia-na 1a:2b:3c:4d { iaaddr 2001:db8::5 { starts 1; } }
}
`;
  test('several leases: file order kept; the last one per interface wins; lease6 and top-level statements passed over', () => {
    const r = parseDhclientLeases(two);
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.leases.map((l) => l.address), ['10.0.0.5', '172.16.0.9', '10.0.0.6']);
    const latest = latestPerInterface(r.leases);
    assert.deepEqual(latest.map((l) => [l.interface, l.address, l.serverIdentifier]), [
      ['eth1', '172.16.0.9', '172.16.0.1'],
      ['eth0', '10.0.0.6', '10.0.0.254'],
    ]);
    assert.deepEqual(r.leases[0]?.routers, ['10.0.0.1', '10.0.0.2']);
    assert.equal(r.leases[0]?.prefix, 16);
    assert.equal(r.leases[0]?.expireAt, Date.UTC(2026, 0, 5, 10) / 1000);
    // "never" is no time; "epoch N" (db-time-format local) is N.
    assert.equal(r.leases[2]?.renewAt, undefined);
    assert.equal(r.leases[2]?.expireAt, 1767607200);
  });

  test('string escapes: octal bytes, quotes, backslashes; comments outside strings only', () => {
    const r = parseDhclientLeases(`lease {
  interface "eth0";
  fixed-address 10.0.0.5;
  option domain-name "a\\"b\\\\c\\101#d";
  option domain-search "x.example.", "y\\056example.";
  option unknown-245 a8:3f:81:10;
}`);
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.leases[0]?.domain, 'a"b\\cA#d');
    assert.deepEqual(r.leases[0]?.domainSearch, ['x.example', 'y.example']);
    // Azure's wireserver option, as the other readers of it expect it.
    assert.equal(r.leases[0]?.options['unknown-245'], '168.63.129.16');
  });

  test('classless routes: named option 121, unknown-121 in hex, option 249 as a fallback', () => {
    const one = (opt: string) => parseDhclientLeases(`lease { fixed-address 10.0.0.5; ${opt} }`).leases[0]?.staticRoutes;
    const want = [
      { destination: '10.9.0.0/16', gateway: '10.0.0.2' },
      { destination: '0.0.0.0/0', gateway: '10.0.0.1' },
    ];
    assert.deepEqual(one('option rfc3442-classless-static-routes 16,10,9,10,0,0,2,0,10,0,0,1;'), want);
    assert.deepEqual(one('option unknown-121 10:a:9:a:0:0:2:0:a:0:0:1;'), want);
    assert.deepEqual(one('option ms-classless-static-routes 16,10,9,10,0,0,2,0,10,0,0,1;'), want);
    assert.deepEqual(
      one('option ms-classless-static-routes 0,1,1,1,1; option rfc3442-classless-static-routes 16,10,9,10,0,0,2,0,10,0,0,1;'),
      want,
      'option 121 is preferred over 249',
    );
  });

  test('malformed blocks are skipped with a warning naming their line; good ones are kept', () => {
    const r = parseDhclientLeases(
      `lease {
  interface "eth0";
  fixed-address 10.0.0.300;
}
lease {
  interface "eth0";
  fixed-address 10.0.0.7;
  option dhcp-server-identifier 10.0.0.1;
}
lease {
  interface "eth0";
  fixed-address 10.0.0.8
}
lease {
  interface "eth0";
  expire 1 yesterday;
}
lease {
  interface "eth0";
  fixed-address 10.0.0.9;
  option rfc3442-classless-static-routes 24,192,168,1,10,0,0,1,33,1,2;
}
lease {
  interface "eth0";
  fixed-address 10.0.0.10;
  option domain-name "cut short`,
      'dhclient.leases',
    );
    assert.deepEqual(r.leases.map((l) => l.address), ['10.0.0.7', '10.0.0.9']);
    assert.deepEqual(r.leases[1]?.staticRoutes, [{ destination: '192.168.1.0/24', gateway: '10.0.0.1' }], 'routes before a bad one are kept');
    const msgs = r.diagnostics.map((d) => `${d.line}: ${d.message}`);
    assert.equal(r.diagnostics.every((d) => d.severity === 'warning' && d.source === 'dhclient.leases'), true);
    assert.match(msgs[0] ?? '', /^1: lease skipped: line 3: fixed-address "10.0.0.300" is not an IPv4 address/);
    assert.match(msgs[1] ?? '', /^10: lease skipped: line 12: statement without ";"/);
    assert.match(msgs[2] ?? '', /^14: lease skipped: line 16: expire "1 yesterday" is not a lease time/);
    assert.match(msgs[3] ?? '', /^18: classless static routes: route 2: prefix width 33 is over 32/);
    assert.ok(msgs.some((m) => /^26: unterminated string/.test(m)), msgs.join('\n'));
    assert.ok(msgs.some((m) => /^23: lease block is not closed/.test(m)), msgs.join('\n'));
  });

  test('a block cut short by the next lease is skipped, the next one read', () => {
    const r = parseDhclientLeases('lease {\n  interface "eth0";\n  fixed-address 10.0.0.5;\nlease {\n  interface "eth0";\n  fixed-address 10.0.0.6;\n}\n');
    assert.deepEqual(r.leases.map((l) => l.address), ['10.0.0.6']);
    assert.equal(r.diagnostics[0]?.line, 1);
  });
});

describe('dhcpcd', () => {
  test('--dumplease of dhcpcd before 9: shell-quoted values, classless routes', () => {
    const r = parseDhcpcdDump(
      "ip_address='192.168.1.10'\nsubnet_cidr='24'\nrouters='192.168.1.1'\ndomain_name='it'\\''s.example'\n" +
        "dhcp_server_identifier='192.168.1.1'\nclassless_static_routes='0.0.0.0/0 192.168.1.1 10.0.0.0/8 192.168.1.254'\n",
      { iface: 'enp1s0' },
    );
    const l = r.leases[0];
    assert.equal(l?.interface, 'enp1s0');
    assert.equal(l?.netmask, '255.255.255.0');
    assert.equal(l?.domain, "it's.example");
    assert.deepEqual(l?.staticRoutes, [
      { destination: '0.0.0.0/0', gateway: '192.168.1.1' },
      { destination: '10.0.0.0/8', gateway: '192.168.1.254' },
    ]);
  });

  test('no output is no lease; junk lines are warned about', () => {
    assert.deepEqual(parseDhcpcdDump('').leases, []);
    const r = parseDhcpcdDump('ip_address=10.0.0.2\nthis is not a pair\n');
    assert.equal(r.leases[0]?.address, '10.0.0.2');
    assert.equal(r.diagnostics[0]?.line, 2);
  });

  test('lease file: not a DHCP message, truncated options', () => {
    assert.match(parseDhcpMessage(new Uint8Array(10)).diagnostics[0]?.message ?? '', /too short/);
    assert.match(parseDhcpMessage(new Uint8Array(300)).diagnostics[0]?.message ?? '', /magic cookie/);
    const msg = Uint8Array.from(real('var/lib/dhcpcd/eth1.lease'));
    const cut = msg.subarray(0, 250); // inside an option
    const r = parseDhcpMessage(cut);
    assert.deepEqual(r.leases, []);
    assert.match(r.diagnostics[0]?.message ?? '', /runs past the end/);
  });
});

describe('systemd-networkd and NetworkManager files', () => {
  test('networkd before systemd 246: ROUTES=, DOMAIN_SEARCH_LIST=', () => {
    const r = parseNetworkdLease(
      '# This is private data. Do not parse.\nADDRESS=10.1.2.3\nNETMASK=255.255.254.0\nROUTER=10.1.2.1 10.1.2.2\nSERVER_ADDRESS=10.1.2.1\n' +
        'DNS=10.1.2.53\nDOMAINNAME=example.org\nDOMAIN_SEARCH_LIST=a.example b.example\nROUTES=169.254.169.254/32,10.1.2.1 0.0.0.0/0,10.1.2.1\nLIFETIME=86400\n',
      { iface: 'ens3' },
    );
    const l = r.leases[0];
    assert.equal(l?.prefix, 23);
    assert.deepEqual(l?.routers, ['10.1.2.1', '10.1.2.2']);
    assert.deepEqual(l?.domainSearch, ['a.example', 'b.example']);
    assert.deepEqual(l?.staticRoutes[0], { destination: '169.254.169.254/32', gateway: '10.1.2.1' });
    assert.equal(l?.leaseTime, 86400);
  });

  test('rooted reader names interfaces from /sys/class/net/*/ifindex; reads NetworkManager files by name', () => {
    const root = new OverlayRoot(new DiskRoot(mkdtempSync(join(tmpdir(), 'stratus-leases-'))));
    try {
      root.writeFiles([
        { path: '/sys/class/net/ens5/ifindex', content: '7\n', mode: 0o644 },
        { path: '/run/systemd/netif/leases/7', content: 'ADDRESS=10.0.0.7\nSERVER_ADDRESS=10.0.0.1\n', mode: 0o644 },
        { path: '/run/systemd/netif/leases/9', content: 'ADDRESS=10.0.0.9\n', mode: 0o644 },
        { path: '/var/lib/NetworkManager/internal-11111111-2222-3333-4444-555555555555-ens6.lease', content: 'ADDRESS=10.0.1.6\n', mode: 0o644 },
        { path: '/var/lib/NetworkManager/dhclient-11111111-2222-3333-4444-555555555555-ens7.lease', content: 'lease { fixed-address 10.0.1.7; }\n', mode: 0o644 },
        { path: '/var/lib/NetworkManager/NetworkManager.state', content: '[main]\n', mode: 0o644 },
        { path: '/var/lib/dhclient/dhclient--ens8.lease', content: 'lease { interface "ens8"; fixed-address 10.0.2.8; expire epoch 2000000000; }\n', mode: 0o644 },
        { path: '/var/lib/dhcp/dhclient6.ens8.leases', content: 'lease6 { interface "ens8"; }\n', mode: 0o644 },
      ]);
      const r = readAllLeases(root);
      assert.deepEqual(r.diagnostics, []);
      const got = r.leases.map((l) => [l.source, l.interface, l.address]);
      // No file times under an overlay root: leases with an expiry first, then reading order.
      assert.deepEqual(got, [
        ['dhclient', 'ens8', '10.0.2.8'],
        ['networkd', 'ens5', '10.0.0.7'],
        ['networkd', undefined, '10.0.0.9'],
        ['networkmanager', 'ens7', '10.0.1.7'],
        ['networkmanager', 'ens6', '10.0.1.6'],
      ]);
    } finally {
      rmSync(root.root, { recursive: true, force: true });
    }
  });

  test('newest first by file time', () => {
    const root = new OverlayRoot(new DiskRoot(mkdtempSync(join(tmpdir(), 'stratus-leases-'))));
    try {
      root.writeFiles([
        { path: '/var/lib/dhcp/dhclient.eth0.leases', content: 'lease { interface "eth0"; fixed-address 10.0.0.1; }\n', mode: 0o644 },
        { path: '/var/lib/dhcp/dhclient.eth1.leases', content: 'lease { interface "eth1"; fixed-address 10.0.0.2; }\n', mode: 0o644 },
      ]);
      const times: Record<string, number> = { '/var/lib/dhcp/dhclient.eth0.leases': 1000, '/var/lib/dhcp/dhclient.eth1.leases': 2000 };
      const r = readAllLeases(root, { modified: (p) => times[p] });
      assert.deepEqual(r.leases.map((l) => l.interface), ['eth1', 'eth0']);
      assert.equal(readDhclientLeaseFiles(root).leases.length, 2);
    } finally {
      rmSync(root.root, { recursive: true, force: true });
    }
  });

  test('the running clients are asked only when commands are allowed, through the one command runner', () => {
    const root = new OverlayRoot(new DiskRoot(mkdtempSync(join(tmpdir(), 'stratus-leases-'))));
    try {
      const asked: string[] = [];
      // Planning: runCommand reports each command and runs none, so no lease comes of them.
      const r = readAllLeases(root, { interfaces: ['eth0'], commands: { root: '/', dryRun: true, onCommand: (c) => asked.push(c.argv.join(' ')) } });
      assert.deepEqual(asked, ['dhcpcd --dumplease -4 eth0', 'nmcli -t -f DHCP4 device show eth0']);
      assert.deepEqual(r.leases, []);
      assert.equal(readAllLeases(root, { interfaces: ['eth0'] }).leases.length, 0);
    } finally {
      rmSync(root.root, { recursive: true, force: true });
    }
  });

  test('nmcli: connected devices, lo left out', () => {
    assert.deepEqual(parseNmcliConnectedDevices('lo:connected (externally)\neth0:connected\neth1:disconnected\nbr\\:x:connected\n'), ['eth0', 'br:x']);
  });
});

describe('route encodings', () => {
  test('bytes: widths 0, 8, 25, 32; significant octets only', () => {
    assert.deepEqual(routesFromBytes([0, 10, 0, 0, 1, 8, 10, 10, 0, 0, 2, 25, 192, 168, 1, 128, 10, 0, 0, 3, 32, 1, 2, 3, 4, 10, 0, 0, 4]).routes, [
      { destination: '0.0.0.0/0', gateway: '10.0.0.1' },
      { destination: '10.0.0.0/8', gateway: '10.0.0.2' },
      { destination: '192.168.1.128/25', gateway: '10.0.0.3' },
      { destination: '1.2.3.4/32', gateway: '10.0.0.4' },
    ]);
  });
  test('truncated or non-byte data: the routes before the fault, and why', () => {
    const r = routesFromBytes([0, 10, 0, 0, 1, 24, 10, 0]);
    assert.equal(r.routes.length, 1);
    assert.match(r.error ?? '', /route 2: 3 bytes left, 8 needed/);
    assert.match(routesFromByteText('24,300,1').error ?? '', /"300" is not a byte/);
    assert.deepEqual(routesFromByteText('').routes, []);
  });
  test('pairs: spaces (dhcpcd, NetworkManager) and commas (networkd); a missing gateway stops', () => {
    const want = [{ destination: '10.0.0.0/8', gateway: '192.168.0.1' }];
    assert.deepEqual(routesFromPairs('10.0.0.0/8 192.168.0.1').routes, want);
    assert.deepEqual(routesFromPairs('10.0.0.0/8,192.168.0.1').routes, want);
    const r = routesFromPairs('10.0.0.0/8 192.168.0.1 172.16.0.0/12');
    assert.deepEqual(r.routes, want);
    assert.match(r.error ?? '', /no IPv4 gateway/);
  });
});
