#!/bin/bash
# Issue 15, defect 3: a function that may run in NMI or exception entry
# must not get a jump.  Code in .noinstr.text (which has no fentry site,
# so the jump would go at offset 0), in .entry.text, in .kprobes.text and
# on the kprobe blacklist runs where a jump into a module, or a jump being
# written, is fatal.  Three hand-made updates for the test module
# (tests/kmod/ksplice_testupdate_unsafe), packaged with its real pre
# object (tests/bench/ktest-package), replace:
#  - ksplice_target_noinstr (noinstr: the module's .noinstr.text);
#  - ksplice_target_kprobes (__kprobes: the module's .kprobes.text);
#  - ksplice_target_nokprobe (NOKPROBE_SYMBOL: the kprobe blacklist).
# ksplice-apply must refuse each with abort cause unsafe_site (exit 24),
# a message naming the function and the reason, the same cause in
# --raw-errors, and leave the kernel as it was (code, results, sysfs,
# modules).
. "$(dirname "$0")/../lib/lib.sh"
KDIR=$ROOT/build/kmod/$ABI
[ -f "$KDIR/ksplice_unsafe_noinstr.ko" ] || skip "test modules not built (scripts/build-kmod $ABI)"
ktest_setup refuse-unsafe

variant() { # KIND
	local d=$W/ku$1
	mkdir -p "$d/pre" "$d/new"
	cp "$W/pkg/pre/ksplice_target.o" "$d/pre/"
	cp "$KDIR/ksplice_unsafe_$1.ko" "$d/new/"
	printf 'ksplice_target_%s returns one more (hand-made test update)\n' "$1" > "$d/patch"
	cat > "$d/manifest" <<MEOF
ksplice-update-manifest 1
id ku$1
description test update: replaces ksplice_target_$1
kernel-release $ABI
kernel-version
compiler gcc-12
target ksplice_target
module ksplice_unsafe_$1 new/ksplice_unsafe_$1.ko
object ksplice_target.o pre/ksplice_target.o
func changed ksplice_target_$1 ksplice_target.o 0
end-target
end
MEOF
	"$W/pkgwrite" "$d" "$W/ku$1.tar.gz" || fail "pkgwrite ku$1"
}
for k in noinstr kprobes nokprobe; do variant $k; done

cat > "$W/guest.sh" <<'GUEST'
. /root/fault-guest-lib
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
[ "$(cat $P/unsafe)" = "11 21 31 41" ] || fail "unsafe: $(cat $P/unsafe)"
code() { # FUNCTION -> its first 32 bytes
	a=$(grep " $1	\[ksplice_target\]" /proc/kallsyms | cut -d' ' -f1)
	[ -n "$a" ] || fail "$1 not in /proc/kallsyms"
	echo "0x$a" > $P/peek || fail "peek $1"
	cat $P/peek
}
refused() { # KIND REASON
	f=ksplice_target_$1
	echo "== ku$1: $f"
	before=$(code $f)
	ksplice-apply --raw-errors /root/ku$1.tar.gz > /tmp/o 2>&1; rc=$?
	cat /tmp/o
	[ $rc -eq 24 ] || fail "ku$1: exit $rc, expected 24 (unsafe_site)"
	[ "$(head -1 /tmp/o)" = unsafe_site ] || fail "ku$1: raw cause $(head -1 /tmp/o)"
	grep -qF "$f" /tmp/o || fail "ku$1: the message does not name $f"
	grep -qF "$2" /tmp/o || fail "ku$1: the message does not say '$2'"
	ksplice-apply /root/ku$1.tar.gz > /tmp/o 2>&1; rc=$?
	[ $rc -eq 24 ] || fail "ku$1: exit $rc without --raw-errors"
	grep -q "NMI" /tmp/o || { cat /tmp/o; fail "ku$1: not the cause paragraph"; }
	[ "$(code $f)" = "$before" ] || fail "ku$1: the code of $f changed: $(code $f)"
	[ "$(cat $P/unsafe)" = "11 21 31 41" ] || fail "ku$1: results $(cat $P/unsafe)"
	[ -e $K/ku$1 ] && fail "ku$1: left in sysfs"
	lsmod | grep -q "^ksplice_unsafe_$1 " && fail "ku$1: new code left loaded"
	return 0
}
refused noinstr ".noinstr.text"
refused kprobes ".kprobes.text"
refused nokprobe "kprobe blacklist"
echo ALL-OK
GUEST
ktest_guest --file "$W/kunoinstr.tar.gz:/root/kunoinstr.tar.gz" \
	--file "$W/kukprobes.tar.gz:/root/kukprobes.tar.gz" \
	--file "$W/kunokprobe.tar.gz:/root/kunokprobe.tar.gz"
