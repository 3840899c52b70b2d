#!/bin/bash
# A syscall restart pending into the new code (issue 15, defect 4).  A read
# of /proc/ksplice_ktest_restart (code of the new-code module) waits until
# a signal comes, then sets the task's restart_block.fn to a function of
# the new-code module and returns -ERESTART_RESTARTBLOCK, as nanosleep
# does.  SIGSTOP stops the reader with that restart pending: nothing of the
# new code is on its stack, but SIGCONT will make it call restart_block.fn.
# Removing the update then must end code_busy naming the task, and leave
# the update applied (before the fix it was reversed and the new code
# unloaded; SIGCONT then jumped into freed memory).  After SIGCONT the
# restart runs in the new code and the read returns; then remove works.
. "$(dirname "$0")/../lib/lib.sh"
ktest_setup restart-block
# The same again with the stack prescan on: the stopped task does not run
# before the window, so it is checked there only if the prescan lists it.
# (Its live stack still holds stale words of the read into the new code,
# which list it too: this round passed even without the prescan's own
# restart_block check, so it shows the prescan path reports the task, not
# that that check is needed.)  The prescan's probe rewrites code in
# __schedule(), which QEMU 7.2's multi-threaded TCG does not survive
# (tests/bench/tcg-code-rewrite): this guest runs its vCPUs on one host
# thread.
cat > "$W/guest.sh" <<'GUEST'
. /root/fault-guest-lib
U=/sys/module/ksplice_testupdate/parameters
state() { sed 's/.*) //' /proc/$1/stat | cut -d' ' -f1; }
round() { # WHAT
	ksplice-apply /root/ktest.tar.gz > /tmp/o 2>&1 || { cat /tmp/o; fail "$1: apply"; }
	[ "$(cat $P/value)" = 2 ] || fail "$1: new code not running"
	echo 1 > /sys/module/ksplice/parameters/retries
	echo 100 > /sys/module/ksplice/parameters/retry_delay_ms
	cat /proc/ksplice_ktest_restart > /tmp/r & pid=$!
	wait_for $U/restart_waiting 1
	kill -STOP $pid
	# Stopped: it left the new code with the restart pending.
	i=0; until [ "$(state $pid)" = T ]; do
		i=$((i + 1)); [ $i -lt 600 ] || fail "$1: reader never stopped"; sleep 0.05
	done
	[ "$(cat $U/restart_waiting)" = 0 ] || fail "$1: reader still inside the read"
	echo "== $1: remove with a restart pending into the new code"
	ksplice-remove --raw-errors ktest > /tmp/o 2>&1; rc=$?
	cat /tmp/o
	[ $rc = 12 ] || fail "$1: remove with a restart pending: exit $rc, expected 12 (code_busy)"
	[ "$(head -1 /tmp/o)" = code_busy ] || fail "$1: first line not code_busy"
	grep -Eq "^$pid cat restart_block:ksplice_testupdate" /tmp/o || fail "$1: task not named"
	[ "$(cat $K/ktest/stage)" = applied ] || fail "$1: stage $(cat $K/ktest/stage), not applied"
	[ "$(cat $P/value)" = 2 ] || fail "$1: value $(cat $P/value) after a refused remove"
	lsmod | grep -q '^ksplice_testupdate ' || fail "$1: new code unloaded"
	echo "== $1: the restart runs the new code; then remove works"
	kill -CONT $pid
	wait $pid; rc=$?
	[ $rc = 0 ] || fail "$1: reader exit $rc"
	[ "$(cat $U/restarted)" = 1 ] || fail "$1: restarted $(cat $U/restarted), not 1"
	ksplice-remove ktest > /tmp/o 2>&1 || { cat /tmp/o; fail "$1: remove after the restart"; }
	unchanged "$1: after remove"
}
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
record_orig
round "stack check"
echo 1 > /sys/module/ksplice/parameters/stack_prescan
round "with the prescan"
dmesg | grep "update ktest reversed" | tail -1 | grep -q " [1-9][0-9]* clean since the prescan" ||
	fail "the prescan did not run: $(dmesg | grep "update ktest reversed" | tail -1)"
works "again"
echo ALL-OK
GUEST
ktest_guest --tcg-threads single
