#!/usr/bin/env bash
# Churn: COUNT (40; bench/soak.sh runs 1,000) containers started and removed back to back,
# PARALLEL (4) at a time, so overlay device numbers are reused while the agent runs. Each
# runs legitimate execs and one dropped binary. At the end:
#  - every drift was killed, and reported once with the container's own ID and name;
#  - `status` lists exactly the containers that run (none of the churned ones);
#  - the agent's descriptors and the kernel's per-container map entries are back where
#    they started (no growth); its RSS and CPU are sampled to $SOAK_SAMPLES when set.
source "$(dirname "$0")/lib.sh"
require_root
busybox="$(test_image busybox)"
count="${COUNT:-40}" parallel="${PARALLEL:-4}"
work="$(mktemp -d)"
prefix="dg-soak-$$"
AGENT_EVENTS="$work/events.jsonl"
AGENT_LOG="$work/agent.log"
cleanup() {
    stop_agent
    podman ps -a --format '{{.Names}}' | grep "^$prefix" | xargs -r podman rm -f -t 0 >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# Map entries the agent writes per container (modes, verified files).
map_entries() { # MAP
    bpftool -j map dump pinned "$TEST_PIN_DIR/abi-"*"/maps/$1" 2>/dev/null | jq length
}
sample() { # N: one line "containers rss_kib cpu_ticks fds modes allowed"
    local stat rss fds
    stat="$(cut -d' ' -f14,15 "/proc/$agent_pid/stat")"
    rss="$(awk '/^VmRSS/ {print $2}' "/proc/$agent_pid/status")"
    fds="$(ls "/proc/$agent_pid/fd" | wc -l)"
    echo "$1 $rss $(( ${stat% *} + ${stat#* } )) $fds $(map_entries dg_container_modes) $(map_entries dg_allowed)"
}

# One churned container: legitimate execs, then a dropped copy of busybox. Prints
# "NAME ID EXIT-OF-THE-DROP".
churn_one() { # I
    local name="$prefix-$1" id code
    id="$(podman run -d --name "$name" "$busybox" sh -c \
        'sleep 1; ls / >/dev/null && cat /etc/hostname >/dev/null || exit 3
         cp /bin/busybox /tmp/dropped && /tmp/dropped true; echo "drop=$?"; sleep 0.2')"
    podman wait "$name" >/dev/null
    code="$(podman logs "$name" 2>&1 | sed -n 's/^drop=//p')"
    podman rm -f -t 0 "$name" >/dev/null
    echo "$name $id ${code:-none}"
}

start_agent enforce
samples="${SOAK_SAMPLES:-$work/samples}"
: > "$samples"
sleep 1
before="$(sample 0)"
echo "$before" >> "$samples"
for ((done_count = 0; done_count < count; done_count += parallel)); do
    batch=()
    for ((j = 0; j < parallel && done_count + j < count; ++j)); do
        churn_one "$((done_count + j))" >> "$work/results" &
        batch+=($!)
    done
    wait "${batch[@]}"  # not the agent, which runs in the background too
    if (( (done_count / parallel) % 5 == 0 )); then
        sample "$((done_count + parallel))" >> "$samples"
    fi
done
sleep 2  # the last containers' removal seen, the tick after it run
after="$(sample "$count")"
echo "$after" >> "$samples"

[[ "$(wc -l < "$work/results")" == "$count" ]] || fail "only $(wc -l < "$work/results") of $count containers ran"
if awk '$3 != 137' "$work/results" | grep -q .; then
    awk '$3 != 137' "$work/results" | head >&2
    fail "drift ran (or the container failed) in some churned containers"
fi
missing=0
while read -r name id _; do
    jq -e -s --arg id "$id" --arg name "$name" \
        '[.[] | select(.file.path == "/tmp/dropped" and .verdict == "blocked" and .container.id == $id)]
         | length == 1 and .[0].container.name == $name' "$AGENT_EVENTS" >/dev/null || missing=$((missing + 1))
done < "$work/results"
[[ "$missing" == 0 ]] || fail "$missing of $count drifts not reported exactly once with their container's ID and name"
echo "ok: $count churned containers ($parallel at a time): every drift killed and reported once with its container's ID and name"

running="$(podman ps --format '{{.ID}}' | cut -c1-12 | sort)"
listed="$(dg_ctl status --json | jq -r '.containers[].id[0:12]' | sort)"
[[ "$running" == "$listed" ]] || { echo "running: $running" >&2; echo "listed: $listed" >&2; fail "status does not list exactly the running containers"; }
echo "ok: status lists exactly the running containers"

read -r _ _ _ fds_before modes_before allowed_before <<< "$before"
read -r _ _ _ fds_after modes_after allowed_after <<< "$after"
(( fds_after <= fds_before + 2 )) || fail "the agent's descriptors grew: $fds_before -> $fds_after"
(( modes_after <= modes_before )) || fail "dg_container_modes grew: $modes_before -> $modes_after"
(( allowed_after <= allowed_before )) || fail "dg_allowed grew: $allowed_before -> $allowed_after"
echo "ok: no growth: fds $fds_before -> $fds_after, container modes $modes_before -> $modes_after, allowed files $allowed_before -> $allowed_after"
echo "PASS: $count containers of churn"
