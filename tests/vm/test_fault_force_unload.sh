#!/bin/bash
# Fault: `rmmod -f` while an update is applied (issue 15, defect 11).
# Debian's kernel has MODULE_FORCE_UNLOAD=y: a forced unload ignores the
# references an applied update holds, and the kernel frees the module
# whatever a notifier says.  Without care, a forced unload of the new-code
# module leaves the target's jump pointing into freed memory, and one of
# the target module leaves an update that says "applied" for code that is
# gone.  The kernel reverses the update first (docs/design.md, "A forced
# unload reverses first"):
#  - rmmod -f of the new-code module: the update is reversed, then the
#    module goes; the target runs its old code (no oops);
#  - rmmod -f of the target module: the update is reversed, then the
#    target goes;
#  - in both cases a plain apply/remove works afterwards.
. "$(dirname "$0")/../lib/lib.sh"
ktest_setup fault-force-unload
cat > "$W/guest.sh" <<'GUEST'
. /root/fault-guest-lib
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
record_orig
works "first run"
echo "== rmmod -f of the applied new-code module"
ksplice-apply /root/ktest.tar.gz > /tmp/o 2>&1 || { cat /tmp/o; fail "apply"; }
[ "$(cat $P/value)" = 2 ] || fail "new code not running"
rmmod -f ksplice_testupdate; rc=$?
echo "rmmod -f ksplice_testupdate: exit $rc"
# Runs the target function: through the jump, if it is still there.
value=$(cat $P/value)
stage=$(cat $K/ktest/stage 2>/dev/null)
echo "after rmmod -f of the new code: value=$value stage=$stage"
[ $rc = 0 ] || fail "rmmod -f of the new code failed"
[ "$value" = 1 ] || fail "target does not run its old code: value $value"
[ "$stage" = reversed ] || fail "stage '$stage' after the new code was forced out, expected reversed"
[ "$(cat $P/value_info)" = "$ORIG" ] || fail "target code not restored: $(cat $P/value_info)"
echo drop ktest > $K/control || fail "drop"
unchanged "after rmmod -f of the new code"
works "after rmmod -f of the new code"
echo "== rmmod -f of the patched target module"
ksplice-apply /root/ktest.tar.gz > /tmp/o 2>&1 || { cat /tmp/o; fail "apply 2"; }
[ "$(cat $P/value)" = 2 ] || fail "new code not running (2)"
rmmod -f ksplice_target; rc=$?
stage=$(cat $K/ktest/stage 2>/dev/null)
echo "rmmod -f ksplice_target: exit $rc, stage=$stage"
[ $rc = 0 ] || fail "rmmod -f of the target failed"
[ "$stage" = reversed ] || fail "stage '$stage' after the target was forced out, expected reversed"
rmmod ksplice_testupdate || fail "rmmod new code after the target went"
echo drop ktest > $K/control || fail "drop 2"
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target again"
record_orig
unchanged "after rmmod -f of the target"
works "after rmmod -f of the target"
echo ALL-OK
GUEST
ktest_guest
