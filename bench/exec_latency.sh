#!/usr/bin/env bash
# Exec overhead of the agent in enforce mode inside a real container, as paired runs:
# each pair times the same loop without the agent, then with each build's agent in turn
# (so two versions are compared in the same run, on the same container).
#   exec-heavy: N fork+exec of /usr/bin/true (a small dynamic image binary) from dash
#   mmap-heavy: M runs of /usr/bin/apt-config dump (loads 10+ shared libraries)
#   exec_latency.sh [BUILD_DIR [OTHER_BUILD_DIR...]]   (PAIRS, EXECS, MAPS override the sizes)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
builds=("${@:-$repo/build}")
source "$repo/tests/e2e/lib.sh"
source "$repo/bench/lib.sh"
require_root
pairs="${PAIRS:-10}" execs="${EXECS:-10000}" maps="${MAPS:-500}"
image="$(test_image debian)"
name="dg-bench-$$"
work="$(mktemp -d)"
cleanup() {
    stop_bench_agent
    podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
podman run -d --name "$name" "$image" sleep 3600 >/dev/null
# CPU time of the container's cgroup (cgroup v1 cpuacct, or v2 cpu.stat), in ns.
cgroup="$(awk -F: '$2 ~ /cpuacct/ || $2 == "" {print $3; exit}' "/proc/$(podman inspect -f '{{.State.Pid}}' "$name")/cgroup")"
cpu_ns() {
    if [[ -r "/sys/fs/cgroup/cpuacct$cgroup/cpuacct.usage" ]]; then
        cat "/sys/fs/cgroup/cpuacct$cgroup/cpuacct.usage"
    else
        echo $(( $(awk '/usage_usec/ {print $2}' "/sys/fs/cgroup$cgroup/cpu.stat") * 1000 ))
    fi
}

timed_loop() { # COUNT COMMAND: "wall_ns cpu_ns" for COUNT runs (wall timed inside the container)
    local before after wall
    before="$(cpu_ns)"
    wall="$(podman exec "$name" /bin/sh -c "s=\$(date +%s%N); i=0; while [ \$i -lt $1 ]; do $2 >/dev/null; i=\$((i+1)); done; e=\$(date +%s%N); echo \$((e-s))")"
    after="$(cpu_ns)"
    echo "$wall $((after - before))"
}

declare -a exec_off map_off
declare -A exec_on map_on
for ((pair = 0; pair < pairs; ++pair)); do
    exec_off+=("$(timed_loop "$execs" /usr/bin/true)")
    map_off+=("$(timed_loop "$maps" '/usr/bin/apt-config dump')")
    for index in "${!builds[@]}"; do
        start_bench_agent "${builds[$index]}"
        exec_on[$index]+="$(timed_loop "$execs" /usr/bin/true)|"
        map_on[$index]+="$(timed_loop "$maps" '/usr/bin/apt-config dump')|"
        stop_bench_agent
    done
done
[[ ! -s "$work/events" ]] || { echo "drift events during the benchmark:" >&2; cat "$work/events" >&2; exit 1; }

summary() { # LABEL COUNT FIELD OFF... -- ON...   (FIELD 1: wall time, 2: CPU time)
    local label="$1" count="$2" field="$3"; shift 3
    python3 - "$label" "$count" "$field" "$@" <<'PY'
import statistics, sys
label, count, field = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) - 1
values = sys.argv[4:]
split = values.index("--")
pick = lambda v: int(v.split()[field]) / count / 1000
off = [pick(v) for v in values[:split]]
on = [pick(v) for v in values[split + 1:]]
pairs = [(b - a) / a * 100 for a, b in zip(off, on)]
print(f"| {label} | {statistics.mean(off):.1f} ± {statistics.stdev(off):.1f} | "
      f"{statistics.mean(on):.1f} ± {statistics.stdev(on):.1f} | "
      f"{statistics.mean(pairs):+.2f}% (median {statistics.median(pairs):+.2f}%) |")
PY
}
echo "machine: $(nproc) cores, kernel $(uname -r); $pairs pairs; image $image"
echo "| loop, per iteration | agent build | no agent [µs] | agent, enforce [µs] | overhead, paired |"
echo "|:---|:---|---:|---:|---:|"
for index in "${!builds[@]}"; do
    label="$(git -C "${builds[$index]}/.." log -1 --format=%h 2>/dev/null || echo "${builds[$index]}")"
    IFS='|' read -r -a exec_runs <<<"${exec_on[$index]}"
    IFS='|' read -r -a map_runs <<<"${map_on[$index]}"
    summary "fork+exec /usr/bin/true ×$execs, wall | $label" "$execs" 1 "${exec_off[@]}" -- "${exec_runs[@]}"
    summary "fork+exec /usr/bin/true ×$execs, CPU | $label" "$execs" 2 "${exec_off[@]}" -- "${exec_runs[@]}"
    summary "apt-config dump ×$maps (mmap-heavy), wall | $label" "$maps" 1 "${map_off[@]}" -- "${map_runs[@]}"
    summary "apt-config dump ×$maps (mmap-heavy), CPU | $label" "$maps" 2 "${map_off[@]}" -- "${map_runs[@]}"
done
