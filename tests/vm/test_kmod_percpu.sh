#!/bin/bash
# The core module's check of a per-CPU symbol of a module: kallsyms gives
# a module's static per-CPU variable as a per-CPU pointer, which is no
# address inside the module.  The hand-written update "kpcpu"
# (tests/kmod/ksplice_testupdate_pcpu) names ksplice_target_pcpu, a static
# per-CPU variable of ksplice_target, and no function, so the target is
# known loaded only by that address.  Its new code must be refused for an
# address in vmlinux's per-CPU area (target_not_loaded: not in the
# target) and for the target's neighbouring per-CPU variable
# (failed_to_find), each with its message, and accepted for the right
# one: its
# R_X86_64_64 relocation then holds that address, and the sum over CPUs
# read through it equals the target's own.  Runs in a 2-vCPU guest.
. "$(dirname "$0")/../lib/lib.sh"
for m in ksplice ksplice_target ksplice_testupdate_pcpu; do
	[ -f "$ROOT/build/kmod/$ABI/$m.ko" ] ||
		skip "$m.ko not built (scripts/build-kmod $ABI)"
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/guest.sh" <<'GUEST'
K=/sys/kernel/ksplice
P=/sys/module/ksplice_target/parameters
U=/sys/module/ksplice_testupdate_pcpu/parameters
fail() { echo "FAIL: $*"; exit 1; }
eq() { [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"; }
has() { case $3 in *"$2"*) ;; *) fail "$1: '$2' not in: $3" ;; esac; }
ksym() { # NAME [MODULE] -> ADDR (hex, no 0x) from /proc/kallsyms
	if [ -n "${2:-}" ]; then
		a=$(grep " $1	\[$2\]$" /proc/kallsyms | cut -d' ' -f1)
	else
		a=$(grep " $1$" /proc/kallsyms | cut -d' ' -f1)
	fi
	[ -n "$a" ] || fail "$1 not in /proc/kallsyms"
	echo "$a" | sed 's/^0*//'
}
refused() { # ADDR CAUSE MESSAGE
	echo prepare kpcpu > $K/control || fail "prepare"
	echo "sym ksplice_target 0 0x$1" > $K/kpcpu/resolve || fail "resolve"
	insmod /lib/ksplice/ksplice_testupdate_pcpu.ko 2>/dev/null &&
		fail "new code accepted with ksplice_target_pcpu at 0x$1"
	eq "cause for 0x$1" "$2" "$(cat $K/kpcpu/abort_cause)"
	msg=$(cat $K/kpcpu/message)
	echo "refused 0x$1: $msg"
	eq "message for 0x$1" "$3" "$msg"
	echo drop kpcpu > $K/control || fail "drop"
}

insmod /lib/ksplice/ksplice.ko || fail "insmod ksplice"
dmesg | grep -q "ksplice: .*per-CPU variables .* are refused" &&
	fail "per-CPU checks disabled: $(dmesg | grep 'are refused')"
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
grep " ksplice_target_pcpu	\[ksplice_target\]$" /proc/kallsyms
pc=$(ksym ksplice_target_pcpu ksplice_target)
other=$(ksym ksplice_target_pcpu_other ksplice_target)
vm=$(ksym process_counts)
# possible CPUs: 7 each in the other variable, 100 + CPU in this one
o=$(cat $P/pcpu_other); np=$((o / 7))
[ $np -ge 2 ] && [ $((np * 7)) = "$o" ] || fail "pcpu_other $o"
sum=$(cat $P/pcpu_sum)
eq "target pcpu_sum ($np possible CPUs)" $((100 * np + np * (np - 1) / 2)) "$sum"

echo "== a per-CPU address of vmlinux"
refused "$vm" target_not_loaded "target module ksplice_target is not loaded at the resolved addresses"
echo "== the neighbouring per-CPU variable"
refused "$other" failed_to_find "symbol 0: per-CPU 0x$other in ksplice_target is not ksplice_target_pcpu, which kallsyms has at 0x$pc"

echo "== the right address"
echo prepare kpcpu > $K/control || fail "prepare"
echo "sym ksplice_target 0 0x$pc" > $K/kpcpu/resolve || fail "resolve"
insmod /lib/ksplice/ksplice_testupdate_pcpu.ko ||
	fail "new code refused: $(cat $K/kpcpu/message)"
eq "relocated pcpu_ptr" $((0x$pc)) "$(cat $U/pcpu_ptr)"
eq "sum read through the relocation" "$sum" "$(cat $U/pcpu_sum)"
rmmod ksplice_testupdate_pcpu || fail "rmmod update"
echo drop kpcpu > $K/control || fail "drop"
rmmod ksplice_target || fail "rmmod target"
rmmod ksplice || fail "rmmod ksplice"
echo "ALL OK"
GUEST
out=$("$VM_RUN" --smp 2 --kernel "$ABI" --file "$tmp/guest.sh:/root/guest.sh" -- 'sh /root/guest.sh')
rc=$?
echo "$out"
expect_eq "guest exit" 0 "$rc"
expect_contains "guest output" "ALL OK" "$out"
echo PASS
