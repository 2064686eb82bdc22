/**
 * The fallback network config at boot, on real interfaces: three NICs
 * (veth pairs in a fresh network namespace, the far ends in a second one),
 * two with carrier. `init --local` runs inside the namespaces with the
 * namespace's own sysfs mounted at <root>/sys, so stratus sees exactly those
 * NICs; no datasource gives a network config, so the fallback applies:
 * DHCP on both NICs with a link, the lowest ifindex preferred for the default
 * route, nothing for the NIC without carrier. Everything (namespaces and the
 * sysfs mount) ends with the sandbox process; the host's network is untouched.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildCli, type Cli } from '../cli/cli.ts';
import { requireTools, runSandboxed, TOOLS } from '../net/validators/sandbox.ts';
import { loadYaml } from '../../src/text/yaml.ts';
import { seedDir, targetRoot, type TargetRoot } from './harness.ts';
import { assertNoSecretLeaks } from './secrets-scan.ts';

let cli: Cli;
before(() => {
  cli = buildCli();
});
after(() => cli?.dispose());

const SCRIPT = `
root="$1"; node="$2"; bundle="$3"; shift 3
ip netns add sw
ip link add eth0 address 52:54:00:aa:00:01 type veth peer name peer0 netns sw
ip link add eth1 address 52:54:00:aa:00:02 type veth peer name peer1 netns sw
ip link add eth2 address 52:54:00:aa:00:03 type veth peer name peer2 netns sw
for l in eth0 eth1 eth2; do ip link set "$l" up; done
ip -n sw link set peer0 up
ip -n sw link set peer1 up
mkdir -p "$root/sys"
mount -t sysfs sysfs "$root/sys"
for i in $(seq 50); do
  [ "$(cat "$root/sys/class/net/eth0/carrier" 2>/dev/null)$(cat "$root/sys/class/net/eth1/carrier" 2>/dev/null)" = "11" ] && break
  sleep 0.1
done
"$node" "$bundle" --root "$root" "$@"
`;

async function initLocal(root: TargetRoot, ...extra: string[]): Promise<{ code: number | null; stderr: string }> {
  requireTools(TOOLS.ip, TOOLS.unshare);
  const r = await runSandboxed(SCRIPT, [root.dir, process.execPath, cli.bundle, ...extra, 'init', '--local'], { timeoutMs: 60_000 });
  assert.equal(r.timedOut, false, r.stderr);
  await assertNoSecretLeaks(root, [{ stage: 'init --local', stdout: r.stdout, stderr: r.stderr }]);
  return { code: r.code, stderr: r.stderr };
}

describe('fallback network config on three NICs, two with carrier', () => {
  test('netplan: DHCP on eth0 and eth1, eth0 preferred (metric 100), nothing for eth2', async () => {
    const root = targetRoot(cli);
    // A datasource without network config: the fallback is what gets written.
    seedDir(root, { 'meta-data': 'instance-id: iid-fallback\n', 'user-data': '' });
    const r = await initLocal(root);
    assert.equal(r.code, 0, r.stderr);
    const doc = loadYaml(root.read('/etc/netplan/50-cloud-init.yaml'), 'netplan').doc?.value as { network: { ethernets: Record<string, Record<string, unknown>> } };
    const eth = doc.network.ethernets;
    assert.deepEqual(Object.keys(eth), ['eth0', 'eth1']);
    assert.deepEqual(eth['eth0'], {
      dhcp4: true,
      'dhcp4-overrides': { 'route-metric': 100 },
      dhcp6: true,
      'dhcp6-overrides': { 'route-metric': 100 },
      match: { macaddress: '52:54:00:aa:00:01' },
      'set-name': 'eth0',
    });
    assert.equal((eth['eth1']?.['dhcp4-overrides'] as Record<string, unknown>)['route-metric'], 200);
    assert.deepEqual(eth['eth1']?.['match'], { macaddress: '52:54:00:aa:00:02' });
    assert.match(root.read('/var/log/cloud-init.log'), /fallback network config: DHCP on eth0, eth1/);
  });

  test('networkd: one .network file per NIC with a link', async () => {
    const root = targetRoot(cli, { renderer: 'networkd' });
    const r = await initLocal(root);
    // No datasource at all: still the fallback, so the network stage could reach one.
    assert.equal(r.code, 0, r.stderr);
    const eth0 = root.read('/etc/systemd/network/10-cloud-init-eth0.network');
    const eth1 = root.read('/etc/systemd/network/10-cloud-init-eth1.network');
    assert.match(eth0, /MACAddress=52:54:00:aa:00:01/);
    assert.match(eth0, /RouteMetric=100/);
    assert.match(eth1, /RouteMetric=200/);
    assert.ok(!root.exists('/etc/systemd/network/10-cloud-init-eth2.network'));
  });
});
