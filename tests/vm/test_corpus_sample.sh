#!/bin/bash
# Issue 9: the real-fix corpus in make check.  A fixed-seed sample of 20
# of the .c files changed between Debian 6.1.187-1 and 6.1.190-1 that the
# stock config compiles, each made into an update by ksplice-create and
# applied, smoke-tested and removed in the stock 6.1.0-53-amd64 kernel by
# scripts/corpus/run.  Asserts against the committed per-file expectations
# (corpus/sample-20.expected): the sample is the same 20 files, every file
# recorded as applied still applies, and the applied count does not drop
# below the recorded baseline.  Files that now do better are reported (the
# expectations file should then be updated), not failed.
. "$(dirname "$0")/../lib/lib.sh"
ABI=6.1.0-53-amd64
EXP=$ROOT/corpus/sample-20.expected
for v in 6.1.187-1 6.1.190-1; do
	[ -d "$KSPLICE_CACHE/kernels/$v/src" ] || skip "source $v not provisioned (make provision)"
done
[ -f "$ROOT/build/kmod/$ABI/ksplice.ko" ] || fail "core module not built for $ABI (make kmod)"
[ -f "$EXP" ] || fail "$EXP missing"
W=$(mktemp -d "${TMPDIR:-/tmp}/corpus-sample.XXXXXX"); trap 'rm -rf "$W"' EXIT
"$ROOT/scripts/corpus/run" --sample 20 --seed 1 --results "$W/results.tsv" \
	--report "$W/REPORT.md" --summary "$W/summary.txt" > "$W/out" 2> "$W/err" ||
	{ tail -20 "$W/err"; fail "scripts/corpus/run failed"; }
cat "$W/summary.txt"
# results.tsv: PATH KIND TARGETS CLASS REASON FUNCS NEWCODE
# expected:    PATH CLASS (tab separated; '#' comments)
grep -v '^#' "$EXP" | cut -f1 | sort > "$W/exp.files"
cut -f1 "$W/results.tsv" | sort > "$W/got.files"
cmp -s "$W/exp.files" "$W/got.files" ||
	{ diff "$W/exp.files" "$W/got.files"; fail "the seed-1 sample is not the recorded one"; }
base=$(grep -v '^#' "$EXP" | awk -F'\t' '$2 == "applied"' | wc -l)
now=$(awk -F'\t' '$4 == "applied"' "$W/results.tsv" | wc -l)
lost=$(awk -F'\t' 'NR == FNR { got[$1] = $4; why[$1] = $5; next }
	/^#/ { next }
	$2 == "applied" && got[$1] != "applied" { printf "  %s: was applied, now %s: %s\n", $1, got[$1], why[$1] }' \
	"$W/results.tsv" "$EXP")
awk -F'\t' 'NR == FNR { got[$1] = $4; next } /^#/ { next }
	$2 != got[$1] && $2 != "applied" { printf "  note: %s: was %s, now %s\n", $1, $2, got[$1] }' \
	"$W/results.tsv" "$EXP"
echo "applied: $now of 20 (recorded baseline: $base)"
[ -z "$lost" ] || { echo "$lost"; fail "regression: files that applied no longer do"; }
[ "$now" -ge "$base" ] || fail "applied count $now below the baseline $base"
exit 0
