#!/usr/bin/env bash
# A real podman container inside the VM under BACKEND (containers_in_vm.sh). Prepares
# its image on this machine first, where the Debian root filesystem is built and cached
# (tests/images/build-rootfs.sh): that tarball plus the drift helper in /usr/local/bin.
#   real_containers_test.sh DRIFTGUARD PAYLOAD_DIR BACKEND   (VM_LSM as for run-in-vm.sh)
set -euo pipefail
[[ $EUID -eq 0 ]] || { echo "SKIP: needs root"; exit 77; }
here="$(cd "$(dirname "$0")" && pwd)"
driftguard="$1"
payloads="$2"
backend="$3"
rootfs="$("$here/../images/build-rootfs.sh" debian)"
# On this machine's disk beside the cache (the VM sees it read-only; its /tmp, /var/tmp
# and /run are its own).
cache="${DRIFTGUARD_CACHE:-/var/cache/driftguard}"
mkdir -p "$cache"
work="$(mktemp -d "$cache/vm-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp "$rootfs" "$work/image.tar"
mkdir -p "$work/add/usr/local/bin"
install -m 0755 "$payloads/drift_helper" "$work/add/usr/local/bin/drift_helper"
tar -C "$work/add" --owner=0 --group=0 -rf "$work/image.tar" usr/local/bin/drift_helper
# A run takes 2 to 5 minutes; a VM that has not finished in 10 has hung.
VM_TIMEOUT="${VM_TIMEOUT:-600}" "$here/run-in-vm.sh" "$here/containers_in_vm.sh" "$driftguard" "$work/image.tar" "$payloads" "$backend"
