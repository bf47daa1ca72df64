#!/usr/bin/env bash
# The agent against real podman containers: drift blocked before it runs in containers
# started before and after the agent, from the entrypoint's first milliseconds, on tmpfs,
# /dev/shm and bind mounts; image programs, verified copy-ups and services untouched;
# audit mode reports and lets run; host processes never touched.
source "$(dirname "$0")/lib.sh"
require_root
payload_dir="${DRIFTGUARD_PAYLOAD_DIR:?}"
image="$(test_image busybox)"
work="$(mktemp -d)"
events="$work/events.jsonl"
log="$work/agent.log"
prefix="dg-e2e-$$"
AGENT_EVENTS="$events"
AGENT_LOG="$log"

cleanup() {
    stop_agent
    podman ps -a --format '{{.Names}}' | grep "^$prefix" | xargs -r podman rm -f -t 0 >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

run_in() { # CONTAINER COMMAND...: prints the exit code
    set +e
    podman exec "$@" >/dev/null 2>&1
    echo $?
    set -e
}

# A container started before the agent is protected once the agent runs.
podman run -d --name "$prefix-before" "$image" sleep 600 >/dev/null
start_agent enforce
wait_for_agent_log "container "

podman cp "$payload_dir/marker_payload" "$prefix-before:/tmp/miner"
[[ "$(run_in "$prefix-before" /tmp/miner)" == 137 ]] || fail "dropped binary was not killed"
[[ "$(run_in "$prefix-before" /bin/sh -c 'test -e /drift-marker')" == 1 ]] || fail "the dropped binary ran"
expect_event '.verdict == "blocked" and .hook == "exec" and .file.path == "/tmp/miner" and .kind == "new-file"' "blocked /tmp/miner"
echo "ok: container started before the agent: drop blocked, marker absent"

# Legitimate work in the same container is untouched.
[[ "$(run_in "$prefix-before" /bin/busybox true)" == 0 ]] || fail "image binary"
[[ "$(run_in "$prefix-before" /bin/ls /)" == 0 ]] || fail "busybox applet symlink"
[[ "$(run_in "$prefix-before" /opt/app/hello.sh)" == 0 ]] || fail "image script"
[[ "$(run_in "$prefix-before" /bin/sh -c 'echo a | cat && true; id >/dev/null')" == 0 ]] || fail "sh -c chain"
echo "ok: image binaries, applets, image script, shell chains run"

# chmod copies an image file up with unchanged content: allowed once verified.
podman exec "$prefix-before" /bin/chmod 0700 /opt/app/hello.sh
wait_for_agent_log "upper-layer file /opt/app/hello.sh: allowed"
[[ "$(run_in "$prefix-before" /opt/app/hello.sh)" == 0 ]] || fail "verified copy-up was blocked"
podman exec "$prefix-before" /bin/sh -c 'echo "echo tampered" >> /opt/app/hello.sh'
[[ "$(run_in "$prefix-before" /opt/app/hello.sh)" == 137 ]] || fail "modified copy-up ran"
expect_event '.hook == "script" and .file.path == "/opt/app/hello.sh" and .kind == "modified-image-file"' "modified image script"
echo "ok: verified copy-up runs; the same file modified afterwards is blocked"

# The entrypoint itself drops and runs a file in its first milliseconds.
output="$(podman run --name "$prefix-entry" -v "$payload_dir:/payload:ro" "$image" \
    /bin/sh -c 'cp /payload/marker_payload /tmp/m; /tmp/m; test -e /drift-marker && echo MARKER; echo done')"
grep -q '^done$' <<<"$output" || fail "entrypoint shell did not finish: $output"
! grep -q MARKER <<<"$output" || fail "entrypoint's drop ran"
expect_event '.file.path == "/tmp/m" and .verdict == "blocked"' "entrypoint drop"
echo "ok: entrypoint drop blocked from the first exec"

# Other filesystems inside the container.
output="$(podman run --rm --tmpfs /scratch:rw,exec -v "$payload_dir:/payload:ro" \
    --mount type=tmpfs,destination=/dev/shm,tmpfs-mode=1777,exec "$image" \
    /bin/sh -c 'cp /payload/marker_payload /scratch/m; /scratch/m; cp /payload/marker_payload /dev/shm/m; /dev/shm/m; /payload/marker_payload; test -e /drift-marker && echo MARKER; echo done')"
grep -q '^done$' <<<"$output" && ! grep -q MARKER <<<"$output" || fail "tmpfs/shm/bind drop ran: $output"
expect_event '.file.path == "/scratch/m" and .kind == "other-filesystem"' "--tmpfs drop"
expect_event '.file.path == "/dev/shm/m" and .kind == "other-filesystem"' "/dev/shm drop"
expect_event '.file.path == "/payload/marker_payload" and .kind == "other-filesystem"' "bind-mounted host file"
echo "ok: --tmpfs, /dev/shm and bind-mounted drops blocked"

# A long-running service keeps running; podman keeps working.
[[ "$(podman inspect -f '{{.State.Running}}' "$prefix-before")" == true ]] || fail "service container died"
podman run --rm "$image" /bin/true || fail "podman run under enforcement"

# A host process running a file from /tmp is never touched.
cp "$payload_dir/marker_payload" "$work/host-payload"
(cd "$work" && ./host-payload) || fail "host process was affected"
[[ -e "$work/drift-marker" ]] || fail "host payload did not run"
rm -f "$work/drift-marker"
# ... nor is a host service with a private mount namespace (systemd's PrivateTmp & co.).
(cd "$work" && unshare --mount --propagation private ./host-payload) || fail "private-namespace host process was affected"
[[ -e "$work/drift-marker" ]] || fail "private-namespace host payload did not run"
echo "ok: service, podman and host processes untouched"

# Audit: reported, allowed to run.
stop_agent
start_agent audit
wait_for_agent_log "container "
podman cp "$payload_dir/marker_payload" "$prefix-before:/tmp/audited"
[[ "$(run_in "$prefix-before" /tmp/audited)" == 0 ]] || fail "audit mode blocked"
[[ "$(run_in "$prefix-before" /bin/sh -c 'test -e /drift-marker')" == 0 ]] || fail "audited payload did not run"
expect_event '.verdict == "audited" and .file.path == "/tmp/audited" and .mode == "audit"' "audited drop"
echo "ok: audit mode reports and lets run"
stop_agent
grep -q "counters: execs_judged [1-9]" "$log" || fail "agent did not report its counters on exit"
echo "PASS: agent against podman containers"
