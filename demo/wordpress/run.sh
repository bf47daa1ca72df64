#!/usr/bin/env bash
# The attack from the field, end to end: WordPress with a vulnerable plugin on Kubernetes
# manifests (podman kube play), an attacker who drops and runs a crypto-miner, first
# without driftguard, then with driftguard enforcing (blocked, site keeps serving, the
# event tells how), then auditing.
#   run.sh BUILD_DIR OUT_DIR
# Exits non-zero if any step of the story does not happen as told. With DEMO_AGENT=pod the
# agent is the Kubernetes DaemonSet's pod (deploy/kubernetes: the agent image with the pod
# template's privileges and mounts, its policy ConfigMap) instead of the binary.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="${1:?usage: run.sh BUILD_DIR OUT_DIR}"
out="${2:?usage: run.sh BUILD_DIR OUT_DIR}"
driftguard="$build/driftguard"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$repo/tests/e2e/containers.conf}"
site="http://127.0.0.1:8080"
pod="wordpress-pod-0"
web="$pod-wordpress"
mkdir -p "$out"
rm -f "$out"/events-*.jsonl

# grep -q on a pipe would stop reading early and fail the writer under pipefail.
contains() { grep -q -- "$1" <<<"$2"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { echo "DEMO FAILED: $*" >&2; exit 1; }
agent_kind="${DEMO_AGENT:-binary}"
agent_pid=""
agent_container="dg-demo-agent"
demo_pin_dir="/sys/fs/bpf/driftguard-demo"
stop_agent() {
    if [[ -n "$agent_pid" ]]; then
        kill "$agent_pid" 2>/dev/null || true
        wait "$agent_pid" 2>/dev/null || true
        agent_pid=""
    fi
    if [[ "$agent_kind" == pod ]] && podman container exists "$agent_container"; then
        podman stop -t 10 "$agent_container" >/dev/null 2>&1 || true
        podman logs "$agent_container" >"$out/agent-pod.log" 2>&1 || true
        podman rm -f "$agent_container" >/dev/null 2>&1 || true
        "$driftguard" agent --uninstall --pin-dir "$demo_pin_dir" --state-dir "$out/state" >/dev/null 2>&1 || true
    fi
}
cleanup() {
    stop_agent
    podman rm -f -t 0 dg-demo-attacker >/dev/null 2>&1 || true
    podman kube down "$here/wordpress.yaml" >/dev/null 2>&1 || true
    podman pod rm -f mariadb-pod-0 wordpress-pod-0 >/dev/null 2>&1 || true
    podman secret rm wordpress-db >/dev/null 2>&1 || true
}
trap cleanup EXIT

say "Images from Debian packages (cached by their inputs), WordPress on Kubernetes manifests"
"$here/images/build.sh" mariadb
"$here/images/build.sh" wordpress
cleanup
# podman 4.3 reads a secretKeyRef from a podman secret holding the Secret's data as JSON
# ({"key": "base64"}): create it from secret.yaml, then play Deployments and Services.
password_b64="$(sed -n 's/^  password: *\([A-Za-z0-9+\/=]*\).*/\1/p' "$here/secret.yaml")"
printf '{"password":"%s"}' "$password_b64" | podman secret create wordpress-db - >/dev/null
podman kube play --replace "$here/wordpress.yaml" >/dev/null
for _ in $(seq 120); do
    curl -fs -o /dev/null "$site/wp-admin/install.php" && break
    sleep 1
done
curl -fs -o /dev/null "$site/wp-admin/install.php" || { podman logs "$web" | tail -20 >&2; fail "WordPress did not come up"; }
echo "WordPress and MariaDB running ($(podman ps --filter pod=$pod --format '{{.Names}}' | grep -v infra | tr '\n' ' ')+ mariadb)"

# Everyday WordPress: install, log in, publish a post, upload media, run wp-cron.
cookies="$out/cookies.txt"
normal_use() {
    rm -f "$cookies"
    curl -fs -o /dev/null "$site/wp-admin/install.php?step=2" --data-urlencode "weblog_title=driftguard demo" \
        -d "user_name=admin&admin_password=demo-admin-pw-7&admin_password2=demo-admin-pw-7&pw_weak=1&admin_email=admin@example.com&blog_public=0&language=" || true
    curl -fs -o /dev/null -c "$cookies" "$site/wp-login.php"
    curl -fs -o /dev/null -b "$cookies" -c "$cookies" "$site/wp-login.php" \
        -d "log=admin&pwd=demo-admin-pw-7&wp-submit=Log+In&testcookie=1"
    contains "Dashboard" "$(curl -fs -b "$cookies" "$site/wp-admin/")" || fail "admin login"
    local image
    image="$(base64 -w0 < "$repo/docs/ARCHITECTURE.md")"
    local answer
    answer="$(curl -fs "$site/xmlrpc.php" -H 'Content-Type: text/xml' --data-binary \
        "<?xml version=\"1.0\"?><methodCall><methodName>wp.newPost</methodName><params><param><value><int>1</int></value></param><param><value><string>admin</string></value></param><param><value><string>demo-admin-pw-7</string></value></param><param><value><struct><member><name>post_title</name><value><string>Hello from the demo $1</string></value></member><member><name>post_content</name><value><string>Published while driftguard watches.</string></value></member><member><name>post_status</name><value><string>publish</string></value></member></struct></value></param></params></methodCall>")"
    contains "<string>[0-9]*</string>" "$answer" || fail "publishing a post: $answer"
    answer="$(curl -fs "$site/xmlrpc.php" -H 'Content-Type: text/xml' --data-binary \
        "<?xml version=\"1.0\"?><methodCall><methodName>wp.uploadFile</methodName><params><param><value><int>1</int></value></param><param><value><string>admin</string></value></param><param><value><string>demo-admin-pw-7</string></value></param><param><value><struct><member><name>name</name><value><string>notes-$1.txt</string></value></member><member><name>type</name><value><string>text/plain</string></value></member><member><name>bits</name><value><base64>$image</base64></value></member></struct></value></param></params></methodCall>")"
    contains "<name>url</name>" "$answer" || fail "uploading media: $answer"
    curl -fs -o /dev/null "$site/wp-cron.php?doing_wp_cron"
    contains "Hello from the demo $1" "$(curl -fs "$site/")" || fail "the post is not on the front page"
}
normal_use 1
echo "installed, logged in as admin, published a post, uploaded media, ran wp-cron"

