/**
 * A sandbox where the real NetworkManager runs: on top of runSandboxed's
 * private mount, network and PID namespaces and tmpfs /run, /etc and /var
 * become overlays whose upper layers live on that tmpfs (whatever
 * NetworkManager, dbus-daemon or stratus write there — resolv.conf included
 * — stays in the sandbox), /etc/NetworkManager and /var/lib/NetworkManager
 * are private tmpfs, and a private D-Bus system bus listens on the tmpfs
 * /run. Two veths (eth0, eth1) have their far ends in a second namespace.
 *
 * systemd is not PID 1 here, so `systemctl` is a stand-in on PATH that runs
 * the NetworkManager unit's own ExecReload line (a D-Bus Reload call to the
 * real daemon) for `reload-or-try-restart NetworkManager.service`, and
 * refuses anything else.
 */
import { accessSync, constants } from 'node:fs';
import { requireTools, TOOLS, type Tool } from '../validators/sandbox.ts';

export const NM_TOOLS: Tool[] = [
  TOOLS.ip,
  { path: '/usr/sbin/NetworkManager', aptPackage: 'network-manager' },
  { path: '/usr/bin/nmcli', aptPackage: 'network-manager' },
  { path: '/usr/bin/nm-online', aptPackage: 'network-manager' },
  { path: '/usr/bin/dbus-daemon', aptPackage: 'dbus-daemon' },
  { path: '/usr/bin/busctl', aptPackage: 'systemd' },
];

const NM_UNIT = '/lib/systemd/system/NetworkManager.service';

/** Why NetworkManager cannot run here, or null. */
export function nmUnavailable(): string | null {
  try {
    requireTools(...NM_TOOLS);
    accessSync(NM_UNIT, constants.R_OK);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Shell: set up the sandbox (after runSandboxed's prelude). Defines start_nm and stop_nm. */
export const NM_PRELUDE = `
mkdir -p /run/ov/etc/u /run/ov/etc/w /run/ov/var/u /run/ov/var/w
mount -t overlay overlay -o lowerdir=/etc,upperdir=/run/ov/etc/u,workdir=/run/ov/etc/w /etc
mount -t overlay overlay -o lowerdir=/var,upperdir=/run/ov/var/u,workdir=/run/ov/var/w /var
mkdir -p /etc/NetworkManager /var/lib/NetworkManager
mount -t tmpfs tmpfs /etc/NetworkManager
mount -t tmpfs tmpfs /var/lib/NetworkManager
# Temporary files (tsx's cache, scratch dirs) stay in the sandbox's private /run. /tmp itself is not
# hidden: the repository or the built CLI may live there (a CI checkout in a temp dir).
mkdir -p /run/tmp && export TMPDIR=/run/tmp
mkdir -p /etc/NetworkManager/conf.d /etc/NetworkManager/system-connections /run/dbus /run/stratus-test/bin
# keyfile only; no "Wired connection N" profiles of NM's own; root may do anything without polkit (none runs here).
printf '[main]\\nplugins=keyfile\\nno-auto-default=*\\nauth-polkit=root-only\\n' >/etc/NetworkManager/NetworkManager.conf
cat >/run/stratus-test/bin/systemctl <<'SHIM'
#!/bin/sh
if [ "$*" = "reload-or-try-restart NetworkManager.service" ]; then
  exec $(sed -n 's/^ExecReload=//p' ${NM_UNIT} | head -n 1)
fi
echo "systemctl stand-in: $*: not supported here" >&2
exit 1
SHIM
chmod 755 /run/stratus-test/bin/systemctl
export PATH=/run/stratus-test/bin:$PATH
ip link set lo up
ip netns add far
ip link add eth0 address 52:54:00:ac:00:01 type veth peer name peer0 netns far
ip link add eth1 address 52:54:00:ac:00:02 type veth peer name peer1 netns far
ip -n far link set peer0 up
ip -n far link set peer1 up
# Read-only sysfs: NetworkManager takes this for a container and does not wait for udev.
mount -t sysfs -o ro sysfs /sys
/usr/bin/dbus-daemon --system --nofork --nopidfile >/run/dbus.log 2>&1 &
i=0; until [ -S /run/dbus/system_bus_socket ] || [ $i -ge 250 ]; do sleep 0.02; i=$((i+1)); done
nm=
start_nm() {
  /usr/sbin/NetworkManager --no-daemon >>/run/nm.log 2>&1 &
  nm=$!
  i=0; until [ "$(nmcli -t -f RUNNING general 2>/dev/null)" = running ] || [ $i -ge 500 ]; do sleep 0.02; i=$((i+1)); done
  # Startup is complete when NM has activated what it will (nm-online -s waits for that).
  nm-online -s -q -t 20 || true
}
stop_nm() {
  kill -TERM "$nm"
  i=0; while kill -0 "$nm" 2>/dev/null && [ $i -lt 500 ]; do sleep 0.02; i=$((i+1)); done
}
# wait_for CMD...: poll (bounded, 10 s) until CMD succeeds.
wait_for() { i=0; until "$@" || [ $i -ge 500 ]; do sleep 0.02; i=$((i+1)); done; }
has_addr() { ip -o address show dev "$1" | grep -qF " $2 "; }
`;
