/**
 * The networkd activator against the real systemd-networkd, inside a
 * sandbox (private mount, network and PID namespaces; see
 * test/net/validators/sandbox.ts): a private D-Bus system bus on the
 * sandbox's tmpfs /run (networkctl talks to networkd over it), private tmpfs
 * over every networkd config directory, and a veth whose far end sits in a
 * second namespace created inside the sandbox.
 *
 * The boot it reproduces: the local stage left a config that networkd
 * applied when it started (10.0.0.2/24); the network stage then writes the
 * datasource's config and runs the activator — a node process with root "/"
 * inside the sandbox — and the link must end up with exactly the new
 * addresses and routes. (`networkctl reload` alone would leave the old
 * address: an already configured link needs `reconfigure`.)
 *
 * Everything ends with the sandbox's PID 1 (killed by PID if it overruns):
 * dbus-daemon and networkd die with the namespace, the veths and the far
 * namespace with it; the temp dir is removed.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readNetworkInput } from '../../../src/net/input.ts';
import { renderNetworkd } from '../../../src/net/render/networkd.ts';
import { requireTools, runSandboxed, TOOLS, withTempDir } from '../validators/sandbox.ts';
import { MARK, sections, v4 } from './sandbox-output.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const DBUS = '/usr/bin/dbus-daemon';

const FIRST = 'version: 2\nethernets:\n  eth0:\n    match: {macaddress: "52:54:00:ac:00:01"}\n    set-name: eth0\n    addresses: [10.0.0.2/24]\n';
const SECOND = `version: 2
ethernets:
  eth0:
    match: {macaddress: "52:54:00:ac:00:01"}
    set-name: eth0
    addresses: [10.0.1.2/24, 10.0.2.2/24]
    routes:
      - {to: 0.0.0.0/0, via: 10.0.1.1}
      - {to: 198.51.100.0/24, via: 10.0.2.254, metric: 50}
    nameservers: {addresses: [10.0.1.53]}
`;

const SCRIPT = `
dir="$1"; node="$2"; repo="$3"
# Private tmpfs over every directory networkd reads config from, and over its state.
for d in /etc/systemd/network /usr/lib/systemd/network /usr/local/lib/systemd/network /lib/systemd/network /var/lib/systemd; do
  if [ -d "$d" ] && [ ! -L "$d" ]; then mount -t tmpfs tmpfs "$d"; fi
done
mkdir -p /run/stratus-test /run/systemd/netif /run/dbus
cp "$dir"/second.yaml /run/stratus-test/
# The first config, as the local stage left it.
cp "$dir"/first/* /etc/systemd/network/
chown systemd-network:systemd-network /run/systemd/netif
ip link set lo up
ip netns add far
ip link add eth0 address 52:54:00:ac:00:01 type veth peer name peer0 netns far
ip -n far link set peer0 up
# Read-only sysfs: networkd sees no udev (as in a container) and manages links at once.
mount -t sysfs -o ro sysfs /sys
${DBUS} --system --nofork --nopidfile >/run/dbus.log 2>&1 &
i=0; until [ -S /run/dbus/system_bus_socket ] || [ $i -ge 250 ]; do sleep 0.02; i=$((i+1)); done
/lib/systemd/systemd-networkd >/run/networkd.log 2>&1 &
i=0; until ip -o address show dev eth0 | grep -qF ' 10.0.0.2/24 ' || [ $i -ge 500 ]; do sleep 0.02; i=$((i+1)); done
i=0; until networkctl list >/dev/null 2>&1 || [ $i -ge 250 ]; do sleep 0.02; i=$((i+1)); done
echo "${MARK} before"; ip -j address show dev eth0
# Temporary files (tsx's cache, scratch dirs) stay in the sandbox's private /run. /tmp itself is not
# hidden: the repository or the built CLI may live there (a CI checkout in a temp dir).
mkdir -p /run/tmp && export TMPDIR=/run/tmp
cd "$repo"
echo "${MARK} bring-up"
"$node" --import tsx test/net/activate/inside/bring-up.ts networkd /run/stratus-test/second.yaml
i=0; until { ip -o address show dev eth0 | grep -qF ' 10.0.2.2/24 ' && ip route show | grep -qF '198.51.100.0/24'; } || [ $i -ge 500 ]; do sleep 0.02; i=$((i+1)); done
echo "${MARK} after"; ip -j address show dev eth0
echo "${MARK} routes"; ip -j route show dev eth0
echo "${MARK} log"; cat /run/networkd.log /run/dbus.log
`;

describe('networkd activator, real systemd-networkd in a namespace', () => {
  test('a changed .network reaches the running link: reload + reconfigure, new addresses and routes, old address gone', async () => {
    requireTools(TOOLS.networkd, TOOLS.ip, { path: DBUS, aptPackage: 'dbus-daemon' }, { path: '/usr/bin/networkctl', aptPackage: 'systemd' });
    await withTempDir('networkd-activate', async (dir) => {
      const first = readNetworkInput(FIRST, 'first', 'yaml');
      assert.equal(first.kind, 'state');
      if (first.kind !== 'state') return;
      mkdirSync(join(dir, 'first'));
      for (const f of renderNetworkd(first.state).files) writeFileSync(join(dir, 'first', f.path.split('/').pop() ?? 'x'), f.content, { mode: f.mode });
      writeFileSync(join(dir, 'second.yaml'), SECOND);
      const r = await runSandboxed(SCRIPT, [dir, process.execPath, REPO], { timeoutMs: 60_000 });
      const s = sections(r.stdout);
      const explain = `exit ${r.code}\n${r.stderr}\n${s['log'] ?? r.stdout}`;
      assert.equal(r.timedOut, false, explain);
      assert.equal(r.code, 0, explain);
      assert.deepEqual(v4(s['before']), ['10.0.0.2/24'], explain);
      const report = JSON.parse((s['bring-up'] ?? '').trim()) as { ok: boolean; commands: { argv: string[]; ran: boolean }[]; log: string[] };
      assert.deepEqual(report.commands.map((c) => [c.argv.join(' '), c.ran]), [
        ['networkctl reload', true],
        ['networkctl reconfigure eth0', true],
      ]);
      assert.equal(report.ok, true, report.log.join('\n'));
      assert.deepEqual(v4(s['after']), ['10.0.1.2/24', '10.0.2.2/24'], explain);
      const routes = JSON.parse(s['routes'] ?? '[]') as { dst: string; gateway?: string; metric?: number }[];
      const find = (dst: string) => routes.find((x) => x.dst === dst);
      assert.equal(find('default')?.gateway, '10.0.1.1', JSON.stringify(routes));
      assert.equal(find('198.51.100.0/24')?.gateway, '10.0.2.254', JSON.stringify(routes));
      assert.equal(find('198.51.100.0/24')?.metric, 50);
      assert.equal(find('10.0.0.0/24'), undefined, 'the old prefix route is gone');
    });
  });
});
