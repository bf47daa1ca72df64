#!/usr/bin/env bash
# Runs inside the VM (run-in-vm.sh): `driftguard agent` with no --backend picks the best
# backend the kernel offers, says so, and stops a dropped binary in an overlay "container"
# with the verdict of that backend.
#   agent_in_vm.sh DRIFTGUARD EXPECTED_BACKEND
# EXPECTED_BACKEND: lsm (booted with "bpf" in the LSM list) or fmod_ret (booted without).
set -euo pipefail
driftguard="$1"
expected="$2"
work="$(mktemp -d)"
agent_pid=""
cleanup() {
    [[ -n "$agent_pid" ]] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
    umount -l "$work/merged" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- agent log"; cat "$work/agent.log"; exit 1; }

# A container as a runtime makes one: an overlay whose lower layer is the image.
mkdir -p "$work"/{lower/bin,lower/tmp,upper,overlay-work,merged,state}
cp /bin/busybox "$work/lower/bin/busybox"
ln -s busybox "$work/lower/bin/sh"
mount -t overlay overlay \
    -o "lowerdir=$work/lower,upperdir=$work/upper,workdir=$work/overlay-work" "$work/merged"

"$driftguard" agent --no-pin --state-dir "$work/state" --metrics off \
    > "$work/events.jsonl" 2> "$work/agent.log" &
agent_pid=$!
for _ in $(seq 1 100); do
    "$driftguard" status --json --state-dir "$work/state" > "$work/status.json" 2>/dev/null && break
    sleep 0.2
done
[[ -s "$work/status.json" ]] || fail "the agent did not answer status"
chosen="$(python3 -c 'import json, sys; print(json.load(sys.stdin)["backend"]["name"])' \
    < "$work/status.json")"
[[ "$chosen" == "$expected" ]] || fail "status names backend $chosen, not $expected"
grep -q "sensor attached: backend $expected" "$work/agent.log" || fail "no start-up line for $expected"

# No hook on every system call stays attached; the verdict hooks of the backend are.
programs="$(bpftool prog show)"
grep -qE "name dg_sys_(enter|exit)" <<<"$programs" && fail "a system-call tracepoint is attached"
prefix="lsm"; [[ "$expected" == fmod_ret ]] && prefix="fmod"
grep -q "name dg_${prefix}_exec" <<<"$programs" || fail "no dg_${prefix}_exec program is loaded"

# The image's program runs; a dropped one is refused with EPERM, and the shell goes on.
cp /bin/busybox "$work/merged/tmp/miner"
said="$(chroot "$work/merged" /bin/sh -c '/bin/busybox true && echo image-ran; /tmp/miner true; echo "status $?"' 2>&1)"
echo "$said"
grep -q "image-ran" <<<"$said" || fail "the image's program did not run"
grep -q "status 126" <<<"$said" || fail "the drop was not denied with EPERM"
grep -q "Operation not permitted" <<<"$said" || fail "the shell did not see EPERM"

for _ in $(seq 1 50); do
    grep -q '"verdict":"blocked"' "$work/events.jsonl" && break
    sleep 0.2
done
event="$(grep '"verdict":"blocked"' "$work/events.jsonl" | head -n1)"
[[ -n "$event" ]] || fail "no blocked event"
grep -q "\"backend\":\"$expected\"" <<<"$event" || fail "the event names another backend: $event"
grep -q '"/tmp/miner"' <<<"$event" || fail "the event does not name /tmp/miner: $event"
echo "PASS: agent chose $expected; the drop was denied with EPERM and reported"
