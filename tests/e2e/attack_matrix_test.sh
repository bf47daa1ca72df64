#!/usr/bin/env bash
# The attack matrix against a real podman container (Debian image + an image-side helper
# layer): every attack is blocked under enforce (killed, marker absent, event present) and
# allowed-but-reported under audit; every legitimate action runs untouched under enforce.
source "$(dirname "$0")/lib.sh"
require_root
payload_dir="${DRIFTGUARD_PAYLOAD_DIR:?}"
base="$(test_image debian)"
work="$(mktemp -d)"
events="$work/events.jsonl"
log="$work/agent.log"
name="dg-matrix-$$"
AGENT_EVENTS="$events"
AGENT_LOG="$log"

image="$(attack_image "$base" "$payload_dir" "$work")"

cleanup() { stop_agent; podman rm -f -t 0 "$name" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
in_container() { # COMMAND: runs it with sh -c in the container, prints the exit code
    set +e; podman exec "$name" /bin/sh -c "$1" >/dev/null 2>&1; local code=$?; set -e; echo "$code"
}
marker() { in_container 'test -e /drift-marker'; }
event_count() { jq -s "[.[] | select($1)] | length" "$events" 2>/dev/null || echo 0; }
wait_event() { # JQ-FILTER
    for _ in $(seq 50); do [[ "$(event_count "$1")" -gt 0 ]] && return 0; sleep 0.1; done
    return 1
}

# A fresh container from the image, with the drops the attacks use (never run themselves).
new_container() {
    podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
    podman run -d --name "$name" "$image" sleep 3600 >/dev/null
    podman cp "$payload_dir/marker_payload" "$name:/opt/payload"
    podman cp "$payload_dir/marker_dynamic" "$name:/opt/payload-dynamic"
    podman cp "$payload_dir/libmarker_library.so" "$name:/opt/payload.so"
}

# name | setup (sh -c) | attack (sh -c) | hook [| no-marker: the attack step leaves no marker
# (an image library made executable, a mapping or an open), so exit 137 proves the kill]
attacks=(
  "dropped ELF in /tmp|cp /opt/payload /tmp/miner|/tmp/miner|exec"
  "cp of an image binary to a new path|cp /usr/bin/env /tmp/env2|/tmp/env2 touch /drift-marker|exec"
  "overwritten image binary|cp /opt/payload /usr/bin/tac|/usr/bin/tac|exec"
  "appended image binary|cp -p /usr/bin/touch /usr/bin/touch.orig; echo >> /usr/bin/touch|/usr/bin/touch /drift-marker|exec"
  "mv over an image binary|cp /opt/payload /tmp/p; mv /tmp/p /usr/bin/tr|/usr/bin/tr|exec"
  "chmod +x of a non-executable image file|chmod +x /usr/lib/x86_64-linux-gnu/gconv/BRF.so|/usr/lib/x86_64-linux-gnu/gconv/BRF.so|exec|no-marker"
  "#! script written in the container|printf '#!/bin/sh\\ntouch /drift-marker\\n' > /tmp/s.sh; chmod +x /tmp/s.sh|/tmp/s.sh|script"
  "memfd_create + execveat|true|/usr/local/bin/drift_helper memfd /opt/payload|exec"
  "fexecve of a deleted file|cp /opt/payload /tmp/del|/usr/local/bin/drift_helper fexecve-deleted /tmp/del|exec"
  "ld.so of a dropped binary|true|/lib64/ld-linux-x86-64.so.2 /opt/payload-dynamic|mmap"
  "LD_PRELOAD of a dropped library|true|LD_PRELOAD=/opt/payload.so /usr/bin/true|mmap"
  "symlink from an image directory to a drop|ln -sf /opt/payload /usr/bin/innocent|/usr/bin/innocent|exec"
  "hardlink from an image directory to a drop|ln -f /opt/payload /usr/bin/innocent2|/usr/bin/innocent2|exec"
  "mprotect(PROT_EXEC) of a dropped file|true|/usr/local/bin/drift_helper mprotect /opt/payload|mprotect|no-marker"
  "write-open of /proc/self/mem|true|/usr/local/bin/drift_helper proc-mem|proc-mem|no-marker"
)

legitimate=(
  "image binary|/usr/bin/env true"
  "dynamic binary with many libraries|/usr/bin/apt-config dump"
  "image script|/usr/bin/ldd /usr/bin/true"
  "ld.so of an image binary|/lib64/ld-linux-x86-64.so.2 /usr/bin/true"
  "LD_PRELOAD of an image library|LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libz.so.1 /usr/bin/true"
  "sh -c chain|echo a | tr a b | grep -q b && ls / >/dev/null"
  "image helper without attack|/usr/local/bin/drift_helper mprotect /usr/bin/true"
  "python-less package tools|dpkg -l >/dev/null"
  "image binary after chmod (copy-up, same content)|chmod 0755 /usr/bin/sort && sleep 1 && /usr/bin/sort /dev/null"
  "image binary after touch (copy-up, same content)|touch /usr/bin/uniq && sleep 1 && /usr/bin/uniq /dev/null"
)

for mode in enforce audit; do
    new_container
    start_agent "$mode" "container "
    if [[ "$mode" == enforce ]]; then
        # Legitimate work first, in the untouched container.
        for entry in "${legitimate[@]}"; do
            IFS='|' read -r title command <<<"$entry"
            code="$(in_container "$command")"
            [[ "$code" == 0 ]] || fail "legitimate action blocked or failed: $title (exit $code)"
            echo "ok (enforce): runs untouched: $title"
        done
        sleep 0.5
        [[ "$(event_count 'true')" == 0 ]] || { cat "$events" >&2; fail "legitimate actions produced drift events"; }
    fi
    for entry in "${attacks[@]}"; do
        IFS='|' read -r title setup attack hook proof <<<"$entry"
        podman exec "$name" /bin/sh -c "rm -f /drift-marker; $setup" >/dev/null 2>&1 || fail "$title: setup failed"
        before="$(event_count ".hook == \"$hook\"")"
        code="$(in_container "$attack")"
        if [[ "$proof" == no-marker ]]; then
            [[ "$mode" == audit || "$code" == 137 ]] || fail "$title: not killed under enforce (exit $code)"
            wait_event ".hook == \"$hook\" and .verdict == \"$([[ $mode == enforce ]] && echo blocked || echo audited)\"" \
                || fail "$title: no $hook event"
        elif [[ "$mode" == enforce ]]; then
            [[ "$(marker)" == 1 ]] || fail "$title: the drifted code ran under enforce (exit $code)"
            wait_event ".hook == \"$hook\" and .verdict == \"blocked\"" && [[ "$(event_count ".hook == \"$hook\"")" -gt "$before" ]] \
                || fail "$title: no blocked $hook event"
        else
            [[ "$(marker)" == 0 ]] || fail "$title: did not run under audit (exit $code)"
            wait_event ".hook == \"$hook\" and .verdict == \"audited\"" || fail "$title: no audited $hook event"
        fi
        echo "ok ($mode): $title"
        # Undo what the attack changed so the next one starts from the image.
        podman exec "$name" /bin/sh -c 'rm -f /drift-marker; [ -e /usr/bin/touch.orig ] && mv /usr/bin/touch.orig /usr/bin/touch; true' >/dev/null 2>&1
    done
    # Each event names the file's SHA-256, computed from the file itself, and how it
    # differs from the image.
    payload_sha="$(sha256sum "$payload_dir/marker_payload" | cut -d' ' -f1)"
    wait_event ".kind == \"new-file\" and .file.path == \"/opt/payload\" and .file.sha256 == \"$payload_sha\"" \
        || fail "no event names the dropped file's sha256"
    wait_event '.file.path == "/tmp/env2" and .kind == "image-file-at-new-path" and .file.in_image == false' \
        || fail "a copy of an image binary is not reported as an image file at a new path"
    wait_event '.file.path == "/usr/bin/tac" and .kind == "modified-image-file" and .file.in_image and .file.image_sha256 != .file.sha256' \
        || fail "an overwritten image binary is not reported with both digests"
    "$E2E_DIR/validate_events.py" "$REPO_DIR/docs/schemas/driftguard-event.v2.schema.json" "$events" \
        || fail "events do not match docs/schemas/driftguard-event.v2.schema.json"
    stop_agent
done
echo "PASS: ${#attacks[@]} attacks blocked under enforce and reported under audit; ${#legitimate[@]} legitimate actions untouched"
