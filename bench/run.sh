#!/usr/bin/env bash
# Runs every benchmark of docs/BENCHMARKS.md.
#   run.sh [BUILD_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/scan_throughput.sh" "${1:-$here/../build}"
"$here/exec_latency.sh" "${1:-$here/../build}"
"$here/sensor_cost.sh" "${1:-$here/../build}"
"$here/syscall_tax.sh" "${1:-$here/../build}"
"$here/agent_footprint.sh" "${1:-$here/../build}"
"$here/event_throughput.sh" "${1:-$here/../build}"
"$here/agent_responsiveness.sh" "${1:-$here/../build}"
"$here/soak.sh" "${1:-$here/../build}"
