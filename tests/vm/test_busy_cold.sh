#!/bin/bash
# A task asleep under the cold piece of a replaced function is busy
# (issue 15, defect 2).  GCC moves the unlikely block of
# ksplice_target_sleepy() that calls a cold function into
# ksplice_target_sleepy.cold (section .text.unlikely), outside the
# function's own range; the sleeper kthread (sleep mode 3) waits there, so
# the only frame of the function on its stack is a return address in the
# cold piece.  ksplice-apply must give code_busy (12) naming the task and
# leave the kernel unchanged, with the window's stack check and with the
# prescan; once the sleeper leaves, the apply works.
. "$(dirname "$0")/../lib/lib.sh"
ktest_setup busy-cold
cat > "$W/guest.sh" <<'GUEST'
. /root/fault-guest-lib
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
grep -q ' ksplice_target_sleepy.cold	\[ksplice_target\]' /proc/kallsyms ||
	fail "no ksplice_target_sleepy.cold in kallsyms: the fixture has no cold piece"
record_orig
works "first run"
echo 2 > /sys/module/ksplice/parameters/retries
echo 100 > /sys/module/ksplice/parameters/retry_delay_ms
pid=
for c in /proc/[0-9]*/comm; do
	[ "$(cat $c 2>/dev/null)" = ksplice_sleeper ] && pid=${c#/proc/} && pid=${pid%/comm}
done
[ -n "$pid" ] || fail "no sleeper kthread"
for prescan in 0 1; do
	echo "== asleep in the cold piece, stack_prescan=$prescan"
	echo $prescan > /sys/module/ksplice/parameters/stack_prescan
	echo 3 > $P/sleep
	wait_for /proc/$pid/wchan ksplice_target_cold_wait
	cat /proc/$pid/stack
	grep -q 'ksplice_target_sleepy\.cold+' /proc/$pid/stack ||
		fail "the sleeper's stack has no frame in ksplice_target_sleepy.cold"
	grep -q 'ksplice_target_sleepy+' /proc/$pid/stack &&
		fail "the sleeper's stack has a frame in ksplice_target_sleepy itself"
	ksplice-apply --raw-errors /root/ktest.tar.gz > /tmp/o 2>&1
	expect_busy "cold sleeper (prescan $prescan)" /tmp/o $? \
		"ksplice_sleeper ksplice_target_sleepy"
	grep -Eq "^$pid ksplice_sleeper ksplice_target_sleepy" /tmp/o ||
		fail "cold sleeper: the task named is not the sleeper $pid"
	unchanged "cold sleeper (prescan $prescan)"
	echo 0 > $P/sleep
	wait_for $P/in_sleepy 0
	works "cold sleeper gone (prescan $prescan)"
done
echo ALL-OK
GUEST
ktest_guest --tcg-threads single
