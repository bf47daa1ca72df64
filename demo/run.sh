#!/usr/bin/env bash
# `make demo`: the attack driftguard exists for, end to end (demo/wordpress/README.md):
# WordPress with a vulnerable plugin, run from Kubernetes manifests with podman kube play;
# an attacker drops a crypto-miner; without driftguard it mines, with driftguard it is
# blocked before it runs and the event tells how it got there; then audit mode. Finally
# what driftguard knows of the image. Images are built from Debian packages and cached.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
driftguard="$repo/build/driftguard"
out="${DEMO_OUT:-/tmp/driftguard-demo}"
mkdir -p "$out"
[[ $EUID -eq 0 ]] || { echo "make demo needs root (podman, BPF)" >&2; exit 1; }
export CONTAINERS_CONF="$repo/tests/e2e/containers.conf"

"$repo/demo/wordpress/run.sh" "$repo/build" "$out"

printf '\n\033[1m== %s\033[0m\n' "What driftguard knows of the WordPress image (driftguard scan)"
"$driftguard" scan --json -o "$out/scan.json" containers-storage:localhost/driftguard-demo/wordpress:demo
jq -r '"\(.summary.executables) executables in \(.layers | length) layers (\(.summary.elf) ELF, \(.summary.scripts) scripts), each with its SHA-256: \(.executables | map(select(.path == "/usr/sbin/apache2" or .path == "/usr/bin/curl")) | map("\(.path) \(.sha256[0:16])…") | join(", "))"' "$out/scan.json"
echo "/tmp/xmrig is not among them: that is the whole test. Table: driftguard scan containers-storage:localhost/driftguard-demo/wordpress:demo"
