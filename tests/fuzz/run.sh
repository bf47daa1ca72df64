#!/usr/bin/env bash
# Runs the archive fuzzer, then the policy fuzzer, each for SECONDS (default 600) from
# their seed corpora, and prints
# libFuzzer's final statistics. Findings land in build-fuzz/findings/.
#   run.sh BUILD_DIR [SECONDS]
set -euo pipefail
build="${1:?usage: run.sh BUILD_DIR [SECONDS]}"
seconds="${2:-600}"
corpus="$build/corpus"
findings="$build/findings"
mkdir -p "$corpus" "$findings"
"$build/tests/fuzz/make_seed_corpus" "$corpus"
"$build/tests/fuzz/fuzz_layer_archive" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=20 \
    -max_len=1048576 -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" 2>&1 | tee "$build/fuzz.log" | grep -E '^(#[0-9]+ +(INITED|DONE|pulse)|stat::|==[0-9]+==|SUMMARY)' || true
# Policy files: the YAML examples of docs/policy.md as seeds.
mkdir -p "$build/policy-corpus"
cp "$(dirname "$0")/policy-seeds/"*.yaml "$build/policy-corpus/"
"$build/tests/fuzz/fuzz_policy" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/" "$build/policy-corpus" 2>&1 | tee "$build/fuzz-policy.log" | grep -E '^(#[0-9]+ +(INITED|DONE)|stat::number_of_executed_units|==[0-9]+==|SUMMARY)' || true
if ls "$findings"/* >/dev/null 2>&1; then
    echo "findings:"; ls -la "$findings"
    exit 1
fi
