#!/usr/bin/env bash
# `make demo`: builds a Debian image locally from Debian packages (no registry), shows
# what driftguard knows about it (every executable, its kind, digest and layer), then
# starts the agent and shows a dropped "miner" blocked before it runs.
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

say "The agent: an attacker in a running container downloads a binary and runs it"
agent_pid=""
container="driftguard-demo-$$"
cleanup() {
    [[ -z "$agent_pid" ]] || { kill "$agent_pid" 2>/dev/null; wait "$agent_pid" 2>/dev/null || true; }
    podman rm -f -t 0 "$container" >/dev/null 2>&1 || true
}
trap cleanup EXIT
podman run -d --name "$container" -v "$repo/build/payload:/attacker:ro" "$image" sleep 600 >/dev/null
"$driftguard" agent --mode enforce --no-pin --state-dir "$out/state" > "$out/events.jsonl" 2> "$out/agent.log" &
agent_pid=$!
for _ in $(seq 100); do grep -q "container " "$out/agent.log" && break; sleep 0.1; done
echo "agent running in enforce mode (log: $out/agent.log)"
echo "\$ podman exec $container sh -c 'cp /attacker/marker_payload /tmp/miner; chmod +x /tmp/miner; /tmp/miner'"
set +e
podman exec "$container" sh -c 'cp /attacker/marker_payload /tmp/miner; chmod +x /tmp/miner; /tmp/miner'
echo "exit code $? (137 = SIGKILL before the first instruction: the miner never ran)"
set -e
echo "\$ podman exec $container ls /usr/bin | wc -l    # the image's own programs still run"
podman exec "$container" sh -c 'ls /usr/bin | wc -l'
sleep 0.3
echo "the event:"
jq -c 'select(.file.path == "/tmp/miner") | {verdict, kind, hook, path: .file.path, comm: .process.comm, container: .container.name, image: .container.image.name}' "$out/events.jsonl"
echo "\$ driftguard status"
"$driftguard" status --state-dir "$out/state"
echo "\$ driftguard diff $container    # what the container has that its image has not"
"$driftguard" diff "$container"

say "Files"
echo "  $out/events.jsonl    drift events, one JSON line each (docs/kernel-sensor.md)"
echo "  $out/scan.txt        the table"
echo "  $out/scan.json       driftguard.scan/v1 JSON (docs/scan.md)"
echo "  $out/sbom.cdx.json   CycloneDX 1.5 with SHA-256 of every executable"
