/**
 * A 3-NIC EC2 instance end to end in the test cloud (issue 8): two network
 * cards, IPv4 and IPv6, secondary addresses. The local stage finds the
 * datasource through ephemeral DHCP on eth0, and the network config it
 * renders from IMDS — for netplan, NetworkManager and systemd-networkd — is
 * checked by the real tools (netplan generate, libnm, systemd-networkd).
 *
 * Then the networkd output is applied for real in the instance namespace:
 * systemd-networkd (with a private D-Bus, in a private mount and PID
 * namespace under `ip netns exec instance`) starts with no config, stratus's
 * networkd activator (test/net/activate/inside/bring-up.ts, fed the v2
 * config the stage kept in network-config.json) writes the same files
 * as the stage did (diffed) and runs `networkctl reload` / `reconfigure`,
 * and networkd sets up the
 * three NICs: eth0..eth2 get their first addresses by DHCPv4/DHCPv6 from the
 * cloud's dnsmasq, the secondary ones statically, plus the route tables and
 * rules. The test then reads `ip rule` / `ip route show table N`, and pings
 * a cloud address that is reachable only through a default route
 * (192.0.2.1 on the cloud's lo) from every address, counting the packets
 * each cloud-side link received: each secondary address's pings arrive on
 * its own NIC's link. With one rule removed, the same pings arrive on eth0's
 * link instead: the rules, not the main table, steer them. The same holds
 * for IPv6 off-link traffic: the VPC's IPv6 router is known only from router
 * advertisements, so networkd puts the routes it learns from them on eth1
 * and eth2 into their tables (ra-overrides → [IPv6AcceptRA] RouteTable=).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCli, type Cli } from '../cli/cli.ts';
import { validateNetplan } from '../net/validators/netplan.ts';
import { validateNetworkd } from '../net/validators/networkd.ts';
import { requireTools, TOOLS } from '../net/validators/sandbox.ts';
import { nmDevice, validateNmKeyfiles } from '../net/validators/network-manager.ts';
import { missingCloudTools, startCloud, type CloudSpec, type TestCloud } from './cloud/cloud.ts';
import { awsTree } from './cloud/imds.ts';
import { targetRoot, type TargetRoot } from './harness.ts';
import { assertNoSecretLeaks } from './secrets-scan.ts';

const missing = missingCloudTools();
const skip = missing ?? (process.getuid?.() === 0 ? undefined : 'needs root');
if (skip) console.log(`# skipped: ${skip}`);

const MAC = ['0a:5e:00:00:00:10', '0a:5e:00:00:00:11', '0a:5e:00:00:00:12'] as const;
/** The cloud address only a default route reaches (on the cloud's lo, /32). */
const FAR = '192.0.2.1';
const FAR6 = '2001:db8:ffff::1';
const IMDS = '169.254.169.254';

/** Per NIC: name, card, device, addresses (the first of each family comes by DHCP), and the route table stratus should give it. */
const NICS = [
  { name: 'eth0', mac: MAC[0], card: 0, device: 0, v4: ['10.50.0.10'], subnet4: '10.50.0.0/24', v6: ['2001:db8:50::10', '2001:db8:50::11'], subnet6: '2001:db8:50::/64', table: undefined },
  { name: 'eth1', mac: MAC[1], card: 0, device: 1, v4: ['10.51.0.20', '10.51.0.21'], subnet4: '10.51.0.0/24', v6: ['2001:db8:51::20', '2001:db8:51::21'], subnet6: '2001:db8:51::/64', table: 101 },
  { name: 'eth2', mac: MAC[2], card: 1, device: 1, v4: ['10.52.0.30', '10.52.0.31'], subnet4: '10.52.0.0/24', v6: ['2001:db8:52::30', '2001:db8:52::31'], subnet6: '2001:db8:52::/64', table: 1101 },
] as const;

const router4 = (subnet: string) => subnet.replace(/\.0\/24$/, '.1');
const router6 = (subnet: string) => subnet.replace(/::\/64$/, '::1');

