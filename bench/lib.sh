# Shared helpers of the benchmarks (sourced after tests/e2e/lib.sh).

# Starts BUILD_DIR's agent in enforce, unpinned (it ends with the benchmark), with its
# events in $work/events and its log in $work/log, and waits until it has seen a container.
bench_agent_pid=""
start_bench_agent() { # BUILD_DIR [AGENT OPTIONS...]
    local build="$1"
    shift
    "$build/driftguard" agent --mode enforce --no-pin --metrics off --state-dir "$work/state" "$@" \
        >"$work/events" 2>"$work/log" &
    bench_agent_pid=$!
    # "container ...": the agent has read the running containers' images (large ones take seconds).
    for _ in $(seq 600); do grep -q "container " "$work/log" && return; sleep 0.1; done
    echo "agent did not start; its log:" >&2
    tail -n 20 "$work/log" >&2
    exit 1
}
stop_bench_agent() {
    [[ -n "$bench_agent_pid" ]] || return 0
    kill "$bench_agent_pid" 2>/dev/null || true
    wait "$bench_agent_pid" 2>/dev/null || true
    bench_agent_pid=""
}
