#!/usr/bin/env bash
# Builds the workload tier's image (image/Containerfile) on the locally built Debian base
# image and prints its name. Tagged with a hash of the base image's key and image/'s
# content: built once per change of its inputs, reused from podman's store afterwards.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$repo/tests/e2e/containers.conf}"
base="$("$repo/scripts/local-image.sh" debian)"
key="$( (echo "$base"; cat "${BASH_SOURCE[0]}"; cd "$here/image" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16)"
name="localhost/driftguard-test/workloads:$key"
if ! podman image exists "$name"; then
    log="$(mktemp)"
    podman build --quiet --pull=never --network host --build-arg "BASE=$base" -t "$name" "$here/image" \
        >"$log" 2>&1 || { tail -n 30 "$log" >&2; rm -f "$log"; exit 1; }
    rm -f "$log"
fi
echo "$name"