function spec(): CloudSpec {
  return {
    nics: NICS.map((n) => ({
      name: n.name,
      mac: n.mac,
      cloudAddress: `${router4(n.subnet4)}/24`,
      // Every NIC's first IPv4 comes by DHCP, as on AWS: a one-address range is that NIC's fixed address.
      dhcp: { range: [n.v4[0], n.v4[0]] as [string, string] },
      ipv6: { cloudAddress: `${router6(n.subnet6)}/64`, ra: 'stateful' as const, dhcpRange: [n.v6[0], n.v6[0]] as [string, string] },
    })),
    addresses: [IMDS, FAR, FAR6],
    http: {
      listen: [IMDS],
      imds: {
        httpTokens: 'required',
        tree: awsTree({
          instanceId: 'i-0a5e00000000000a1',
          region: 'eu-central-1',
          az: 'eu-central-1a',
          hostname: 'ip-10-50-0-10.eu-central-1.compute.internal',
          instanceType: 'c6in.32xlarge',
          nics: NICS.map((n) => ({ mac: n.mac, deviceNumber: n.device, networkCard: n.card, ipv4s: [...n.v4], subnetV4: n.subnet4, ipv6s: [...n.v6], subnetV6: n.subnet6 })),
          publicKeys: { ops: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMultiNicTestKey ops@aws' },
        }),
      },
    },
  };
}

let cli: Cli;
let cloud: TestCloud | undefined;
const roots = new Map<string, TargetRoot>();

before(async () => {
  if (skip) return;
  cli = buildCli();
  cloud = await startCloud(spec());
});
after(async () => {
  await cloud?.close();
  cli?.dispose();
});

function awsRoot(renderer: 'netplan' | 'networkd' | 'network-manager'): TargetRoot {
  const root = targetRoot(cli, { renderer });
  root.write('/sys/class/dmi/id/product_uuid', 'ec2a5e00-0000-4000-8000-00000000a5e0\n');
  root.write('/etc/cloud/cloud.cfg', 'datasource_list: [ Ec2, None ]\n');
  return root;
}

async function localStage(c: TestCloud, renderer: 'netplan' | 'networkd' | 'network-manager'): Promise<TargetRoot> {
  const root = awsRoot(renderer);
  const r = await c.run([...cli.command, '--root', root.dir, '--live-network', 'init', '--local'], { timeoutMs: 120_000 });
  const log = root.exists('/var/log/cloud-init.log') ? root.read('/var/log/cloud-init.log') : '';
  assert.equal(r.code, 0, `${r.stderr}\n${log}`);
  await assertNoSecretLeaks(root, [{ stage: 'init --local', ...r }], { cloud: c });
  assert.match(log, /found datasource DataSourceEc2/);
  assert.match(log, /ephemeral DHCP on eth0: 10\.50\.0\.10\/24/);
  // The warnings expected: networkd has no use-routes for DHCPv6 (DHCPv6 carries no routes); Debian 12's netplan
  // (0.106) has no ra-overrides, so the netplan file goes without them.
  const expected = renderer === 'netplan' ? /ra-overrides are not written \(the target netplan predates 1\.1\)/ : /dhcp6-overrides use-routes has no systemd-networkd equivalent/;
  const warnings = log.split('\n').filter((l) => /\[WARNING\]/.test(l) && !expected.test(l));
  assert.deepEqual(warnings, [], log);
  roots.set(renderer, root);
  return root;
}

/** What each NIC's rules and table routes look like as `ip` prints them. */
function expectedRules(): string[] {
  return NICS.flatMap((n) => (n.table === undefined ? [] : [...n.v4, ...n.v6].map((a) => `from ${a} lookup ${n.table}`)));
}

describe('EC2, three NICs on two network cards', { skip }, () => {
  test('the local stage renders netplan: netplan generate accepts it; tables and rules for eth1 and eth2 only', async () => {
    assert.ok(cloud);
    const root = await localStage(cloud, 'netplan');
    const yaml = root.read('/etc/netplan/50-cloud-init.yaml');
    for (const n of NICS) assert.match(yaml, new RegExp(`${n.name}:[\\s\\S]*macaddress: ['"]?${n.mac}`));
    for (const n of NICS.filter((x) => x.table !== undefined)) {
      assert.match(yaml, new RegExp(`table: ${n.table}\\b`));
      for (const a of [...n.v4, ...n.v6]) assert.match(yaml, new RegExp(`from: ['"]?${a.replace(/\./g, '\\.')}['"]?`));
      assert.match(yaml, new RegExp(`via: ['"]?${router4(n.subnet4).replace(/\./g, '\\.')}`));
    }
    assert.doesNotMatch(yaml, /table: 100\b/, 'the primary NIC gets no table');
    const v = await validateNetplan(root.dir);
    assert.ok(v.ok, v.messages.join('\n'));
    const generated = [...v.generated.entries()].filter(([p]) => p.endsWith('.network'));
    const eth1 = generated.find(([p]) => p.includes('eth1'))?.[1] ?? '';
    assert.match(eth1, /\[RoutingPolicyRule\]\s+From=10\.51\.0\.20\s+Table=101\s+Priority=101/);
    const eth2 = generated.find(([p]) => p.includes('eth2'))?.[1] ?? '';
    assert.match(eth2, /Gateway=10\.52\.0\.1\s+Table=1101/);
  });

  test('the local stage renders NetworkManager keyfiles: libnm reads them; routes and rules in the right tables', async () => {
    assert.ok(cloud);
    const root = await localStage(cloud, 'network-manager');
    const v = await validateNmKeyfiles(root.dir);
    assert.ok(v.ok, v.messages.join('\n'));
    assert.equal(v.connections.size, 3, [...v.connections.keys()].join(', '));
    const settings = (mac: string) => {
      const c = [...v.connections.values()].find((x) => nmDevice(x).mac === mac);
      assert.ok(c, `a connection matching ${mac}`);
      return c;
    };
    const rules = (mac: string, family: 'ipv4' | 'ipv6') => JSON.stringify(settings(mac)[family]?.['routing-rules'] ?? []);
    const routes = (mac: string, family: 'ipv4' | 'ipv6') => JSON.stringify(settings(mac)[family]?.['route-data'] ?? []);
    assert.equal(rules(MAC[0], 'ipv4'), '[]', 'the primary NIC gets no rules');
    assert.equal(routes(MAC[0], 'ipv4'), '[]', 'the primary NIC gets no table routes');
    for (const n of NICS.filter((x) => x.table !== undefined)) {
      for (const [family, addrs] of [['ipv4', n.v4], ['ipv6', n.v6]] as const) {
        const r = rules(n.mac, family);
        for (const a of addrs) assert.match(r, new RegExp(`"from":"${a}".*?"table":${n.table}|"table":${n.table}.*?"from":"${a}"`), `${n.name} ${family}: ${r}`);
      }
      const r4 = routes(n.mac, 'ipv4');
      assert.match(r4, new RegExp(`"dest":"0\\.0\\.0\\.0".*"next-hop":"${router4(n.subnet4).replace(/\./g, '\\.')}"`), r4);
      assert.match(r4, new RegExp(`"table":${n.table}`), r4);
      // Routes NetworkManager learns for IPv6 (router advertisements: the default route) go to the NIC's table.
      assert.equal(settings(n.mac)['ipv6']?.['route-table'], n.table, JSON.stringify(settings(n.mac)['ipv6']));
    }
    assert.equal(settings(MAC[0])['ipv6']?.['route-table'] ?? 0, 0, 'the primary NIC keeps the main table');
  });

  test('the local stage renders networkd files: systemd-networkd loads them and installs the tables and rules on sandbox NICs', async () => {
    assert.ok(cloud);
    const root = await localStage(cloud, 'networkd');
    const v = await validateNetworkd(root.dir, {
      nics: NICS.map((n) => ({ name: n.name, mac: n.mac, addresses: [...n.v4.slice(1).map((a) => `${a}/24`)] })),
      expectRules: expectedRules(),
    });
    assert.ok(v.ok, `${v.messages.join('\n')}\n${v.log}`);
    for (const n of NICS) assert.ok(v.networkFor.get(n.name), `networkd configured ${n.name}: ${[...v.networkFor].join(', ')}`);
    for (const rule of expectedRules()) assert.ok(v.rules.some((l) => l.includes(rule)), `${rule} in\n${v.rules.join('\n')}`);
  });

  test('applied in the instance namespace by stratus\'s networkd activator and the real networkd: rules, tables, and each secondary address\'s traffic leaves by its own NIC', async (t) => {
    assert.ok(cloud);
    requireTools(TOOLS.networkd, TOOLS.ip, { path: '/usr/bin/dbus-daemon', aptPackage: 'dbus-daemon' }, { path: '/usr/bin/networkctl', aptPackage: 'systemd' }, { path: '/usr/bin/ping', aptPackage: 'iputils-ping' });
    const c = cloud;
    const root = roots.get('networkd') ?? (await localStage(c, 'networkd'));
    const work = cli.tempDir('activate');
    writeFileSync(join(work, 'v2.json'), JSON.stringify(v2Config(root)));
    const started = await c.run(['/bin/sh', '-c', ACTIVATE, 'activate', work, root.dir, process.execPath, INSIDE], { timeoutMs: 10_000 });
    assert.equal(started.code, 0, started.stderr);
    const pid = started.stdout.trim();
    try {
      const ready = await waitFor(c, work, 120_000);
      assert.equal(ready, 'ready', `${ready}\n${await c.run(['/bin/sh', '-c', `cat ${work}/out.log`]).then((r) => r.stdout)}`);
      // The activator: the files it wrote are the stage's, and networkd was told about them.
      const out = (await c.run(['/bin/cat', `${work}/out.log`])).stdout;
      assert.match(out, /@@ same-files\n(?!.*differ)/, out);
      const bringUp = JSON.parse(/@@ bring-up\n(.*)\n/.exec(out)?.[1] ?? '{}') as { ok?: boolean; commands?: { argv: string[]; ran: boolean }[]; log?: string[] };
      assert.equal(bringUp.ok, true, out);
      assert.deepEqual(bringUp.commands?.map((x) => x.argv.join(' ')), ['networkctl reload', 'networkctl reconfigure eth0 eth1 eth2']);

      const rules = `${(await c.run(['ip', 'rule', 'show'])).stdout}${(await c.run(['ip', '-6', 'rule', 'show'])).stdout}`;
      for (const rule of expectedRules()) assert.ok(rules.includes(rule), `${rule} in\n${rules}`);
      assert.doesNotMatch(rules, /lookup 100\b/, 'no rules for the primary NIC');
      for (const n of NICS.filter((x) => x.table !== undefined)) {
        const t4 = (await c.run(['ip', 'route', 'show', 'table', String(n.table)])).stdout;
        assert.match(t4, new RegExp(`default via ${router4(n.subnet4).replace(/\./g, '\\.')} dev ${n.name}`), t4);
        assert.match(t4, new RegExp(`${n.subnet4.replace(/\./g, '\\.')} dev ${n.name}`), t4);
        const t6 = (await c.run(['ip', '-6', 'route', 'show', 'table', String(n.table)])).stdout;
        assert.match(t6, new RegExp(`${n.subnet6} dev ${n.name}`), t6);
        // The IPv6 default route, learned from the cloud's router advertisements, in the NIC's table (none in main via this NIC).
        const ra = await waitForRoute(c, n.table, n.name);
        assert.match(ra, new RegExp(`default via fe80::\\S+ dev ${n.name} proto ra`), ra);
      }
      const main6 = (await c.run(['ip', '-6', 'route', 'show', 'default'])).stdout;
      assert.match(main6, /default via fe80::\S+ dev eth0 proto ra/, main6);
      assert.doesNotMatch(main6, /dev eth[12]\b/, `the main table's IPv6 defaults are eth0's only:\n${main6}`);
      // DHCP gave each NIC its first addresses, the config the others.
      const addrs = (await c.run(['ip', '-o', 'address', 'show'])).stdout;
      for (const n of NICS) for (const a of [...n.v4, ...n.v6]) assert.match(addrs, new RegExp(`${n.name}\\s+inet6? ${a.replace(/\./g, '\\.')}/`), addrs);

      // Each source address: pings to FAR (reachable only by a default route) arrive on the cloud side of its own NIC.
      const sources: [string, string][] = [['10.50.0.10', 'eth0'], ...NICS.filter((n) => n.table !== undefined).flatMap((n) => n.v4.map((a): [string, string] => [a, n.name]))];
      for (const [src, nic] of sources) {
        const { arrivedOn, reply, deltas } = await pingFrom(c, src);
        t.diagnostic(`ping -I ${src} ${FAR}: cloud-side rx ${deltas}`);
        assert.equal(arrivedOn, `c${nic}`, `pings from ${src} should leave by ${nic}`);
        assert.equal(reply, true, `${src} got its replies`);
      }
      // IPv6: off-link traffic from each address leaves by its own NIC, through the RA default route in its table.
      for (const n of NICS) {
        for (const src of n.v6) {
          const { arrivedOn, reply, deltas } = await pingFrom(c, src, FAR6);
          t.diagnostic(`ping -I ${src} ${FAR6}: cloud-side rx ${deltas}`);
          assert.equal(arrivedOn, `c${n.name}`, `pings from ${src} should leave by ${n.name}`);
          assert.equal(reply, true, `${src} got its replies`);
        }
      }
      // The control: without eth1's rule for 10.51.0.21, the main table's default (eth0, metric 100) carries it.
      assert.equal((await c.run(['ip', 'rule', 'del', 'from', '10.51.0.21', 'lookup', '101'])).code, 0);
      const control = await pingFrom(c, '10.51.0.21');
      t.diagnostic(`without its rule, ping -I 10.51.0.21 ${FAR}: cloud-side rx ${control.deltas}`);
      assert.equal(control.arrivedOn, 'ceth0', 'without the rule, traffic from a secondary address leaves by the primary NIC');
    } finally {
      // The sandbox's PID 1 (unshare --kill-child): networkd and dbus-daemon go with it.
      await c.run(['kill', '-KILL', pid]);
    }
  });
});

/** The v2 config the stage used, for bring-up.ts: network-config.json holds it, converted from the IMDS metadata. */
function v2Config(root: TargetRoot): unknown {
  const kept = root.json('/run/cloud-init/network-config.json');
  assert.equal(kept['version'], 2, JSON.stringify(kept).slice(0, 300));
  assert.ok(kept['ethernets'], 'converted v2 ethernets');
  return kept;
}

/**
 * Runs in the instance namespace, in the background (the test reads its
 * results from files in $1): a private mount and PID namespace in which
 * /run, networkd's config and state directories are empty tmpfs mounts, a
 * private system bus, systemd-networkd with no config (links unmanaged), then
 * bring-up.ts renders the stage's network-config.json for networkd, writes
 * it and runs the networkd activator. Then it stays (networkd holding the
 * DHCP leases) until killed. Prints the sandbox's PID.
 */
const INSIDE = `
set -eu
work="$1"; root="$2"; node="$3"
repo="$(pwd)"
mount -t tmpfs -o mode=0755 tmpfs /run
for d in /etc/systemd/network /usr/lib/systemd/network /usr/local/lib/systemd/network /lib/systemd/network /var/lib/systemd; do
  if [ -d "$d" ] && [ ! -L "$d" ]; then mount -t tmpfs tmpfs "$d"; fi
done
mkdir -p /run/systemd/netif /run/dbus /run/tmp /run/stratus-test
chown systemd-network:systemd-network /run/systemd/netif
# Read-only sysfs (this namespace sees the instance NICs): networkd sees no udev and manages links at once.
# A bind remount changes only this mount's flag, not the sysfs that other processes in the namespace see.
mount -o remount,bind,ro /sys
/usr/bin/dbus-daemon --system --nofork --nopidfile >"$work"/dbus.log 2>&1 &
i=0; until [ -S /run/dbus/system_bus_socket ] || [ $i -ge 250 ]; do sleep 0.02; i=$((i+1)); done
SYSTEMD_LOG_LEVEL=debug /usr/lib/systemd/systemd-networkd >"$work"/networkd.log 2>&1 &
i=0; until networkctl list >/dev/null 2>&1 || [ $i -ge 250 ]; do sleep 0.02; i=$((i+1)); done
export TMPDIR=/run/tmp
echo "@@ bring-up"
"$node" --import tsx test/net/activate/inside/bring-up.ts networkd "$work"/v2.json || echo "bring-up failed: $?"
echo "@@ same-files"
diff -r "$root"/etc/systemd/network /etc/systemd/network && echo identical || echo files differ
# Until every address and rule is there. A hang guard, not a speed bound: DHCPv6 waits for a router advertisement
# and duplicate address detection, which on a loaded machine took over 20 s once; a wrong config never gets there.
end=$(( $(date +%s) + 90 ))
until { ip -o addr show dev eth0 | grep -qF " 10.50.0.10/24 " && ip -o addr show dev eth1 | grep -qF " 10.51.0.20/24 " && ip -o addr show dev eth2 | grep -qF " 10.52.0.30/24 " \
  && ip -6 -o addr show dev eth0 | grep -qF " 2001:db8:50::10/" && ip -6 -o addr show dev eth1 | grep -qF " 2001:db8:51::20/" && ip -6 -o addr show dev eth2 | grep -qF " 2001:db8:52::30/" \
  && ip -6 -o addr show | grep -v tentative | grep -qF " 2001:db8:52::31/" \
  && ip route show table 1101 | grep -q "^default" && ip route show table 101 | grep -q "^default"; } || [ "$(date +%s)" -ge $end ]; do sleep 0.1; done
if [ "$(date +%s)" -ge $end ]; then
  # What was missing, for the test's message.
  { echo "@@ at timeout"; ip -o addr show; ip rule show; ip -6 rule show; ip route show table all; ip -6 route show table all; networkctl list; } 2>&1
  echo timeout >"$work"/state
else echo ready >"$work"/state; fi
exec sleep 600
`;

/** Starts INSIDE in the background in its own PID namespace (killing the printed PID ends all of it). */
const ACTIVATE = `
setsid /usr/bin/unshare --mount --pid --fork --kill-child --mount-proc /bin/sh -c "$4" activate "$1" "$2" "$3" >"$1"/out.log 2>&1 </dev/null &
echo $!
`;

async function waitFor(c: TestCloud, work: string, ms: number): Promise<string> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const r = await c.run(['/bin/cat', `${work}/state`]);
    if (r.code === 0 && r.stdout.trim() !== '') return r.stdout.trim();
    await new Promise((res) => setTimeout(res, 250));
  }
  return 'no state written';
}

