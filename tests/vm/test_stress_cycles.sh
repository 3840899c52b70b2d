#!/bin/bash
# Reliability under load: 50 apply/remove cycles (ksplice-apply and
# ksplice-remove, the whole path) of one update while both vCPUs call the
# patched function and a checking file-system workload runs; zero oops or
# warnings (vm-run), zero wrong results, the workload's data intact.
# KSPLICE_STRESS_CYCLES overrides the count (`make soak` runs 1000).
. "$(dirname "$0")/../lib/lib.sh"
CYCLES=${KSPLICE_STRESS_CYCLES:-50}
W=$(mktemp -d "${TMPDIR:-/tmp}/stress.XXXXXX"); trap 'rm -rf "$W"' EXIT
"$ROOT/tests/bench/ktest-package" "$W" > "$W/pkg.log" 2>&1; rc=$?
[ $rc = 77 ] && skip "$(tail -1 "$W/pkg.log")"
[ $rc = 0 ] || { cat "$W/pkg.log"; fail "building the ktest package"; }
# About 3 s a cycle under TCG (more on a loaded host), plus boot.  The
# workload keeps one file in 16 (about 0.3 MB per cycle): the scratch disk
# grows with the count (the first 1000-cycle soak filled a 256 MB one).
out=$("$VM_RUN" --smp 2 --disk $((256 + CYCLES))M --timeout $((300 + CYCLES * 6)) \
	--file "$ROOT/tests/guest/fs-workload:/usr/bin/fs-workload" \
	--file "$ROOT/tests/bench/stress-guest:/usr/bin/stress-guest" \
	--file "$W/ktest.tar.gz:/root/ktest.tar.gz" \
	-- "stress-guest $CYCLES /root/ktest.tar.gz")
rc=$?
echo "$out"
expect_eq "guest exit (125: oops/warning, 124: hang)" 0 "$rc"
expect_contains "guest result" ALL-OK "$out"
