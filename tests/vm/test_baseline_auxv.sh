# The built-in fix used by the live tests is observable from user space:
# prctl(PR_SET_MM_AUXV) leaves stale entries on stock 6.1.187-1 and not on
# stock 6.1.190-1 ("prctl: fix PR_SET_MM_AUXV losing the forced AT_NULL
# terminator", kernel/sys.c).
. "$(dirname "$0")/../lib/lib.sh"
probe=$ROOT/build/guest/auxv-probe
[ -x "$probe" ] || fail "$probe not built (make tests)"
out=$("$VM_RUN" --kernel 6.1.0-53-amd64 --file "$probe:/usr/bin/auxv-probe" -- auxv-probe) ||
	fail "guest run on 6.1.0-53-amd64 failed"
expect_contains "6.1.187-1" "auxv entries: 2+stale" "$out"
out=$("$VM_RUN" --kernel 6.1.0-54-amd64 --file "$probe:/usr/bin/auxv-probe" -- auxv-probe) ||
	fail "guest run on 6.1.0-54-amd64 failed"
expect_eq "6.1.190-1" "auxv entries: 2" "$out"
