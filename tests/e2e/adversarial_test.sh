#!/usr/bin/env bash
# The ways around the verdict, tried from a shell inside a real podman container (Debian
# image, default capabilities; seccomp unconfined, as a Kubernetes pod without a seccomp
# profile runs, so io_uring and user namespaces are open), as root and as an unprivileged
# user: under enforce each is killed before the dropped code runs (marker absent, event of
# the right hook and kind), under audit it runs and is reported. Legitimate uses of the
# same mechanisms run with zero events. docs/kernel-sensor.md lists what each closes.
source "$(dirname "$0")/lib.sh"
require_root
payload_dir="${DRIFTGUARD_PAYLOAD_DIR:?}"
work="$(mktemp -d)"
chmod 755 "$work"
events="$work/events.jsonl"
AGENT_EVENTS="$events"
AGENT_LOG="$work/agent.log"
name="dg-adversary-$$"
image="$(attack_image "$(test_image debian)" "$payload_dir" "$work")"

write_policy() { # DEFAULT-MODE
cat > "$work/policy.yaml" <<EOF
apiVersion: driftguard/v1
defaultMode: $1
rules:
  - name: no-jit
    match: {container: "$name-nojit"}
    mode: enforce
    denyAnonymousExec: true
EOF
}

cleanup() {
    stop_agent
    # One at a time: podman rm stops at a name that does not exist.
    for container in "$name" "$name-nojit"; do
        podman rm -f -t 0 "$container" >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

user_flag=()
as_user() { # root|nobody
    if [[ "$1" == nobody ]]; then user_flag=(--user 65534:65534); else user_flag=(); fi
}
in_container() { # COMMAND: runs it with sh -c as the current user, prints the exit code
    set +e
    podman exec "${user_flag[@]}" -e HOME=/tmp "$name" /bin/sh -c "$1" >/dev/null 2>&1
    local code=$?
    set -e
    echo "$code"
}
marker_present() { podman exec "$name" sh -c 'test -e /drift-marker || test -e /tmp/drift-marker || test -e /vol/drift-marker'; }
event_count() { jq -s "[.[] | select($1)] | length" "$events" 2>/dev/null || echo 0; }
wait_event() { # JQ-FILTER
    for _ in $(seq 50); do [[ "$(event_count "$1")" -gt 0 ]] && return 0; sleep 0.1; done
    return 1
}

new_container() { # NAME
    podman rm -f -t 0 "$1" >/dev/null 2>&1 || true
    rm -rf "$work/volume" && mkdir -p "$work/volume"
    podman run -d --name "$1" --security-opt seccomp=unconfined -v "$work/volume:/vol" \
        "$image" sleep 3600 >/dev/null
    # The drops (never run by the setup), readable and executable by everyone.
    podman cp "$payload_dir/marker_payload" "$1:/opt/payload"
    podman cp "$payload_dir/marker_loader" "$1:/opt/loader"
    podman exec "$1" chmod 755 /opt/payload /opt/loader
}

# title | users | setup (as root) | attack (as the user) | hook | kind
attacks=(
  "chroot into a volume and run a drop there|root|cp /opt/payload /vol/p|chroot /vol /p|exec|other-filesystem"
  "user+mount namespaces, a fresh tmpfs, chroot into it|root nobody|true|unshare -Urm sh -c 'mount -t tmpfs t /mnt && cp /opt/payload /mnt/p && chroot /mnt /p'|exec|other-filesystem"
  "user namespace and chroot into the upper layer's /tmp|root nobody|cp /opt/payload /tmp/p; chmod 755 /tmp/p|unshare -Ur chroot /tmp /p|exec|new-file"
  "user+mount namespaces, pivot_root into a fresh tmpfs|root nobody|true|unshare -Urm sh -c 'mount -t tmpfs t /mnt && cp /opt/payload /mnt/p && mkdir /mnt/old && cd /mnt && pivot_root . old && exec /p'|exec|other-filesystem"
  "#!/usr/bin/env sh script|root nobody|printf '#!/usr/bin/env sh\\ntouch /tmp/drift-marker\\n' > /tmp/e.sh; chmod 755 /tmp/e.sh|/tmp/e.sh|script|new-file"
  "#!/usr/bin/env -S sh -e script|root nobody|printf '#!/usr/bin/env -S sh -e\\ntouch /tmp/drift-marker\\n' > /tmp/s.sh; chmod 755 /tmp/s.sh|/tmp/s.sh|script|new-file"
  "script whose interpreter is a dropped script|root nobody|printf '#!/tmp/inner\\n' > /tmp/outer; printf '#!/bin/sh\\ntouch /tmp/drift-marker\\n' > /tmp/inner; chmod 755 /tmp/outer /tmp/inner|/tmp/outer|script|new-file"
  "script whose interpreter is a dropped binary|root nobody|cp /opt/payload /tmp/interp; printf '#!/tmp/interp\\n' > /tmp/i.sh; chmod 755 /tmp/interp /tmp/i.sh|/tmp/i.sh|exec|new-file"
  "mprotect over an anonymous page and a dropped file|root nobody|cp /opt/payload /tmp/blob; chmod 644 /tmp/blob|/usr/local/bin/drift_helper mprotect-range /tmp/blob|mprotect|new-file"
  "mmap2 of a dropped file through int 0x80|root nobody|cp /opt/payload /tmp/blob; chmod 644 /tmp/blob|/usr/local/bin/drift_helper int80-mmap /tmp/blob|mmap|new-file"
  "open of /proc/self/mem through int 0x80|root nobody|true|/usr/local/bin/drift_helper int80-proc-mem|proc-mem|proc-mem-write"
  "io_uring open of /proc/self/mem|root nobody|true|/usr/local/bin/drift_helper uring-proc-mem plain|io-uring|proc-mem-write"
  "io_uring open of /proc/self/mem into a fixed-file slot|root nobody|true|/usr/local/bin/drift_helper uring-proc-mem fixed|io-uring|unchecked-route"
  "io_uring open of /proc/self/mem, completion suppressed|root nobody|true|/usr/local/bin/drift_helper uring-proc-mem skip|io-uring|unchecked-route"
  "process_vm_writev into another process|root nobody|true|/usr/local/bin/drift_helper vm-writev|memory-write|proc-mem-write"
  "ptrace POKEDATA into a child|root nobody|true|/usr/local/bin/drift_helper ptrace-poke|memory-write|proc-mem-write"
  "verified copy-up rewritten through a shared mapping, then run|root|chmod 0755 /usr/bin/sort; sleep 1; /usr/bin/sort /dev/null|/usr/local/bin/drift_helper overwrite-mapped /usr/bin/sort /opt/payload && /usr/bin/sort|exec|modified-image-file"
)

# title | users | command
legitimate=(
  "chroot to / and run an image binary|root|chroot / /usr/bin/true"
  "user namespace, then chroot to / and an image binary|root nobody|unshare -Ur chroot / /usr/bin/true"
  "user+mount namespaces and a private /tmp, then image binaries|root nobody|unshare -Urm sh -c 'mount -t tmpfs t /mnt && ls /mnt && /usr/bin/env true'"
  "image script through env|root nobody|env /usr/bin/ldd /usr/bin/true"
  "image script with an argument that is a drop in /tmp|root nobody|cp /etc/hostname /tmp/data-\$(id -u); /usr/bin/ldd /tmp/data-\$(id -u) || true"
  "mprotect over an anonymous page and an image file|root nobody|/usr/local/bin/drift_helper mprotect-range /usr/bin/true"
  "mmap2 of an image file through int 0x80|root nobody|/usr/local/bin/drift_helper int80-mmap /usr/bin/true"
  "executable anonymous memory (allowed by default)|root nobody|/usr/local/bin/drift_helper anon-exec"
)

run_attack() { # MODE USER ENTRY
    local mode="$1" user="$2" title users setup attack hook kind code verdict
    IFS='|' read -r title users setup attack hook kind <<<"$3"
    [[ " $users " == *" $user "* ]] || return 0
    podman exec "$name" /bin/sh -c "rm -f /drift-marker /tmp/drift-marker /vol/drift-marker; $setup" >/dev/null 2>&1 || fail "$title: setup failed"
    : > "$events"
    as_user "$user"
    code="$(in_container "$attack")"
    as_user root
    verdict="$([[ $mode == enforce ]] && echo blocked || echo audited)"
    # The drop's exit status tells (the marker payload exits 0; a kill is 137); the marker
    # (written where the user may) tells that no instruction of it ran.
    if [[ "$mode" == enforce ]]; then
        [[ "$code" == 137 ]] || fail "$title ($user): not killed under enforce (exit $code)"
        ! marker_present || fail "$title ($user): the dropped code ran under enforce"
    else
        [[ "$code" == 0 ]] || fail "$title ($user): did not run under audit (exit $code)"
    fi
    wait_event ".hook == \"$hook\" and .kind == \"$kind\" and .verdict == \"$verdict\"" || {
        cat "$events" >&2
        fail "$title ($user): no $verdict event with hook $hook and kind $kind"
    }
    echo "ok ($mode, $user): $title"
    passed=$((passed + 1))
}

passed=0
for mode in enforce audit; do
    new_container "$name"
    write_policy "$mode"
    if [[ "$mode" == enforce ]]; then
        # A process that left the container's root before the agent (and its sensor) came:
        # `podman exec` makes it a child of conmon, so no parent of it is in the container's
        # root either; the agent finds it by its cgroup.
        cp /bin/busybox "$payload_dir/marker_payload" "$work/volume/"
        mkfifo "$work/volume/go"
        podman exec -d "$name" chroot /vol /busybox sh -c 'read x < /go; exec /marker_payload' >/dev/null
        sleep 0.5
    fi
    start_agent "$mode" "container " --policy "$work/policy.yaml"
    if [[ "$mode" == enforce ]]; then
        wait_for_agent_log "recorded as that container's"
        echo go > "$work/volume/go"
        wait_event '.hook == "exec" and .kind == "other-filesystem" and .verdict == "blocked" and .file.name == "marker_payload"' \
            || { cat "$events" >&2; fail "a process that left the root before the agent started ran a drop"; }
        [[ ! -e "$work/volume/drift-marker" ]] || fail "the escaped process's drop ran"
        echo "ok (enforce, root): a process that left the container's root before the agent started"
        : > "$events"
        for user in root nobody; do
            as_user "$user"
            for entry in "${legitimate[@]}"; do
                IFS='|' read -r title users command <<<"$entry"
                [[ " $users " == *" $user "* ]] || continue
                code="$(in_container "$command")"
                [[ "$code" == 0 ]] || fail "legitimate ($user): $title failed (exit $code)"
                echo "ok (enforce, $user): runs untouched: $title"
            done
        done
        as_user root
        sleep 0.5
        [[ "$(event_count 'true')" == 0 ]] || { cat "$events" >&2; fail "legitimate work produced drift events"; }
    fi
    for user in root nobody; do
        for entry in "${attacks[@]}"; do
            run_attack "$mode" "$user" "$entry"
        done
    done

    # The ELF interpreter the kernel maps at execve, replaced: every dynamic image binary
    # would start the drop. Last, as it leaves the container unusable.
    podman exec "$name" /bin/sh -c 'cp /opt/loader /tmp/ld && cp /tmp/ld /lib64/ld-linux-x86-64.so.2' >/dev/null 2>&1 \
        || fail "cannot replace the ELF interpreter"
    : > "$events"
    set +e; podman exec "$name" /usr/bin/true >/dev/null 2>&1; code=$?; set -e
    verdict="$([[ $mode == enforce ]] && echo blocked || echo audited)"
    if [[ "$mode" == enforce ]]; then
        [[ "$code" == 137 ]] || fail "replaced ELF interpreter: an image binary was not killed (exit $code)"
        ! podman cp "$name:/tmp/drift-marker" "$work/marker" 2>/dev/null || fail "replaced ELF interpreter: the drop ran"
    fi
    wait_event ".hook == \"exec-entry\" and .kind == \"modified-image-file\" and .verdict == \"$verdict\"" \
        || { cat "$events" >&2; fail "replaced ELF interpreter: no $verdict exec-entry event"; }
    echo "ok ($mode, root): replaced ELF interpreter"
    stop_agent
done

# A workload whose policy denies executable anonymous memory: a JIT-style W->X mapping is
# killed, ordinary programs run.
podman rm -f -t 0 "$name" >/dev/null 2>&1
new_container "$name-nojit"
write_policy audit  # the rule, not the default, puts this container under enforce
start_agent audit "($name-nojit, podman)" --policy "$work/policy.yaml"
: > "$events"
set +e
podman exec "$name-nojit" sh -c 'sort /etc/hostname >/dev/null && apt-config dump >/dev/null'; legit=$?
podman exec "$name-nojit" /usr/local/bin/drift_helper anon-exec; code=$?
set -e
[[ "$legit" == 0 ]] || fail "denyAnonymousExec: ordinary programs failed (exit $legit)"
[[ "$code" == 137 ]] || fail "denyAnonymousExec: executable anonymous memory was not killed (exit $code)"
wait_event '.hook == "mprotect" and .kind == "anonymous-exec" and .verdict == "blocked"' \
    || { cat "$events" >&2; fail "denyAnonymousExec: no anonymous-exec event"; }
[[ "$(event_count 'true')" == 1 ]] || { cat "$events" >&2; fail "denyAnonymousExec: unexpected events"; }
echo "ok: denyAnonymousExec kills executable anonymous memory, ordinary programs run"
"$E2E_DIR/validate_events.py" "$REPO_DIR/docs/schemas/driftguard-event.v2.schema.json" "$events" \
    || fail "events do not match the schema"
stop_agent

echo "PASS: $passed attack runs (enforce and audit, root and nobody), ${#legitimate[@]} legitimate uses with zero events, replaced ELF interpreter, denyAnonymousExec"
