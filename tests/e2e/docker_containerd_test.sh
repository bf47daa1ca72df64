#!/usr/bin/env bash
# The agent on Docker and containerd nodes, against daemons the test starts itself
# (Debian's docker.io and containerd; state under a temporary directory): under enforce a
# dropped binary is stopped with an event naming the container's ID, name, image and
# runtime; image binaries, a verified copy-up and `docker run --init` run; `status` and
# `diff` show the containers. Docker's builds (the classic builder and BuildKit) and a
# `ctr run` container whose ID is a name are recognised from the daemons' own state.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/runtime_daemons.sh"
require_root
payload_dir="${DRIFTGUARD_PAYLOAD_DIR:?}"
work="$(mktemp -d)"
prefix="dg-rt-$$"
AGENT_EVENTS="$work/events.jsonl"
AGENT_LOG="$work/agent.log"
cleanup() {
    stop_agent
    stop_dockerd "$work"
    stop_containerd "$work"
    rm -rf "$work"
}
trap cleanup EXIT

exit_code() { set +e; "$@" >/dev/null 2>&1; echo $?; set -e; }

# The busybox test image (tests/images), imported into each daemon under the same name.
image="$(test_image busybox)"
rootfs="$("$REPO_DIR/tests/images/build-rootfs.sh" busybox)"

start_dockerd "$work"
docker_cli "$work" import "$rootfs" "$image" >/dev/null
start_containerd "$work"
podman save --format docker-archive "$image" 2>/dev/null >"$work/image.tar"
ctr_cli "$work" images import "$work/image.tar" >/dev/null
start_agent enforce

# ---- Docker ------------------------------------------------------------------------------
docker_id="$(docker_cli "$work" run -d --name "$prefix-web" --label team=blue "$image" sleep 600)"
wait_for_agent_log "($prefix-web, docker)"
docker_cli "$work" cp "$payload_dir/marker_payload" "$prefix-web:/tmp/miner"
[[ "$(exit_code docker_cli "$work" exec "$prefix-web" /tmp/miner)" == 137 ]] || fail "docker: dropped binary was not killed"
[[ "$(exit_code docker_cli "$work" exec "$prefix-web" /bin/sh -c "test -e /drift-marker")" == 1 ]] || fail "docker: the dropped binary ran"
expect_event ".file.path == \"/tmp/miner\" and .verdict == \"blocked\" and .container.id == \"$docker_id\"
    and .container.name == \"$prefix-web\" and .container.runtime == \"docker\"
    and .container.image.name == \"$image\" and .container.labels.team == \"blue\"" "docker drift with its container"
echo "ok: docker: drop killed, event names the container's ID, name, image, labels and runtime"

[[ "$(exit_code docker_cli "$work" exec "$prefix-web" /bin/ls /)" == 0 ]] || fail "docker: image binary"
[[ "$(exit_code docker_cli "$work" exec "$prefix-web" /bin/sh -c 'chmod 0700 /opt/app/hello.sh && /opt/app/hello.sh')" == 0 ]] \
    || fail "docker: a copy-up of an image script did not run at once"
[[ "$(exit_code docker_cli "$work" run --rm --init "$image" /bin/true)" == 0 ]] || fail "docker run --init"
[[ "$(jq -s 'length' "$AGENT_EVENTS")" == 1 ]] || { cat "$AGENT_EVENTS" >&2; fail "docker: legitimate work raised events"; }
echo "ok: docker: image binary, chmod-then-run, docker run --init run with no event"

status="$(dg_ctl status --json | jq -c --arg id "$docker_id" '.containers[] | select(.id == $id)')"
jq -e --arg name "$prefix-web" --arg image "$image" \
    '.name == $name and .runtime == "docker" and .image.name == $image and .mode == "enforce"' <<<"$status" >/dev/null \
    || fail "docker: status shows $status"
"$DRIFTGUARD" diff "$prefix-web" >"$work/diff.txt" || fail "docker: diff failed"
grep -qE '^added .* /tmp/miner$' "$work/diff.txt" && grep -qE '^modified .* /opt/app/hello.sh$' "$work/diff.txt" \
    || { cat "$work/diff.txt" >&2; fail "docker: diff misses the drop or the copy-up"; }
echo "ok: docker: status and diff name the container"

