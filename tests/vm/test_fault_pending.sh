#!/bin/bash
# Fault: resolve lines for a pending part (a module not loaded, spliced in
# when it loads: kmod/pending.c) that the normal path would refuse
# (issue 15, defect 6).  The pending path must run the same checks:
#  - a `pfunc` line for function 7 of a new code that has 2: refused when
#    the new code loads (invalid_update, the message a `func` line gets),
#    not a NULL dereference in the module notifier when the target loads;
#  - a new code whose relocation names symbol 1 of a 1-entry table, with a
#    `sym` line for index 1 (an address no check ever saw): refused
#    (invalid_update), not written into the new code;
#  - a `pfunc` line whose patch site covers the target's ftrace site: the
#    target's load is refused (patch_site_overlap), its code unchanged.
# After each refusal the kernel is unchanged and the plain pending path
# works: the target loads, runs the new code, and is removed cleanly.
# The resolve lines come from `ksplice-apply --partial --debug` on the
# ktest package with ksplice_target not loaded (KSPLICE_MODULES_DIR makes
# it "installed").
. "$(dirname "$0")/../lib/lib.sh"
ktest_setup fault-pending
cat > "$W/guest.sh" <<'GUEST'
. /root/fault-guest-lib
T=/lib/ksplice/ksplice_target.ko
NEW=/lib/ksplice/ksplice_testupdate.ko
BAD=/lib/ksplice/ksplice_testupdate_badsym.ko
[ -e $BAD ] || fail "no $BAD"
insmod /lib/ksplice/ksplice.ko || fail "insmod ksplice"
mkdir -p /tmp/mods/$(uname -r)
echo "extra/ksplice_target.ko:" > /tmp/mods/$(uname -r)/modules.dep
export KSPLICE_MODULES_DIR=/tmp/mods
# The plain pending path, and the lines it writes.
pending_works() { # WHAT
	ksplice-apply --partial --debug=/tmp/dbg /root/ktest.tar.gz > /tmp/o 2>&1 ||
		{ cat /tmp/o; fail "$1: apply --partial"; }
	grep -q "will be spliced in when it is loaded" /tmp/o || fail "$1: not pending: $(cat /tmp/o)"
	insmod $T || fail "$1: insmod target"
	[ "$(cat $P/value)" = 2 ] || fail "$1: new code not running in the loaded target"
	ksplice-remove ktest > /tmp/o 2>&1 || { cat /tmp/o; fail "$1: remove"; }
	[ "$(cat $P/value)" = 1 ] || fail "$1: old code not back"
	rmmod ksplice_target || fail "$1: rmmod target"
	[ -e $K/ktest ] && fail "$1: update left"
	return 0
}
pending_works "first run"
sed -n "/^== resolve lines for ksplice_target/,/^==/p" /tmp/dbg | grep -v "^==" > /tmp/lines
grep -q "^pending ksplice_target$" /tmp/lines || fail "no pending line: $(cat /tmp/dbg | tail)"
grep -q "^pfunc ksplice_target 0 " /tmp/lines || fail "no pfunc line for function 0"
cat /tmp/lines | cut -c1-60
# refused NEWCODE WHAT EXTRA-LINE: the lines and EXTRA-LINE are taken,
# NEWCODE's load is refused with invalid_update and a message matching
# WHAT; nothing changed.
refused() {
	echo prepare ktest > $K/control || fail "prepare"
	cat /tmp/lines > $K/ktest/resolve || fail "lines refused"
	echo "$3" > $K/ktest/resolve || fail "$2: line '$3' refused at write"
	insmod $1 2>/dev/null; rc=$?
	cause=$(cat $K/ktest/abort_cause); msg=$(cat $K/ktest/message)
	echo "$2: insmod $(basename $1) exit $rc, $cause: $msg"
	if [ $rc = 0 ]; then
		ptr=$(cat /sys/module/$(basename $1 .ko)/parameters/target_ptr)
		echo "new code accepted (target_ptr=$ptr); apply, and load the target"
		echo apply > $K/ktest/stage; echo "apply: $(cat $K/ktest/stage)"
		insmod $T; echo "insmod target: exit $?, value $(cat $P/value)"
		fail "$2: new code accepted (target_ptr=$ptr)"
	fi
	[ "$cause" = invalid_update ] || fail "$2: cause '$cause', expected invalid_update"
	case $msg in *"$2"*) ;; *) fail "message '$msg' does not say '$2'" ;; esac
	echo drop ktest > $K/control || fail "drop"
	grep -q '^ksplice_target ' /proc/modules && fail "target loaded"
	lsmod | grep -q '^ksplice_testupdate' && fail "new code left loaded"
	pending_works "after: $2"
}
echo "== a pfunc line for function 7 of 2"
refused $NEW "resolve line for function 7 of ksplice_target, but ksplice_testupdate has only 2" \
	"$(sed -n 's/^pfunc ksplice_target 0 /pfunc ksplice_target 7 /p' /tmp/lines)"
echo "== a relocation naming symbol 1 of 1, and a sym line for it"
refused $BAD "relocation 1 of ksplice_testupdate_badsym refers to symbol 1, which is not in its table" \
	"sym ksplice_target 1 0x1234"
echo "== a patch site over the ftrace site: the target's load is refused"
echo prepare ktest > $K/control || fail "prepare"
sed 's/^\(pfunc ksplice_target 0 [0-9]*\) [0-9]*$/\1 0/' /tmp/lines > $K/ktest/resolve ||
	fail "lines with patch offset 0 refused"
insmod $NEW || fail "insmod new code"
echo apply > $K/ktest/stage || fail "apply $(cat $K/ktest/message)"
insmod $T 2>/dev/null && fail "target loaded with a jump over its ftrace site: value $(cat $P/value), $(cat $P/value_info)"
cause=$(cat $K/ktest/abort_cause); msg=$(cat $K/ktest/message)
echo "target refused: $cause: $msg"
[ "$cause" = patch_site_overlap ] || fail "cause '$cause', expected patch_site_overlap"
case $msg in *"an ftrace site"*ksplice_target_value*) ;; *) fail "message: $msg" ;; esac
echo reverse > $K/ktest/stage || fail "reverse"
rmmod ksplice_testupdate && echo drop ktest > $K/control || fail "cleanup"
insmod $T || fail "target after the refusal"
[ "$(cat $P/value)" = 1 ] || fail "value after the refusal"
rmmod ksplice_target || fail "rmmod"
pending_works "after the ftrace refusal"
echo ALL-OK
GUEST
ktest_guest
