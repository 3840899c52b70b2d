#!/bin/bash
# Issue 7: an update for a module that is not loaded is kept pending and
# spliced in when the module loads, before its code runs.
# tests/patches/pending-dummy.patch makes dummy_setup (drivers/net/dummy.c)
# give new dummy devices an MTU of 1234; dummy is not loaded in the guest.
# ksplice-apply --partial leaves that part pending; insmod dummy (whose
# init creates dummy0 through dummy_setup) runs the new code; unloading
# the module drops the part cleanly and loading it again splices it
# again; ksplice-remove takes it out of the loaded module too; a module
# loaded between prepare and apply makes the apply fail (not silently
# unpatched).
. "$(dirname "$0")/../lib/lib.sh"
SRC=${KSPLICE_SOURCE:-$KSPLICE_CACHE/kernels/6.1.192-1/src}
for f in "$ROOT/build/bin/ksplice-create" "$ROOT/build/kmod/$ABI/ksplice.ko" \
	"$SRC/drivers/net/dummy.c"; do
	[ -e "$f" ] || skip "missing $f"
done
W=$(mktemp -d "${TMPDIR:-/tmp}/pending.XXXXXX")
trap 'rm -rf "$W"' EXIT
"$ROOT/build/bin/ksplice-create" --patch="$ROOT/tests/patches/pending-dummy.patch" \
	--id=pend1 --kernel="$ABI" --output-dir="$W" -j 2 -q "$SRC" > "$W/out" 2>&1 ||
	{ cat "$W/out"; fail "ksplice-create"; }

GUEST='
fail() { echo "FAIL: $*"; exit 1; }
M=$(find /lib/modules/$(uname -r) -name dummy.ko)
[ -n "$M" ] || fail "no dummy.ko"
mtu() { cat /sys/class/net/$1/mtu; }
grep -q "^dummy " /proc/modules && fail "dummy already loaded"
ksplice-apply /root/u.tar.gz 2>/dev/null && fail "applied without --partial"
ksplice-apply --partial /root/u.tar.gz > /tmp/o || fail "apply --partial"
cat /tmp/o
grep -q "Module dummy is not loaded: its part of the update will be spliced in when it is loaded" /tmp/o ||
	fail "no note about the pending part"
[ "$(cat /sys/kernel/ksplice/pend1/stage)" = applied ] || fail "not applied"
echo "== the module loads: spliced before its init"
insmod $M || fail "insmod dummy"
dmesg | grep -q "update pend1: spliced into module dummy as it loads (1 functions)" ||
	fail "not spliced: $(dmesg | tail -5)"
[ "$(mtu dummy0)" = 1234 ] || fail "dummy0 mtu $(mtu dummy0)"
ip link add kd1 type dummy || fail "ip link add"
[ "$(mtu kd1)" = 1234 ] || fail "kd1 mtu $(mtu kd1)"
echo "== unloaded and loaded again"
rmmod dummy || fail "rmmod dummy"
dmesg | grep -q "module dummy going: its part of an update waits for it again" ||
	fail "part not dropped"
insmod $M || fail "insmod dummy again"
[ "$(mtu dummy0)" = 1234 ] || fail "dummy0 mtu after reload $(mtu dummy0)"
echo "== remove while the module is loaded"
ksplice-remove pend1 || fail "remove"
ip link add kd2 type dummy || fail "ip link add 2"
[ "$(mtu kd2)" = 1500 ] || fail "kd2 mtu after remove $(mtu kd2)"
rmmod dummy || fail "rmmod 3"
insmod $M || fail "insmod after remove"
[ "$(mtu dummy0)" = 1500 ] || fail "dummy0 mtu after remove $(mtu dummy0)"
rmmod dummy || fail "rmmod 4"
echo "== reverse with the part waiting, every stack word looked at"
# The waiting function has no address yet (0): a stack word below its
# size (a 0, a small count) is not inside it (issue 15, defect 11).
S=/sys/module/ksplice/parameters
retries=$(cat $S/retries)
ksplice-apply --partial /root/u.tar.gz > /dev/null || fail "apply 3"
echo 0 > $S/stack_filter; echo 1 > $S/stack_scan_all; echo 0 > $S/retries
ksplice-remove pend1 > /tmp/o 2>&1; rc=$?
echo 1 > $S/stack_filter; echo 0 > $S/stack_scan_all; echo $retries > $S/retries
echo "remove with dummy not loaded, stack_scan_all: exit $rc"
[ $rc = 0 ] || { cat /tmp/o; fail "reverse with the part waiting refused: exit $rc"; }
echo "== the module loaded between prepare and apply: refused"
K=/sys/kernel/ksplice
ksplice-apply --partial --debug=/tmp/dbg /root/u.tar.gz >/dev/null || fail "apply 2"
ksplice-remove pend1 || fail "remove 2"
sed -n "/^== resolve lines for dummy/,\$p" /tmp/dbg | sed 1d > /tmp/lines
grep -q "^pending dummy$" /tmp/lines || fail "no pending line in the debug log"
mkdir /tmp/pk && tar xzf /root/u.tar.gz -C /tmp/pk || fail "untar"
echo prepare pend1 > $K/control || fail "prepare"
cat /tmp/lines > $K/pend1/resolve || fail "resolve lines refused"
insmod /tmp/pk/ksplice-pend1/new/ksplice_pend1_dummy.ko || fail "new code"
insmod $M || fail "insmod dummy 4"
echo apply > $K/pend1/stage 2>/dev/null && fail "applied with the module loaded meanwhile"
[ "$(cat $K/pend1/abort_cause)" = target_not_loaded ] || fail "cause $(cat $K/pend1/abort_cause)"
grep -q "was loaded after the update was prepared" $K/pend1/message || fail "message"
[ "$(mtu dummy0)" = 1500 ] || fail "dummy0 patched anyway"
rmmod ksplice_pend1_dummy && echo drop pend1 > $K/control || fail "cleanup"
echo ALL-OK
'
out=$("$VM_RUN" --file "$W/ksplice-pend1.tar.gz:/root/u.tar.gz" -- "$GUEST")
rc=$?
echo "$out"
[ $rc -eq 0 ] && echo "$out" | grep -q ALL-OK || fail "guest (vm-run exit $rc)"
echo PASS
