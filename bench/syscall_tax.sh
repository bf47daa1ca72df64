#!/usr/bin/env bash
# What every system call pays for the kill backend, outside and inside a container, and
# how much of it is the kernel's floor for any system-call tracepoint program:
#   none        nothing attached
#   floor-enter an empty tp_btf/sys_enter program (bench/syscall_floor.bpf.c)
#   floor-pair  empty tp_btf/sys_enter and sys_exit programs (what the kill backend attaches)
#   driftguard  the agent in enforce (its sensor: dg_sys_enter, dg_sys_exit and the rest)
# Loops: getppid() COUNT times (bench/getppid_loop.c) on the host, outside any container,
# and in a container; redis-benchmark GET/SET against a Redis in a container (the workloads
# image). The configurations take turns for ROUNDS rounds (same machine state for each);
# the table gives the median of the rounds and the ratio to "none".
#   syscall_tax.sh [BUILD_DIR]   (COUNT, ROUNDS, REQUESTS override 5000000, 5, 200000)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$repo/build}" && pwd)"
source "$repo/tests/e2e/lib.sh"
source "$repo/bench/lib.sh"
require_root
count="${COUNT:-5000000}" rounds="${ROUNDS:-5}" requests="${REQUESTS:-200000}"
work="$(mktemp -d)"
name="dg-tax-$$"
floor_pid=""
image="$("$repo/tests/workloads/build-image.sh")"
cleanup() {
    stop_config
    podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
    rm -rf "$work"
}
stop_config() {
    stop_bench_agent
    if [[ -n "$floor_pid" ]]; then
        kill "$floor_pid" 2>/dev/null || true
        wait "$floor_pid" 2>/dev/null || true
        floor_pid=""
    fi
}
trap cleanup EXIT
start_config() { # none|floor-enter|floor-pair|driftguard
    case "$1" in
        none) ;;
        floor-enter|floor-pair)
            "$build/bench/syscall_floor" "${1#floor-}" >"$work/floor.log" 2>&1 &
            floor_pid=$!
            for _ in $(seq 50); do grep -q attached "$work/floor.log" && break; sleep 0.1; done
            grep -q attached "$work/floor.log" || { cat "$work/floor.log" >&2; exit 1; } ;;
        driftguard) start_bench_agent "$build" ;;
    esac
    sleep 1  # let start-up work settle
}

# The loop is part of the container's image (a file from a volume would be drift).
cp "$build/bench/getppid_loop" "$work/getppid_loop"
bench_image="localhost/driftguard-bench/syscall-tax:$(sha256sum "$work/getppid_loop" | cut -c1-16)"
if ! podman image exists "$bench_image"; then
    printf 'FROM %s\nCOPY getppid_loop /usr/local/bin/getppid_loop\n' "$image" >"$work/Containerfile"
    podman build --quiet --network none -t "$bench_image" "$work" >/dev/null
fi
podman run -d --name "$name" "$bench_image" \
    /bin/sh -c 'redis-server --save "" --appendonly no --daemonize no --port 6379 >/dev/null' >/dev/null
for _ in $(seq 50); do podman exec "$name" redis-cli ping >/dev/null 2>&1 && break; sleep 0.2; done

configs=(none floor-enter floor-pair driftguard)
: >"$work/samples"
for round in $(seq "$rounds"); do
    for config in "${configs[@]}"; do
        start_config "$config"
        host="$("$work/getppid_loop" "$count")"
        inside="$(podman exec "$name" /usr/local/bin/getppid_loop "$count")"
        rps="$(podman exec "$name" redis-benchmark -q -t get,set -n "$requests" -P 1 -c 10 \
               | tr '\r' '\n' | awk '/requests per second/ {sum += $2; n++} END {printf "%.0f", sum / n}')"
        stop_config
        printf '%s\t%s\t%s\t%s\n' "$config" "$host" "$inside" "$rps" >>"$work/samples"
    done
    echo "round $round done" >&2
done

python3 - "$work/samples" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    config, host, inside, rps = line.split("\t")
    rows.setdefault(config, []).append((float(host), float(inside), float(rps)))
base = [statistics.median(v[i] for v in rows["none"]) for i in range(3)]
print("| configuration | getppid, host [ns/call] | ratio | getppid, container [ns/call] | ratio | redis GET+SET, container [req/s] | ratio |")
print("|:---|---:|---:|---:|---:|---:|---:|")
for config, values in rows.items():
    med = [statistics.median(v[i] for v in values) for i in range(3)]
    print(f"| {config} | {med[0]:.0f} | {med[0]/base[0]:.2f} | {med[1]:.0f} | {med[1]/base[1]:.2f} | {med[2]:.0f} | {med[2]/base[2]:.3f} |")
PY
