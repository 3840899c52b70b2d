#!/bin/bash
# Fault: allocation failures.  The stock config has no fault injection
# (CONFIG_FAULT_INJECTION is not set), so the core module's debug build
# (KSPLICE_DEBUG=y, tests/bench/build-debug-kmod) has a switch, fail_nth,
# that makes its Nth allocation fail.  For N = 1, 2, ... every allocation
# point of ksplice-apply and then of ksplice-remove fails once in turn:
#  - a failed apply or remove exits 18 (out_of_memory)
#    and leaves the kernel exactly as before;
#  - a failed remove leaves the update applied and working;
#  - after each failure a plain apply/remove works.
. "$(dirname "$0")/../lib/lib.sh"
ktest_setup fault-alloc
ktest_debug_kmod
cat > "$W/guest.sh" <<'GUEST'
. /root/fault-guest-lib
F=/sys/module/ksplice/parameters/fail_nth
insmod /root/ksplice.ko || fail "insmod debug ksplice"
[ -e $F ] || fail "no fail_nth parameter in the debug build"
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
record_orig
n=1 apply_fail=0 remove_fail=0
while [ $n -le 40 ]; do
	echo $n > $F
	ksplice-apply --raw-errors /root/ktest.tar.gz > /tmp/o 2>&1; rc=$?
	if [ $rc != 0 ]; then
		left=$(cat $F); echo 0 > $F
		echo "apply, allocation $n fails: exit $rc: $(head -1 /tmp/o); $(sed -n 2p /tmp/o)"
		[ "$left" = 0 ] || fail "apply failed (exit $rc) without the forced failure: $(cat /tmp/o)"
		[ $rc = 18 ] || fail "apply $n: exit $rc, expected 18 (out_of_memory): $(cat /tmp/o)"
		unchanged "failed apply $n"
		works "after failed apply $n"
		apply_fail=$((apply_fail + 1))
		n=$((n + 1)); continue
	fi
	[ "$(cat $P/value)" = 2 ] || fail "apply with fail_nth $n: new code not running"
	ksplice-remove --raw-errors ktest > /tmp/o 2>&1; rc=$?
	left=$(cat $F); echo 0 > $F
	if [ $rc != 0 ]; then
		echo "remove, allocation $n fails: exit $rc: $(head -1 /tmp/o); $(sed -n 2p /tmp/o)"
		[ "$left" = 0 ] || fail "remove failed (exit $rc) without the forced failure: $(cat /tmp/o)"
		[ $rc = 18 ] || fail "remove $n: exit $rc, expected 18 (out_of_memory): $(cat /tmp/o)"
		[ "$(cat $K/ktest/stage)" = applied ] || fail "failed remove: stage $(cat $K/ktest/stage)"
		[ "$(cat $P/value)" = 2 ] || fail "failed remove: new code not running"
		ksplice-remove ktest > /tmp/o 2>&1 || { cat /tmp/o; fail "remove after a failed remove"; }
		unchanged "after failed remove"
		works "after failed remove"
		remove_fail=$((remove_fail + 1))
		n=$((n + 1)); continue
	fi
	unchanged "apply/remove with fail_nth $n never reached"
	[ "$left" != 0 ] || fail "fail_nth $n: counter used up but nothing failed"
	break
done
[ $apply_fail -ge 3 ] || fail "only $apply_fail apply allocation points were exercised"
[ $remove_fail -ge 1 ] || fail "no remove allocation point was exercised"
dmesg | grep -c "forced allocation failure" | sed 's/^/forced failures logged: /'
echo "apply: $apply_fail allocation points failed in turn, remove: $remove_fail; all clean"
echo ALL-OK
GUEST
ktest_guest --file "$W/dbg/ksplice.ko:/root/ksplice.ko"