# The attacker's infrastructure, on loopback inside the WordPress pod's network namespace:
# a web server with the "miner", and a "mining pool".
mkdir -p "$out/attacker/www"
cp "$build/demo/miner" "$out/attacker/www/miner"
cp "$here/attacker/pool.php" "$out/attacker/pool.php"
podman run -d --name dg-demo-attacker --pod "$pod" -v "$out/attacker:/srv:ro" \
    "localhost/driftguard-demo/wordpress:demo" \
    /bin/sh -c 'php -S 127.0.0.1:8000 -t /srv/www >/dev/null 2>&1 & exec php /srv/pool.php' >/dev/null
sleep 1

miner_pids() { podman top "$web" pid args 2>/dev/null | awk '$2 ~ /xmrig/ {print $1}'; }
logins() { podman logs dg-demo-attacker 2>/dev/null | grep -c "a miner logged in" || true; }

say "1. Without driftguard: the attack works"
"$here/attacker/attack.sh" "$site"
sleep 3
[[ -n "$(miner_pids)" ]] || fail "the miner is not running without driftguard"
podman top "$web" pid pcpu args | awk 'NR == 1 || /xmrig/'
podman logs dg-demo-attacker | grep "a miner logged in" | tail -1
echo "the miner runs and burns a CPU; the pool sees it"
podman exec "$web" /bin/sh -c 'pkill -f xmrig; rm -f /tmp/xmrig /tmp/xmrig.log' || true

