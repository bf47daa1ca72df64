#!/usr/bin/env bash
# The agent as a node daemon, against real podman containers: container metadata (names,
# images, labels, a pod from Kubernetes YAML), the policy selection matrix (enforce, audit,
# off by name, label, image), hot reload through a ConfigMap-style symlink swap and SIGHUP,
# a bad reload that keeps the old policy, the control socket (status, events, malformed
# and non-root clients), and a restart after kill -9 without a gap in enforcement.
source "$(dirname "$0")/lib.sh"
require_root
payload_dir="${DRIFTGUARD_PAYLOAD_DIR:?}"
busybox="$(test_image busybox)"
debian="$(test_image debian)"
work="$(mktemp -d)"
prefix="dg-policy-$$"
AGENT_EVENTS="$work/events.jsonl"
AGENT_LOG="$work/agent.log"

cleanup() {
    stop_agent
    podman pod rm -f "$prefix-pod" >/dev/null 2>&1 || true
    podman ps -a --format '{{.Names}}' | grep "^$prefix" | xargs -r podman rm -f -t 0 >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# Drops the marker payload into CONTAINER at PATH and runs it: prints the exit code
# (137: killed before it ran).
attack() {
    podman cp "$payload_dir/marker_payload" "$1:$2"
    set +e; podman exec "$1" "$2" >/dev/null 2>&1; local code=$?; set -e
    echo "$code"
}
events_for() { # PATH: events about that file, as compact JSON lines
    jq -c --arg path "$1" 'select(.file.path == $path)' "$AGENT_EVENTS"
}
wait_for_event() { # PATH VERDICT
    for _ in $(seq 50); do
        events_for "$1" | jq -e -s --arg v "$2" 'any(.[]; .verdict == $v)' >/dev/null && return 0
        sleep 0.1
    done
    cat "$AGENT_EVENTS" >&2
    fail "no $2 event for $1"
}

# A policy as Kubernetes mounts a ConfigMap: the file is a symlink into ..data, and an
# update swaps ..data to a new directory in one rename.
policy_dir="$work/configmap"
mkdir -p "$policy_dir"
publish_policy() { # FILE: atomically makes it the mounted policy
    local version="$policy_dir/..$(date +%s%N)"
    mkdir "$version"
    cp "$1" "$version/policy.yaml"
    ln -sfn "$(basename "$version")" "$policy_dir/..data_tmp"
    mv -T "$policy_dir/..data_tmp" "$policy_dir/..data"
    ln -sfn ..data/policy.yaml "$policy_dir/policy.yaml"
}
cat > "$work/v1.yaml" <<EOF
apiVersion: driftguard/v1
defaultMode: enforce
rules:
  - name: audit-by-name
    match: {container: "$prefix-named-*"}
    mode: audit
  - name: off-by-label
    match:
      labels: {tier: batch}
    mode: off
  - name: audit-shop-pods
    match:
      labels: {app: shop}
    mode: audit
  - name: audit-debian
    match: {image: "localhost/driftguard-test/debian:*"}
    mode: audit
EOF
publish_policy "$work/v1.yaml"
grep -q "valid" <<<"$("$DRIFTGUARD" policy check "$policy_dir/policy.yaml")" || fail "policy check refused a valid policy"

podman run -d --name "$prefix-plain" "$busybox" sleep 600 >/dev/null
podman run -d --name "$prefix-named-1" "$busybox" sleep 600 >/dev/null
podman run -d --name "$prefix-batch" --label tier=batch --annotation team=data "$busybox" sleep 600 >/dev/null
podman run -d --name "$prefix-debian" "$debian" sleep 600 >/dev/null
cat > "$work/pod.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $prefix-pod
  labels: {app: shop, tier: front}
spec:
  containers:
    - name: web
      image: $busybox
      command: ["/bin/sleep", "600"]
EOF
podman kube play "$work/pod.yaml" >/dev/null
start_agent enforce "agent running" --policy "$policy_dir/policy.yaml"
for _ in $(seq 100); do
    [[ "$(dg_ctl status --json | jq "[.containers[] | select(.name | startswith(\"$prefix\"))] | length")" -ge 5 ]] && break
    sleep 0.1
done

# Metadata, as status reports it.
plain="$(container_status "$prefix-plain")"
[[ -n "$plain" ]] || fail "status lacks $prefix-plain: $(dg_ctl status --json)"
jq -e --arg image "$busybox" '.runtime == "podman" and .image.name == $image and (.image.digest | startswith("sha256:")) and (.id | length) == 64' <<<"$plain" >/dev/null \
    || fail "metadata of a podman container: $plain"
jq -e '.labels.tier == "batch"' <<<"$(container_status "$prefix-batch")" >/dev/null \
    || fail "podman labels missing: $(container_status "$prefix-batch")"
pod="$(container_status "$prefix-pod-web")"
jq -e --arg pod "$prefix-pod" '.pod.name == $pod and .pod.labels.app == "shop"' <<<"$pod" >/dev/null \
    || fail "pod metadata missing: $pod"
echo "ok: metadata: ID, name, runtime, image name and digest, labels, pod name and labels"

# The selection matrix: each container's mode as the policy decides, shown by an attack.
expect_mode() { # CONTAINER MODE
    local status code
    status="$(container_status "$1")"
    [[ "$(jq -r .mode <<<"$status")" == "$2" ]] || fail "$1: mode $(jq -r .mode <<<"$status"), expected $2 ($status)"
    code="$(attack "$1" "/tmp/drop-$3")"
    case "$2" in
        enforce) [[ "$code" == 137 ]] || fail "$1 (enforce): drop exited $code"; wait_for_event "/tmp/drop-$3" blocked ;;
        audit) [[ "$code" == 0 ]] || fail "$1 (audit): drop exited $code"; wait_for_event "/tmp/drop-$3" audited ;;
        off) [[ "$code" == 0 ]] || fail "$1 (off): drop exited $code"
             sleep 0.3; [[ -z "$(events_for "/tmp/drop-$3")" ]] || fail "$1 (off) reported an event" ;;
    esac
}
expect_mode "$prefix-plain" enforce plain
expect_mode "$prefix-named-1" audit named
expect_mode "$prefix-batch" off batch
expect_mode "$prefix-pod-web" audit pod
expect_mode "$prefix-debian" audit debian
jq -e '.container.name != null and .policy.mode_from == "rule '"'"'audit-by-name'"'"' (line 4)"' \
    <<<"$(events_for /tmp/drop-named | head -1)" >/dev/null || fail "event lacks the container or the rule: $(events_for /tmp/drop-named)"
echo "ok: policy matrix: default enforce, audit by name, off by label, audit by pod label, audit by image"

# Hot reload (ConfigMap symlink swap): the plain container goes to audit while it runs.
cp "$work/v1.yaml" "$work/v2.yaml"
cat >> "$work/v2.yaml" <<EOF
  - name: plain-audit
    match: {container: "$prefix-plain"}
    mode: audit
EOF
publish_policy "$work/v2.yaml"
wait_for_agent_log "policy reloaded (file change)"
expect_mode "$prefix-plain" audit reloaded
echo "ok: hot reload through a ConfigMap-style symlink swap applies to a running container"

# A bad policy is refused with file:line:column; the previous one stays in force.
printf 'defaultMode: audit\nrules:\n  - match: {container: x}\n    mode: enforced\n' > "$work/bad.yaml"
publish_policy "$work/bad.yaml"
wait_for_agent_log "policy reload (file change) refused"
grep -q "policy.yaml:4:11: rules\[0\].mode: 'enforced' is not a mode" "$AGENT_LOG" || fail "refusal does not name line and column: $(grep refused "$AGENT_LOG")"
dg_ctl status --json | jq -e '.policy.refusals >= 1 and (.policy.last_refusal | contains(":4:11:"))' >/dev/null \
    || fail "status does not count the refusal"
expect_mode "$prefix-named-1" audit after-bad
expect_mode "$prefix-debian" audit after-bad-debian
[[ "$(attack "$prefix-plain" /tmp/drop-still-audit)" == 0 ]] || fail "bad policy changed the plain container's mode"
! "$DRIFTGUARD" policy check "$work/bad.yaml" 2>/dev/null || fail "policy check accepted a bad policy"
echo "ok: a bad reload is refused with file:line:column, counted, and the old policy stays"

# SIGHUP reloads a file edited in place (here: back to v1, plain is enforced again).
cp "$work/v1.yaml" "$work/edited.yaml"
rm "$policy_dir/policy.yaml"; cp "$work/edited.yaml" "$policy_dir/policy.yaml"
kill -HUP "$agent_pid"
for _ in $(seq 100); do
    [[ "$(grep -c "policy reloaded" "$AGENT_LOG")" -ge 2 ]] && break
    sleep 0.1
done
[[ "$(grep -c "policy reloaded" "$AGENT_LOG")" -ge 2 ]] || fail "edited policy not reloaded"
expect_mode "$prefix-plain" enforce back
echo "ok: SIGHUP / in-place edit reloads"

# The control socket: malformed requests get an error line, never a crash; non-root is refused.
socket="$TEST_STATE_DIR/driftguard.sock"
[[ "$(stat -c %a "$socket")" == 600 ]] || fail "control socket is not root-only"
ask() { # LINE: the agent's answer
    python3 - "$socket" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
try:  # the agent may answer and close before an oversized request is all sent
    s.sendall(sys.argv[2].encode()); s.shutdown(socket.SHUT_WR)
except BrokenPipeError:
    pass
print(s.makefile().readline().strip())
PY
}
ask 'not json\n' | jq -e '.ok == false and (.error | contains("malformed"))' >/dev/null || fail "malformed request"
ask $'{"command": 7}\n' | jq -e '.ok == false' >/dev/null || fail "wrong command type"
ask $'{"command": "shutdown"}\n' | jq -e '.ok == false and (.error | contains("unknown command"))' >/dev/null || fail "unknown command"
ask $'{"command": "events", "limit": -1}\n' | jq -e '.ok == false' >/dev/null || fail "negative limit"
python3 -c 'print("x" * 70000)' > "$work/long"
ask "$(cat "$work/long")" | jq -e '.ok == false and (.error | contains("64 KiB"))' >/dev/null || fail "oversized request"
chmod 0755 "$TEST_STATE_DIR"; chmod 0666 "$socket"
answer="$(setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 - "$socket" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
try:  # the agent refuses and closes at accept, maybe before this is sent
    s.sendall(b'{"command": "status"}\n')
except BrokenPipeError:
    pass
print(s.makefile().readline().strip())
PY
)"
chmod 0600 "$socket"; chmod 0700 "$TEST_STATE_DIR"
jq -e '.ok == false and (.error | contains("root only"))' <<<"$answer" >/dev/null || fail "non-root client was answered: $answer"
kill -0 "$agent_pid" || fail "the agent died on hostile requests"
dg_ctl events --container "$prefix-named-1" | jq -e -s 'length >= 1 and all(.[]; .container.name == "'"$prefix-named-1"'")' >/dev/null \
    || fail "events --container"
echo "ok: control socket: malformed, unknown, oversized and non-root requests refused; agent alive"

# events -f streams a new event.
dg_ctl events -f -n 0 > "$work/follow.jsonl" &
follower=$!
sleep 0.5
attack "$prefix-plain" /tmp/drop-followed >/dev/null
for _ in $(seq 50); do grep -q drop-followed "$work/follow.jsonl" && break; sleep 0.1; done
kill "$follower" 2>/dev/null || true
grep -q drop-followed "$work/follow.jsonl" || fail "events -f did not stream the new event"
echo "ok: events -f follows"

# Restart without a gap: kill -9 the agent, drift is still blocked; a new agent adopts the
# pinned sensor and knows the same containers.
before="$(dg_ctl status --json | jq -c '[.containers[] | select(.name | startswith("'"$prefix"'")) | {name, mode}] | sort_by(.name)')"
kill_agent KILL
[[ -d "$TEST_PIN_DIR" ]] || fail "nothing pinned"
[[ "$(attack "$prefix-plain" /tmp/drop-agentless)" == 137 ]] || fail "drift ran while the agent was down"
# `status` without an agent says what the pinned sensor still does, from bpffs alone.
set +e
dg_ctl status --pin-dir "$TEST_PIN_DIR" --json > "$work/pinned-status.json" 2>"$work/pinned-status.err"
code=$?
set -e
[[ "$code" == 4 ]] || { cat "$work/pinned-status.err" >&2; fail "status without an agent exited $code, not 4"; }
jq -e '.agent.running == false and .pinned.default_mode == "enforce" and
       (.pinned.programs_attached | index("dg_exec")) != null and
       .pinned.containers_with_own_mode >= 1 and .counters.blocked >= 1' "$work/pinned-status.json" >/dev/null \
    || { cat "$work/pinned-status.json" >&2; fail "status without an agent misdescribes the pinned sensor"; }
KEEP_EVENTS=1 start_agent enforce "adopted the pinned sensor" --policy "$policy_dir/policy.yaml"
for _ in $(seq 100); do
    after="$(dg_ctl status --json | jq -c '[.containers[] | select(.name | startswith("'"$prefix"'")) | {name, mode}] | sort_by(.name)')"
    [[ "$after" == "$before" ]] && break
    sleep 0.1
done
[[ "$after" == "$before" ]] || fail "after restart: $after, before: $before"
wait_for_event /tmp/drop-agentless blocked
echo "ok: kill -9: drift still blocked, status reads the pinned sensor (exit 4); restarted agent adopts the sensor, same containers and modes, and reports what happened meanwhile"

# Uninstall: refused while an agent runs; afterwards nothing is enforced.
! dg_agent --uninstall 2>/dev/null || fail "uninstall while the agent runs"
# The same pin dir named with another state dir (another lock): the agent still holds the
# pinned maps open, and uninstall names it.
! "$DRIFTGUARD" agent --uninstall --pin-dir "$TEST_PIN_DIR" --state-dir "$work/other-state" \
    2>"$work/uninstall.err" || fail "uninstall with another --state-dir removed a running agent's sensor"
grep -q "process $agent_pid holds the sensor pinned in $TEST_PIN_DIR" "$work/uninstall.err" \
    || { cat "$work/uninstall.err" >&2; fail "uninstall did not name the running agent"; }
[[ "$(attack "$prefix-plain" /tmp/drop-still-pinned)" == 137 ]] || fail "not enforced after a refused uninstall"
kill_agent
dg_agent --uninstall 2>/dev/null || fail "uninstall failed"
[[ ! -e "$TEST_PIN_DIR" ]] || fail "pinned state left after uninstall"
[[ "$(attack "$prefix-plain" /tmp/drop-uninstalled)" == 0 ]] || fail "still enforced after uninstall"
echo "ok: uninstall is refused while an agent holds the sensor (whatever its state dir), then removes every pinned program"
echo "PASS: agent policy, metadata, control socket and gapless restart"
