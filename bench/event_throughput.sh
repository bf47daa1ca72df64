#!/usr/bin/env bash
# The event path under an exec storm of a drifted file inside a container:
#   audit:   every exec runs and is reported; every event either reaches the agent or is
#            counted as dropped by the kernel (events received + dropped == audited)
#   enforce: every exec is killed before it runs (killed == execs: zero misses)
# WORKERS (4) processes fork+exec a static 2-instruction program in a loop for SECONDS (10),
# driven by bench/exec_storm.c from inside a Debian container whose image holds the driver.
#   event_throughput.sh [BUILD_DIR]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$repo/build}"
source "$repo/tests/e2e/lib.sh"
require_root
seconds="${SECONDS_PER_RUN:-10}" workers="${WORKERS:-4}"
base="$(test_image debian)"
work="$(mktemp -d)"
name="dg-storm-$$"
agent_pid=""
cleanup() {
    [[ -z "$agent_pid" ]] || { kill "$agent_pid" 2>/dev/null; wait "$agent_pid" 2>/dev/null || true; }
    podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
cp "$build/bench/exec_storm" "$work/exec_storm"
image="localhost/driftguard-test/debian-storm:${base##*:}-$(sha256sum "$work/exec_storm" | cut -c1-16)"
if ! podman image exists "$image"; then
    printf 'FROM %s\nCOPY exec_storm /usr/local/bin/exec_storm\n' "$base" > "$work/Containerfile"
    podman build --quiet --network none -t "$image" "$work" >/dev/null
fi
podman run -d --name "$name" "$image" sleep 3600 >/dev/null
podman cp "$build/bench/exit_now" "$name:/tmp/drift"
storm() { podman exec "$name" /usr/local/bin/exec_storm /tmp/drift "$seconds" "$workers"; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
status() { "$build/driftguard" status --json --state-dir "$work/state"; }
start_agent() {
    "$build/driftguard" agent --mode "$1" --no-pin --metrics off --state-dir "$work/state" \
        --events-file "$work/events-$1.jsonl" 2>"$work/log-$1" &
    agent_pid=$!
    for _ in $(seq 600); do grep -q "container " "$work/log-$1" && return; sleep 0.1; done
    echo "agent did not start" >&2; exit 1
}
stop_agent() { kill "$agent_pid"; wait "$agent_pid" || true; agent_pid=""; }

baseline="$(storm)"
echo "| run | execs | execs/s | ran | killed | kernel judged drift | events received by the agent | dropped (counted) | lost |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '| no agent | %s | %.0f | %s | %s | - | - | - | - |\n' "$(field execs "$baseline")" \
    "$(python3 -c "print($(field execs "$baseline") / $(field seconds "$baseline"))")" \
    "$(field exited "$baseline")" "$(field killed "$baseline")"
for mode in audit enforce; do
    start_agent "$mode"
    before="$(status)"
    result="$(storm)"
    sleep 2  # let the agent drain the ring buffer
    after="$(status)"
    stop_agent
    python3 - "$mode" "$result" "$before" "$after" <<'PY'
import json, re, sys
mode, result, before, after = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
r = {k: float(v) for k, v in re.findall(r"(\w+)=([0-9.]+)", result)}
delta = lambda key: after["counters"][key] - before["counters"][key]
judged = delta("audited" if mode == "audit" else "blocked")
received, dropped = delta("events_received"), delta("events_dropped")
lost = judged - received - dropped
print(f"| {mode} | {int(r['execs'])} | {r['execs'] / r['seconds']:.0f} | {int(r['exited'])} | "
      f"{int(r['killed'])} | {judged} | {received} | {dropped} | {lost} |")
ok = judged == r["execs"] and lost == 0
if mode == "enforce":
    ok = ok and r["killed"] == r["execs"] and r["exited"] == 0
else:
    ok = ok and r["exited"] == r["execs"]
if not ok:
    sys.exit(f"{mode}: an exec was not judged, an event was neither delivered nor counted, or an enforce exec ran")
PY
done
