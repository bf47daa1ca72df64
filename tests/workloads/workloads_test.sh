#!/usr/bin/env bash
# The workload tier: real software from Debian's packages in real containers under
# `driftguard agent --mode enforce` must run to completion with zero drift events, with the
# agent started before the container and after it. JITs (PHP's opcache, Erlang's BeamAsm,
# HotSpot, V8, libffi's trampolines) exercise the anonymous-memory rules; servers exercise
# reloads; `podman run --init` the runtime's own init binary from the host.
#   workloads_test.sh [WORKLOAD...]   (default: all)
source "$(dirname "$0")/../e2e/lib.sh"
require_root
image="$("$(dirname "$0")/build-image.sh")"
work="$(mktemp -d)"
AGENT_EVENTS="$work/events.jsonl"
AGENT_LOG="$work/agent.log"
name="dg-workload-$$"
workloads=("$@")
[[ ${#workloads[@]} -gt 0 ]] || workloads=(php-jit php-fpm erlang java node python-ctypes nginx redis
                                            postgres rabbitmq varnish)
policy="$(dirname "$0")/policy.yaml"

cleanup() { stop_agent; podman rm -f -t 0 "$name" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

# The agent first, then a fresh container per workload.
start_agent enforce "agent running" --policy "$policy"
for workload in "${workloads[@]}"; do
    podman run --rm --name "$name" "$image" /opt/workloads/run.sh "$workload" > "$work/out" 2>&1 \
        || { cat "$work/out" >&2; fail "$workload failed under enforce (agent started first)"; }
    no_events "$workload (agent started first)"
    echo "ok: $workload runs under enforce, zero events (agent started first): $(tail -n 1 "$work/out")"
done
podman run --rm --init "$image" /bin/true || fail "podman run --init failed under enforce"
no_events "podman run --init"
echo "ok: podman run --init (the host's catatonit) runs under enforce, zero events"
# An image binary run right after chmod/touch/chown copied it up, in fresh containers: no
# time for the agent's hash; the kernel vouches for the copy. (`touch -c`: coreutils'
# plain touch opens the file for writing, which the kernel cannot tell from a write; that
# copy waits for the agent's hash: docs/kernel-sensor.md.)
for i in $(seq 10); do
    podman run --rm "$image" sh -c 'chmod 0755 /usr/bin/sort && /usr/bin/sort /dev/null &&
        touch -c /usr/bin/uniq && /usr/bin/uniq /dev/null && chown root /usr/bin/tac && /usr/bin/tac /dev/null' \
        || fail "container $i: an image binary run right after chmod/touch/chown failed under enforce"
done
no_events "chmod/touch/chown then run at once"
echo "ok: chmod/touch/chown then run at once, 10 fresh containers, none killed, zero events"
stop_agent

# The container first, then the agent: the same work through podman exec.
podman run -d --name "$name" "$image" sleep 3600 >/dev/null
start_agent enforce "container " --policy "$policy"
for workload in "${workloads[@]}"; do
    podman exec "$name" /opt/workloads/run.sh "$workload" > "$work/out" 2>&1 \
        || { cat "$work/out" >&2; fail "$workload failed under enforce (container started first)"; }
    no_events "$workload (container started first)"
    echo "ok: $workload runs under enforce, zero events (container started first)"
done
stop_agent
echo "PASS: ${#workloads[@]} workloads, podman run --init and copy-ups run at once, under enforce with zero events"
