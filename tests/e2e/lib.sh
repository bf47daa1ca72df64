# Shared helpers for the end-to-end tests (sourced).
set -euo pipefail
E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$E2E_DIR/../.." && pwd)"
DRIFTGUARD="${DRIFTGUARD:-$REPO_DIR/build/driftguard}"
export CONTAINERS_CONF="$E2E_DIR/containers.conf"

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
require_root() { [[ $EUID -eq 0 ]] || skip "needs root (podman storage, mounts)"; }

# The locally built podman image of KIND (busybox, debian).
test_image() { "$REPO_DIR/scripts/local-image.sh" "$1"; }

# The image attacks run in: Debian plus the helper for attacks a shell cannot express
# (tests/payload/drift_helper.c), built once per helper binary. Prints its name.
attack_image() { # BASE-IMAGE PAYLOAD-DIR WORK-DIR
    local base="$1" payloads="$2" work="$3"
    cp "$payloads/drift_helper" "$work/drift_helper"
    local helper_sum image
    helper_sum="$(sha256sum "$work/drift_helper" | cut -c1-16)"
    image="localhost/driftguard-test/debian-attack:${base##*:}-$helper_sum"
    if ! podman image exists "$image"; then
        printf 'FROM %s\nCOPY drift_helper /usr/local/bin/drift_helper\n' "$base" > "$work/Containerfile"
        podman build --quiet --network none -t "$image" "$work" >/dev/null
    fi
    echo "$image"
}

# Independent oracle: every regular file under ROOT that has an exec bit, starts with
# the ELF magic or with "#!", as "path sha256 mode" lines, sorted. Perl's Digest::SHA,
# not driftguard's code, computes the digests.
oracle_executables() {
    local root="$1"
    (cd "$root" && find . -xdev -type f -print0 | perl -0 -MDigest::SHA -ne '
        chomp; my $path = $_;
        open(my $fh, "<:raw", $path) or die "open $path: $!";
        read($fh, my $magic, 4); close($fh);
        my $mode = (lstat($path))[2] & 07777;
        next unless ($mode & 0111) || $magic eq "\x7fELF" || substr($magic, 0, 2) eq "#!";
        my $sha = Digest::SHA->new(256)->addfile($path, "b")->hexdigest;
        $path =~ s{^\.}{};
        printf "%s %s %04o\n", $path, $sha, $mode;' | LC_ALL=C sort)
}

# The same lines from a driftguard scan of REFERENCE.
scanned_executables() {
    "$DRIFTGUARD" scan --json "$@" | jq -r '.executables[] | "\(.path) \(.sha256) \(.mode)"' | LC_ALL=C sort
}

# Compares the scan of REFERENCE with the oracle of ROOT.
expect_same_as_oracle() {
    local root="$1"; shift
    local expected actual
    expected="$(mktemp)"; actual="$(mktemp)"
    oracle_executables "$root" > "$expected"
    scanned_executables "$@" > "$actual"
    if ! diff -u "$expected" "$actual" > "$actual.diff"; then
        head -n 40 "$actual.diff" >&2
        rm -f "$expected" "$actual" "$actual.diff"
        fail "scan of $* differs from the oracle (- oracle, + driftguard)"
    fi
    echo "ok: $* matches the oracle ($(wc -l < "$expected") executables)"
    rm -f "$expected" "$actual" "$actual.diff"
}

# Every agent a test starts pins its sensor in a bpffs directory and keeps its socket in a
# state directory of its own, so a test never touches a production agent's state, and
# stop_agent removes the pinned sensor: no test leaves enforcement behind.
TEST_PIN_DIR="/sys/fs/bpf/driftguard-test-$$"
TEST_STATE_DIR="/run/driftguard-test-$$"
dg_agent() { "$DRIFTGUARD" agent --pin-dir "$TEST_PIN_DIR" --state-dir "$TEST_STATE_DIR" "$@"; }
dg_ctl() { # SUBCOMMAND ARGS...: status/events against the test agent
    local command="$1"; shift
    "$DRIFTGUARD" "$command" --state-dir "$TEST_STATE_DIR" "$@"
}

container_status() { # NAME: this container's entry of the test agent's `status --json`
    dg_ctl status --json | jq -c --arg name "$1" '.containers[] | select(.name == $name)'
}
# Starts `driftguard agent --mode MODE [ARGS...]` in the background (events appended to
# $AGENT_EVENTS, log to $AGENT_LOG) and waits until its log shows PATTERN (default
# "agent running").
agent_pid=""
start_agent() {
    local mode="$1" pattern="${2:-agent running}"
    shift $(( $# < 2 ? $# : 2 ))
    [[ -n "${KEEP_EVENTS:-}" ]] || : > "$AGENT_EVENTS"
    "$DRIFTGUARD" agent --pin-dir "$TEST_PIN_DIR" --state-dir "$TEST_STATE_DIR" --metrics 127.0.0.1:0 \
        --mode "$mode" "$@" \
        >>"$AGENT_EVENTS" 2>"$AGENT_LOG" &
    agent_pid=$!
    wait_for_agent_log "$pattern"
}
# Waits up to 15 s for an event in $AGENT_EVENTS that meets the jq JQ-FILTER.
expect_event() { # JQ-FILTER DESCRIPTION
    for _ in $(seq 150); do
        jq -e -s "any(.[]; $1)" "$AGENT_EVENTS" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    cat "$AGENT_EVENTS" >&2
    fail "no event: $2"
}
# Fails, naming WHAT and showing each event with its time, process and container, when
# $AGENT_EVENTS holds any (after half a second for late ones).
no_events() { # WHAT
    sleep 0.5
    if [[ -s "$AGENT_EVENTS" ]]; then
        jq -c '{time, hook, kind, verdict, file: .file.path, comm: .process.comm, pid: .process.pid, container: .container.name, id: .container.id, upperdir: .container.upperdir}' "$AGENT_EVENTS" >&2
        fail "$1 produced drift events"
    fi
}
# Waits up to 60 s for the agent's log to show PATTERN (a container is named once its
# image's layers are read, which from a cold page cache takes seconds on a loaded node).
wait_for_agent_log() {
    for _ in $(seq 600); do
        grep -q -- "$1" "$AGENT_LOG" && return 0
        sleep 0.1
    done
    cat "$AGENT_LOG" >&2
    fail "agent never logged: $1"
}
# Stops the agent (SIGTERM, or the given signal) without removing its pinned sensor.
kill_agent() {
    if [[ -n "$agent_pid" ]]; then
        kill "-${1:-TERM}" "$agent_pid" 2>/dev/null || true
        wait "$agent_pid" 2>/dev/null || true
        agent_pid=""
    fi
}
# Stops the agent and removes its pinned sensor.
stop_agent() {
    kill_agent
    dg_agent --uninstall >/dev/null 2>&1 || rm -rf "$TEST_PIN_DIR"
    rm -rf "$TEST_STATE_DIR"
}
