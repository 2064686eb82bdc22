#!/bin/bash
# rootfs.sh — the chroot side of the VM image builder (driven by test/vm/image.ts).
# Must run inside a private mount namespace: image.ts starts it as
#   unshare --mount --propagation private --fork bash rootfs.sh CMD ...
# so every mount below vanishes with the process and the host's mount table is never touched.
#
#   rootfs.sh base DIR APTCACHE MIRROR SECMIRROR "PKGS" "DOWNLOAD_ONLY_PKGS"
#   rootfs.sh variant DIR APTCACHE NET FLAVOUR DEB|- GUESTDIR
set -eu

in_root() {
  r=$1; shift
  LANG=C.UTF-8 LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive chroot "$r" "$@"
}

mount_root() {
  r=$1 cache=$2
  [ "$(findmnt -no PROPAGATION / 2>/dev/null || echo private)" != shared ] || mount --make-rprivate /
  mount -t proc proc "$r/proc"
  mount -t sysfs sys "$r/sys"
  mount --bind /dev "$r/dev"
  mount -t devpts devpts "$r/dev/pts" -o newinstance,ptmxmode=0666
  mkdir -p "$r/var/cache/apt/archives" "$cache/partial"
  mount --bind "$cache" "$r/var/cache/apt/archives"
}

apt_in() {
  r=$1; shift
  in_root "$r" apt-get -o DPkg::Lock::Timeout=600 -o APT::Install-Recommends=false -y "$@"
}

cmd_base() {
  dir=$1 cache=$2 mirror=$3 secmirror=$4 pkgs=$5 dlonly=$6
  rm -rf "$dir"
  debootstrap --variant=minbase --cache-dir="$cache" bookworm "$dir" "$mirror"
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s bookworm-security main\n' \
    "$mirror" "$mirror" "$secmirror" > "$dir/etc/apt/sources.list"
  printf '#!/bin/sh\nexit 101\n' > "$dir/usr/sbin/policy-rc.d"
  chmod 0755 "$dir/usr/sbin/policy-rc.d"
  mount_root "$dir" "$cache"
  apt_in "$dir" update
  # shellcheck disable=SC2086
  apt_in "$dir" install $pkgs
  # shellcheck disable=SC2086
  apt_in "$dir" install --download-only $dlonly
  # cloud-init's Debian default locale is en_US.UTF-8: it must be generated (REPORT.md problem 1)
  sed -i 's/^# *en_US.UTF-8 UTF-8/en_US.UTF-8 UTF-8/' "$dir/etc/locale.gen"
  in_root "$dir" locale-gen
  echo 'LABEL=rootfs / ext4 defaults,errors=remount-ro 0 1' > "$dir/etc/fstab"
  printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$dir/etc/hosts"
  echo 'root:root' | in_root "$dir" chpasswd
}

cmd_variant() {
  dir=$1 cache=$2 net=$3 flavour=$4 deb=$5 guest=$6
  mount_root "$dir" "$cache"
  case "$net" in
    nm) apt_in "$dir" install network-manager ;;
    eni) apt_in "$dir" install ifupdown ;;
    networkd) ;;
    *) echo "unknown net $net" >&2; exit 2 ;;
  esac
  case "$flavour" in
    cloudinit) apt_in "$dir" install cloud-init ;;
    stratus)
      cp "$deb" "$dir/tmp/stratus.deb"
      in_root "$dir" dpkg -i /tmp/stratus.deb
      rm -f "$dir/tmp/stratus.deb" ;;
    *) echo "unknown flavour $flavour" >&2; exit 2 ;;
  esac
  case "$net" in
    networkd)
      in_root "$dir" systemctl enable systemd-networkd.service systemd-networkd-wait-online.service
      renderer=networkd ;;
    nm)
      in_root "$dir" systemctl mask systemd-networkd.service systemd-networkd.socket systemd-networkd-wait-online.service
      in_root "$dir" systemctl enable NetworkManager.service NetworkManager-wait-online.service
      renderer=network-manager ;;
    eni)
      in_root "$dir" systemctl mask systemd-networkd.service systemd-networkd.socket systemd-networkd-wait-online.service
      renderer=eni ;;
  esac
  mkdir -p "$dir/etc/cloud/cloud.cfg.d"
  printf 'system_info:\n  network:\n    renderers: [%s]\n    activators: [%s]\n' "$renderer" "$renderer" \
    > "$dir/etc/cloud/cloud.cfg.d/90-vmtest-renderer.cfg"
  install -m 0755 "$guest/vm-report" "$dir/usr/local/sbin/vm-report"
  install -m 0644 "$guest/vm-report.service" "$dir/etc/systemd/system/vm-report.service"
  in_root "$dir" systemctl enable vm-report.service
  in_root "$dir" dpkg-query -W -f '${Package} ${Version}\n' > "$dir/.vm-packages"
  # first-boot state like a cloud image
  : > "$dir/etc/machine-id"
  rm -f "$dir/var/lib/dbus/machine-id" "$dir"/etc/ssh/ssh_host_*
  rm -rf "$dir/var/lib/cloud" "$dir/run/cloud-init"
  mkdir -p "$dir/var/lib/cloud"
  rm -f "$dir"/var/log/cloud-init*
  rm -f "$dir/etc/resolv.conf"
  : > "$dir/etc/resolv.conf"
  echo localhost > "$dir/etc/hostname"
  rm -f "$dir/usr/sbin/policy-rc.d"
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin
  umount "$dir/var/cache/apt/archives"
}

cmd=$1; shift
case "$cmd" in
  base) cmd_base "$@" ;;
  variant) cmd_variant "$@" ;;
  *) echo "usage: rootfs.sh base|variant ..." >&2; exit 2 ;;
esac
