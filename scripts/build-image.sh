#!/usr/bin/env bash
# Builds the agent image localhost/driftguard:VERSION with podman (deploy/image/Containerfile)
# and prints its name. The build stage starts from a Debian root filesystem of the host's
# suite (tests/images/build-rootfs.sh, cached) and installs the build packages from Debian;
# podman's layer cache keeps a rebuild with unchanged sources to seconds.
#   build-image.sh [TAG]   default TAG: the project's version (CMakeLists.txt)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$repo/tests/e2e/containers.conf}"
version="$(sed -n 's/^project(driftguard VERSION \([0-9.]*\).*/\1/p' "$repo/CMakeLists.txt")"
tag="${1:-$version}"
name="localhost/driftguard:$tag"
base="$("$repo/scripts/local-image.sh" debian)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! podman build --layers --pull=never --network host --build-arg "BASE=$base" \
        -f "$repo/deploy/image/Containerfile" -t "$name" "$repo" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "build-image: podman build failed" >&2
    exit 1
fi
echo "$name"
