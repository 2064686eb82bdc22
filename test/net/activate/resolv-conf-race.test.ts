/**
 * The resolv.conf race (issue 5; a known cloud-init failure): with a
 * renderer whose DNS NetworkManager does not own (sysconfig here) and NM
 * installed, stratus's local stage writes resolv.conf and the dns=none
 * drop-in before NM starts; NM starting afterwards (with a profile of its
 * own that carries DNS) and stopping again must leave stratus's
 * resolv.conf exactly as it was. The control run without the drop-in shows
 * the test can fail: NM then rewrites the file.
 *
 * The real `stratus init --local` runs on "/" inside nm-sandbox.ts's
 * sandbox, where /etc and /var are overlays on the sandbox's tmpfs: the
 * seed, cloud.cfg, the rendered files and resolv.conf never reach the host.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runSandboxed, withTempDir } from '../validators/sandbox.ts';
import { NM_PRELUDE, nmUnavailable } from './nm-sandbox.ts';
import { MARK, sections } from './sandbox-output.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

const CLOUD_CFG = 'datasource_list: [NoCloud]\nsystem_info:\n  distro: rhel\n  network:\n    renderers: [sysconfig]\n';
const NETWORK_CONFIG = `version: 1
config:
  - type: physical
    name: eth0
    mac_address: "52:54:00:ac:00:01"
    subnets:
      - type: static
        address: 10.0.1.2/24
        gateway: 10.0.1.1
        dns_nameservers: [10.0.1.53]
        dns_search: [example.org]
`;
/** The image's own NM profile for eth1, with DNS NetworkManager would like to put in resolv.conf. */
const IMAGE_PROFILE = `[connection]
id=image-eth1
uuid=5f1c2b7e-3d4a-4e8b-9a61-7c0e2d9f4b22
type=ethernet
interface-name=eth1

[ipv4]
method=manual
address1=10.0.9.2/24
dns=10.9.9.9;

[ipv6]
method=disabled
`;

const SCRIPT = `
dir="$1"; node="$2"; repo="$3"
mkdir -p /run/stratus-in && cp "$dir"/* /run/stratus-in/
${NM_PRELUDE}
mkdir -p /etc/cloud /var/lib/cloud/seed/nocloud
cp /run/stratus-in/cloud.cfg /etc/cloud/cloud.cfg
cp /run/stratus-in/network-config /var/lib/cloud/seed/nocloud/network-config
printf 'instance-id: iid-race\\n' >/var/lib/cloud/seed/nocloud/meta-data
: >/var/lib/cloud/seed/nocloud/user-data
# The image's resolv.conf (a regular file).
rm -f /etc/resolv.conf; printf 'nameserver 192.0.2.1\\n' >/etc/resolv.conf
install -m 600 /run/stratus-in/image-eth1.nmconnection /etc/NetworkManager/system-connections/
cd "$repo"
echo "${MARK} local-stage"
"$node" --import tsx src/cli/main.ts init --local >/run/stratus.out 2>&1 && echo "exit 0" || { echo "exit $?"; cat /run/stratus.out; }
echo "${MARK} dropin"; cat /etc/NetworkManager/conf.d/99-cloud-init.conf 2>/dev/null || echo "(none)"
echo "${MARK} after-stratus"; cat /etc/resolv.conf
start_nm
wait_for has_addr eth1 10.0.9.2/24
# NetworkManager writes resolv.conf right after it activates a connection; give it that chance.
sleep 1
echo "${MARK} nm-running"; cat /etc/resolv.conf
stop_nm
echo "${MARK} nm-stopped"; cat /etc/resolv.conf
# Control: the same boot without the drop-in.
rm /etc/NetworkManager/conf.d/99-cloud-init.conf
start_nm
wait_for grep -q 10.9.9.9 /etc/resolv.conf
echo "${MARK} control-nm-running"; cat /etc/resolv.conf
stop_nm
echo "${MARK} log"; cat /run/nm.log
`;

describe('resolv.conf race: NetworkManager starts after the local stage (sysconfig renderer)', () => {
  const why = nmUnavailable();
  test('resolv.conf is stratus\'s, and survives NetworkManager starting and stopping; without the drop-in NM would take it', { skip: why ? `${why} (covered by the VM suite, issue 7)` : false }, async () => {
    await withTempDir('resolv-race', async (dir) => {
      writeFileSync(join(dir, 'cloud.cfg'), CLOUD_CFG);
      writeFileSync(join(dir, 'network-config'), NETWORK_CONFIG);
      writeFileSync(join(dir, 'image-eth1.nmconnection'), IMAGE_PROFILE);
      const r = await runSandboxed(SCRIPT, [dir, process.execPath, REPO], { timeoutMs: 90_000 });
      const s = sections(r.stdout);
      const explain = `exit ${r.code}\n${r.stderr}\n${r.stdout}`;
      assert.equal(r.timedOut, false, explain);
      assert.equal(r.code, 0, explain);
      assert.equal(s['local-stage']?.trim(), 'exit 0', explain);
      assert.equal(s['dropin'], '# Created by cloud-init automatically, do not edit.\n#\n[main]\ndns = none\n');
      const ours = '; Created by cloud-init automatically, do not edit.\n;\nnameserver 10.0.1.53\nnameserver 192.0.2.1\nsearch example.org\n';
      assert.equal(s['after-stratus'], ours);
      assert.equal(s['nm-running'], ours, 'NetworkManager rewrote resolv.conf while running');
      assert.equal(s['nm-stopped'], ours, 'NetworkManager rewrote resolv.conf when it stopped');
      // The control: NetworkManager does take the file when nothing tells it not to.
      assert.match(s['control-nm-running'] ?? '', /nameserver 10\.9\.9\.9/, explain);
      assert.doesNotMatch(s['control-nm-running'] ?? '', /10\.0\.1\.53/);
    });
  });
});
