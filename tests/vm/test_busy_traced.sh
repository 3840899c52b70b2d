#!/bin/bash
# code_busy under tracers that hide return addresses (issue 15, defect 1).
# A kretprobe (rethook) and the function_graph tracer replace a return
# address on the stack with their trampoline and keep the real one in the
# task (task->rethooks, task->ret_stack).  With either on before the
# sleeper kthread enters ksplice_target_sleepy(), the stack holds no word
# inside it, yet the task will return into it: apply must end code_busy
# naming the task, and the kernel stay unchanged.  The same for a task
# that is runnable when switched out (sleep mode 2: schedule() in a loop),
# whose kretprobe'd return addresses the unwinder refuses to recover (a
# WARN in rethook_find_ret_addr(), which vm-run counts as a failure), and
# on reverse, with the task asleep inside the new code.
. "$(dirname "$0")/../lib/lib.sh"
ktest_setup busy-traced
cat > "$W/guest.sh" <<'GUEST'
. /root/fault-guest-lib
T=/sys/kernel/tracing
U=/sys/module/ksplice_testupdate/parameters
mount -t tracefs nodev $T 2>/dev/null
[ -e $T/kprobe_events ] || fail "no tracefs"
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
record_orig
works "first run"
echo 2 > /sys/module/ksplice/parameters/retries
echo 100 > /sys/module/ksplice/parameters/retry_delay_ms
# Each tracer is switched on before the sleeper enters, so that its
# entry into schedule() (and, for function_graph, into every traced
# function it traces) is hooked.  r1024: enough rethook nodes for every task.
tracer() { # kretprobe|graph on|off
	case $1.$2 in
	kretprobe.on) echo 'r1024:kp_sched schedule' > $T/kprobe_events &&
		echo 1 > $T/events/kprobes/kp_sched/enable ;;
	kretprobe.off) echo 0 > $T/events/kprobes/kp_sched/enable &&
		echo > $T/kprobe_events ;;
	# Only two functions: patching every function of the kernel for
	# function_graph takes longer than the soft-lockup limit under TCG.
	graph.on) echo 'schedule ksplice_target_sleepy' > $T/set_ftrace_filter &&
		echo function_graph > $T/current_tracer ;;
	graph.off) echo nop > $T/current_tracer && echo > $T/set_ftrace_filter ;;
	esac || fail "tracer $1 $2"
}
for tr in kretprobe graph; do
	for mode in 1 2; do
		echo "== apply, $tr, sleeper mode $mode"
		tracer $tr on
		echo $mode > $P/sleep
		wait_for $P/in_sleepy 1
		ksplice-apply --raw-errors /root/ktest.tar.gz > /tmp/o 2>&1; rc=$?
		expect_busy "apply ($tr, mode $mode)" /tmp/o $rc "ksplice_sleeper ksplice_target_sleepy"
		echo 0 > $P/sleep
		wait_for $P/in_sleepy 0
		# (function_graph's call at +0 is in the bytes until it is off)
		tracer $tr off
		unchanged "apply ($tr, mode $mode)"
		works "after $tr, mode $mode"
	done
	echo "== reverse, $tr: the sleeper waits inside the new code"
	ksplice-apply /root/ktest.tar.gz > /tmp/o 2>&1 || { cat /tmp/o; fail "apply"; }
	[ "$(cat $P/value)" = 2 ] || fail "new code not running"
	echo 1 > $U/hold
	tracer $tr on
	echo 1 > $P/sleep
	wait_for $U/waiting 1
	ksplice-remove --raw-errors ktest > /tmp/o 2>&1; rc=$?
	expect_busy "reverse ($tr)" /tmp/o $rc "ksplice_sleeper ksplice_testupdate"
	[ "$(cat $P/value)" = 2 ] || fail "reverse ($tr): refused, yet value is $(cat $P/value)"
	[ "$(cat $K/ktest/stage)" = applied ] || fail "reverse ($tr): stage $(cat $K/ktest/stage)"
	echo 0 > $U/hold
	wait_for $U/waiting 0
	echo 0 > $P/sleep
	wait_for $P/in_sleepy 0
	tracer $tr off
	ksplice-remove ktest > /tmp/o 2>&1 || { cat /tmp/o; fail "remove ($tr)"; }
	unchanged "removed ($tr)"
done
echo ALL-OK
GUEST
# Switching a kretprobe on schedule() on and off rewrites code the other
# vCPU is running; under multi-threaded TCG that crashes or hangs the stock
# kernel by itself (tests/bench/tcg-code-rewrite), so this guest runs its
# vCPUs on one host thread.
ktest_guest --tcg-threads single
