# Starts and stops a Docker or containerd daemon of the test's own (sourced by the runtime
# tests). Images, containers and snapshots live under the test's work directory; what the
# daemons keep in /run (runc's state, the shims' sockets) is where the agent reads it on a
# real node, and goes when the daemon stops.
DOCKER_BIN=/usr/bin/docker  # Debian's client, matched to its dockerd
docker_pid=""
containerd_pid=""

# wait_for_daemon NAME LOG COMMAND...: up to 20 s for COMMAND to succeed, else LOG's end.
wait_for_daemon() {
    local name="$1" log="$2"
    shift 2
    for _ in $(seq 100); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    tail -n 20 "$log" >&2
    fail "$name did not start"
}

# start_dockerd WORK: dockerd with its data root in WORK/docker, socket WORK/docker.sock.
start_dockerd() {
    local work="$1"
    ! pgrep -x dockerd >/dev/null || skip "a dockerd already runs on this machine; the test runs its own"
    command -v dockerd >/dev/null || fail "dockerd is missing (scripts/debian-packages.txt installs docker.io)"
    mkdir -p "$work/docker"
    dockerd --data-root "$work/docker" --pidfile "$work/docker.pid" -H "unix://$work/docker.sock" \
        --iptables=false --bridge=none --storage-driver overlay2 >"$work/dockerd.log" 2>&1 &
    docker_pid=$!
    wait_for_daemon dockerd "$work/dockerd.log" docker_cli "$work" info
}
docker_cli() { local work="$1"; shift; "$DOCKER_BIN" -H "unix://$work/docker.sock" "$@"; }
stop_dockerd() {
    local work="$1"
    [[ -n "$docker_pid" ]] || return 0
    docker_cli "$work" ps -aq 2>/dev/null | xargs -r "$DOCKER_BIN" -H "unix://$work/docker.sock" rm -f >/dev/null 2>&1 || true
    kill "$docker_pid" 2>/dev/null || true
    wait "$docker_pid" 2>/dev/null || true
    docker_pid=""
    # the data root's overlay mounts go with their containers; anything left is unmounted
    grep -o " $work/docker[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
}

# start_containerd WORK: containerd with root, state and socket under WORK/containerd.
start_containerd() {
    local work="$1" dir="$1/containerd"
    command -v containerd >/dev/null || fail "containerd is missing (scripts/debian-packages.txt installs it)"
    mkdir -p "$dir"
    containerd --root "$dir/root" --state "$dir/state" --address "$dir/containerd.sock" \
        >"$work/containerd.log" 2>&1 &
    containerd_pid=$!
    wait_for_daemon containerd "$work/containerd.log" ctr_cli "$work" version
}
ctr_cli() { local work="$1"; shift; ctr --address "$work/containerd/containerd.sock" --namespace driftguard-e2e "$@"; }
stop_containerd() {
    local work="$1"
    [[ -n "$containerd_pid" ]] || return 0
    local task
    for task in $(ctr_cli "$work" tasks ls -q 2>/dev/null); do
        ctr_cli "$work" tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true
    done
    sleep 0.5
    for task in $(ctr_cli "$work" containers ls -q 2>/dev/null); do
        ctr_cli "$work" tasks delete -f "$task" >/dev/null 2>&1 || true
        ctr_cli "$work" containers delete "$task" >/dev/null 2>&1 || true
    done
    kill "$containerd_pid" 2>/dev/null || true
    wait "$containerd_pid" 2>/dev/null || true
    containerd_pid=""
    grep -o " $work/containerd[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
}
