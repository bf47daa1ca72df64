#!/usr/bin/env bash
# The agent's own memory and CPU on a node with CONTAINERS (50) running containers:
#   idle:  the containers sleep; the agent discovers them, applies the policy, watches.
#   load:  every container runs a shell loop of execs (/bin/true + sleep), about RATE
#          (1000) execs/s in all, counted by the sensor itself.
# CPU is the agent's utime+stime over SECONDS (30) each phase, as % of one core; memory is
# its VmRSS at the end and VmHWM (peak).
#   agent_footprint.sh [BUILD_DIR]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$repo/build}"
source "$repo/tests/e2e/lib.sh"
require_root
count="${CONTAINERS:-50}" seconds="${SECONDS_PER_PHASE:-30}" rate="${RATE:-1000}"
image="$(test_image busybox)"
prefix="dg-footprint-$$"
work="$(mktemp -d)"
agent_pid=""
cleanup() {
    [[ -z "$agent_pid" ]] || { kill "$agent_pid" 2>/dev/null; wait "$agent_pid" 2>/dev/null || true; }
    podman ps -a --format '{{.Names}}' | grep "^$prefix" | xargs -r podman rm -f -t 0 >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "starting $count containers of $image"
for ((i = 0; i < count; ++i)); do
    podman run -d --name "$prefix-$i" --label bench=footprint "$image" sleep 3600 >/dev/null
done
cat > "$work/policy.yaml" <<EOF
apiVersion: driftguard/v1
defaultMode: enforce
rules:
  - name: audit-half
    match: {container: "$prefix-*[02468]"}
    mode: audit
EOF
"$build/driftguard" agent --policy "$work/policy.yaml" --no-pin --metrics off --state-dir "$work/state" \
    >"$work/events" 2>"$work/log" &
agent_pid=$!
for _ in $(seq 600); do
    known="$("$build/driftguard" status --json --state-dir "$work/state" 2>/dev/null \
        | jq "[.containers[] | select(.name | startswith(\"$prefix\"))] | length" 2>/dev/null || echo 0)"
    [[ "$known" -ge "$count" ]] && break
    sleep 0.1
done
[[ "$known" -ge "$count" ]] || { cat "$work/log" >&2; echo "agent knows $known of $count containers" >&2; exit 1; }

clock_ticks="$(getconf CLK_TCK)"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$agent_pid/stat"; }
memory_kib() { awk -v key="$1:" '$1 == key {print $2}' "/proc/$agent_pid/status"; }
execs_judged() { "$build/driftguard" status --json --state-dir "$work/state" | jq .counters.execs_judged; }
measure() { # LABEL
    local ticks_before execs_before start end ticks_after execs_after
    ticks_before="$(cpu_ticks)"; execs_before="$(execs_judged)"; start="$(date +%s.%N)"
    sleep "$seconds"
    ticks_after="$(cpu_ticks)"; execs_after="$(execs_judged)"; end="$(date +%s.%N)"
    python3 - "$1" "$ticks_before" "$ticks_after" "$execs_before" "$execs_after" "$start" "$end" \
        "$clock_ticks" "$(memory_kib VmRSS)" "$(memory_kib VmHWM)" "$count" <<'PY'
import sys
label, t0, t1, e0, e1, s, e, hz, rss, hwm, n = sys.argv[1:]
wall = float(e) - float(s)
cpu = (int(t1) - int(t0)) / int(hz)
print(f"| {label} | {n} | {(int(e1) - int(e0)) / wall:,.0f} | {cpu / wall * 100:.2f} % | "
      f"{int(rss) / 1024:.1f} MiB | {int(hwm) / 1024:.1f} MiB |")
PY
}

echo "| phase | containers | execs/s judged | agent CPU (one core) | agent RSS | agent peak RSS |"
echo "|---|---|---|---|---|---|"
sleep 2
measure idle
# Each loop iteration execs /bin/true and sleep: 2 execs. Per container: rate / count
# execs/s, so the loop sleeps 2 * count / rate s.
pause="$(python3 -c "print(f'{2 * $count / $rate:.3f}')")"
for ((i = 0; i < count; ++i)); do
    podman exec -d "$prefix-$i" /bin/sh -c "while :; do /bin/true; sleep $pause; done" >/dev/null
done
sleep 2
measure "exec load"
[[ ! -s "$work/events" ]] || { echo "drift events during the benchmark:" >&2; head "$work/events" >&2; exit 1; }
