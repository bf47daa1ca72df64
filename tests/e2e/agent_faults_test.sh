#!/usr/bin/env bash
# The agent under faults (short form; STOP_SECONDS=60 gives the long SIGSTOP). For each fault:
# drift is still stopped while it lasts (the pinned sensor judges in the kernel), and what
# the agent loses is only reporting, counted and logged once:
#  - SIGSTOP while drift happens: the kernel keeps killing, the events arrive after SIGCONT;
#  - the events file on a full filesystem: blocked as before, the loss counted (status
#    events_lost) and logged once, writing resumes when there is space again;
#  - SIGKILL right after a policy change and during verification of copied-up files: the
#    next agent applies the new policy and verifies the copies;
#  - start-up refusals: another agent on the same pin dir or state dir, a state dir that
#    cannot be written, a pin dir outside bpffs: one line naming the fix, non-zero exit.
source "$(dirname "$0")/lib.sh"
require_root
payload_dir="${DRIFTGUARD_PAYLOAD_DIR:?}"
debian="$(test_image debian)"
work="$(mktemp -d)"
prefix="dg-faults-$$"
AGENT_EVENTS="$work/events.jsonl"
AGENT_LOG="$work/agent.log"
STOP_SECONDS="${STOP_SECONDS:-5}"
full_fs="$work/full"

