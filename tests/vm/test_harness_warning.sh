# A kernel warning in the guest fails the run even though the command
# itself exits 0, and the console log is kept.
. "$(dirname "$0")/../lib/lib.sh"
out=$("$VM_RUN" --kernel "$ABI" -- '
	insmod /lib/ksplice/ksplice_selftest.ko || exit 10
	echo 1 > /sys/module/ksplice_selftest/parameters/warn
	echo still-running' 2>"${TMPDIR:-/tmp}/warn.err.$$")
rc=$?
err=$(cat "${TMPDIR:-/tmp}/warn.err.$$"); rm -f "${TMPDIR:-/tmp}/warn.err.$$"
expect_eq "exit status after a WARN" 125 "$rc"
expect_contains "command output" still-running "$out"
expect_contains "diagnosis" "WARNING: CPU" "$err"
expect_contains "console log kept" "console log kept in" "$err"
log=$(sed -n 's/.*console log kept in //p' <<<"$err")
[ -s "$log" ] || fail "console log $log missing"
grep -q "warning requested from user space" "$log" || fail "console log lacks the warning"
rm -f "$log"
# The same module without the warning passes: the detector is not blind.
"$VM_RUN" --kernel "$ABI" -- 'insmod /lib/ksplice/ksplice_selftest.ko' || fail "clean run failed"
