#!/bin/bash
# Issue 23: a function whose first bytes hold a site the kernel rewrites
# after boot cannot take ksplice's jump.  That is a known limit with its
# own abort cause, patch_site_overlap (exit 23), not "unexpected" (22).
# Two hand-made updates for the test module (tests/kmod/ksplice_target),
# packaged with its real pre object (tests/bench/ktest-package):
#  - ksplice_target_locked starts with atomic_inc(): a lock prefix
#    (.smp_locks) at offset 5, right where the jump would go;
#  - ksplice_target_keyed starts with a static branch: a jump label
#    (__jump_table) at offset 5.
# ksplice-apply must refuse each with exit 23, the cause's paragraph and
# the detail line naming the function, the offset and the kind of site,
# the same cause in --raw-errors and --json, and leave the kernel as it
# was (code, sysfs, modules).  The new-code module is never loaded, so
# both packages carry the keyed test update's.
. "$(dirname "$0")/../lib/lib.sh"
KDIR=$ROOT/build/kmod/$ABI
[ -f "$KDIR/ksplice_testupdate_keyed.ko" ] || skip "test modules not built (scripts/build-kmod $ABI)"
W=$(mktemp -d "${TMPDIR:-/tmp}/apply-patch-site.XXXXXX")
trap 'rm -rf "$W"' EXIT
"$ROOT/tests/bench/ktest-package" "$W" > "$W/pkg.log" 2>&1
rc=$?
[ $rc = 77 ] && skip "$(tail -1 "$W/pkg.log")"
[ $rc = 0 ] || { cat "$W/pkg.log"; fail "ktest-package"; }

variant() { # ID FUNCTION
	local d=$W/$1
	mkdir -p "$d/pre" "$d/new"
	cp "$W/pkg/pre/ksplice_target.o" "$d/pre/"
	cp "$KDIR/ksplice_testupdate_keyed.ko" "$d/new/"
	printf '%s changed (hand-made test update)\n' "$2" > "$d/patch"
	cat > "$d/manifest" <<MEOF
ksplice-update-manifest 1
id $1
description test update: $2 cannot take the jump
kernel-release $ABI
kernel-version
compiler gcc-12
target ksplice_target
module ksplice_testupdate_keyed new/ksplice_testupdate_keyed.ko
object ksplice_target.o pre/ksplice_target.o
func changed $2 ksplice_target.o 0
end-target
end
MEOF
	"$W/pkgwrite" "$d" "$W/$1.tar.gz" || fail "pkgwrite $1"
}
variant klocked ksplice_target_locked
variant kkeyed ksplice_target_keyed

GUEST='
fail() { echo "FAIL: $*"; exit 1; }
P=/sys/module/ksplice_target/parameters
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
refused() { # ID FUNCTION INFO_PARAM SITE
	echo "== $1: $2"
	before=$(cat $P/$3)
	ksplice-apply /root/$1.tar.gz > /tmp/o 2> /tmp/e; rc=$?
	cat /tmp/o /tmp/e
	[ $rc -eq 23 ] || fail "$1: exit $rc, expected 23 (patch_site_overlap)"
	grep -qF "$2: the jump at offset 5 would overlap $4" /tmp/e ||
		fail "$1: no detail line naming $2, offset 5 and $4"
	grep -q "cannot take the jump" /tmp/e || fail "$1: not the cause paragraph"
	ksplice-apply --raw-errors /root/$1.tar.gz 2> /tmp/r
	head -1 /tmp/r | grep -qx patch_site_overlap || fail "$1: raw cause $(head -1 /tmp/r)"
	ksplice-apply --json /root/$1.tar.gz > /tmp/j
	grep -q "\"cause\": \"patch_site_overlap\", \"exit_status\": 23" /tmp/j ||
		fail "$1: json $(cat /tmp/j)"
	[ "$(cat $P/$3)" = "$before" ] || fail "$1: the code of $2 changed"
	[ -e /sys/kernel/ksplice/$1 ] && fail "$1: left in sysfs"
	lsmod | grep -q ksplice_testupdate_keyed && fail "$1: new code left loaded"
	return 0
}
refused klocked ksplice_target_locked locked_info "a lock prefix site at offset 5 (1 byte)"
refused kkeyed ksplice_target_keyed keyed_info "a jump label site at offset 5"
[ "$(cat $P/keyed)" = 1 ] || fail "keyed value changed"
[ "$(cat $P/locked)" = 1 ] || fail "locked value changed"
echo ALL-OK
'
out=$("$VM_RUN" --file "$W/klocked.tar.gz:/root/klocked.tar.gz" \
	--file "$W/kkeyed.tar.gz:/root/kkeyed.tar.gz" -- "$GUEST")
rc=$?
echo "$out"
[ $rc -eq 0 ] && echo "$out" | grep -q ALL-OK || fail "vm-run exit $rc"
echo PASS
