#!/usr/bin/env bash
# The long form of tests/e2e/agent_soak_test.sh: COUNT (1,000) containers churned PARALLEL
# (4) at a time under one agent, with the same end checks, then the trend of the agent's
# memory and CPU over the run (least-squares slope per 100 containers) from the samples
# taken every 5 batches.
#   soak.sh [BUILD_DIR]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$repo/build}"
samples="$(mktemp)"
trap 'cp "$samples" "${SOAK_SAMPLES_COPY:-/dev/null}" 2>/dev/null; rm -f "$samples"' EXIT
start=$(date +%s)
status=0
DRIFTGUARD="$build/driftguard" COUNT="${COUNT:-1000}" PARALLEL="${PARALLEL:-4}" SOAK_SAMPLES="$samples" \
    "$repo/tests/e2e/agent_soak_test.sh" || status=$?
echo "wall time: $(( $(date +%s) - start )) s"
# samples: containers rss_kib cpu_ticks fds modes allowed
awk -v hz="$(getconf CLK_TCK)" '
    { n++; x[n] = $1; rss[n] = $2; cpu[n] = $3 / hz; fds[n] = $4 }
    function slope_from(first, y,    i, m, sx, sy, sxx, sxy) {
        for (i = first; i <= n; i++) { m++; sx += x[i]; sy += y[i]; sxx += x[i] * x[i]; sxy += x[i] * y[i] }
        return (m * sxy - sx * sy) / (m * sxx - sx * sx)
    }
    function slope(y) { return slope_from(1, y) }
    END {
        printf "samples: %d, containers 0 -> %d\n", n, x[n]
        printf "RSS: %d KiB at the start, %d KiB at the end, slope %+.1f KiB per 100 containers (second half of the run: %+.1f)\n", rss[1], rss[n], 100 * slope(rss), 100 * slope_from(int(n / 2) + 1, rss)
        printf "CPU: %.1f s over the run, %.2f s per 100 containers (slope of cumulative CPU)\n", cpu[n] - cpu[1], 100 * slope(cpu)
        printf "fds: %d at the start, %d at the end\n", fds[1], fds[n]
    }' "$samples"
exit "$status"