# The agent names a container once it has read its image's layers: a first read of a large
# image from a cold page cache takes seconds (the kernel enforces the defaults meanwhile).
onboard_seconds=120
start_agent() { # MODE
    if [[ "$agent_kind" == pod ]]; then
        start_agent_pod "$1"
        return
    fi
    "$driftguard" agent --mode "$1" --no-pin --metrics off --state-dir "$out/state" \
        --events-file "$out/events-$1.jsonl" 2>"$out/agent-$1.log" &
    agent_pid=$!
    for _ in $(seq $((onboard_seconds * 10))); do grep -q "container .*$web" "$out/agent-$1.log" && return; sleep 0.1; done
    "$driftguard" status --json --state-dir "$out/state" | jq -c '.workers // .' >&2 || true
    cat "$out/agent-$1.log" >&2
    fail "the agent did not name $web within ${onboard_seconds}s"
}
# The DaemonSet's pod on this node: the agent image, the pod template's privileges and
# mounts (tests/kubernetes/pod-template-to-podman.mjs), the ConfigMap's policy with its
# defaultMode set to MODE; its events file on the node is $out/node-MODE/events.jsonl.
start_agent_pod() { # MODE
    source "$repo/tests/kubernetes/kubernetes_lib.sh"
    "$repo/scripts/build-image.sh" >/dev/null || fail "the agent image did not build"
    local tools args
    tools="$(k8s_tools "$out")"
    mapfile -t args < <(render_manifests "$repo/deploy/kubernetes" \
        | node "$tools/pod-template-to-podman.mjs" driftguard agent "$agent_container" "$out/config-$1" \
            "/run/driftguard=$out/state" "/var/log/driftguard=$out/node-$1" "arg:/sys/fs/bpf/driftguard=$demo_pin_dir" \
        | jq -r '.[]')
    sed -i "s/^defaultMode: .*/defaultMode: $1/" "$out/config-$1/policy/policy.yaml"
    rm -f "$out/node-$1/events.jsonl"
    ln -sfn "node-$1/events.jsonl" "$out/events-$1.jsonl"
    podman run -d "${args[@]}" >/dev/null
    for _ in $(seq $((onboard_seconds * 5))); do
        contains "container .*$web" "$(podman logs "$agent_container" 2>&1)" && return
        sleep 0.2
    done
    podman logs "$agent_container" >&2
    fail "the agent's pod did not start"
}
explain() { # EVENTS-FILE
    jq -r 'select(.file.path == "/tmp/xmrig" and (has("repeat") | not)) |
      "  \(.verdict | ascii_upcase): \(.file.path) (\(.kind), sha256 \(.file.sha256 // "?" | .[0:16])…, not in image \(.container.image.name))\n" +
      "  container \(.container.name) in pod \(.container.pod.name // "-"), labels \(.container.pod.labels // .container.labels // {} | tostring)\n" +
      "  chain: \(.process.ancestry | reverse | map("\(.comm)[\(.pid)]") | join(" -> ")) -> \(.process.comm)[\(.process.pid)]\n" +
      "  written by \(.provenance.last_writer.comm) (\(.provenance.last_writer.argv | join(" "))) after connecting to \(.provenance.connections | map(select(.protocol == "tcp")) | map("\(.remote):\(.port)") | unique | join(", "))"' "$1" | head -4
}

say "2. With driftguard (enforce): blocked before it runs, the site keeps serving"
start_agent enforce
normal_use 2
logins_before="$(logins)"
"$here/attacker/attack.sh" "$site"
sleep 3
[[ -z "$(miner_pids)" ]] || fail "the miner runs under enforce"
[[ "$(logins)" == "$logins_before" ]] || fail "the pool saw a miner under enforce"
contains "Hello from the demo 2" "$(curl -fs "$site/")" || fail "the site stopped serving"
echo "no miner process, no pool login; the site still serves its posts"
jq -e -s 'any(.[]; .file.path == "/tmp/xmrig" and .verdict == "blocked")' "$out/events-enforce.jsonl" >/dev/null \
    || fail "no blocked event"
false_positives="$(jq -s '[.[] | select(.file.path != "/tmp/xmrig")] | length' "$out/events-enforce.jsonl")"
[[ "$false_positives" == 0 ]] || { cat "$out/events-enforce.jsonl" >&2; fail "$false_positives events from normal WordPress use"; }
echo "normal use (login, post, media upload, wp-cron) under enforce: 0 events"
explain "$out/events-enforce.jsonl"
stop_agent

say "3. With driftguard (audit): reported, allowed to run"
start_agent audit
podman exec "$web" /bin/sh -c 'rm -f /tmp/xmrig' || true
MINER_SECONDS=5 "$here/attacker/attack.sh" "$site" >/dev/null
sleep 2
jq -e -s 'any(.[]; .file.path == "/tmp/xmrig" and .verdict == "audited")' "$out/events-audit.jsonl" >/dev/null \
    || fail "no audited event"
explain "$out/events-audit.jsonl" | head -1
stop_agent
podman exec "$web" /bin/sh -c 'pkill -f xmrig' || true

say "Full events"
echo "  $out/events-enforce.jsonl   (driftguard.event/v2, docs/events.md)"
echo "  $out/events-audit.jsonl"
