#!/usr/bin/env bash
# The agent stops on SIGINT and SIGTERM however it was started: a background job of a
# non-interactive shell inherits SIGINT (and SIGQUIT) as ignored, and an ignored signal
# would never reach the agent's signalfd. SIGHUP reloads the policy and never ends it. (Its sensor judges no container: this test only
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
    # SIGHUP reloads and the agent goes on. The agent runs worker threads: a process-wide
    # signal reaches any thread that does not block it, where SIGHUP's default would end it.
    for _ in 1 2 3; do kill -HUP "$pid"; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "SIGHUP ended the agent"; }
    [[ "$(grep -c 'SIGHUP: no policy file to reload' "$log")" == 3 ]] \
        || { cat "$log" >&2; fail "SIGHUP did not reach the agent's reload"; }
    kill "-$signal" "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid"
        fail "SIG$signal, ignored when the agent was started, did not stop it"
    fi
    wait "$pid" && code=0 || code=$?
    [[ "$code" == 0 ]] || { cat "$log" >&2; fail "the agent exited with $code on SIG$signal"; }
    echo "ok: SIGHUP reloads, SIG$signal stops an agent started with it ignored"
done
echo "PASS: SIGHUP reloads, SIGINT and SIGTERM stop the agent however it was started"
