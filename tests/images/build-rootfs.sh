#!/usr/bin/env bash
# Builds a root filesystem tarball for the test images, from Debian packages only,
# and caches it under $DRIFTGUARD_CACHE keyed by this script's content and the inputs.
#
#   build-rootfs.sh busybox   -> a busybox-static image (applet symlinks, a script, a setuid copy)
#   build-rootfs.sh debian    -> debootstrap --variant=minbase of the host's Debian suite
#
# Prints the path of the tarball. The cache only stores the built tarball; the tools
# are checked (and installed by scripts/install-deps.sh) on every run.
set -euo pipefail
kind="${1:?usage: build-rootfs.sh busybox|debian}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${DRIFTGUARD_CACHE:-/var/cache/driftguard}/images"
mkdir -p "$cache"

suite="$(. /etc/os-release && echo "${VERSION_CODENAME}")"
# The host's own Debian mirror, as apt is configured here.
mirror="$(grep -hoE '^(URIs:|deb) +[^ ]+' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
          | awk '{print $2}' | grep -v security | head -n1 || true)"

case "$kind" in
    busybox) inputs="$(sha256sum /bin/busybox | cut -c1-64)" ;;
    debian)  inputs="$suite minbase" ;;
    *) echo "build-rootfs: unknown image kind '$kind'" >&2; exit 2 ;;
esac
key="$( (cat "${BASH_SOURCE[0]}"; echo "$inputs") | sha256sum | cut -c1-16)"
out="$cache/$kind-$key.tar"
if [[ -s "$out" ]]; then
    echo "$out"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root"

case "$kind" in
    busybox)
        mkdir -p "$root"/{bin,sbin,usr/bin,etc,tmp,opt/app}
        cp /bin/busybox "$root/bin/busybox"
        for applet in sh ls cat echo cp mv rm chmod mkdir sleep true false env id; do
            ln -s busybox "$root/bin/$applet"
        done
        ln "$root/bin/busybox" "$root/usr/bin/busybox-hardlink"
        printf '#!/bin/sh\necho hello from the image\n' > "$root/opt/app/hello.sh"
        chmod 0755 "$root/opt/app/hello.sh"
        printf 'not executable\n' > "$root/etc/motd"
        printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
        chmod 1777 "$root/tmp"
        ;;
    debian)
        [[ -n "$mirror" ]] || { echo "build-rootfs: no Debian mirror found in apt's sources" >&2; exit 1; }
        debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
            tail -n 20 "$work/debootstrap.log" >&2
            exit 1
        }
        rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
        ;;
esac

# An image has no device nodes, proc or sys content: drop what debootstrap created there.
find "$root/dev" -mindepth 1 -delete 2>/dev/null || true
tar --numeric-owner --xattrs -C "$root" -cf "$out.partial" .
mv "$out.partial" "$out"
echo "$out"
