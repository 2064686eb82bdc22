#!/bin/sh
# Run by install-purge.ts inside `unshare --mount --fork`: an overlay over the
# cached root, a minimal /dev and /proc for the maintainer scripts, then the
# steps, each printing its output after an "@@ name" marker.
set -eu
base="$1"; work="$2"; deb="$3"
mkdir -p "$work/upper" "$work/ovl" "$work/merged"
mount -t overlay overlay -o "lowerdir=$base,upperdir=$work/upper,workdir=$work/ovl" "$work/merged"
m="$work/merged"
mount -t proc proc "$m/proc"
mount -t tmpfs -o mode=0755 tmpfs "$m/dev"
for d in null:1:3 zero:1:5 random:1:8 urandom:1:9; do
  n=${d%%:*}; r=${d#*:}; mknod -m 0666 "$m/dev/$n" c ${r%%:*} ${r#*:}
done
mount -t tmpfs tmpfs "$m/run"
listing() { (cd "$m" && find . -xdev \( -path ./proc -o -path ./dev -o -path ./run -o -path ./tmp \) -prune -o -printf '%y %p\n' | LC_ALL=C sort); }
echo '@@ before'; listing
cp "$deb" "$m/tmp/stratus.deb"
echo '@@ install'; chroot "$m" dpkg -i /tmp/stratus.deb 2>&1
echo '@@ version'; chroot "$m" stratus --version 2>&1
echo '@@ cache'; [ -s "$m/usr/lib/stratus/stratus.js.cache" ] && echo present || echo missing
echo '@@ identify'; chroot "$m" stratus identify || echo "exit $?"
echo '@@ installed'; listing
echo '@@ purge'; rm -f "$m/tmp/stratus.deb"; chroot "$m" dpkg --purge stratus 2>&1
echo '@@ after'; listing
echo '@@ end'
