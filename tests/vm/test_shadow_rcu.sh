#!/bin/bash
# A shadow read by one update's code while another update's removal frees
# it (issue 15, defect 8).  Update ktest is applied and its new code
# (ksplice_testupdate) allocates a shadow (&init_task, key) holding 0x5eed.
# Update ktest2 is prepared with its new-code module ksplice_testupdate2
# attached (through sysfs, as tests/vm/test_kmod_splice.sh does); a
# kthread of that module looks the shadow up under rcu_read_lock() and
# holds the pointer, as the lifetime rule allows, until the shadow is
# unlinked from the store.  ksplice-remove ktest unloads
# ksplice_testupdate, whose shadows the core module then frees.  The
# reader reads the held shadow after the unlink, still inside its
# read-side section: it must see 0x5eed.  The guest boots with
# slub_debug=P (the Debian kernel has no KASAN), so memory freed at once,
# as before the fix, reads as the poison 0x6b6b6b6b6b6b6b6b.
. "$(dirname "$0")/../lib/lib.sh"
ktest_setup shadow-rcu
[ -f "$ROOT/build/kmod/$ABI/ksplice_testupdate2.ko" ] || skip "ksplice_testupdate2.ko not built"
cat > "$W/guest.sh" <<'GUEST'
. /root/fault-guest-lib
U=/sys/module/ksplice_testupdate/parameters
U2=/sys/module/ksplice_testupdate2/parameters
ksym() { # NAME -> 0xADDR of a ksplice_target symbol
	a=$(grep " $1	\[ksplice_target\]" /proc/kallsyms | cut -d' ' -f1)
	[ -n "$a" ] || fail "$1 not in /proc/kallsyms"
	echo "0x$a"
}
func_line() { # IDX INFO_PARAM NBYTES: a resolve line (never applied)
	set -- "$1" "$(cat $P/$2)" "$3"
	addr=${2%% *}; rest=${2#* }; size=${rest%% *}; hex=${rest#* }
	echo "func ksplice_target $1 $addr $size 5 $(echo "$hex" | cut -c11-$((10 + 2 * $3)))"
}
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
record_orig
ksplice-apply /root/ktest.tar.gz > /tmp/o 2>&1 || { cat /tmp/o; fail "apply ktest"; }
echo 0x5eed > $U/shadow_set || fail "shadow_set"
echo prepare ktest2 > $K/control || fail "prepare ktest2"
{
	echo "sym ksplice_target 0 $(ksym ksplice_target_base)"
	func_line 0 value_info 8
	func_line 1 sleepy_info 5
} > $K/ktest2/resolve || fail "resolve ktest2"
insmod /lib/ksplice/ksplice_testupdate2.ko || fail "insmod ksplice_testupdate2"
echo 1 > $U2/shadow_hold || fail "shadow_hold"
wait_for $U2/shadow_holding 1
echo "== remove ktest while ktest2's code holds ktest's shadow"
ksplice-remove ktest > /tmp/o 2>&1 || { cat /tmp/o; fail "remove ktest"; }
dmesg | grep -q "ksplice_testupdate: freed 1 shadow variables" ||
	fail "the shadow was not freed: $(dmesg | grep shadow)"
wait_for $U2/shadow_holding 0
seen=$(cat $U2/shadow_seen)
[ "$seen" = 0x5eed ] || fail "the reader read $seen from its shadow, not 0x5eed (freed under it)"
rmmod ksplice_testupdate2 || fail "rmmod ksplice_testupdate2"
echo drop ktest2 > $K/control || fail "drop ktest2"
unchanged "after remove"
echo ALL-OK
GUEST
ktest_guest --append slub_debug=P
