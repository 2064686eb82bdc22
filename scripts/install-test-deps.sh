#!/bin/sh
# Installs what the test suite needs on a fresh Debian 12 machine (run as root):
# the real network tools the rendered files are validated with, what the VM
# suite builds and boots guests with (debootstrap, QEMU), then the npm
# packages from the lockfile. Installing these starts no daemon (no systemd PID 1).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends \
  iproute2 netplan.io network-manager gir1.2-nm-1.0 python3-gi ifupdown systemd udev util-linux \
  genisoimage xorriso dosfstools mtools openssh-client patch python3-jinja2 passwd \
  dnsmasq-base dhcpcd-base isc-dhcp-client busybox \
  debootstrap qemu-system-x86 qemu-utils e2fsprogs socat
npm ci
