#!/usr/bin/env bash
# Builds the demo's images from Debian packages, on top of the locally built Debian base
# image (tests/images/build-rootfs.sh debian): no registry is used.
#   build.sh wordpress|mariadb   -> prints the image name (also tagged :demo, as the
#                                   manifests in demo/wordpress/ name it)
# The tag is a hash of the base image's key and this directory's content, so an image is
# built once per change of its inputs and reused from podman's store afterwards. The
# packages come from the host's Debian suite as apt resolves them at build time.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
kind="${1:?usage: build.sh wordpress|mariadb}"
[[ -d "$here/$kind" ]] || { echo "build.sh: unknown image '$kind'" >&2; exit 2; }
export CONTAINERS_CONF="${CONTAINERS_CONF:-$repo/tests/e2e/containers.conf}"
base="$("$repo/scripts/local-image.sh" debian)"
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
cp -r "$here/$kind/." "$context/"
if [[ "$kind" == wordpress ]]; then
    cp -r "$here/../plugin" "$context/plugin"
fi
key="$( (echo "$base"; cat "${BASH_SOURCE[0]}"; cd "$context" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16)"
name="localhost/driftguard-demo/$kind:$key"
if ! podman image exists "$name"; then
    podman build --quiet --pull=never --network host --build-arg "BASE=$base" -t "$name" "$context" \
        >"$context.log" 2>&1 || { tail -n 30 "$context.log" >&2; rm -f "$context.log"; exit 1; }
    rm -f "$context.log"
fi
# The manifests name the image by this stable tag.
podman tag "$name" "localhost/driftguard-demo/$kind:demo"
echo "$name"
