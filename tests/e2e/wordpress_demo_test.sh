#!/usr/bin/env bash
# The README's demo, end to end (demo/wordpress/run.sh asserts every step of the story:
# the miner runs without driftguard, is blocked under enforce with zero events from normal
# WordPress use, is reported under audit); here its events are checked once more.
#   wordpress_demo_test.sh [binary|pod]: the agent as the binary, or as the Kubernetes
#   DaemonSet's pod (the agent image with the pod template's privileges).
source "$(dirname "$0")/lib.sh"
require_root
agent_kind="${1:-binary}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
DEMO_AGENT="$agent_kind" "$REPO_DIR/demo/wordpress/run.sh" "$(dirname "$DRIFTGUARD")" "$work" > "$work/story.txt" 2>&1 \
    || { tail -n 40 "$work/story.txt" >&2; fail "the demo story did not complete"; }
event="$(jq -c 'select(.file.path == "/tmp/xmrig" and .verdict == "blocked" and (has("repeat") | not))' "$work/events-enforce.jsonl" | head -1)"
[[ -n "$event" ]] || fail "no blocked event for the miner"
# podman keeps the pod's name in its database, read through its CLI: the agent image has
# no podman, so there the event names the container podman kube play made for the pod.
if [[ "$agent_kind" == pod ]]; then
    who='.container.name == "wordpress-pod-0-wordpress"'
else
    who='.container.pod.name == "wordpress-pod-0"'
fi
jq -e '.kind == "new-file" and .file.sha256 != null and '"$who"'
       and .container.image.name != ""
       and any(.process.ancestry[]; .comm == "apache2") and any(.process.ancestry[]; .comm == "sh")
       and .provenance.last_writer.comm == "curl"
       and any(.provenance.connections[]; .remote == "127.0.0.1" and .port == 8000)' <<<"$event" >/dev/null \
    || { jq . <<<"$event" >&2; fail "the event does not tell the chain web server -> shell -> curl(127.0.0.1:8000) -> /tmp/xmrig"; }
grep -E "BLOCKED|chain:|written by" "$work/story.txt"
echo "PASS: WordPress demo ($agent_kind agent): miner blocked under enforce, chain explained, no false positives"
