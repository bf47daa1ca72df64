#!/usr/bin/env bash
# What the sensor's BPF programs cost per iteration of the exec and mmap loops of
# exec_latency.sh, from the kernel's own accounting (kernel.bpf_stats_enabled: run time and
# run count of every program), not from wall clocks: the machine's run-to-run noise is
# larger than the effect. Each build's agent (enforce) runs the same loops in the same
# container, one after the other.
#   sensor_cost.sh [BUILD_DIR [OTHER_BUILD_DIR...]]   (EXECS, MAPS, HOST_CALLS override sizes)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
builds=("${@:-$repo/build}")
source "$repo/tests/e2e/lib.sh"
require_root
execs="${EXECS:-4000}" maps="${MAPS:-300}" host_calls="${HOST_CALLS:-2000000}"
image="$(test_image debian)"
name="dg-cost-$$"
work="$(mktemp -d)"
agent_pid=""
stats_before="$(sysctl -n kernel.bpf_stats_enabled)"
cleanup() {
    [[ -z "$agent_pid" ]] || { kill "$agent_pid" 2>/dev/null; wait "$agent_pid" 2>/dev/null || true; }
    podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
    sysctl -q -w kernel.bpf_stats_enabled="$stats_before"
    rm -rf "$work"
}
trap cleanup EXIT
podman run -d --name "$name" "$image" sleep 3600 >/dev/null
sysctl -q -w kernel.bpf_stats_enabled=1

start_agent() { # BUILD_DIR
    "$1/driftguard" agent --mode enforce --no-pin --metrics off --state-dir "$work/state" >"$work/events" 2>"$work/log" &
    agent_pid=$!
    for _ in $(seq 100); do grep -q "container " "$work/log" && return; sleep 0.1; done
    echo "agent did not start" >&2; exit 1
}
stop_agent() { kill "$agent_pid"; wait "$agent_pid" || true; agent_pid=""; }
# Total run time (ns) of the driftguard programs loaded now, per program: "name ns count".
bpf_time() {
    bpftool prog show -j | python3 -c '
import json, sys
for prog in json.load(sys.stdin):
    if prog.get("name", "").startswith("dg_"):
        print(prog["name"], prog.get("run_time_ns", 0), prog.get("run_cnt", 0))'
}
measure() { # LABEL COUNT COMMAND-IN-CONTAINER|host:COMMAND
    local label="$1" count="$2" command="$3" before after
    before="$(bpf_time)"
    if [[ "$command" == host:* ]]; then
        "${command#host:}" >/dev/null
    else
        podman exec "$name" /bin/sh -c "i=0; while [ \$i -lt $count ]; do $command >/dev/null; i=\$((i+1)); done"
    fi
    after="$(bpf_time)"
    python3 - "$label" "$count" "$before" "$after" <<'PY'
import sys
label, count = sys.argv[1], int(sys.argv[2])
parse = lambda text: {l.split()[0]: (int(l.split()[1]), int(l.split()[2])) for l in text.splitlines() if l}
before, after = parse(sys.argv[3]), parse(sys.argv[4])
total = 0
details = []
for name, (ns, runs) in sorted(after.items()):
    ns0, runs0 = before.get(name, (0, 0))
    if runs - runs0:
        total += ns - ns0
        details.append(f"{name} {(ns - ns0) / count:.0f} ({(runs - runs0) / count:.1f} runs)")
print(f"{label} | {total / count:,.0f} | {', '.join(details)} |")
PY
}
# A loop of getppid() on the host, outside any container: what every process pays.
cat > "$work/getppid.c" <<'EOF'
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) { for (long i = atol(argv[1]); i > 0; --i) getppid(); return 0; }
EOF
cc -O2 -o "$work/getppid" "$work/getppid.c"
host_loop() { "$work/getppid" "$host_calls"; }

echo "machine: $(nproc) cores, kernel $(uname -r); image $image"
echo "| agent build | loop | BPF time per iteration [ns] | per program [ns] |"
echo "|:---|:---|---:|:---|"
for build in "${builds[@]}"; do
    label="$(git -C "$build/.." log -1 --format=%h 2>/dev/null || echo "$build")"
    start_agent "$build"
    measure "| $label | fork+exec /usr/bin/true ×$execs (container)" "$execs" /usr/bin/true
    measure "| $label | apt-config dump ×$maps (container, mmap-heavy)" "$maps" '/usr/bin/apt-config dump'
    measure "| $label | getppid() ×$host_calls (host process)" "$host_calls" host:host_loop
    stop_agent
done
[[ ! -s "$work/events" ]] || { echo "drift events during the benchmark:" >&2; cat "$work/events" >&2; exit 1; }
