#!/bin/bash
# Fault: an apply asked for while the new-code module is still COMING
# (issue 15, defect 5).  try_module_get() succeeds on a COMING module, but
# a load that fails after the COMING notification frees the module
# whatever its refcount: code spliced in then jumps into freed memory.
# The core module's debug build holds every new-code module's init
# (new_code_init_hold) so that the test asks for the apply exactly then,
# and then makes the init fail (new_code_init_fail):
#  - the apply asked for in that window is refused, module_busy;
#  - ksplice-apply then fails on the failed load, and the kernel is
#    exactly as before (no oops: vm-run fails on one);
#  - a plain apply/remove works afterwards.
. "$(dirname "$0")/../lib/lib.sh"
ktest_setup fault-coming
ktest_debug_kmod
cat > "$W/guest.sh" <<'GUEST'
. /root/fault-guest-lib
D=/sys/module/ksplice/parameters
insmod /root/ksplice.ko || fail "insmod debug ksplice"
[ -e $D/new_code_init_hold ] || fail "no new_code_init_hold in the debug build"
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
record_orig
works "first run"
echo 1 > $D/new_code_init_hold
ksplice-apply --raw-errors /root/ktest.tar.gz > /tmp/o 2>&1 & pid=$!
wait_for $D/new_code_init_waiting Y
grep -q '^ksplice_testupdate .* Loading' /proc/modules ||
	fail "new-code module not COMING: $(grep ksplice_testupdate /proc/modules)"
if echo apply > $K/ktest/stage 2>/dev/null; then applied=1; else applied=0; fi
cause=$(cat $K/ktest/abort_cause); msg=$(cat $K/ktest/message)
value=$(cat $P/value)
echo "apply while COMING: applied=$applied value=$value cause=$cause: $msg"
echo Y > $D/new_code_init_fail
echo N > $D/new_code_init_hold
wait $pid; rc=$?
echo "ksplice-apply: exit $rc"; cat /tmp/o
[ $applied = 0 ] || fail "applied while the new-code module was still loading"
[ "$value" = 1 ] || fail "new code ran while its module was still loading"
[ "$cause" = module_busy ] || fail "cause '$cause', expected module_busy"
case $msg in *"still loading"*) ;; *) fail "message does not say still loading: $msg" ;; esac
[ $rc != 0 ] || fail "ksplice-apply succeeded with a failed new-code load"
unchanged "after the failed load"
works "after the failed load"
echo ALL-OK
GUEST
ktest_guest --file "$W/dbg/ksplice.ko:/root/ksplice.ko"
