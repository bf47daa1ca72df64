#!/usr/bin/env bash
# What the backends this host loads cost, outside and inside a container, against the
# kernel's floor for any system-call tracepoint program and against fapolicyd:
#   none          nothing attached
#   floor-enter   an empty tp_btf/sys_enter program (bench/syscall_floor.bpf.c)
#   floor-pair    empty tp_btf/sys_enter and sys_exit programs (what the kill backend attaches)
#   floor-events  empty per-call trace events for only openat (enter, exit), mmap, mprotect
#                 and execve: the alternative to the raw pair
#   kill          the agent in enforce with its kill backend (dg_sys_enter, dg_sys_exit, ...)
#   fapolicyd     the peer: fanotify permission events for every open and exec on the
#                 watched filesystems (overlay added), --permissive, its default rules
# Loops: getppid() COUNT times (bench/getppid_loop.c) on the host, outside any container,
# and in a container; EXECS fork+execs and MAPS executable mmaps in the container
# (bench/exec_mmap_loop.c); redis-benchmark GET/SET against a Redis in the container (the
# workloads image). The configurations take turns for ROUNDS rounds (same machine state for
# each); the table gives the median of the rounds and the ratio to "none". The lsm and
# fmod_ret backends do not load on this host: bench/backends_in_vm.sh measures them.
#   syscall_tax.sh [BUILD_DIR]
#   (COUNT, EXECS, MAPS, ROUNDS, REQUESTS override 5000000, 1000, 100000, 5, 200000)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$repo/build}" && pwd)"
source "$repo/tests/e2e/lib.sh"
source "$repo/bench/lib.sh"
require_root
count="${COUNT:-5000000}" rounds="${ROUNDS:-5}" requests="${REQUESTS:-200000}"
execs="${EXECS:-1000}" maps="${MAPS:-100000}"
work="$(mktemp -d)"
name="dg-tax-$$"
floor_pid=""
fapolicyd_pid=""
fapolicyd_conf=/etc/fapolicyd/fapolicyd.conf
image="$("$repo/tests/workloads/build-image.sh")"
cleanup() {
    stop_config
    podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
    [[ -f "$work/fapolicyd.conf" ]] && cp "$work/fapolicyd.conf" "$fapolicyd_conf"
    rm -rf "$work"
}
stop_config() {
    stop_bench_agent
    if [[ -n "$floor_pid" ]]; then
        kill "$floor_pid" 2>/dev/null || true
        wait "$floor_pid" 2>/dev/null || true
        floor_pid=""
    fi
    if [[ -n "$fapolicyd_pid" ]]; then
        kill -TERM "$fapolicyd_pid" 2>/dev/null || true
        while kill -0 "$fapolicyd_pid" 2>/dev/null; do sleep 0.1; done
        fapolicyd_pid=""
    fi
}
# fapolicyd from Debian, installed without starting its service (on a host with systemd
# its default rules would deny untrusted programs), run by hand as the platform notes say:
# as root, overlay watched, permissive.
prepare_fapolicyd() {
    if pgrep -x fapolicyd >/dev/null; then
        echo "fapolicyd is already running: stop it first (it would be measured in every row)" >&2
        exit 1
    fi
    if ! command -v fapolicyd >/dev/null; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q fapolicyd >/dev/null
        rm -f /usr/sbin/policy-rc.d
    fi
    cp "$fapolicyd_conf" "$work/fapolicyd.conf"
    sed -i 's/^uid = .*/uid = root/; s/^gid = .*/gid = root/; s/^permissive = .*/permissive = 1/
            s/^watch_fs = \(.*\)/watch_fs = \1,overlay/' "$fapolicyd_conf"
    mkdir -p /run/fapolicyd
    fagenrules --load >/dev/null 2>&1 || true
}
trap cleanup EXIT
start_config() { # none|floor-enter|floor-pair|floor-events|kill|fapolicyd
    case "$1" in
        none) ;;
        floor-enter|floor-pair|floor-events)
            "$build/bench/syscall_floor" "${1#floor-}" >"$work/floor.log" 2>&1 &
            floor_pid=$!
            for _ in $(seq 50); do grep -q attached "$work/floor.log" && break; sleep 0.1; done
            grep -q attached "$work/floor.log" || { cat "$work/floor.log" >&2; exit 1; } ;;
        kill) start_bench_agent "$build" --backend kill ;;
        fapolicyd)
            # It forks into the background: its pid is the one it writes.
            rm -f /run/fapolicyd.pid
            fapolicyd --permissive --no-details >"$work/fapolicyd.log" 2>&1
            for _ in $(seq 50); do [[ -s /run/fapolicyd.pid ]] && break; sleep 0.1; done
            fapolicyd_pid="$(cat /run/fapolicyd.pid)"
            kill -0 "$fapolicyd_pid" || { cat "$work/fapolicyd.log" >&2; exit 1; }
            sleep 2 ;;
    esac
    sleep 1  # let start-up work settle
}

mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
prepare_fapolicyd
# The loops are part of the container's image (a file from a volume would be drift).
cp "$build/bench/getppid_loop" "$build/bench/exec_mmap_loop" "$work/"
loops_digest="$(cat "$work/getppid_loop" "$work/exec_mmap_loop" | sha256sum | cut -c1-16)"
bench_image="localhost/driftguard-bench/syscall-tax:$loops_digest"
if ! podman image exists "$bench_image"; then
    printf 'FROM %s\nCOPY getppid_loop exec_mmap_loop /usr/local/bin/\n' "$image" >"$work/Containerfile"
    podman build --quiet --network none -t "$bench_image" "$work" >/dev/null
fi
podman run -d --name "$name" "$bench_image" \
    /bin/sh -c 'redis-server --save "" --appendonly no --daemonize no --port 6379 >/dev/null' >/dev/null
for _ in $(seq 50); do podman exec "$name" redis-cli ping >/dev/null 2>&1 && break; sleep 0.2; done

configs=(none floor-enter floor-pair floor-events kill fapolicyd)
loop=/usr/local/bin/exec_mmap_loop
: >"$work/samples"
for round in $(seq "$rounds"); do
    for config in "${configs[@]}"; do
        start_config "$config"
        host="$("$work/getppid_loop" "$count")"
        inside="$(podman exec "$name" /usr/local/bin/getppid_loop "$count")"
        forkexec="$(podman exec "$name" "$loop" fork-exec "$execs" "$loop")"
        mmaps="$(podman exec "$name" "$loop" mmap "$maps" "$loop")"
        rps="$(podman exec "$name" redis-benchmark -q -t get,set -n "$requests" -P 1 -c 10 \
               | tr '\r' '\n' | awk '/requests per second/ {sum += $2; n++} END {printf "%.0f", sum / n}')"
        stop_config
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$config" "$host" "$inside" "$forkexec" "$mmaps" "$rps" \
            >>"$work/samples"
    done
    echo "round $round done" >&2
done

python3 - "$work/samples" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    config, *values = line.split("\t")
    rows.setdefault(config, []).append([float(v) for v in values])
columns = ["getppid, host [ns]", "getppid, container [ns]", "fork+exec, container [us]",
           "exec mmap, container [ns]", "redis GET+SET, container [req/s]"]
scale = [1, 1, 1e-3, 1, 1]
base = [statistics.median(v[i] for v in rows["none"]) for i in range(len(columns))]
print("| configuration | " + " | ".join(f"{c} | ratio" for c in columns) + " |")
print("|:---|" + "---:|---:|" * len(columns))
for config, values in rows.items():
    med = [statistics.median(v[i] for v in values) for i in range(len(columns))]
    cells = [f"{m * s:.0f} | {m / b:.2f}" for m, b, s in zip(med, base, scale)]
    print(f"| {config} | " + " | ".join(cells) + " |")
PY
