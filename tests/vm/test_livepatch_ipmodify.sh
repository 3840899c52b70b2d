#!/bin/bash
# A livepatch on the function an update replaces (issue 15, defect 7).
# Livepatch redirects a function at its ftrace site (+0) with an ftrace_ops
# that has FTRACE_OPS_FL_IPMODIFY: its handler sets regs->ip to the
# livepatch's function, so a ksplice jump at +5 (after the ftrace site) is
# never reached.  tests/kmod/ksplice_livepatch makes ksplice_target_value()
# return 7; update "ktest" makes it return 2.
#  - order A, livepatch enabled first: ksplice-apply is refused,
#    ftrace_ipmodify (exit 25), naming the function; the kernel unchanged
#    (the livepatch's 7, the same bytes, no update, no new-code module);
#  - order B, ksplice applied first with the core module's ftrace_hold=Y
#    (off by default, docs/design.md): ksplice holds the function's
#    ftrace site with its own IPMODIFY ftrace_ops, so ftrace refuses the
#    livepatch (insmod fails, -EBUSY) and the fix keeps running (2); after
#    ksplice-remove the same livepatch enables and runs (7).  Order A is
#    run again with ftrace_hold=Y.
#  - the check inside the stopped window: the core module's debug build
#    with ipmodify_window_only=1 takes no ftrace hold before the window,
#    so order A gets there; it must end ftrace_ipmodify too ("found in the
#    stopped window"), the kernel unchanged.
# A plain apply/remove works after each.
. "$(dirname "$0")/../lib/lib.sh"
ktest_setup livepatch-ipmodify
ktest_debug_kmod
cat > "$W/guest.sh" <<'GUEST'
. /root/fault-guest-lib
L=/sys/kernel/livepatch/ksplice_livepatch
[ -d /sys/kernel/livepatch ] || fail "no CONFIG_LIVEPATCH"
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
record_orig
works "first run"
lp_on() {
	insmod /lib/ksplice/ksplice_livepatch.ko || return 1
	wait_for $L/transition 0
}
lp_off() {
	echo 0 > $L/enabled || fail "livepatch disable"
	# The patch's sysfs directory goes once the transition is done.
	i=0
	while [ -e $L ]; do
		i=$((i + 1)); [ $i -lt 600 ] || fail "livepatch never disabled"
		sleep 0.05
	done
	rmmod ksplice_livepatch || fail "rmmod livepatch"
}

echo "== order A: the livepatch first, then ksplice-apply"
lp_on || fail "livepatch enable"
[ "$(cat $P/value)" = 7 ] || fail "livepatch not running: value $(cat $P/value)"
LPINFO=$(cat $P/value_info)
ksplice-apply --raw-errors /root/ktest.tar.gz > /tmp/o 2>&1; rc=$?
cat /tmp/o
echo "order A: ksplice-apply exit $rc, value $(cat $P/value)"
[ $rc = 25 ] || fail "order A: ksplice-apply exit $rc over the livepatch (value $(cat $P/value)), expected 25 (ftrace_ipmodify)"
[ "$(head -1 /tmp/o)" = ftrace_ipmodify ] || fail "order A: first line not ftrace_ipmodify"
grep -q "ksplice_target_value.*IPMODIFY" /tmp/o || fail "order A: message does not name the function and the IPMODIFY user"
[ "$(cat $P/value)" = 7 ] || fail "order A: value $(cat $P/value), expected the livepatch's 7"
[ "$(cat $P/value_info)" = "$LPINFO" ] || fail "order A: code changed: $(cat $P/value_info)"
[ -e $K/ktest ] && fail "order A: update ktest left in sysfs"
lsmod | grep -q '^ksplice_testupdate ' && fail "order A: new-code module left loaded"
lp_off
unchanged "order A, livepatch off"
works "after order A"

echo "== order B: ksplice-apply first (ftrace_hold=Y), then the livepatch"
echo Y > /sys/module/ksplice/parameters/ftrace_hold || fail "no ftrace_hold"
ksplice-apply /root/ktest.tar.gz > /tmp/o 2>&1 || { cat /tmp/o; fail "order B: apply"; }
[ "$(cat $P/value)" = 2 ] || fail "order B: new code not running"
if lp_on 2> /tmp/lp; then
	fail "order B: the livepatch was enabled over update ktest (value $(cat $P/value))"
fi
cat /tmp/lp
[ -e $L ] && fail "order B: livepatch left in sysfs"
lsmod | grep -q '^ksplice_livepatch ' && fail "order B: livepatch module left loaded"
dmesg | grep -q "failed to register ftrace handler for function 'ksplice_target_value'" ||
	fail "order B: the livepatch did not fail at ftrace"
[ "$(cat $P/value)" = 2 ] || fail "order B: value $(cat $P/value), the fix is not running"
[ "$(cat $K/ktest/stage)" = applied ] || fail "order B: stage $(cat $K/ktest/stage)"
ksplice-remove ktest > /tmp/o 2>&1 || { cat /tmp/o; fail "order B: remove"; }
unchanged "order B, removed"
lp_on || fail "order B: livepatch enable after ksplice-remove"
[ "$(cat $P/value)" = 7 ] || fail "order B: livepatch not running after remove: value $(cat $P/value)"
lp_off
unchanged "order B, livepatch off"
works "after order B"

echo "== order A with ftrace_hold=Y: refused all the same"
lp_on || fail "A/hold: livepatch enable"
ksplice-apply --raw-errors /root/ktest.tar.gz > /tmp/o 2>&1; rc=$?
cat /tmp/o
[ $rc = 25 ] || fail "A/hold: ksplice-apply exit $rc, expected 25 (ftrace_ipmodify)"
[ "$(cat $P/value)" = 7 ] || fail "A/hold: value $(cat $P/value)"
[ -e $K/ktest ] && fail "A/hold: update ktest left in sysfs"
lp_off
unchanged "A/hold, livepatch off"
echo N > /sys/module/ksplice/parameters/ftrace_hold

echo "== order A again, refused inside the stopped window (debug build)"
D=/sys/module/ksplice/parameters
rmmod ksplice || fail "rmmod ksplice"
insmod /root/ksplice.ko || fail "insmod debug ksplice"
[ -e $D/ipmodify_window_only ] || fail "no ipmodify_window_only in the debug build"
echo 1 > $D/ipmodify_window_only
lp_on || fail "window: livepatch enable"
LPINFO=$(cat $P/value_info)
ksplice-apply --raw-errors /root/ktest.tar.gz > /tmp/o 2>&1; rc=$?
cat /tmp/o
[ $rc = 25 ] || fail "window: ksplice-apply exit $rc over the livepatch (value $(cat $P/value)), expected 25 (ftrace_ipmodify)"
[ "$(head -1 /tmp/o)" = ftrace_ipmodify ] || fail "window: first line not ftrace_ipmodify"
grep -q "ksplice_target_value.*found in the stopped window" /tmp/o ||
	fail "window: not refused by the check inside the window"
[ "$(cat $P/value)" = 7 ] || fail "window: value $(cat $P/value), expected the livepatch's 7"
[ "$(cat $P/value_info)" = "$LPINFO" ] || fail "window: code changed: $(cat $P/value_info)"
[ -e $K/ktest ] && fail "window: update ktest left in sysfs"
lsmod | grep -q '^ksplice_testupdate ' && fail "window: new-code module left loaded"
lp_off
unchanged "window, livepatch off"
echo 0 > $D/ipmodify_window_only
works "after the window check"
echo ALL-OK
GUEST
ktest_guest --file "$W/dbg/ksplice.ko:/root/ksplice.ko"
