#!/bin/bash
# Fault: a new-code module whose hook points into its data, not its code
# (issue 15, defect 11).  The core module checked a hook's address only
# against the module's core, which holds its data too: the hook would be
# called as code at the next apply.  ksplice_testupdate_badhook is update
# "ktest" with a post_apply hook at its variable target_ptr: with the
# plain resolve lines written, its load must be refused (invalid_update,
# "outside the module's text"), the kernel unchanged, and a plain
# apply/remove works afterwards.  The resolve lines come from
# `ksplice-apply --debug` of the ktest package.
. "$(dirname "$0")/../lib/lib.sh"
ktest_setup fault-bad-hook
cat > "$W/guest.sh" <<'GUEST'
. /root/fault-guest-lib
BAD=/lib/ksplice/ksplice_testupdate_badhook.ko
[ -e $BAD ] || fail "no $BAD"
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
record_orig
ksplice-apply --debug=/tmp/dbg /root/ktest.tar.gz > /tmp/o 2>&1 || { cat /tmp/o; fail "apply --debug"; }
ksplice-remove ktest > /tmp/o 2>&1 || { cat /tmp/o; fail "remove"; }
unchanged "first run"
sed -n "/^== resolve lines for ksplice_target/,/^==/p" /tmp/dbg | grep -v "^==" > /tmp/lines
grep -q "^func ksplice_target 0 " /tmp/lines || fail "no func line for function 0: $(tail /tmp/dbg)"
echo prepare ktest > $K/control || fail "prepare"
cat /tmp/lines > $K/ktest/resolve || fail "resolve lines refused"
insmod $BAD 2>/dev/null; rc=$?
cause=$(cat $K/ktest/abort_cause); msg=$(cat $K/ktest/message)
echo "insmod ksplice_testupdate_badhook: exit $rc, $cause: $msg"
if [ $rc = 0 ]; then
	rmmod ksplice_testupdate_badhook
	echo drop ktest > $K/control
	fail "new code with a hook into its data accepted"
fi
[ "$cause" = invalid_update ] || fail "cause '$cause', expected invalid_update"
case $msg in *"outside the module's text"*) ;; *) fail "message: $msg" ;; esac
echo drop ktest > $K/control || fail "drop"
unchanged "after the refusal"
works "after the refusal"
echo ALL-OK
GUEST
ktest_guest
