#!/usr/bin/env bash
# Makes one of the locally built images available to podman and prints its name:
#   local-image.sh busybox|debian
# The root filesystem comes from tests/images/build-rootfs.sh (Debian packages only,
# cached by its inputs); the image tag is that cache key, so a changed input gives a
# new image. Uses podman's configuration from CONTAINERS_CONF when set.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kind="${1:?usage: local-image.sh busybox|debian}"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$repo/tests/e2e/containers.conf}"
tar="$("$repo/tests/images/build-rootfs.sh" "$kind")"
key="$(basename "$tar" .tar)"
name="localhost/driftguard-test/$kind:${key#"$kind"-}"
if ! podman image exists "$name"; then
    podman import --quiet "$tar" "$name" >/dev/null
fi
echo "$name"
