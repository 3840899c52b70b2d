#!/bin/bash
# Fault: writable aliases of kernel text (kmod/alias.c) must live only
# around the writes (issue 15, defect 9).  The core module's debug build
# counts the aliases mapped (parameter aliases_live) and can hold an apply
# between two tries (retry_hold):
#  - an apply whose first try is code_busy (a kthread sleeps in
#    ksplice_target_sleepy), held between its tries: no alias is mapped
#    there (the retry sleep); the second try applies;
#  - a pending part (ksplice_target not loaded) whose splice fails at each
#    of its allocation points in turn (fail_nth) as the target loads: the
#    load is refused and no alias is left behind; then it loads, spliced;
#  - aliases_live reads 0 after every apply, remove, retry and failure.
. "$(dirname "$0")/../lib/lib.sh"
ktest_setup fault-alias
ktest_debug_kmod
cat > "$W/guest.sh" <<'GUEST'
. /root/fault-guest-lib
D=/sys/module/ksplice/parameters
insmod /root/ksplice.ko || fail "insmod debug ksplice"
[ -e $D/aliases_live ] || fail "no aliases_live in the debug build"
no_alias() { # WHAT
	live=$(cat $D/aliases_live)
	[ "$live" = 0 ] || fail "$1: $live writable aliases of kernel text left mapped"
}
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
record_orig
works "first run"
no_alias "after apply/remove"
echo "== an apply held between a code_busy try and the next"
echo 1 > $D/retries
echo 1 > $D/retry_hold
echo 1 > $P/sleep
wait_for $P/in_sleepy 1
ksplice-apply --raw-errors /root/ktest.tar.gz > /tmp/o 2>&1 & pid=$!
wait_for $D/retry_waiting Y
between=$(cat $D/aliases_live)
echo "between the tries: $between aliases mapped"
echo 0 > $P/sleep
wait_for $P/in_sleepy 0
echo N > $D/retry_hold
wait $pid; rc=$?
cat /tmp/o
[ "$between" = 0 ] || fail "$between writable aliases of kernel text mapped while the apply waits between tries"
[ $rc = 0 ] || fail "apply exit $rc after the busy try"
[ "$(cat $K/ktest/tries)" = 2 ] || fail "tries $(cat $K/ktest/tries), expected 2"
[ "$(cat $P/value)" = 2 ] || fail "new code not running"
no_alias "after the retried apply"
ksplice-remove ktest > /tmp/o 2>&1 || { cat /tmp/o; fail "remove"; }
no_alias "after remove"
unchanged "after remove"
echo 5 > $D/retries
echo "== a pending splice failing at each allocation point"
rmmod ksplice_target || fail "rmmod target"
mkdir -p /tmp/mods/$(uname -r)
echo "extra/ksplice_target.ko:" > /tmp/mods/$(uname -r)/modules.dep
dmesg -c > /dev/null
KSPLICE_MODULES_DIR=/tmp/mods ksplice-apply --partial /root/ktest.tar.gz > /tmp/o 2>&1 ||
	{ cat /tmp/o; fail "apply --partial"; }
grep -q "will be spliced in when it is loaded" /tmp/o || fail "not pending: $(cat /tmp/o)"
no_alias "after the pending apply"
# busybox insmod tries init_module() again after a failed finit_module():
# the second load (the forced failure used up) may succeed; then the
# target is unloaded (its part waits again) for the next allocation.
n=1 failed=0
while [ $n -le 20 ]; do
	echo $n > $D/fail_nth
	insmod /lib/ksplice/ksplice_target.ko 2>/dev/null
	left=$(cat $D/fail_nth); echo 0 > $D/fail_nth
	[ "$left" != 0 ] && break
	echo "allocation $n of the pending splice fails: $(cat $K/ktest/abort_cause): $(cat $K/ktest/message)"
	dmesg | grep -q "refusing module ksplice_target: applied update ktest" ||
		fail "allocation $n failed, but the load was not refused"
	no_alias "pending splice failing at allocation $n"
	dmesg -c > /dev/null
	if grep -q '^ksplice_target ' /proc/modules; then
		[ "$(cat $P/value)" = 2 ] || fail "target loaded again without the part"
		rmmod ksplice_target || fail "rmmod after failure $n"
	fi
	failed=$((failed + 1)); n=$((n + 1))
done
grep -q '^ksplice_target ' /proc/modules || fail "target not loaded with fail_nth $n"
[ $failed -ge 3 ] || fail "only $failed allocation points of the pending splice were exercised"
[ "$(cat $P/value)" = 2 ] || fail "pending part not spliced after the failures"
no_alias "after the pending splice"
ksplice-remove ktest > /tmp/o 2>&1 || { cat /tmp/o; fail "remove pending"; }
[ "$(cat $P/value)" = 1 ] || fail "old code not back after remove"
no_alias "after removing the pending update"
echo ALL-OK
GUEST
ktest_guest --file "$W/dbg/ksplice.ko:/root/ksplice.ko"
