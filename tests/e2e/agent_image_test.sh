#!/usr/bin/env bash
# The agent image (make image) run with exactly the privileges and mounts of the
# Kubernetes DaemonSet's pod template (deploy/kubernetes, translated to podman run by
# tests/kubernetes/pod-template-to-podman.mjs) protects a sibling pod played with podman
# kube play: a dropped binary is killed with an event (events file on the node and stdout),
# an image binary runs, status from the host and from inside the agent lists the sibling,
# the probes answer. Stopping and restarting the agent's container leaves no gap (pinned
# sensor); the uninstall manifest's container removes it and enforcement with it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../kubernetes/kubernetes_lib.sh"
require_root
payload_dir="${DRIFTGUARD_PAYLOAD_DIR:?}"
work="$(mktemp -d)"
prefix="dg-img-$$"
agent="$prefix-agent"
busybox="$(test_image busybox)"
cleanup() {
    podman rm -f -t 0 "$agent" >/dev/null 2>&1 || true
    podman kube down "$work/sibling.yaml" >/dev/null 2>&1 || true
    dg_agent --uninstall >/dev/null 2>&1 || rm -rf "$TEST_PIN_DIR"
    rm -rf "$TEST_STATE_DIR" "$work"
}
trap cleanup EXIT
exit_code() { set +e; "$@" >/dev/null 2>&1; echo $?; set -e; }

image="$("$REPO_DIR/scripts/build-image.sh")" || fail "make image failed"
echo "ok: $image built ($(podman image inspect -f '{{.Size}}' "$image" | awk '{printf "%.1f MB", $1/1e6}'))"
tools="$(k8s_tools "$work")"
render_manifests "$REPO_DIR/deploy/kubernetes" >"$work/rendered.yaml"
render_manifests "$REPO_DIR/deploy/kubernetes/uninstall" >"$work/uninstall.yaml"
mappings=("/run/driftguard=$TEST_STATE_DIR" "/var/log/driftguard=$work/events"
          "arg:/sys/fs/bpf/driftguard=$TEST_PIN_DIR")
mapfile -t run_args < <(node "$tools/pod-template-to-podman.mjs" driftguard agent "$agent" "$work/config" \
    "${mappings[@]}" <"$work/rendered.yaml" | jq -r '.[]')
[[ "${run_args[*]}" == *"--pid host"* && "${run_args[*]}" == *"--cap-drop all"* ]] \
    || fail "the translated pod template lost hostPID or the dropped capabilities: ${run_args[*]}"

start_agent_container() {
    podman run -d "${run_args[@]}" >/dev/null
    for _ in $(seq 150); do
        grep -q "agent running" <<<"$(podman logs "$agent" 2>&1)" && return 0
        sleep 0.2
    done
    podman logs "$agent" >&2
    fail "the agent container did not start"
}
probe() { # PATH: the HTTP status of the agent's probe, from inside its network namespace
    nsenter -t "$(podman inspect -f '{{.State.Pid}}' "$agent")" -n \
        curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:9464$1"
}

start_agent_container
echo "ok: the agent runs with the pod template's privileges: ${run_args[*]:0:18} ..."
for _ in $(seq 50); do [[ "$(probe /readyz)" == 200 ]] && break; sleep 0.2; done
[[ "$(probe /healthz)" == 200 && "$(probe /readyz)" == 200 ]] || fail "probes: healthz $(probe /healthz), readyz $(probe /readyz)"
echo "ok: /healthz and /readyz answer 200"

# A sibling pod, as the kubelet would start it on the node.
cat >"$work/sibling.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $prefix-shop
  labels: {app: shop}
spec:
  containers:
    - name: web
      image: $busybox
      command: [/bin/sleep, "600"]
YAML
podman kube play "$work/sibling.yaml" >/dev/null
sibling="$prefix-shop-web"
for _ in $(seq 50); do container_status "$sibling" | grep -q enforce && break; sleep 0.2; done
container_status "$sibling" | jq -e '.mode == "enforce" and .runtime == "podman"' >/dev/null \
    || { dg_ctl status >&2; fail "status (from the host) does not list the sibling under enforce"; }
grep -q "$sibling" <<<"$(podman exec "$agent" /usr/local/bin/driftguard status)" \
    || fail "status from inside the agent's container does not list the sibling"
echo "ok: status lists the sibling, from the host and from inside the agent"

podman cp "$payload_dir/marker_payload" "$sibling:/tmp/miner"
[[ "$(exit_code podman exec "$sibling" /tmp/miner)" == 137 ]] || fail "the dropped binary was not killed"
[[ "$(exit_code podman exec "$sibling" /bin/ls /)" == 0 ]] || fail "an image binary did not run"
for _ in $(seq 50); do grep -q '"/tmp/miner"' "$work/events/events.jsonl" 2>/dev/null && break; sleep 0.1; done
jq -e -s --arg name "$sibling" 'any(.[]; .file.path == "/tmp/miner" and .verdict == "blocked" and .container.name == $name)' \
    "$work/events/events.jsonl" >/dev/null || fail "no blocked event in the node's events file"
grep -q '"/tmp/miner"' <<<"$(podman logs "$agent" 2>/dev/null)" || fail "the event did not reach stdout (the log pipeline)"
echo "ok: the drop in the sibling is killed; the event is in the node's events file and on stdout"

# No gap: the agent's container stops, the pinned sensor keeps enforcing; a new one adopts it.
podman stop -t 10 "$agent" >/dev/null
podman cp "$payload_dir/marker_payload" "$sibling:/tmp/miner2"
[[ "$(exit_code podman exec "$sibling" /tmp/miner2)" == 137 ]] || fail "drift ran while the agent's container was stopped"
set +e; dg_ctl status --pin-dir "$TEST_PIN_DIR" >"$work/status.txt" 2>&1; code=$?; set -e
[[ $code == 4 ]] || fail "status with the agent stopped exited $code, not 4 (pinned, no agent)"
podman rm "$agent" >/dev/null
start_agent_container
grep -q "adopted the pinned sensor" <<<"$(podman logs "$agent" 2>&1)" \
    || { podman logs "$agent" >&2; fail "the restarted agent did not adopt the pinned sensor"; }
echo "ok: stopped agent container: drift still killed (pinned); restarted: sensor adopted"

# Uninstall: the agent goes first, then the uninstall manifest's container removes the sensor.
podman rm -f -t 10 "$agent" >/dev/null
mapfile -t uninstall_args < <(node "$tools/pod-template-to-podman.mjs" driftguard-uninstall uninstall "$prefix-uninstall" \
    "$work/config" "${mappings[@]}" <"$work/uninstall.yaml" | jq -r '.[]')
podman run --rm "${uninstall_args[@]}" >"$work/uninstall.log" 2>&1 || { cat "$work/uninstall.log" >&2; fail "uninstall failed"; }
[[ ! -e "$TEST_PIN_DIR" ]] || fail "the pinned sensor is still there after the uninstall"
podman cp "$payload_dir/marker_payload" "$sibling:/tmp/miner3"
[[ "$(exit_code podman exec "$sibling" /tmp/miner3)" == 0 ]] || fail "drift still killed after the uninstall"
echo "ok: the uninstall manifest's container removed the pinned sensor; nothing enforces any more"
echo "PASS: the agent image protects a sibling pod with the DaemonSet's privileges"
