#!/bin/bash
# An RCU callback of the new code pending when the update is removed
# (issue 15, defect 4).  The kernel frees a module after synchronize_rcu(),
# which waits for readers, not for callbacks: a callback queued before the
# unload may run after the module's memory is gone.  To make "pending" a
# condition, not luck: the guest boots with rcu_nocbs=1, so CPU 1's
# callbacks run only in the rcuop/1 kthread; that kthread is pinned to
# CPU 1, and a SCHED_FIFO kthread of ksplice_target (hog) spins there
# (RT throttling off; ksoftirqd/1 raised above it), so rcuop/1 cannot run
# until the hog stops.  With
# the hog on, the new code queues a call_rcu() callback of its own on CPU 1
# and ksplice-remove runs.  The unload must wait for the callback
# (rcu_barrier) before the module is freed: the remover is seen waiting in
# rcu_barrier and the module still loaded; the hog stops, the callback
# runs, the remove finishes.  Before the fix the remove finished with the
# callback pending, and releasing rcuop/1 then ran it in freed memory (an
# oops, which vm-run counts as a failure).
. "$(dirname "$0")/../lib/lib.sh"
ktest_setup unload-rcu
cat > "$W/guest.sh" <<'GUEST'
. /root/fault-guest-lib
U=/sys/module/ksplice_testupdate/parameters
# This shell and everything it starts stay off CPU 1.
taskset -p 1 $$ > /dev/null || fail "taskset"
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
record_orig
rcuop=
for d in /proc/[0-9]*; do
	[ "$(cat $d/comm 2>/dev/null)" = rcuop/1 ] && rcuop=${d#/proc/}
done
[ -n "$rcuop" ] || fail "no rcuop/1 kthread (rcu_nocbs=1 not in effect)"
taskset -p 2 $rcuop > /dev/null || fail "pinning rcuop/1"
echo -1 > /proc/sys/kernel/sched_rt_runtime_us || fail "RT throttling"
ksplice-apply /root/ktest.tar.gz > /tmp/o 2>&1 || { cat /tmp/o; fail "apply"; }
[ "$(cat $P/value)" = 2 ] || fail "new code not running"
echo 1 > $P/hog || fail "hog"
wait_for $P/hogging 1
echo 1 > $U/rcu_queue || fail "rcu_queue"
echo "== remove with an RCU callback of the new code pending"
rm -f /tmp/rc
(ksplice-remove ktest > /tmp/o 2>&1; echo $? > /tmp/rc) & sub=$!
# Either the remover waits for the callback, or it is done (the bug).
i=0
until [ -e /tmp/rc ] ||
	grep -q rcu_barrier /proc/$(pidof ksplice-remove)/stack 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 600 ] || { echo -1 > $P/hog; fail "remover neither waits nor ends"; }
	sleep 0.05
done
early=
[ -e /tmp/rc ] && early="the remove finished while the new code's RCU callback was pending"
[ -z "$early" ] && ! lsmod | grep -q '^ksplice_testupdate ' &&
	early="the new code was unloaded while its RCU callback was pending"
# Say it before the callback runs: in freed memory that is an oops.
[ -z "$early" ] || echo "FAIL: $early"
echo -1 > $P/hog
wait_for $P/hogging 0
wait $sub
rc=$(cat /tmp/rc)
cat /tmp/o
# (the pause only lets the oops of the freed callback reach the console)
[ -z "$early" ] || { sleep 1; fail "$early"; }
[ $rc = 0 ] || fail "remove: exit $rc"
dmesg | grep -q "ktest: RCU callback ran" || fail "the callback never ran"
unchanged "after remove"
works "again"
echo ALL-OK
GUEST
ktest_guest --append rcu_nocbs=1
