#!/usr/bin/env bash
# The README's demo, end to end (demo/wordpress/run.sh asserts every step of the story:
# the miner runs without driftguard, is blocked under enforce with zero events from normal
# WordPress use, is reported under audit); here its events are checked once more.
source "$(dirname "$0")/lib.sh"
require_root
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$REPO_DIR/demo/wordpress/run.sh" "$(dirname "$DRIFTGUARD")" "$work" > "$work/story.txt" 2>&1 \
    || { tail -n 40 "$work/story.txt" >&2; fail "the demo story did not complete"; }
event="$(jq -c 'select(.file.path == "/tmp/xmrig" and .verdict == "blocked" and (has("repeat") | not))' "$work/events-enforce.jsonl" | head -1)"
[[ -n "$event" ]] || fail "no blocked event for the miner"
jq -e '.kind == "new-file" and .file.sha256 != null and .container.pod.name == "wordpress-pod-0"
       and any(.process.ancestry[]; .comm == "apache2") and any(.process.ancestry[]; .comm == "sh")
       and .provenance.last_writer.comm == "curl"
       and any(.provenance.connections[]; .remote == "127.0.0.1" and .port == 8000)' <<<"$event" >/dev/null \
    || { jq . <<<"$event" >&2; fail "the event does not tell the chain web server -> shell -> curl(127.0.0.1:8000) -> /tmp/xmrig"; }
grep -E "BLOCKED|chain:|written by" "$work/story.txt"
echo "PASS: WordPress demo: miner blocked under enforce, chain explained, no false positives"
