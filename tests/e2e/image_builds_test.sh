#!/usr/bin/env bash
# Image builds under an agent that enforces on workloads: a `podman build` whose RUN step
# installs a Debian package (dpkg runs the package's maintainer scripts, then the new
# binary runs) succeeds with zero events, because the build is recognised from buildah's
# own state on the host and builds are off unless a rule selects them. A rule with
# `match: {build: true}` does select them (the same kind of step is then blocked), and a
# workload named and labelled like a build is still a workload.
source "$(dirname "$0")/lib.sh"
require_root
debian="$(test_image debian)"
work="$(mktemp -d)"
prefix="dg-build-$$"
AGENT_EVENTS="$work/events.jsonl"
AGENT_LOG="$work/agent.log"
cleanup() {
    stop_agent
    podman rm -f -t 0 "$prefix-working-container" >/dev/null 2>&1 || true
    podman rmi -f "localhost/$prefix-a" "localhost/$prefix-b" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# Waits up to 5 s for a blocked event about PATH that also meets the jq CONDITION.
blocked_with() { # PATH CONDITION
    for _ in $(seq 50); do
        jq -e -s --arg path "$1" "any(.[]; .file.path == \$path and .verdict == \"blocked\" and ($2))" \
            "$AGENT_EVENTS" >/dev/null && return 0
        sleep 0.1
    done
    cat "$AGENT_EVENTS" >&2
    return 1
}

mkdir -p "$work/a" "$work/b" "$work/c"
cat > "$work/a/Containerfile" <<CONTAINERFILE
FROM $debian
RUN cp /bin/true /usr/local/bin/copied-true && /usr/local/bin/copied-true \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends less \
 && less --version | head -n 1 \
 && rm -rf /var/lib/apt/lists/*
CONTAINERFILE
cat > "$work/b/Containerfile" <<CONTAINERFILE
FROM $debian
RUN cp /bin/true /usr/local/bin/copied-true && /usr/local/bin/copied-true
CONTAINERFILE

# 1. The default policy (enforce everywhere): the build runs, nothing is reported.
start_agent enforce
podman build --pull=never --no-cache --network host -t "localhost/$prefix-a" "$work/a" \
    >"$work/build-a.log" 2>&1 || { tail -n 30 "$work/build-a.log" >&2; fail "podman build failed under enforce"; }
grep -q 'mode off from image build' "$AGENT_LOG" \
    || { cat "$AGENT_LOG" >&2; fail "the agent did not recognise the build step"; }
sleep 0.5
if [[ -s "$AGENT_EVENTS" ]]; then
    jq -c '{kind, verdict, file: .file.path, container: .container.name}' "$AGENT_EVENTS" >&2
    fail "the build produced drift events"
fi
echo "ok: podman build (apt-get install, maintainer scripts, new binaries) under enforce, zero events"

# 2. A workload named like buildah's working containers and labelled like a build is a
#    workload: its dropped binary is killed.
set +e
podman run --rm --name "$prefix-working-container" --label io.buildah.version=1.28.2 "$debian" \
    sh -c 'cp /bin/true /tmp/copied-true && /tmp/copied-true' >/dev/null 2>&1
code=$?
set -e
[[ "$code" == 137 ]] || fail "a workload dressed as a build ran a dropped binary (exit $code)"
blocked_with /tmp/copied-true '.container | has("build") | not' \
    || fail "no blocked event for the workload dressed as a build"
echo "ok: a workload named and labelled like a build is enforced like any workload"
stop_agent

# 3. A policy that selects builds: the same kind of step is blocked, whether it runs at
#    once (decided in the kernel: a host build program started the container) or after the
#    agent has looked at the container (its rule, and the builder, named in the event).
cat > "$work/policy.yaml" <<'POLICY'
defaultMode: audit
rules:
  - name: builds
    match: {build: true}
    mode: enforce
POLICY
cat > "$work/c/Containerfile" <<CONTAINERFILE
FROM $debian
RUN sleep 3 && cp /bin/true /usr/local/bin/later-true && /usr/local/bin/later-true
CONTAINERFILE
start_agent enforce "agent running" --policy "$work/policy.yaml"
if podman build --pull=never --no-cache -t "localhost/$prefix-b" "$work/b" >"$work/build-b.log" 2>&1; then
    fail "a build under a rule with build: true and mode enforce ran a new binary at once"
fi
if podman build --pull=never --no-cache -t "localhost/$prefix-b" "$work/c" >"$work/build-c.log" 2>&1; then
    fail "a build under a rule with build: true and mode enforce ran a new binary"
fi
# Decided by the kernel (started by a build program) or, when the agent was quicker, by the rule.
blocked_with /usr/local/bin/copied-true '(.policy.mode_from | startswith("image build (started by a build program")) or .policy.mode_from == "rule '"'builds'"' (line 3)"' \
    || fail "no blocked event for the build step's new binary run at once"
blocked_with /usr/local/bin/later-true '.container.build == "buildah" and .policy.mode_from == "rule '"'builds'"' (line 3)"' \
    || fail "no blocked event naming the build and its rule"
echo "ok: match: {build: true} selects builds: blocked at once (kernel) and later (agent, event says build: buildah)"
echo "PASS: image builds are recognised from buildah's state, off by default, selectable, not impersonable"
