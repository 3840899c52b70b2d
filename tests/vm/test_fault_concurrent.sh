#!/bin/bash
# Fault: two ksplice-apply at once, and ksplice-apply racing ksplice-remove.
#  - the same update applied twice at the same moment, 5 rounds: exactly
#    one succeeds, the other says already applied (17) or is refused
#    cleanly; the update ends applied exactly once, and removes cleanly;
#  - apply racing a remove of the same update: whatever wins, the kernel
#    is consistent with the state and a retry works.
. "$(dirname "$0")/../lib/lib.sh"
ktest_setup fault-conc
cat > "$W/guest.sh" <<'GUEST'
. /root/fault-guest-lib
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
record_orig
works "first run"
for round in 1 2 3 4 5; do
	ksplice-apply /root/ktest.tar.gz > /tmp/a 2>&1 & a=$!
	ksplice-apply /root/ktest.tar.gz > /tmp/b 2>&1 & b=$!
	wait $a; ra=$?; wait $b; rb=$?
	echo "round $round: exits $ra and $rb"
	[ $ra = 0 ] || [ $rb = 0 ] || { cat /tmp/a /tmp/b; fail "round $round: neither apply succeeded"; }
	for r in $ra $rb; do
		case $r in 0|17) ;; *) cat /tmp/a /tmp/b; fail "round $round: exit $r" ;; esac
	done
	[ "$ra$rb" != 00 ] || fail "round $round: both said they applied it"
	[ "$(cat $K/ktest/stage)" = applied ] || fail "round $round: stage $(cat $K/ktest/stage)"
	[ "$(cat $P/value)" = 2 ] || fail "round $round: new code not running"
	[ "$(ksplice-view | grep -c '^ktest:')" = 1 ] || fail "round $round: ksplice-view lists it $(ksplice-view | grep -c '^ktest:') times"
	ksplice-remove ktest > /tmp/o 2>&1 || { cat /tmp/o; fail "round $round: remove"; }
	unchanged "round $round"
done
for round in 1 2 3; do
	ksplice-apply /root/ktest.tar.gz > /dev/null || fail "apply"
	ksplice-remove ktest > /tmp/a 2>&1 & a=$!
	ksplice-apply /root/ktest.tar.gz > /tmp/b 2>&1 & b=$!
	wait $a; ra=$?; wait $b; rb=$?
	echo "apply/remove race $round: remove exit $ra, apply exit $rb"
	consistent "apply/remove race $round"
	ksplice-apply /root/ktest.tar.gz > /tmp/o 2>&1; rc=$?
	[ $rc = 0 ] || [ $rc = 17 ] || { cat /tmp/o; fail "race $round: retry exit $rc"; }
	ksplice-remove ktest > /tmp/o 2>&1 || { cat /tmp/o; fail "race $round: remove"; }
	unchanged "race $round"
done
echo ALL-OK
GUEST
ktest_guest
