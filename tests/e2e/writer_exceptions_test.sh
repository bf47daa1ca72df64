#!/usr/bin/env bash
# writtenBy exceptions (docs/policy.md) against the ways around them. The workload tier's
# image has Varnish and the GNU toolchain; the policy lets run what /usr/bin/ld alone wrote
# below /var/lib/varnish. Varnish itself needs it (without it, its compiled VCL is
# blocked); everything else that puts code there or runs it from elsewhere stays drift:
# another writer, a later append, a descriptor opened before the linker wrote, the linker's
# output run from outside the directory (a hard link) or written outside it.
source "$(dirname "$0")/lib.sh"
require_root
image="$("$(dirname "$0")/../workloads/build-image.sh")"
work="$(mktemp -d)"
name="dg-writers-$$"
AGENT_EVENTS="$work/events.jsonl"
AGENT_LOG="$work/agent.log"
cleanup() { stop_agent; podman rm -f -t 0 "$name" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

# Without the exception: Varnish's compiled VCL is drift, and the event says ld wrote it.
start_agent enforce
if podman run --rm "$image" /opt/workloads/run.sh varnish >"$work/out" 2>&1; then
    fail "varnish ran its compiled VCL under enforce with no exception"
fi
for _ in $(seq 50); do
    jq -e -s 'any(.[]; .verdict == "blocked" and .process.comm == "varnishd"
                      and .provenance.last_writer.comm == "ld")' "$AGENT_EVENTS" >/dev/null && break
    sleep 0.1
done
jq -e -s 'any(.[]; .verdict == "blocked" and .provenance.last_writer.comm == "ld")' \
    "$AGENT_EVENTS" >/dev/null || { cat "$AGENT_EVENTS" >&2; fail "no event naming ld as the writer"; }
echo "ok: without the exception, Varnish's compiled VCL is blocked (the event names ld as its writer)"
stop_agent

start_agent enforce "agent running" --policy "$(dirname "$0")/../workloads/policy.yaml"
podman run -d --name "$name" "$image" sleep 3600 >/dev/null
wait_for_agent_log "container "
run() { # EXPECTED-EXIT WHAT SHELL-COMMAND
    set +e; podman exec "$name" sh -c "$3" >"$work/out" 2>&1; local code=$?; set -e
    [[ "$code" == "$1" ]] || { cat "$work/out" >&2; fail "$2: exit $code, expected $1"; }
    echo "ok: $2 (exit $code)"
}
podman exec "$name" sh -c 'mkdir -p /var/lib/varnish/t && echo "int answer = 42;" > /tmp/a.c'
link() { echo "gcc -shared -fPIC -o $1 /tmp/a.c"; }
run 0 "a shared object only ld wrote, below the directory, loads" \
    "$(link /var/lib/varnish/t/ok.so) && LD_PRELOAD=/var/lib/varnish/t/ok.so /bin/true"
run 137 "a library cp put below the directory is drift" \
    "cp /usr/lib/x86_64-linux-gnu/libz.so.1 /var/lib/varnish/t/cp.so && LD_PRELOAD=/var/lib/varnish/t/cp.so /bin/true"
run 137 "ld's output outside the directory is drift" \
    "$(link /tmp/out.so) && LD_PRELOAD=/tmp/out.so /bin/true"
run 137 "ld's output with an append by the shell is drift" \
    "$(link /var/lib/varnish/t/app.so) && printf x >> /var/lib/varnish/t/app.so && LD_PRELOAD=/var/lib/varnish/t/app.so /bin/true"
run 137 "ld's output run through a hard link outside the directory is drift" \
    "$(link /var/lib/varnish/t/linked.so) && ln /var/lib/varnish/t/linked.so /tmp/linked.so && LD_PRELOAD=/tmp/linked.so /bin/true"
run 137 "a descriptor the shell opened before ld wrote makes it drift" \
    ": > /var/lib/varnish/t/held.so && exec 3<>/var/lib/varnish/t/held.so && $(link /var/lib/varnish/t/held.so) && exec 3>&- && LD_PRELOAD=/var/lib/varnish/t/held.so /bin/true"
# ld run through the loader: the process's executable is ld.so, not the program named.
podman exec "$name" sh -c 'echo "int f(void) { return 42; }" > /tmp/f.c && gcc -c -fPIC -o /tmp/f.o /tmp/f.c'
run 137 "ld started through ld.so (its executable is then ld.so) writes drift" \
    "/lib64/ld-linux-x86-64.so.2 /usr/bin/ld -shared -o /var/lib/varnish/t/via-ldso.so /tmp/f.o && LD_PRELOAD=/var/lib/varnish/t/via-ldso.so /bin/true"
run 0 "Varnish, the exception's purpose, runs" "/opt/workloads/run.sh varnish"
echo "PASS: writtenBy lets run what the named program alone wrote below the directory, nothing else"
