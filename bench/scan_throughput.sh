#!/usr/bin/env bash
# driftguard scan of the Debian minbase test image against
#   (a) merely decompressing its layer (zcat / zstdcat to /dev/null), and
#   (b) the shell pipeline "extract with tar, find executables, sha256sum them",
# for gzip and zstd layers. Also reports scan's peak RSS. Prints a Markdown table.
#   scan_throughput.sh [BUILD_DIR]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$repo/build}"
driftguard="$build/driftguard"
source "$repo/tests/e2e/lib.sh"
require_root

image="$(test_image debian)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
skopeo copy --quiet --dest-compress-format gzip "containers-storage:$image" "oci:$work/gzip:bench" >/dev/null
skopeo copy --quiet --dest-compress-format zstd "containers-storage:$image" "oci:$work/zstd:bench" >/dev/null

layer_of() { # the single layer blob of an OCI layout
    jq -r '.layers[0].digest' "$1/blobs/sha256/$(jq -r '.manifests[0].digest' "$1/index.json" | cut -d: -f2)" | cut -d: -f2
}
gzip_layer="$work/gzip/blobs/sha256/$(layer_of "$work/gzip")"
zstd_layer="$work/zstd/blobs/sha256/$(layer_of "$work/zstd")"
# The baseline pipeline: extract to disk, find the files with an exec bit, hash them.
# It does less than the scanner (it misses ELF libraries and "#!" files without an exec
# bit, which would need a per-file sniff that makes the pipeline ~40x slower still),
# so the comparison flatters the pipeline.
pipeline() {
    local decompress="$1" layer="$2" out="$work/extract"
    rm -rf "$out" && mkdir -p "$out"
    "$decompress" -dc "$layer" | tar -x -C "$out"
    (cd "$out" && find . -type f -perm /111 -print0 | xargs -0 -r sha256sum > /dev/null)
    rm -rf "$out"
}
export -f pipeline
export work

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
echo "image: $image, layer $(du -m "$gzip_layer" | cut -f1) MiB gzip / $(du -m "$zstd_layer" | cut -f1) MiB zstd," \
     "$(("$("$driftguard" scan --json "oci:$work/gzip:bench" | jq '.summary.layer_entries')")) entries," \
     "$("$driftguard" scan --json "oci:$work/gzip:bench" | jq '.summary.executables') executables"
hyperfine --shell bash --warmup 1 --runs "${RUNS:-10}" --style basic --export-markdown "$work/results.md" \
    -n "zcat layer" "zcat $gzip_layer > /dev/null" \
    -n "driftguard scan (gzip)" "$driftguard scan oci:$work/gzip:bench > /dev/null" \
    -n "tar+find+sha256sum (gzip)" "pipeline gzip $gzip_layer" \
    -n "zstdcat layer" "zstdcat $zstd_layer > /dev/null" \
    -n "driftguard scan (zstd)" "$driftguard scan oci:$work/zstd:bench > /dev/null" \
    -n "tar+find+sha256sum (zstd)" "pipeline zstd $zstd_layer" >/dev/null
cat "$work/results.md"
for variant in gzip zstd; do
    rss="$(/usr/bin/time -f %M "$driftguard" scan "oci:$work/$variant:bench" 2>&1 >/dev/null | tail -n1)"
    echo "peak RSS, driftguard scan ($variant): $((rss / 1024)) MiB"
done
