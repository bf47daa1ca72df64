#!/usr/bin/env bash
# The agent stops on SIGINT and SIGTERM however it was started: a background job of a
# non-interactive shell inherits SIGINT (and SIGQUIT) as ignored, and an ignored signal
# would never reach the agent's signalfd. (Its sensor judges no container: this test only
# needs the agent's signal handling.)
source "$(dirname "$0")/lib.sh"
require_root
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for signal in INT TERM; do
    log="$work/agent-$signal.log"
    # `trap "" INT` stands for the shell's own background-job behaviour, made explicit.
    bash -c 'trap "" INT TERM; exec "$@"' agent "$DRIFTGUARD" agent --no-pin --metrics off \
        --state-dir "$work/state" --only-container 4294967295 >/dev/null 2>"$log" &
    pid=$!
    for _ in $(seq 100); do grep -q "agent running" "$log" && break; sleep 0.1; done
    grep -q "agent running" "$log" || { cat "$log" >&2; fail "agent did not start"; }
    kill "-$signal" "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid"
        fail "SIG$signal, ignored when the agent was started, did not stop it"
    fi
    wait "$pid" && code=0 || code=$?
    [[ "$code" == 0 ]] || { cat "$log" >&2; fail "the agent exited with $code on SIG$signal"; }
    echo "ok: SIG$signal stops an agent started with it ignored"
done
echo "PASS: SIGINT and SIGTERM stop the agent however it was started"
