#!/usr/bin/env bash
# How fast the agent answers `status` on its control socket while it has slow work to do:
#   idle:     nothing else happens;
#   starts:   50 containers start at once (runtime metadata, image inventory, upper-layer
#             sweep for each);
#   hashing:  a container rewrites a 200 MiB file in a directory a policy exception names,
#             in a loop, so the agent hashes 200 MiB after every write.
# Each phase: CALLS (1000) status requests over the socket, 10 ms apart (at most 120 s),
# timed from the request to the end of the answer by a Python client (no CLI start-up in
# the figure); a request unanswered after 10 s is counted and ends at 10 s.
# Prints p50, p99 and max per phase, for each BUILD_DIR given (old and new side by side).
#   agent_responsiveness.sh [BUILD_DIR...]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
source "$repo/tests/e2e/lib.sh"
require_root
builds=("$@")
[[ ${#builds[@]} -gt 0 ]] || builds=("$repo/build")
calls="${CALLS:-1000}" starts="${STARTS:-50}"
busybox="$(test_image busybox)"
debian="$(test_image debian)"
prefix="dg-responsive-$$"
work="$(mktemp -d)"
agent_pid=""
stop() {
    [[ -z "$agent_pid" ]] || { kill "$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; }
    agent_pid=""
}
remove_containers() {
    podman ps -a --format '{{.Names}}' | grep "^$prefix" | xargs -r podman rm -f -t 0 >/dev/null 2>&1 || true
}
cleanup() { stop; remove_containers; rm -rf "$work"; }
trap cleanup EXIT

cat > "$work/policy.yaml" <<'POLICY'
defaultMode: audit
exceptions:
  - paths: [/opt/blobs/**]
    sha256: [0000000000000000000000000000000000000000000000000000000000000000]
POLICY

cat > "$work/client.py" <<'PYTHON'
import json, socket, sys, time
path, calls, gap, budget = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
times, timeouts, deadline = [], 0, time.monotonic() + budget
while len(times) < calls and time.monotonic() < deadline:
    start = time.perf_counter()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(path)
        s.sendall(b'{"command":"status"}\n')
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            data += chunk
        assert json.loads(data)["ok"], data[:200]
    except socket.timeout:
        timeouts += 1
    finally:
        s.close()
    times.append((time.perf_counter() - start) * 1000)
    time.sleep(gap)
times.sort()
print("%4d calls  p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms  (%d over 10 s)" % (
    len(times), times[len(times) // 2], times[max(0, int(len(times) * 0.99) - 1)], times[-1], timeouts))
PYTHON

measure() { # BUILD PHASE: CALLS requests 10 ms apart (so they span the phase), 120 s at most
    printf '%-24s %-8s ' "$1" "$2"
    python3 "$work/client.py" "$work/state/driftguard.sock" "$calls" 0.01 120
}

for build in "${builds[@]}"; do
    "$build/driftguard" agent --policy "$work/policy.yaml" --no-pin --metrics off \
        --state-dir "$work/state" >/dev/null 2>"$work/log" &
    agent_pid=$!
    for _ in $(seq 200); do grep -q "agent running" "$work/log" && break; sleep 0.1; done
    measure "$build" idle

    runs=()
    for ((i = 0; i < starts; ++i)); do
        podman run -d --name "$prefix-s$i" "$busybox" sleep 3600 >/dev/null 2>&1 &
        runs+=($!)
    done
    measure "$build" starts
    wait "${runs[@]}"  # not the agent
    remove_containers

    podman run -d --name "$prefix-hash" "$debian" sh -c \
        'mkdir -p /opt/blobs; while :; do head -c 209715200 /dev/urandom > /opt/blobs/blob; done' >/dev/null
    sleep 3
    measure "$build" hashing
    hashed="$(grep -c 'upper-layer file /opt/blobs/blob' "$work/log" || true)"
    echo "    (the agent hashed the 200 MiB blob $hashed times during the run)"
    remove_containers
    stop
done
