#!/bin/bash
# Faults through the tools:
#  - the function is always busy (a kthread sleeps inside it): ksplice-apply
#    gives code_busy (12) after all its tries, names the task, and the
#    kernel is unchanged; with the sleeper gone a retry works;
#  - the target module is removed between match and apply: rmmod the
#    moment the update shows as prepared in sysfs (after run-pre matching),
#    and again the moment its new-code module is loaded: the apply is
#    refused (target_not_loaded, 15, or the new code refused), or it wins
#    and rmmod is refused; either way the kernel is consistent and a retry
#    with the target loaded again works.
. "$(dirname "$0")/../lib/lib.sh"
ktest_setup fault-busy
cat > "$W/guest.sh" <<'GUEST'
. /root/fault-guest-lib
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
record_orig
works "first run"
echo "== always busy"
echo 2 > /sys/module/ksplice/parameters/retries
echo 100 > /sys/module/ksplice/parameters/retry_delay_ms
echo 1 > $P/sleep
i=0; until [ "$(cat $P/in_sleepy)" = 1 ]; do i=$((i+1)); [ $i -lt 100 ] || fail "sleeper"; sleep 0.05; done
ksplice-apply --raw-errors /root/ktest.tar.gz > /tmp/o 2>&1; rc=$?
cat /tmp/o
[ $rc = 12 ] || fail "busy: exit $rc, expected 12"
[ "$(head -1 /tmp/o)" = code_busy ] || fail "busy: first line not code_busy"
grep -q "after 3 tries" /tmp/o || fail "busy: message does not say 3 tries"
grep -Eq "^[0-9]+ ksplice_sleeper ksplice_target_sleepy" /tmp/o || fail "busy: task not named"
unchanged "always busy"
echo 0 > $P/sleep
works "busy released"
echo "== target removed between match and apply"
for trig in "[ -e $K/ktest ]" "[ -e /sys/module/ksplice_testupdate ]"; do
	ksplice-apply --raw-errors /root/ktest.tar.gz > /tmp/o 2>&1 & pid=$!
	n=0; until eval "$trig"; do n=$((n+1)); kill -0 $pid 2>/dev/null || break; done
	rmmod ksplice_target 2>/dev/null; rm=$?
	wait $pid; rc=$?
	echo "trigger '$trig' after $n polls: rmmod exit $rm, apply exit $rc: $(head -2 /tmp/o | tr '\n' ' ')"
	if [ $rm = 0 ]; then
		[ $rc != 0 ] || fail "apply succeeded with its target gone"
		[ -e $K/ktest ] && fail "update left after a refused apply"
		lsmod | grep -q '^ksplice_testupdate ' && fail "new code left loaded"
		insmod /lib/ksplice/ksplice_target.ko || fail "insmod target again"
		record_orig
	else
		[ $rc = 0 ] || { cat /tmp/o; fail "neither rmmod nor apply succeeded"; }
		[ "$(cat $P/value)" = 2 ] || fail "applied but new code not running"
		ksplice-remove ktest > /dev/null || fail "remove"
	fi
	works "after the race ($trig)"
done
echo ALL-OK
GUEST
ktest_guest
