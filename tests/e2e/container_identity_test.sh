#!/usr/bin/env bash
# Overlay device numbers, the kernel's key for a container, are reused: a container started
# right after another one was removed often gets its key. The new container must not
# inherit anything of the old one: here the old one ran under `off`, and the new one's
# first drift (before the agent has even looked at it) must be killed under the default
# `enforce`, and reported without the old container's name.
source "$(dirname "$0")/lib.sh"
require_root
payload_dir="${DRIFTGUARD_PAYLOAD_DIR:?}"
work="$(mktemp -d)"
chmod 755 "$work"
AGENT_EVENTS="$work/events.jsonl"
AGENT_LOG="$work/agent.log"
old="dg-identity-old-$$" new="dg-identity-new-$$"
image="$(test_image debian)"
cp "$payload_dir/marker_payload" "$work/payload"
cat > "$work/policy.yaml" <<YAML
defaultMode: enforce
rules:
  - name: old-one-off
    match: {container: "$old"}
    mode: "off"
YAML
cleanup() {
    [[ -z "$agent_pid" ]] || kill -CONT "$agent_pid" 2>/dev/null || true
    stop_agent
    for container in "$old" "$new"; do  # one at a time: podman rm stops at a missing name
        podman rm -f -t 0 "$container" >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

start_agent enforce "agent running" --policy "$work/policy.yaml"
reused=no
for attempt in 1 2 3; do
    for container in "$old" "$new"; do
        podman rm -f -t 0 "$container" >/dev/null 2>&1 || true
    done
    podman run -d --name "$old" "$image" sleep 600 >/dev/null
    old_dev="$(podman exec "$old" stat -c %d /)"
    for _ in $(seq 100); do
        [[ "$(grep -c -- "($old, podman)" "$AGENT_LOG")" -ge "$attempt" ]] && break
        sleep 0.1
    done
    [[ "$(grep -c -- "($old, podman)" "$AGENT_LOG")" -ge "$attempt" ]] || fail "the agent never saw $old"
    # The agent cannot react in between: the kernel alone decides for the new container.
    kill -STOP "$agent_pid"
    podman rm -f -t 0 "$old" >/dev/null
    set +e
    podman run --name "$new" -v "$work:/out" "$image" \
        sh -c 'stat -c %d / > /out/new-dev; cp /out/payload /tmp/p && /tmp/p' >/dev/null 2>&1
    code=$?
    set -e
    kill -CONT "$agent_pid"
    [[ "$code" == 137 ]] || fail "the new container's drift was not killed (exit $code): it inherited the old container's mode"
    if [[ "$(cat "$work/new-dev")" == "$old_dev" ]]; then
        reused=yes
        break
    fi
    echo "attempt $attempt: the kernel gave the new container another key ($(cat "$work/new-dev") vs $old_dev); again"
    podman rm -f -t 0 "$new" >/dev/null 2>&1 || true
done
[[ "$reused" == yes ]] || skip "the kernel never reused the overlay device number in 3 attempts: nothing to prove"
for _ in $(seq 50); do
    [[ "$(jq -s '[.[] | select(.verdict == "blocked")] | length' "$AGENT_EVENTS")" -gt 0 ]] && break
    sleep 0.1
done
jq -e -s --arg old "$old" '[.[] | select(.verdict == "blocked" and .container.name != $old)] | length == 1' \
    "$AGENT_EVENTS" >/dev/null || { cat "$AGENT_EVENTS" >&2; fail "the event is missing or names the old container"; }
echo "PASS: key $old_dev reused; the new container's first drift was killed under the default mode, not the old container's 'off', and its event does not name the old container"
