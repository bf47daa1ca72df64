#!/usr/bin/env bash
# `make demo`: builds a Debian image locally from Debian packages (no registry), then
# shows what driftguard knows about it: every executable, its kind, digest and layer.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
driftguard="$repo/build/driftguard"
out="${DEMO_OUT:-/tmp/driftguard-demo}"
mkdir -p "$out"
[[ $EUID -eq 0 ]] || { echo "make demo needs root (podman image storage)" >&2; exit 1; }

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Building a Debian image from Debian packages (cached after the first run)"
image="$("$repo/scripts/local-image.sh" debian)"
echo "image: $image"

say "driftguard scan containers-storage:$image (first 15 rows)"
"$driftguard" scan "containers-storage:$image" > "$out/scan.txt"
head -n 16 "$out/scan.txt"
echo "..."
tail -n 1 "$out/scan.txt"

say "The same image as an OCI archive, as a CI pipeline would scan it before it runs"
export CONTAINERS_CONF="$repo/tests/e2e/containers.conf"
podman save --quiet --format oci-archive -o "$out/image.oci.tar" "$image"
"$driftguard" scan --json -o "$out/scan.json" "$out/image.oci.tar"
"$driftguard" scan --format cyclonedx -o "$out/sbom.cdx.json" "$out/image.oci.tar"
jq -r '"\(.summary.executables) executables, \(.summary.elf) ELF, \(.summary.scripts) scripts; layer \(.layers[0].digest) (\(.layers[0].compression))"' "$out/scan.json"
echo "dynamic ELF binaries and their interpreter:"
jq -r '[.executables[] | select(.linkage == "dynamic") | .interpreter] | group_by(.) | map("  \(.[0]): \(length)") | .[]' "$out/scan.json"

say "A tampered archive is refused, naming what is wrong"
cp "$out/image.oci.tar" "$out/tampered.oci.tar"
printf 'X' | dd of="$out/tampered.oci.tar" bs=1 seek=$(( $(stat -c %s "$out/tampered.oci.tar") / 2 )) conv=notrunc status=none
"$driftguard" scan "$out/tampered.oci.tar" || echo "(exit code $?)"

say "Files"
echo "  $out/scan.txt        the table"
echo "  $out/scan.json       driftguard.scan/v1 JSON (docs/scan.md)"
echo "  $out/sbom.cdx.json   CycloneDX 1.5 with SHA-256 of every executable"
