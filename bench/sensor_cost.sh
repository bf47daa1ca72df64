#!/usr/bin/env bash
# What the sensor's BPF programs cost per iteration of the exec and mmap loops of
# exec_latency.sh, from the kernel's own accounting (kernel.bpf_stats_enabled: run time and
# run count of every program), not from wall clocks: the machine's run-to-run noise is
# larger than the effect. Each build's agent (enforce) runs the same loops in the same
# container, one after the other. The kernel counts every run of the programs on the
# machine, so nothing else should run meanwhile (the agent is given time to settle first).
# The builds take turns for ROUNDS rounds; each row is the mean ± standard deviation over
# the rounds.
#   sensor_cost.sh [BUILD_DIR [OTHER_BUILD_DIR...]]
#   (EXECS, MAPS, WRITES, HOST_CALLS, ROUNDS override 4000, 300, 20000, 2000000, 5)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
builds=("${@:-$repo/build}")
source "$repo/tests/e2e/lib.sh"
source "$repo/bench/lib.sh"
require_root
execs="${EXECS:-4000}" maps="${MAPS:-300}" writes="${WRITES:-20000}" host_calls="${HOST_CALLS:-2000000}" rounds="${ROUNDS:-5}"
image="$(test_image debian)"
name="dg-cost-$$"
work="$(mktemp -d)"
stats_before="$(sysctl -n kernel.bpf_stats_enabled)"
cleanup() {
    stop_bench_agent
    podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
    sysctl -q -w kernel.bpf_stats_enabled="$stats_before"
    rm -rf "$work"
}
trap cleanup EXIT
podman run -d --name "$name" "$image" sleep 3600 >/dev/null
sysctl -q -w kernel.bpf_stats_enabled=1

# Total run time (ns) of the driftguard programs loaded now, per program: "name ns count".
bpf_time() {
    bpftool prog show -j | python3 -c '
import json, sys
for prog in json.load(sys.stdin):
    if prog.get("name", "").startswith("dg_"):
        print(prog["name"], prog.get("run_time_ns", 0), prog.get("run_cnt", 0))'
}
# Appends "LABEL<TAB>ns-per-iteration<TAB>program=ns ..." for one loop to $work/samples.
measure() { # LABEL COUNT COMMAND-IN-CONTAINER|host:COMMAND
    local label="$1" count="$2" command="$3" before after
    before="$(bpf_time)"
    if [[ "$command" == host:* ]]; then
        "${command#host:}" >/dev/null
    else
        podman exec "$name" /bin/sh -c "i=0; while [ \$i -lt $count ]; do $command >/dev/null; i=\$((i+1)); done"
    fi
    after="$(bpf_time)"
    python3 - "$label" "$count" "$before" "$after" >>"$work/samples" <<'PY'
import sys
label, count = sys.argv[1], int(sys.argv[2])
parse = lambda text: {l.split()[0]: (int(l.split()[1]), int(l.split()[2])) for l in text.splitlines() if l}
before, after = parse(sys.argv[3]), parse(sys.argv[4])
programs = {name: (ns - before.get(name, (0, 0))[0]) / count
            for name, (ns, runs) in after.items() if runs - before.get(name, (0, 0))[1]}
print(label, sum(programs.values()), " ".join(f"{n}={v:.0f}" for n, v in sorted(programs.items())), sep="\t")
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

echo "machine: $(nproc) cores, kernel $(uname -r); image $image; $rounds rounds"
for ((round = 0; round < rounds; ++round)); do
    for build in "${builds[@]}"; do
        label="$(git -C "$build/.." log -1 --format=%h 2>/dev/null || echo "$build")"
        start_bench_agent "$build"
        sleep 5 # the agent's own start-up (inventories, hashing) runs the programs too
        measure "$label|fork+exec /usr/bin/true ×$execs (container)" "$execs" /usr/bin/true
        measure "$label|apt-config dump ×$maps (container, mmap-heavy)" "$maps" '/usr/bin/apt-config dump'
        # A shell builtin's redirection: one write-open of an overlay file per iteration,
        # no fork (every write-open is counted for copy-ups and writtenBy exceptions).
        measure "$label|open for writing, truncate ×$writes (container, overlay file)" "$writes" ': 2>/tmp/written'
        measure "$label|getppid() ×$host_calls (host process)" "$host_calls" host:host_loop
        stop_bench_agent
    done
done
[[ ! -s "$work/events" ]] || { echo "drift events during the benchmark:" >&2; cat "$work/events" >&2; exit 1; }
python3 - "$work/samples" <<'PY'
import collections, statistics, sys
rows = collections.OrderedDict()
for line in open(sys.argv[1]):
    label, total, programs = line.rstrip("\n").split("\t")
    rows.setdefault(label, []).append((float(total), programs))
print("| agent build | loop | BPF time per iteration [ns] | per program, last round [ns] |")
print("|:---|:---|---:|:---|")
for label, samples in rows.items():
    build, loop = label.split("|", 1)
    totals = [t for t, _ in samples]
    spread = statistics.stdev(totals) if len(totals) > 1 else 0.0
    print(f"| {build} | {loop} | {statistics.mean(totals):,.0f} ± {spread:,.0f} | {samples[-1][1]} |")
PY
