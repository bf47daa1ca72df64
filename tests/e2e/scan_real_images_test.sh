#!/usr/bin/env bash
# driftguard scan on real images built locally from Debian packages, in every format
# it reads, compared with an independent oracle walking `podman image mount`.
#   scan_real_images_test.sh busybox|debian
source "$(dirname "$0")/lib.sh"
require_root
kind="${1:?usage: scan_real_images_test.sh busybox|debian}"

base="$(test_image "$kind")"
image="$base"
if [[ "$kind" == debian ]]; then
    # A second layer made by a real build: deletions (whiteouts), a replaced directory
    # (opaque), a new script, a copy of a binary, a mode change. Tagged by its recipe.
    containerfile="FROM $base
RUN rm -f /usr/bin/yes /usr/bin/tac \\
 && rm -rf /usr/share/doc/debconf && mkdir -p /usr/share/doc/debconf \\
 && printf '#!/bin/sh\\necho added\\n' > /usr/local/bin/added.sh && chmod 0755 /usr/local/bin/added.sh \\
 && cp /usr/bin/env /usr/local/bin/env-copy \\
 && chmod 0700 /usr/bin/who
"
    image="localhost/driftguard-test/debian-layered:$(sha256sum <<<"$containerfile" | cut -c1-16)"
    if ! podman image exists "$image"; then
        work="$(mktemp -d)"
        printf '%s' "$containerfile" > "$work/Containerfile"
        podman build --quiet --network none -t "$image" "$work" >/dev/null
        rm -rf "$work"
    fi
fi

root="$(podman image mount "$image")"
trap 'podman image unmount "$image" >/dev/null 2>&1 || true; rm -rf "${archives:-}"' EXIT
archives="$(mktemp -d)"

expect_same_as_oracle "$root" "containers-storage:$image"
podman save --quiet --format oci-archive -o "$archives/oci.tar" "$image"
expect_same_as_oracle "$root" "$archives/oci.tar"
podman save --quiet --format docker-archive -o "$archives/docker.tar" "$image"
expect_same_as_oracle "$root" "$archives/docker.tar"
skopeo copy --quiet --dest-compress-format zstd "containers-storage:$image" "oci:$archives/layout:test" >/dev/null
expect_same_as_oracle "$root" "oci:$archives/layout:test"
jq -e '[.layers[].compression] | all(. == "zstd")' <("$DRIFTGUARD" scan --json "oci:$archives/layout:test") >/dev/null \
    || fail "skopeo's zstd layers were not read as zstd"
expect_same_as_oracle "$root" "rootfs:$root"

if [[ "$kind" == debian ]]; then
    count="$("$DRIFTGUARD" scan --json "containers-storage:$image" | jq '.executables | length')"
    (( count > 300 )) || fail "a Debian minbase image should hold hundreds of executables, saw $count"
    layers="$("$DRIFTGUARD" scan --json "containers-storage:$image" | jq '.layers | length')"
    [[ "$layers" == 2 ]] || fail "expected 2 layers, saw $layers"
    "$DRIFTGUARD" scan --json "containers-storage:$image" \
        | jq -e '.executables[] | select(.path == "/usr/bin/yes")' >/dev/null && fail "whiteout ignored"
    "$DRIFTGUARD" scan --json "containers-storage:$image" \
        | jq -e '.executables[] | select(.path == "/usr/local/bin/env-copy" and .layer_index == 1)' >/dev/null \
        || fail "copied binary not attributed to the second layer"
fi
echo "PASS: $kind image scanned identically in 5 formats"
