#!/bin/bash
# Fault: module loads stall while an apply waits between tries (issue 15,
# defect 11).  The module notifier runs for every module that loads; if
# the apply holds the lock the notifier takes across its retry sleeps
# (and hooks), every insmod/modprobe on the machine waits for the whole
# apply.  The debug build holds the apply between two tries
# (retry_hold, retry_waiting) while a kthread sleeps inside the replaced
# function (code_busy); an unrelated module (dummy) is loaded then:
#  - the insmod completes while the apply is still waiting;
#  - the apply then ends code_busy (12) and the kernel is unchanged;
#  - a plain apply/remove works afterwards.
. "$(dirname "$0")/../lib/lib.sh"
ktest_setup fault-load-apply
"$ROOT/tests/bench/build-debug-kmod" "$W/dbg" > "$W/dbg.log" 2>&1 ||
	{ cat "$W/dbg.log"; fail "building the debug core module"; }
cat > "$W/guest.sh" <<'GUEST'
. /root/fault-guest-lib
D=/sys/module/ksplice/parameters
insmod /root/ksplice.ko || fail "insmod debug ksplice"
[ -e $D/retry_hold ] || fail "no retry_hold in the debug build"
M=$(find /lib/modules/$(uname -r) -name dummy.ko)
[ -n "$M" ] || fail "no dummy.ko"
grep -q "^dummy " /proc/modules && fail "dummy already loaded"
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
record_orig
works "first run"
echo 1 > $D/retries
echo 1 > $P/sleep
wait_for $P/in_sleepy 1
echo 1 > $D/retry_hold
ksplice-apply --raw-errors /root/ktest.tar.gz > /tmp/o 2>&1 & pid=$!
wait_for $D/retry_waiting Y
insmod $M & ipid=$!
# A condition with a generous bound, not a delay: the insmod is done
# when dummy is Live.
i=0
until grep -q "^dummy .* Live" /proc/modules; do
	i=$((i + 1))
	[ $i -lt 600 ] || break
	sleep 0.05
done
loaded=$(grep -c "^dummy .* Live" /proc/modules)
waiting=$(cat $D/retry_waiting)
echo "insmod dummy during the apply's retry wait: loaded=$loaded apply_waiting=$waiting"
echo N > $D/retry_hold
wait $pid; rc=$?
wait $ipid || fail "insmod dummy failed"
cat /tmp/o
[ "$loaded" = 1 ] || fail "insmod of an unrelated module stalled while an apply waited between tries"
[ "$waiting" = Y ] || fail "the apply was not waiting between tries when dummy loaded"
[ $rc = 12 ] || fail "apply: exit $rc, expected 12 (code_busy)"
[ "$(head -1 /tmp/o)" = code_busy ] || fail "apply: first line not code_busy"
echo 0 > $P/sleep
wait_for $P/in_sleepy 0
rmmod dummy || fail "rmmod dummy"
unchanged "after the busy apply"
works "after the busy apply"
echo ALL-OK
GUEST
ktest_guest --file "$W/dbg/ksplice.ko:/root/ksplice.ko"
