#!/usr/bin/env bash
# Policy exceptions and `driftguard diff` against real podman containers:
#  - a path exception lets a vendor tool dropped into the upper layer run, and nothing else;
#  - a SHA-256 exception lets a tool copied into a volume (as an init container fills an
#    emptyDir) run, while a different file at the same path is blocked;
#  - a symlink planted in a volume cannot make the agent allow a file outside the container;
#  - `driftguard diff` lists added, modified and removed executables exactly as an
#    independent oracle (find + Perl's Digest::SHA over the image and the container's
#    merged filesystem) does, with or without an agent running.
source "$(dirname "$0")/lib.sh"
require_root
payload_dir="${DRIFTGUARD_PAYLOAD_DIR:?}"
debian="$(test_image debian)"
work="$(mktemp -d)"
prefix="dg-except-$$"
AGENT_EVENTS="$work/events.jsonl"
AGENT_LOG="$work/agent.log"

cleanup() {
    stop_agent
    podman ps -a --format '{{.Names}}' | grep "^$prefix" | xargs -r podman rm -f -t 0 >/dev/null 2>&1 || true
    podman volume rm -f "$prefix-vol" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
run_code() { # CONTAINER COMMAND: exit code of sh -c COMMAND in the container
    set +e; podman exec "$1" /bin/sh -c "$2" >/dev/null 2>&1; local code=$?; set -e; echo "$code"
}

# The "vendor tool": the marker payload; its digest is what the exception allows.
cp "$payload_dir/marker_payload" "$work/vendor-tool"
vendor_sha="$(sha256sum "$work/vendor-tool" | cut -d' ' -f1)"
cat > "$work/policy.yaml" <<EOF
apiVersion: driftguard/v1
defaultMode: enforce
exceptions:
  - name: vendor-agent-in-upper-layer
    match: {container: "$prefix-*"}
    paths: ["/opt/vendor/bin/*"]
  - name: tool-copied-into-a-volume
    paths: ["/data/**"]
    sha256: ["$vendor_sha"]
EOF
"$DRIFTGUARD" policy check "$work/policy.yaml" >/dev/null || fail "policy check"

podman volume create "$prefix-vol" >/dev/null
podman run -d --name "$prefix-app" -v "$prefix-vol:/data" "$debian" sleep 600 >/dev/null
start_agent enforce "container " --policy "$work/policy.yaml"

# Path exception: the vendor tool in the upper layer runs; the same bytes elsewhere do not.
podman exec "$prefix-app" mkdir -p /opt/vendor/bin
podman cp "$work/vendor-tool" "$prefix-app:/opt/vendor/bin/agent"
wait_for_agent_log "upper-layer file /opt/vendor/bin/agent: excepted by policy"
[[ "$(run_code "$prefix-app" /opt/vendor/bin/agent)" == 0 ]] || fail "excepted vendor tool was blocked"
podman cp "$work/vendor-tool" "$prefix-app:/opt/vendor/agent"
[[ "$(run_code "$prefix-app" /opt/vendor/agent)" == 137 ]] || fail "a path outside the exception ran"
echo "ok: path exception: the named upper-layer file runs, the same bytes elsewhere are blocked"

# Digest exception in a volume: the tool with the allowed digest runs; another file does not.
podman cp "$work/vendor-tool" "$prefix-app:/data/tool"
wait_for_agent_log "volume file /data/tool: excepted by policy"
[[ "$(run_code "$prefix-app" /data/tool)" == 0 ]] || fail "excepted volume tool was blocked"
podman exec "$prefix-app" /bin/sh -c 'cp /bin/true /data/other; echo >> /data/other'
sleep 1.5  # two discovery ticks: the agent looks, and must not allow it
[[ "$(run_code "$prefix-app" /data/other)" == 137 ]] || fail "a volume file with another digest ran"
# Rewriting the allowed file voids the exception (its ctime moves).
podman exec "$prefix-app" /bin/sh -c 'echo >> /data/tool'
[[ "$(run_code "$prefix-app" /data/tool)" == 137 ]] || fail "modified excepted file ran"
echo "ok: digest exception in a volume: allowed digest runs; other digests and later writes blocked"

# A symlink in the volume pointing at a host path is resolved inside the container's root,
# so it never allows a host file.
cp "$work/vendor-tool" "$work/host-tool"
podman exec "$prefix-app" ln -s "$work/host-tool" /data/escape
sleep 1.5
! grep -q "volume file /data/escape" "$AGENT_LOG" || fail "the agent followed a symlink out of the container"
echo "ok: a planted symlink does not lead the agent out of the container"

# diff against the oracle: the image's executables vs the container's merged view.
podman exec "$prefix-app" /bin/sh -c 'cp /bin/true /usr/local/bin/dropped; chmod 0755 /usr/local/bin/dropped; echo "# tampered" >> /usr/bin/zdiff; rm /usr/bin/zmore; rm -rf /usr/share/doc'
oracle_diff() {
    local image_root container_root hidden
    image_root="$(podman image mount "$debian")"
    container_root="$(podman mount "$prefix-app")"
    oracle_executables "$image_root" > "$work/image.txt"
    oracle_executables "$container_root" > "$work/container.txt"
    podman image unmount "$debian" >/dev/null; podman unmount "$prefix-app" >/dev/null
    # Paths the container does not see of its layers: beneath its own mount points.
    hidden="$(awk '$5 != "/" {print $5}' "/proc/$(podman inspect -f '{{.State.Pid}}' "$prefix-app")/mountinfo")"
    python3 - "$work/image.txt" "$work/container.txt" "$hidden" <<'PY'
import sys
def load(path):
    return {l.split()[0]: l.split()[1:] for l in open(path) if l.strip()}
image, container = load(sys.argv[1]), load(sys.argv[2])
hidden = [p for p in sys.argv[3].split("\n") if p]
def visible(path):
    return not any(path == h or path.startswith(h + "/") for h in hidden)
for path in sorted(set(image) | set(container)):
    if not visible(path):
        continue
    if path not in image:
        print("added", path, container[path][0])
    elif path not in container:
        print("removed", path, image[path][0])
    elif image[path] != container[path]:
        print("modified", path, container[path][0])
PY
}
oracle_diff > "$work/expected.txt"
"$DRIFTGUARD" diff --json "$prefix-app" \
    | jq -r '.changes[] | "\(.change) \(.path) \(.sha256 // .image_sha256)"' > "$work/actual.txt"
diff -u "$work/expected.txt" "$work/actual.txt" || fail "diff differs from the oracle (- oracle, + driftguard)"
grep -q "^removed /usr/bin/zmore" "$work/actual.txt" && grep -q "^modified /usr/bin/zdiff" "$work/actual.txt" \
    && grep -q "^added /usr/local/bin/dropped" "$work/actual.txt" || fail "diff misses a planted change"
echo "ok: diff matches the oracle ($(wc -l < "$work/actual.txt") changes, agent running)"
stop_agent
"$DRIFTGUARD" diff --json "$prefix-app" \
    | jq -r '.changes[] | "\(.change) \(.path) \(.sha256 // .image_sha256)"' > "$work/actual-no-agent.txt"
diff -u "$work/expected.txt" "$work/actual-no-agent.txt" || fail "diff without the agent differs"
grep -q "^removed .*/usr/bin/zmore" <<<"$("$DRIFTGUARD" diff "$prefix-app")" || fail "diff table"
! "$DRIFTGUARD" diff "no-such-container-$$" 2>/dev/null || fail "diff of a missing container succeeded"
echo "ok: diff without an agent gives the same answer; a missing container is an error"
echo "PASS: exceptions and diff"
