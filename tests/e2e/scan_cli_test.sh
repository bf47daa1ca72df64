#!/usr/bin/env bash
# The scan command's contract: output formats, exit codes, one-line errors.
source "$(dirname "$0")/lib.sh"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/root/bin"
cp /bin/busybox "$work/root/bin/busybox"
printf '#!/bin/sh\necho hi\n' > "$work/root/bin/hello"
chmod 0755 "$work/root/bin/hello"

table="$("$DRIFTGUARD" scan "rootfs:$work/root")"
grep -q '^/bin/busybox .*elf-executable' <<<"$table" || fail "table lacks busybox: $table"
tail -n1 <<<"$table" | grep -q '^2 executables (1 ELF, 1 scripts, 0 other) in 1 layer' || fail "summary: $(tail -n1 <<<"$table")"

json="$("$DRIFTGUARD" scan --json "rootfs:$work/root")"
[[ "$(jq -r .schema <<<"$json")" == driftguard.scan/v1 ]] || fail "json schema"
[[ "$(jq -r '.executables[] | select(.path=="/bin/busybox") | .sha256' <<<"$json")" == "$(sha256sum /bin/busybox | cut -c1-64)" ]] \
    || fail "busybox digest"

bom="$("$DRIFTGUARD" scan --format cyclonedx "rootfs:$work/root")"
jq -e '.bomFormat == "CycloneDX" and (.components | length) == 2 and
       (.components[] | select(.name == "/bin/hello") | .hashes[0].alg) == "SHA-256"' <<<"$bom" >/dev/null \
    || fail "cyclonedx shape"

"$DRIFTGUARD" scan -o "$work/report.json" --json "rootfs:$work/root"
jq -e '.summary.executables == 2' "$work/report.json" >/dev/null || fail "--output"

# A hostile archive: exit 1 and exactly one line on stderr naming the member.
printf 'not an image' > "$work/bogus.tar"
set +e
"$DRIFTGUARD" scan "$work/bogus.tar" >"$work/out" 2>"$work/err"; code=$?
set -e
[[ $code == 1 ]] || fail "bad image exit code $code"
[[ "$(wc -l < "$work/err")" == 1 ]] || fail "error is not one line: $(cat "$work/err")"
grep -q "bogus.tar" "$work/err" || fail "error does not name the file: $(cat "$work/err")"
[[ ! -s "$work/out" ]] || fail "a failed scan printed a report"

set +e
"$DRIFTGUARD" scan --format xml "rootfs:$work/root" >/dev/null 2>&1; code=$?
set -e
[[ $code == 2 ]] || fail "usage error exit code $code"
echo "PASS: scan CLI contract"
