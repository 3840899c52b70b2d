#!/bin/bash
# Issue 23 item 3: a part of an update that uses a function or variable
# another part of the same update adds without exporting it.  The running
# kernel has no symbol of that name, so a ksplice relocation by name
# failed at apply (failed_to_find); the reference must be linked to the
# sibling part's new code instead, and ksplice-create must say so.
#   call-cross-core.patch: vmlinux adds a helper (fs/proc/uptime.c) and a
#     counter (fs/proc/cmdline.c, whose code does not change: the part
#     must still carry it), ext4 uses both (vmlinux -> module);
#   call-cross-modules.patch: jbd2 adds a helper that ext4's new helper
#     calls and a per-CPU counter it increments, and vmlinux's changed
#     /proc/version calls ext4's helper and reads its counter and jbd2's
#     (module -> module, module -> vmlinux);
#   call-cross-cycle.patch: vmlinux and ext4 call each other's new
#     helpers: no part can be loaded first, so it is refused.
# tests/vm/test_cross_part_call.sh applies the first two in a guest.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
create_setup
[ -x "$TOOL" ] || fail "$TOOL is not built"

create() { # ID PATCH: output in $WORK/ID.out, package unpacked in $WORK/ID
	"$TOOL" --kernel="$ABI" --patch="$ROOT/tests/patches/$2" --id="$1" \
		--output-dir="$WORK" -j 2 "$SRC" > "$WORK/$1.out" 2>&1
}
targets() { # ID: the manifest's targets in order
	awk '$1 == "target" { printf "%s%s", s, $2; s = " " }' "$WORK/$1/ksplice-$1/manifest"
}
# syms ID TARGET: the names the target's part leaves for ksplice to resolve
syms() {
	awk -v t="$2" '$1 == "target" { in_t = $2 == t } in_t && $1 == "sym" { print $3 }' \
		"$WORK/$1/ksplice-$1/manifest"
}
ko() { echo "$WORK/$1/ksplice-$1/new/ksplice_$1_$2.ko"; }
# linked ID USER NAME DEFINER: USER's part reaches NAME through DEFINER's
linked() {
	local alias=__ksplice_$1_$3
	grep -q "^note: $2's new code uses $3, which the update's $4 part adds" "$WORK/$1.out" ||
		fail "$1: the link $2 -> $3 ($4) is not listed"
	syms "$1" "$2" | grep -qx "$3" && fail "$1: $2 still resolves $3 by name"
	nm -u "$(ko "$1" "$2")" | grep -qw "$alias" ||
		fail "$1: the $2 part does not import $alias"
	nm "$(ko "$1" "$4")" | grep -q " __ksymtab_$alias\$" ||
		fail "$1: the $4 part does not export $alias"
	modinfo -F depends "$(ko "$1" "$2")" | tr , '\n' | grep -qx "ksplice_$1_$4" ||
		fail "$1: the $2 part does not depend on the $4 part"
	echo "ok: $1: $2 -> $3 ($4)"
}

create xcall call-cross-core.patch || { cat "$WORK/xcall.out"; fail "create xcall"; }
cat "$WORK/xcall.out"
mkdir "$WORK/xcall" && tar -xzf "$WORK/ksplice-xcall.tar.gz" -C "$WORK/xcall" || fail "unpack xcall"
expect_eq "xcall target order" "vmlinux ext4" "$(targets xcall)"
grep -qx "object fs/proc/cmdline.o pre/fs/proc/cmdline.o" "$WORK/xcall/ksplice-xcall/manifest" ||
	fail "xcall: the vmlinux part leaves out fs/proc/cmdline.o, which adds the counter"
linked xcall ext4 ksplice_test_call_seconds vmlinux
linked xcall ext4 ksplice_test_call_count vmlinux
# The private exports are for the update's parts, not for other modules.
[ -e "$WORK/ksplice-xcall.symvers" ] &&
	fail "private links written to ksplice-xcall.symvers: $(cat "$WORK/ksplice-xcall.symvers")"

create xmods call-cross-modules.patch || { cat "$WORK/xmods.out"; fail "create xmods"; }
cat "$WORK/xmods.out"
mkdir "$WORK/xmods" && tar -xzf "$WORK/ksplice-xmods.tar.gz" -C "$WORK/xmods" || fail "unpack xmods"
expect_eq "xmods target order" "jbd2 ext4 vmlinux" "$(targets xmods)"
linked xmods ext4 ksplice_test_jbd2_value jbd2
linked xmods ext4 ksplice_test_jbd2_hits jbd2
linked xmods vmlinux ksplice_test_jbd2_hits jbd2
linked xmods vmlinux ksplice_test_ext4_value ext4
linked xmods vmlinux ksplice_test_ext4_reads ext4

create xcyc call-cross-cycle.patch
rc=$?
cat "$WORK/xcyc.out"
[ $rc = 7 ] || fail "a cycle between parts: exit $rc, not 7 (refused)"
grep -q "ksplice_test_cycle_a" "$WORK/xcyc.out" && grep -q "ksplice_test_cycle_b" "$WORK/xcyc.out" ||
	fail "the refusal does not name the helpers"
[ -e "$WORK/ksplice-xcyc.tar.gz" ] && fail "a package was written for a refused update"
echo PASS
