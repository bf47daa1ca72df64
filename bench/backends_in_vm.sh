#!/usr/bin/env bash
# What each backend costs where all of them load: Debian 12's 6.1 kernel under QEMU (TCG,
# software emulation: absolute times are many times the host's, so only the ratios to
# "none" of the same boot mean anything). Two boots: with "bpf" in the LSM list (none,
# kill, lsm) and without it (none, kill, fmod_ret). In each, the agent runs in enforce
# with --backend forced; the loops run on the VM's host side, outside any container, and
# in an overlay container (chroot into an overlay whose lower layer holds the loops).
#   backends_in_vm.sh [BUILD_DIR]   (COUNT, EXECS, MAPS, ROUNDS override 1000000, 200, 20000, 5)
# Inside the VM it is run as: backends_in_vm.sh --inside BUILD_DIR BACKEND...
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
count="${COUNT:-1000000}" execs="${EXECS:-200}" maps="${MAPS:-20000}" rounds="${ROUNDS:-5}"

if [[ "${1:-}" != "--inside" ]]; then
    build="$(cd "${1:-$repo/build}" && pwd)"
    samples="$(mktemp)"
    trap 'rm -f "$samples"' EXIT
    for boot in "lsm lockdown,capability,landlock,yama,bpf" "fmod_ret lockdown,capability,landlock,yama"; do
        read -r backend lsm_list <<<"$boot"
        VM_LSM="$lsm_list" VM_TIMEOUT=1800 "$repo/tests/vm/run-in-vm.sh" env COUNT="$count" \
            EXECS="$execs" MAPS="$maps" ROUNDS="$rounds" "$repo/bench/backends_in_vm.sh" \
            --inside "$build" none kill "$backend" | grep '^sample' | sed "s/^sample/$backend/" >>"$samples"
    done
    python3 - "$samples" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    boot, config, *values = line.split()
    rows.setdefault((boot, config), []).append([float(v) for v in values])
columns = ["getppid, host", "getppid, container", "fork+exec, container", "exec mmap, container"]
print("| boot | backend | " + " | ".join(f"{c} [ns] | ratio" for c in columns) + " |")
print("|:---|:---|" + "---:|---:|" * len(columns))
for (boot, config), values in rows.items():
    base_values = rows[(boot, "none")]
    base = [statistics.median(v[i] for v in base_values) for i in range(len(columns))]
    med = [statistics.median(v[i] for v in values) for i in range(len(columns))]
    cells = [f"{m:.0f} | {m / b:.2f}" for m, b in zip(med, base)]
    label = "bpf in lsm=" if boot == "lsm" else "no bpf in lsm="
    print(f"| {label} | {config} | " + " | ".join(cells) + " |")
PY
    exit 0
fi

# ---- inside the VM --------------------------------------------------------------------
build="$2"
shift 2
work="$(mktemp -d)"
agent_pid=""
stop_agent() {
    [[ -n "$agent_pid" ]] || return 0
    kill "$agent_pid" 2>/dev/null || true
    wait "$agent_pid" 2>/dev/null || true
    agent_pid=""
}
cleanup() { stop_agent; umount -l "$work/merged" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work"/{lower/bin,upper,overlay-work,merged,state}
cp "$build/bench/getppid_loop" "$build/bench/exec_mmap_loop" "$work/lower/bin/"
mount -t overlay overlay \
    -o "lowerdir=$work/lower,upperdir=$work/upper,workdir=$work/overlay-work" "$work/merged"
loop=/bin/exec_mmap_loop
# Warm-up: the loops' pages come over 9p the first time.
chroot "$work/merged" "$loop" fork-exec 5 "$loop" >/dev/null
chroot "$work/merged" /bin/getppid_loop 1000 >/dev/null
for round in $(seq "$rounds"); do
    for config in "$@"; do
        if [[ "$config" != none ]]; then
            "$build/driftguard" agent --mode enforce --no-pin --metrics off \
                --state-dir "$work/state" --backend "$config" >/dev/null 2>"$work/agent.log" &
            agent_pid=$!
            for _ in $(seq 150); do grep -q "agent running" "$work/agent.log" && break; sleep 0.2; done
            grep -q "agent running" "$work/agent.log" || { cat "$work/agent.log" >&2; exit 1; }
            sleep 3 # its start-up work (the first /proc walk, reading images) settles
        fi
        host="$("$build/bench/getppid_loop" "$count")"
        inside="$(chroot "$work/merged" /bin/getppid_loop "$count")"
        forkexec="$(chroot "$work/merged" "$loop" fork-exec "$execs" "$loop")"
        mmaps="$(chroot "$work/merged" "$loop" mmap "$maps" "$loop")"
        stop_agent
        echo "sample $config $host $inside $forkexec $mmaps"
    done
    echo "round $round done" >&2
done