cleanup() {
    [[ -n "${agent_pid:-}" ]] && kill -CONT "$agent_pid" 2>/dev/null || true
    stop_agent
    podman ps -a --format '{{.Names}}' | grep "^$prefix" | xargs -r podman rm -f -t 0 >/dev/null 2>&1 || true
    umount "$full_fs" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

attack() { # CONTAINER PATH: prints the exit code (137: killed before it ran)
    podman cp "$payload_dir/marker_payload" "$1:$2"
    set +e; podman exec "$1" "$2" >/dev/null 2>&1; local code=$?; set -e
    echo "$code"
}
blocked_in() { # FILE PATH: FILE holds a blocked event about PATH (waits up to 5 s)
    for _ in $(seq 50); do
        jq -e -s --arg p "$2" 'any(.[]; .file.path == $p and .verdict == "blocked")' "$1" \
            >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

podman run -d --name "$prefix-a" "$debian" sleep 3600 >/dev/null

# 1. SIGSTOP: the agent reads nothing; the kernel still kills, and the events wait in the
#    pinned ring buffer until the agent runs again.
start_agent enforce "container "
kill -STOP "$agent_pid"
for i in $(seq 3); do
    [[ "$(attack "$prefix-a" "/tmp/stopped-$i")" == 137 ]] || fail "drift ran while the agent was stopped"
done
sleep "$STOP_SECONDS"
jq -e -s 'any(.[]; .file.path == "/tmp/stopped-1")' "$AGENT_EVENTS" >/dev/null 2>&1 \
    && fail "an event was published while the agent was stopped"
kill -CONT "$agent_pid"
for i in $(seq 3); do
    blocked_in "$AGENT_EVENTS" "/tmp/stopped-$i" || fail "no event after SIGCONT for /tmp/stopped-$i"
done
echo "ok: SIGSTOP ${STOP_SECONDS}s: 3 drifts killed meanwhile, their 3 events delivered after SIGCONT"
stop_agent

# 2. The events file on a full filesystem.
mkdir -p "$full_fs"
mount -t tmpfs -o size=64k tmpfs "$full_fs"
dd if=/dev/zero of="$full_fs/filler" bs=4k count=64 status=none 2>/dev/null || true
: > "$AGENT_EVENTS"
"$DRIFTGUARD" agent --pin-dir "$TEST_PIN_DIR" --state-dir "$TEST_STATE_DIR" --metrics off \
    --mode enforce --events-file "$full_fs/events.jsonl" 2>"$AGENT_LOG" &
agent_pid=$!
wait_for_agent_log "container "
for i in 1 2 3; do
    [[ "$(attack "$prefix-a" "/tmp/full-$i")" == 137 ]] || fail "drift ran while the events disk was full"
done
for _ in $(seq 50); do
    [[ "$(dg_ctl status --json | jq '.counters.events_lost')" -ge 3 ]] && break
    sleep 0.1
done
lost="$(dg_ctl status --json | jq '.counters.events_lost')"
[[ "$lost" -ge 3 ]] || fail "status counts $lost lost events, not 3"
[[ "$(grep -c "cannot write $full_fs/events.jsonl" "$AGENT_LOG")" == 1 ]] \
    || { cat "$AGENT_LOG" >&2; fail "the full disk was not logged exactly once"; }
rm -f "$full_fs/filler"
[[ "$(attack "$prefix-a" /tmp/full-after)" == 137 ]] || fail "drift ran after the disk had space again"
blocked_in "$full_fs/events.jsonl" /tmp/full-after || fail "no event written once the disk had space"
grep -q "writing $full_fs/events.jsonl again; $lost events were lost meanwhile" "$AGENT_LOG" \
    || { cat "$AGENT_LOG" >&2; fail "recovery not logged with the loss"; }
jq -c . "$full_fs/events.jsonl" >/dev/null || fail "the events file is not clean JSON lines after the full disk"
echo "ok: full events disk: drift killed, $lost events lost (counted, logged once), writing resumed with clean lines"
stop_agent
umount "$full_fs"

# 3. SIGKILL right after a policy change: the next agent applies the file as it is now.
printf 'defaultMode: enforce\n' > "$work/policy.yaml"
start_agent enforce "container " --policy "$work/policy.yaml"
cat > "$work/policy.yaml.new" <<POLICY
defaultMode: enforce
rules:
  - name: a-audit
    match: {container: $prefix-a}
    mode: audit
POLICY
mv "$work/policy.yaml.new" "$work/policy.yaml"
kill_agent KILL
[[ "$(attack "$prefix-a" /tmp/during-reload)" =~ ^(0|137)$ ]] || fail "unexpected exit during the reload"
KEEP_EVENTS=1 start_agent enforce "adopted the pinned sensor" --policy "$work/policy.yaml"
for _ in $(seq 100); do
    [[ "$(container_status "$prefix-a" | jq -r .mode)" == audit ]] && break
    sleep 0.1
done
[[ "$(container_status "$prefix-a" | jq -r .mode)" == audit ]] || fail "the restarted agent did not apply the new policy"
[[ "$(attack "$prefix-a" /tmp/after-reload)" == 0 ]] || fail "the new policy (audit) is not in force after the restart"
echo "ok: SIGKILL during a policy reload: the restarted agent applies the new policy"
stop_agent

# 4. SIGKILL during verification of copied-up image files: until an agent verifies them,
#    they are drift (fails closed); the next agent verifies them and they run. (coreutils'
#    plain `touch` opens the file for writing, so the kernel cannot vouch for the copy.)
podman run -d --name "$prefix-b" "$debian" sleep 3600 >/dev/null
start_agent enforce "container "
# (Only /usr/bin/[a-c]*: the shell and touch itself must stay runnable while no agent runs.)
podman exec "$prefix-b" sh -c 'for f in /usr/bin/[a-c]*; do [ -f "$f" ] && touch "$f"; done' >/dev/null 2>&1 &
toucher=$!
sleep 0.3
kill_agent KILL
wait "$toucher" || true
podman exec "$prefix-b" touch /usr/bin/dpkg
set +e; podman exec "$prefix-b" /usr/bin/dpkg --version >/dev/null 2>&1; code=$?; set -e
[[ "$code" == 137 ]] || fail "a copy no agent verified ran (exit $code): verification must fail closed"
[[ "$(attack "$prefix-b" /tmp/during-verification)" == 137 ]] || fail "drift ran after the agent died mid-verification"
KEEP_EVENTS=1 start_agent enforce "adopted the pinned sensor"
for program in dpkg cat; do  # cat: among the last the loop touched
    for _ in $(seq 100); do
        podman exec "$prefix-b" "/usr/bin/$program" --version >/dev/null 2>&1 && break
        sleep 0.1
    done
    podman exec "$prefix-b" "/usr/bin/$program" --version >/dev/null 2>&1 \
        || fail "/usr/bin/$program, touched while the agent was down, was not verified by the next agent"
done
echo "ok: SIGKILL during verification: unverified copies and drift killed meanwhile; the next agent verifies the copies"

# 5. Start-up refusals, each one line naming the fix.
refused() { # PATTERN ARGS...: the agent exits non-zero with PATTERN on stderr
    local pattern="$1"; shift
    set +e; "$DRIFTGUARD" agent --metrics off "$@" 2>"$work/refusal.log" >/dev/null; local code=$?; set -e
    [[ "$code" != 0 ]] || fail "agent $* started"
    grep -q -- "$pattern" "$work/refusal.log" || { cat "$work/refusal.log" >&2; fail "agent $*: no '$pattern'"; }
    echo "ok: refused ($code): $(grep -- "$pattern" "$work/refusal.log" | sed 's/^.*\] //' | head -n 1)"
}
refused "another driftguard agent (pid $agent_pid) is running with state directory $TEST_STATE_DIR: stop it first" \
    --pin-dir "$TEST_PIN_DIR" --state-dir "$TEST_STATE_DIR"
refused "another driftguard agent (pid $agent_pid) holds the sensor pinned in $TEST_PIN_DIR: stop it first" \
    --pin-dir "$TEST_PIN_DIR" --state-dir "$work/second-state"
stop_agent
refused "must name a directory root can write" --pin-dir "$TEST_PIN_DIR" --state-dir /proc/driftguard-state
refused "is not a bpffs mount" --pin-dir "$work/not-bpffs/driftguard" --state-dir "$work/state-3"
[[ ! -e "$TEST_PIN_DIR" ]] || fail "a refused start left pinned state"
echo "PASS: SIGSTOP, a full events disk, SIGKILL in a reload and in verification, start-up refusals"
