#!/bin/sh
# Builds the Debian package of stratus with dpkg-deb (no network needed):
#   scripts/build-deb.sh [OUTDIR]      (default: dist/)
# The last line of stdout is the path of the .deb.
#
# Layout: the bundle in /usr/lib/stratus/, /usr/bin/stratus and the
# /usr/bin/cloud-init compatibility command linking to it, the stage shim
# (the four stage units run the boot in one process, cloud-init-main), the units with
# cloud-init's names and their wants links (static: nothing for postinst to
# enable, nothing left behind by purge), the generator, the udev rule for
# hotplug, the default /etc/cloud/cloud.cfg for Debian and the man page. The
# V8 code cache is made at install time with the target's node (postinst)
# and removed with the package.
set -eu
cd "$(dirname "$0")/.."
out=${1:-dist}
mkdir -p "$out"
out=$(cd "$out" && pwd)
version=$(node -p "require('./package.json').version")
work=$(mktemp -d "${TMPDIR:-/tmp}/stratus-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

node scripts/build.mjs "$work/bundle/stratus.js" >&2
p=$work/pkg
lib=$p/usr/lib/stratus
units=$p/usr/lib/systemd/system
install -d -m 0755 "$lib" "$units" "$p/usr/bin" "$p/usr/lib/systemd/system-generators" "$p/usr/lib/udev/rules.d" \
  "$p/etc/cloud/cloud.cfg.d" "$p/usr/share/man/man1" "$p/usr/share/doc/stratus" "$p/DEBIAN" \
  "$units/cloud-init.target.wants" "$units/cloud-config.target.wants" "$units/sshd-keygen@.service.d"
install -m 0755 "$work/bundle/stratus.js" "$lib/stratus.js"
install -m 0644 "$work/bundle/stratus.js.bundle" "$lib/stratus.js.bundle"
# Outside a "type": "module" package the loader is CommonJS by default; say it anyway.
printf '{ "type": "commonjs" }\n' > "$lib/package.json"
chmod 0644 "$lib/package.json"
ln -s ../lib/stratus/stratus.js "$p/usr/bin/stratus"
ln -s ../lib/stratus/stratus.js "$p/usr/bin/cloud-init"
install -m 0755 udev/hotplug-queue "$lib/"
install -m 0755 systemd/stage-shim "$lib/"

for u in cloud-init-local.service cloud-init-network.service cloud-config.service cloud-final.service \
         cloud-init-main.socket cloud-init-main.service \
         cloud-config.target cloud-init.target cloud-init-hotplugd.socket cloud-init-hotplugd.service; do
  install -m 0644 "systemd/$u" "$units/$u"
done
ln -s cloud-init-network.service "$units/cloud-init.service"
for u in cloud-init-local.service cloud-init-network.service cloud-config.service cloud-final.service cloud-init-main.socket cloud-init-main.service; do
  ln -s "../$u" "$units/cloud-init.target.wants/$u"
done
ln -s ../cloud-init-hotplugd.socket "$units/cloud-config.target.wants/cloud-init-hotplugd.socket"
install -m 0644 systemd/sshd-keygen-drop-in.conf "$units/sshd-keygen@.service.d/disable-sshd-keygen-if-stratus-active.conf"
install -m 0755 systemd/cloud-init-generator "$p/usr/lib/systemd/system-generators/cloud-init-generator"
install -m 0644 udev/90-stratus-hotplug.rules "$p/usr/lib/udev/rules.d/90-stratus-hotplug.rules"

install -m 0644 packaging/cloud.cfg "$p/etc/cloud/cloud.cfg"
gzip -9n < packaging/stratus.1 > "$p/usr/share/man/man1/stratus.1.gz"
ln -s stratus.1.gz "$p/usr/share/man/man1/cloud-init.1.gz"
install -m 0644 packaging/copyright "$p/usr/share/doc/stratus/copyright"

size=$(du -sk --exclude=DEBIAN "$p" | cut -f1)
cat > "$p/DEBIAN/control" <<CONTROL
Package: stratus
Version: $version
Architecture: all
Maintainer: stratus maintainers <stratus@localhost>
Installed-Size: $size
Depends: nodejs (>= 18), iproute2
Recommends: isc-dhcp-client | dhcpcd-base | busybox, ca-certificates
Provides: cloud-init
Conflicts: cloud-init
Replaces: cloud-init
Section: admin
Priority: optional
Homepage: https://example.invalid/stratus
Description: cloud-init-compatible instance initialization agent
 stratus initializes a cloud instance at boot as cloud-init does: it finds
 the datasource (NoCloud, OpenStack config drive or metadata service, ...),
 writes the network configuration for the system's network stack and runs
 the cloud-config modules, reading cloud-init's configuration and keeping
 its state in cloud-init's places.
CONTROL
printf '/etc/cloud/cloud.cfg\n' > "$p/DEBIAN/conffiles"

cat > "$p/DEBIAN/postinst" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  # V8's code cache for this machine's node: a stage starts faster with it, and works without it.
  STRATUS_WRITE_CODE_CACHE=/usr/lib/stratus/stratus.js.cache /usr/lib/stratus/stratus.js devel warm-code-cache >/dev/null 2>&1 || \
    rm -f /usr/lib/stratus/stratus.js.cache
  if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
  if [ -d /run/udev ]; then udevadm control --reload >/dev/null 2>&1 || true; fi
fi
exit 0
SCRIPT
cat > "$p/DEBIAN/prerm" <<'SCRIPT'
#!/bin/sh
set -e
# Made by postinst, not listed in the package: removed with it (also on upgrade, postinst makes a new one).
rm -f /usr/lib/stratus/stratus.js.cache /usr/lib/stratus/stratus.js.cache.tmp-*
exit 0
SCRIPT
cat > "$p/DEBIAN/postrm" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = purge ]; then
  # What the boots wrote: instance state, logs and the runtime directory.
  rm -rf /var/lib/cloud /run/cloud-init
  rm -f /var/log/cloud-init.log /var/log/cloud-init-output.log
  rmdir --ignore-fail-on-non-empty /etc/cloud/cloud.cfg.d /etc/cloud 2>/dev/null || true
fi
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
exit 0
SCRIPT
chmod 0755 "$p/DEBIAN/postinst" "$p/DEBIAN/prerm" "$p/DEBIAN/postrm"

deb="$out/stratus_${version}_all.deb"
dpkg-deb --root-owner-group -Zxz --build "$p" "$deb" >&2
echo "$deb"
