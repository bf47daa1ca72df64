#!/usr/bin/env bash
# Runs inside the VM (run-in-vm.sh): a real podman container (runc, overlay storage on a
# tmpfs) started after `driftguard agent` picked EXPECTED_BACKEND. The container starts
# and its image's programs run untouched; each kind of drift inside it is refused with
# EPERM (the marker the payloads write stays absent) and reported with that backend.
#   containers_in_vm.sh DRIFTGUARD IMAGE_TAR PAYLOAD_DIR EXPECTED_BACKEND
# IMAGE_TAR: a root filesystem (Debian and the drift helper) for `podman import`.
# Every podman command costs 20-50 s under TCG, so everything inside the container is one
# `podman exec` of a script that prints one "name exit-code marker" line per step.
set -euo pipefail
driftguard="$1"
image_tar="$2"
payloads="$3"
expected="$4"
work="$(mktemp -d)"
name="dg-vm-$$"
agent_pid=""
cleanup() {
    podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
    [[ -n "$agent_pid" ]] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- agent log"; cat "$work/agent.log"; exit 1; }

# The VM's root is the host's, read-only: podman's storage, run state and lock files go
# to tmpfs mounts of the VM alone; no network namespace setup (netavark) is needed.
for dir in /var/lib/containers /run /var/tmp /etc/containers/networks; do
    mount -t tmpfs vm-scratch "$dir"
done
mount -t cgroup2 cgroup2 /sys/fs/cgroup
export CONTAINERS_CONF="$work/containers.conf"
cat > "$CONTAINERS_CONF" <<'CONF'
[containers]
default_ulimits = []
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
CONF
image="localhost/driftguard-vm/debian:test"
podman import --quiet "$image_tar" "$image" >/dev/null

"$driftguard" agent --no-pin --state-dir "$work/state" --metrics off \
    > "$work/events.jsonl" 2> "$work/agent.log" &
agent_pid=$!
for _ in $(seq 1 300); do grep -q "agent running" "$work/agent.log" && break; sleep 0.2; done
grep -q "sensor attached: backend $expected" "$work/agent.log" || fail "the agent did not pick $expected"

# Started under the backend: runc's own exec of its memfd copy and the container's init
# must not be taken for drift.
podman run -d --name "$name" -v "$payloads:/payload:ro" "$image" sleep 3600 >/dev/null \
    || fail "the container did not start under $expected"
for _ in $(seq 1 600); do grep -q "container .*$name" "$work/agent.log" && break; sleep 0.2; done
grep -q "container .*$name.*mode enforce" "$work/agent.log" || fail "the agent did not enforce on $name"

# name | command (run from /, where the payloads write their marker)
steps=(
  "image binary|/usr/bin/env true"
  "ld.so of an image binary|/lib64/ld-linux-x86-64.so.2 /usr/bin/true"
  "LD_PRELOAD of an image library|LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libz.so.1 /usr/bin/true"
  "image binary after chmod|chmod 0755 /usr/bin/sort && sleep 1 && /usr/bin/sort /dev/null"
  "image helper, image file|/usr/local/bin/drift_helper mprotect /usr/bin/true"
  "dropped ELF|cp /payload/marker_payload /tmp/miner && /tmp/miner"
  "memfd execveat|/usr/local/bin/drift_helper memfd /payload/marker_payload"
  "ld.so of a dropped binary|cp /payload/marker_dynamic /tmp/dyn && /lib64/ld-linux-x86-64.so.2 /tmp/dyn"
  "LD_PRELOAD of a dropped library|cp /payload/libmarker_library.so /tmp/p.so && LD_PRELOAD=/tmp/p.so /usr/bin/true"
  "mprotect(PROT_EXEC) of a dropped file|/usr/local/bin/drift_helper mprotect /tmp/miner"
  "write-open of /proc/self/mem|/usr/local/bin/drift_helper proc-mem"
  "#! script written in the container|printf '#!/bin/sh\\ntouch /drift-marker\\n' > /tmp/s.sh && chmod +x /tmp/s.sh && /tmp/s.sh"
)
script="cd /"
for step in "${steps[@]}"; do
    IFS='|' read -r title command <<<"$step"
    script+="; rm -f /drift-marker; ( $command ) >/dev/null 2>&1; code=\$?"
    script+="; [ -e /drift-marker ] && ran=ran || ran=-; echo \"${title// /_} \$code \$ran\""
done
podman exec "$name" /bin/sh -c "$script" > "$work/results" || fail "podman exec failed"
cat "$work/results"

expect() { # TITLE CODE-TEST MARKER
    local key="${1// /_}" line code ran
    line="$(grep "^$key " "$work/results")" || fail "$1: no result"
    read -r _ code ran <<<"$line"
    [[ "$ran" == "$3" ]] || fail "$1: marker $ran, expected $3 (exit $code)"
    case "$2" in
        zero) [[ "$code" == 0 ]] || fail "$1: exit $code, expected 0" ;;
        denied) [[ "$code" != 0 && "$code" != 137 ]] || fail "$1: exit $code, expected a refusal, not a kill" ;;
        any) ;;
    esac
}
for title in "image binary" "ld.so of an image binary" "LD_PRELOAD of an image library" \
             "image binary after chmod" "image helper, image file"; do
    expect "$title" zero -
done
expect "dropped ELF" denied -
expect "memfd execveat" denied -
expect "ld.so of a dropped binary" denied -
# ld.so leaves out a preload it cannot map and runs the program: it goes on, the library never ran.
expect "LD_PRELOAD of a dropped library" any -
expect "mprotect(PROT_EXEC) of a dropped file" denied -
expect "write-open of /proc/self/mem" denied -
expect "#! script written in the container" denied -

for hook in exec mmap mprotect proc-mem script; do
    for _ in $(seq 1 100); do
        jq -e -s --arg hook "$hook" --arg backend "$expected" --arg name "$name" \
            'any(.[]; .hook == $hook and .verdict == "blocked" and .backend == $backend
                       and .container.name == $name)' "$work/events.jsonl" >/dev/null && continue 2
        sleep 0.2
    done
    cat "$work/events.jsonl"
    fail "no blocked $hook event from $name with backend $expected"
done
jq -r '"event: \(.verdict) \(.hook) \(.kind) \(.file.path) (\(.backend))"' "$work/events.jsonl"
# Only the drops are reported: nothing of the image, of runc or of the container's start.
others="$(jq -s '[.[] | select(.kind != "memfd" and .kind != "proc-mem-write"
                                and ((.file.path // "") | startswith("/tmp/") | not))] | length' "$work/events.jsonl")"
[[ "$others" == 0 ]] || { cat "$work/events.jsonl"; fail "$others events name files that are not the drops"; }
echo "PASS: a podman container under $expected: the image ran untouched; 7 kinds of drift refused with EPERM and reported"