# Docker's builds: a RUN step that copies a binary and runs it, under a node-wide enforce.
# The step waits a second first: until the agent has looked at a classic-builder step (a
# few hundred ms after it starts), the kernel judges it with the node's default, since
# containerd's shim starts it as it starts any container (docs/policy.md, Image builds).
mkdir -p "$work/build"
printf 'FROM %s\nRUN sleep 1 && mkdir /x && cp /bin/busybox /x/true && /x/true\n' "$image" >"$work/build/Dockerfile"
: >"$AGENT_EVENTS"
DOCKER_BUILDKIT=0 docker_cli "$work" build --no-cache -t "localhost/$prefix-classic" "$work/build" >"$work/classic.log" 2>&1 \
    || { tail -n 20 "$work/classic.log" >&2; fail "docker build (classic builder) failed under enforce"; }
DOCKER_BUILDKIT=1 docker_cli "$work" build --no-cache --network none -t "localhost/$prefix-buildkit" "$work/build" \
    >"$work/buildkit.log" 2>&1 || { tail -n 20 "$work/buildkit.log" >&2; fail "docker build (BuildKit) failed under enforce"; }
grep -q "docker): image sha256:.*mode off from image build" "$AGENT_LOG" || { cat "$AGENT_LOG" >&2; fail "classic build step not recognised"; }
grep -q "buildkit): .*mode off from image build" "$AGENT_LOG" || { cat "$AGENT_LOG" >&2; fail "BuildKit step not recognised"; }
no_events "docker build"
echo "ok: docker build with the classic builder and with BuildKit: steps recognised, zero events"

# A workload started with one of the classic builder's settings is still a workload.
docker_cli "$work" run -d --name "$prefix-nolog" --log-driver none "$image" sleep 600 >/dev/null
wait_for_agent_log "($prefix-nolog, docker)"
docker_cli "$work" cp "$payload_dir/marker_payload" "$prefix-nolog:/tmp/miner"
[[ "$(exit_code docker_cli "$work" exec "$prefix-nolog" /tmp/miner)" == 137 ]] || fail "docker --log-driver none: drop ran"
echo "ok: docker: a workload with logging off is judged as a workload"

# ---- containerd (ctr) ---------------------------------------------------------------------
ctr_cli "$work" run -d --mount "type=bind,src=$payload_dir,dst=/payload,options=rbind:ro" \
    "$image" "$prefix-ctr" sleep 600 >/dev/null
wait_for_agent_log "($prefix-ctr, containerd)"
: >"$AGENT_EVENTS"
[[ "$(exit_code ctr_cli "$work" tasks exec --exec-id ok1 "$prefix-ctr" /bin/ls /)" == 0 ]] || fail "ctr: image binary"
[[ "$(exit_code ctr_cli "$work" tasks exec --exec-id ok2 "$prefix-ctr" /bin/sh -c 'chmod 0700 /opt/app/hello.sh && /opt/app/hello.sh')" == 0 ]] \
    || fail "ctr: a copy-up of an image script did not run at once"
no_events "ctr: legitimate work"
[[ "$(exit_code ctr_cli "$work" tasks exec --exec-id drop "$prefix-ctr" /bin/sh -c 'cp /payload/marker_payload /tmp/miner && /tmp/miner')" == 137 ]] \
    || fail "ctr: dropped binary was not killed"
digest="$(ctr_cli "$work" images ls "name==$image" | awk 'NR == 2 {print $3}')"
expect_event ".file.path == \"/tmp/miner\" and .verdict == \"blocked\" and .container.id == \"$prefix-ctr\"
    and .container.name == \"$prefix-ctr\" and .container.runtime == \"containerd\"
    and .container.image.name == \"$image\" and .container.image.digest == \"$digest\"" "ctr drift with its container"
echo "ok: containerd: drop killed, event names the container (ctr's ID), image, digest and runtime"
container_status "$prefix-ctr" | jq -e '.runtime == "containerd" and .mode == "enforce"' >/dev/null \
    || fail "ctr: status does not list the container"
grep -qE '^added .* /tmp/miner$' <<<"$("$DRIFTGUARD" diff "$prefix-ctr")" || fail "ctr: diff misses the drop"
echo "ok: containerd: status and diff name the container"

stop_agent
echo "PASS: Docker and containerd containers judged with their metadata"