/** `ip -6 route show table N` once it holds a default route on `dev` (router advertisements come every few seconds), or after 20 s. */
async function waitForRoute(c: TestCloud, table: number, dev: string): Promise<string> {
  const end = Date.now() + 20_000;
  for (;;) {
    const out = (await c.run(['ip', '-6', 'route', 'show', 'table', String(table)])).stdout;
    if (new RegExp(`^default .*dev ${dev}\\b`, 'm').test(out) || Date.now() > end) return out;
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** rx_bytes of the cloud side of each link. */
async function cloudRx(c: TestCloud): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const n of NICS) {
    const r = await c.runInCloud(['/bin/cat', `/sys/class/net/c${n.name}/statistics/rx_bytes`]);
    out.set(`c${n.name}`, Number(r.stdout.trim()));
  }
  return out;
}

const PINGS = 20;
/** Echo payload: far larger than anything else on these links (solicitations, MLD, DHCPv6), so bytes tell pings apart. */
const PAYLOAD = 1400;

/**
 * PINGS large echo requests from `src` to `to`; the link whose cloud side
 * received at least PINGS × PAYLOAD more bytes is where they left the
 * instance. The counters are per link, not per protocol, and the links carry
 * a few small packets of their own meanwhile (router and neighbour
 * solicitations, DHCPv6, MLD: up to about 20 in a second, under 2 KB), so
 * counting packets could mistake that for the pings; counting bytes cannot.
 */
async function pingFrom(c: TestCloud, src: string, to = FAR): Promise<{ arrivedOn: string | undefined; reply: boolean; deltas: string }> {
  const before = await cloudRx(c);
  const r = await c.run(['ping', '-n', '-q', '-c', String(PINGS), '-s', String(PAYLOAD), '-i', '0.05', '-W', '1', '-I', src, to], { timeoutMs: 15_000 });
  const afterRx = await cloudRx(c);
  const deltas = [...afterRx].map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const);
  const arrived = deltas.filter(([, d]) => d >= PINGS * PAYLOAD).map(([k]) => k);
  const text = deltas.map(([k, d]) => `${k} +${d} B`).join(', ');
  assert.ok(arrived.length <= 1, `pings from ${src} arrived on several links: ${text}`);
  return { arrivedOn: arrived[0], reply: r.code === 0, deltas: text };
}
