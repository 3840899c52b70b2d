#!/bin/bash
# Issue 15, defect 3: the jump must never be seen half written, even by
# an NMI handler running the function on another CPU inside the stopped
# window.  The core module's debug build counts which store pattern wrote
# each site (poke_bp, poke_store8: kmod/poke.c) and, at each intermediate
# step of the int3-first pattern, makes another CPU call a function from
# an NMI (poke_nmi_call; no kprobe, no timing: the leader sends the NMI
# and waits for its result, poke_nmi_results).  With the update "ktest"
# (ksplice_target_value and ksplice_target_sleepy, sites at offset 5 of
# 16-byte aligned functions: the five bytes cross an 8-byte boundary) and
# "kunotrace" (ksplice_target_notrace: no fentry, site at offset 0, the
# five bytes inside one aligned quadword):
#  - apply writes every site int3 first (the old bytes are several
#    instructions, an NMI may be between two of them), and the NMI call
#    at both intermediate steps reaches the new code (2, or 52);
#  - reverse of ktest: int3 first too (its sites cross a quadword), the
#    NMI calls again reach the new code (the int3 does what the jump did);
#  - reverse of kunotrace: one aligned 8-byte store (the bytes replaced
#    are the jump, one instruction), no intermediate step;
#  - after each, the function returns the new, then the old value, and
#    vm-run sees no oops or warning.
# ksplice_target_notrace starts with an instruction whose fifth byte is
# not 0: with the old write (a 4-byte store, then a 1-byte store) and the
# same NMI call placed between the two stores, the NMI ran the torn jump
# and the guest died ("BUG: unable to handle page fault for address:
# 0000000016591000", an instruction fetch, in the NMI).
. "$(dirname "$0")/../lib/lib.sh"
KDIR=$ROOT/build/kmod/$ABI
[ -f "$KDIR/ksplice_testupdate_notrace.ko" ] || skip "test modules not built (scripts/build-kmod $ABI)"
ktest_setup poke
ktest_debug_kmod
d=$W/kunotrace
mkdir -p "$d/pre" "$d/new"
cp "$W/pkg/pre/ksplice_target.o" "$d/pre/"
cp "$KDIR/ksplice_testupdate_notrace.ko" "$d/new/"
printf 'ksplice_target_notrace returns 52 (hand-made test update)\n' > "$d/patch"
cat > "$d/manifest" <<MEOF
ksplice-update-manifest 1
id kunotrace
description test update: ksplice_target_notrace returns 52
kernel-release $ABI
kernel-version
compiler gcc-12
target ksplice_target
module ksplice_testupdate_notrace new/ksplice_testupdate_notrace.ko
object ksplice_target.o pre/ksplice_target.o
func changed ksplice_target_notrace ksplice_target.o 0
end-target
end
MEOF
"$W/pkgwrite" "$d" "$W/kunotrace.tar.gz" || fail "pkgwrite kunotrace"

cat > "$W/guest.sh" <<'GUEST'
. /root/fault-guest-lib
D=/sys/module/ksplice/parameters
insmod /root/ksplice.ko || fail "insmod debug ksplice"
[ -e $D/poke_bp ] || fail "no poke_bp in the debug build"
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
[ "$(nproc)" -ge 2 ] || fail "needs 2 CPUs"
ksym() { # NAME -> 0xADDR of a ksplice_target function
	a=$(grep " $1	\[ksplice_target\]" /proc/kallsyms | cut -d' ' -f1)
	[ -n "$a" ] || fail "$1 not in /proc/kallsyms"
	echo "0x$a"
}
record_orig
ORIG_NT=$(echo "$(ksym ksplice_target_notrace)" > $P/peek && cat $P/peek)
# step WHAT COMMAND BP STORE8 NMI-RESULTS PARAM VALUE
step() {
	bp0=$(cat $D/poke_bp); s0=$(cat $D/poke_store8)
	sh -c "$2" > /tmp/o 2>&1 || { cat /tmp/o; fail "$1: $2"; }
	bp=$(($(cat $D/poke_bp) - bp0)); s8=$(($(cat $D/poke_store8) - s0))
	nmi=$(cat $D/poke_nmi_results)
	echo "$1: $bp int3-first, $s8 aligned 8-byte stores, NMI calls: '$nmi', $6 = $(cat $P/$6)"
	[ "$bp $s8" = "$3 $4" ] || fail "$1: patterns $bp/$s8, expected $3/$4"
	[ "$nmi" = "$5" ] || fail "$1: NMI calls '$nmi', expected '$5'"
	[ "$(cat $P/$6)" = "$7" ] || fail "$1: $6 is $(cat $P/$6), expected $7"
}
ksym ksplice_target_value > $D/poke_nmi_call
step "apply ktest" "ksplice-apply /root/ktest.tar.gz" 2 0 "2 2" value 2
step "reverse ktest" "ksplice-remove ktest" 2 0 "2 2" value 1
unchanged "ktest removed"
ksym ksplice_target_notrace > $D/poke_nmi_call
step "apply kunotrace" "ksplice-apply /root/kunotrace.tar.gz" 1 0 "52 52" untraced 52
step "reverse kunotrace" "ksplice-remove kunotrace" 0 1 "" untraced 51
[ "$(cat $P/peek)" = "$ORIG_NT" ] || fail "ksplice_target_notrace not restored: $(cat $P/peek)"
echo 0 > $D/poke_nmi_call
works "after the NMI calls"
echo ALL-OK
GUEST
ktest_guest --file "$W/dbg/ksplice.ko:/root/ksplice.ko" \
	--file "$W/kunotrace.tar.gz:/root/kunotrace.tar.gz"
