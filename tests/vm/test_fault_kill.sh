#!/bin/bash
# Fault: SIGKILL of ksplice-apply (and of ksplice-remove) at every step.
# One timed run first says how long an apply takes; then the tool is
# killed after 0%, 5%, ... 110% of that, and once at each step it makes
# visible in the kernel (the update prepared in sysfs, its new-code module
# loaded, the stage applied; for remove: reversed, module unloaded),
# caught by a busy poll that kills the moment the step shows.  After each kill: the kernel is consistent with the
# state sysfs shows (applied <-> new code runs; otherwise the original
# bytes), every state file and ksplice-view are readable, and a plain
# retry brings it to a clean applied state and then back.
. "$(dirname "$0")/../lib/lib.sh"
ktest_setup fault-kill
cat > "$W/guest.sh" <<'GUEST'
. /root/fault-guest-lib
ms() { awk '{printf "%d", $1 * 1000}' /proc/uptime; }
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
record_orig
works "first run"
t0=$(ms); ksplice-apply /root/ktest.tar.gz > /dev/null || fail "timed apply"; t1=$(ms)
t2=$(ms); ksplice-remove ktest > /dev/null || fail "timed remove"; t3=$(ms)
da=$((t1 - t0)) dr=$((t3 - t2))
echo "apply takes $da ms, remove $dr ms"
# retry: apply until applied (exit 0 or 17), then remove; all clean.
retry() { # WHAT
	ksplice-apply /root/ktest.tar.gz > /tmp/o 2>&1; rc=$?
	[ $rc = 0 ] || [ $rc = 17 ] || { cat /tmp/o; fail "$1: retry apply exit $rc"; }
	[ "$(cat $P/value)" = 2 ] || fail "$1: retry: new code not running"
	ksplice-remove ktest > /tmp/o 2>&1 || { cat /tmp/o; fail "$1: remove after retry"; }
	unchanged "$1: after retry"
}
states=
for pct in 0 5 10 15 20 25 30 35 40 45 50 55 60 65 70 75 80 85 90 95 100 110; do
	d=$((da * pct / 100))
	ksplice-apply /root/ktest.tar.gz > /dev/null 2>&1 & pid=$!
	sleep $(awk -v d=$d 'BEGIN{printf "%.3f", d / 1000}')
	kill -9 $pid 2>/dev/null; wait $pid; rc=$?
	st=none; [ -e $K/ktest ] && st=$(cat $K/ktest/stage)
	echo "apply killed at ${d} ms (exit $rc): stage $st"
	states="$states $st"
	consistent "apply killed at $d ms"
	retry "apply killed at $d ms"
done
for pct in 0 10 20 30 40 50 60 70 80 90 100 110; do
	ksplice-apply /root/ktest.tar.gz > /dev/null || fail "apply before kill of remove"
	d=$((dr * pct / 100))
	ksplice-remove ktest > /dev/null 2>&1 & pid=$!
	sleep $(awk -v d=$d 'BEGIN{printf "%.3f", d / 1000}')
	kill -9 $pid 2>/dev/null; wait $pid; rc=$?
	st=none; [ -e $K/ktest ] && st=$(cat $K/ktest/stage)
	echo "remove killed at ${d} ms (exit $rc): stage $st"
	states="$states $st"
	consistent "remove killed at $d ms"
	retry "remove killed at $d ms"
done
# Kill the moment a step shows in the kernel (shell builtins only: fast).
step_kill() { # WHAT TEST-COMMAND TOOL...
	what=$1 cond=$2; shift 2
	"$@" > /dev/null 2>&1 & pid=$!
	n=0
	until eval "$cond"; do
		n=$((n + 1))
		kill -0 $pid 2>/dev/null || break
	done
	kill -9 $pid 2>/dev/null; wait $pid; rc=$?
	st=none; [ -e $K/ktest ] && st=$(cat $K/ktest/stage)
	echo "$what: killed after $n polls (exit $rc): stage $st"
	states="$states $st"
	consistent "$what"
}
step_kill "apply, update prepared" "[ -e $K/ktest ]" ksplice-apply /root/ktest.tar.gz
retry "apply, update prepared"
step_kill "apply, new code loaded" "[ -e /sys/module/ksplice_testupdate ]" ksplice-apply /root/ktest.tar.gz
retry "apply, new code loaded"
step_kill "apply, stage applied" "{ read s < $K/ktest/stage; } 2>/dev/null && [ \"\$s\" = applied ]" ksplice-apply /root/ktest.tar.gz
retry "apply, stage applied"
ksplice-apply /root/ktest.tar.gz > /dev/null || fail "apply"
step_kill "remove, stage reversed" "{ read s < $K/ktest/stage; } 2>/dev/null && [ \"\$s\" = reversed ]" ksplice-remove ktest
retry "remove, stage reversed"
ksplice-apply /root/ktest.tar.gz > /dev/null || fail "apply"
step_kill "remove, new code unloaded" "[ ! -e /sys/module/ksplice_testupdate ]" ksplice-remove ktest
retry "remove, new code unloaded"
echo "states seen after kills:$(echo $states | tr ' ' '\n' | sort | uniq -c | tr -s ' \n' ' ')"
echo ALL-OK
GUEST
ktest_guest --timeout 500
