#!/bin/bash
# Issue 7: an export the patch adds is resolvable for modules loaded
# after the update.  tests/patches/export-uptime.patch adds
# ksplice_test_uptime_seconds() to fs/proc/uptime.c with
# EXPORT_SYMBOL_GPL; tests/patches/export-user/ is a module that calls
# it, built here against the ksplice-exp1.symvers that ksplice-create
# writes next to the package.  In the guest: the module cannot load before the update, loads and gets the
# value while it is applied, keeps the update's module in use (removal
# waits for it: module_busy), and cannot load after removal.
# Issue 23: tests/patches/export-existing.patch (exp2) changes
# proc_free_inum() and newly exports proc_alloc_inum(), which the running
# kernel already has; loading its new-code module once made
# apply_returns() warn "missing return thunk" (a .return_sites entry that
# had lost its relocation), which fails the run (vm-run exit 125).
. "$(dirname "$0")/../lib/lib.sh"
SRC=${KSPLICE_SOURCE:-$KSPLICE_CACHE/kernels/6.1.192-1/src}
for f in "$ROOT/build/bin/ksplice-create" "$ROOT/build/kmod/$ABI/ksplice.ko" \
	"$KSPLICE_CACHE/abi/$ABI/build/Makefile" "$SRC/fs/proc/uptime.c"; do
	[ -e "$f" ] || skip "missing $f"
done
W=$(mktemp -d "${TMPDIR:-/tmp}/new-export.XXXXXX")
trap 'rm -rf "$W"' EXIT
"$ROOT/build/bin/ksplice-create" --patch="$ROOT/tests/patches/export-uptime.patch" \
	--id=exp1 --kernel="$ABI" --output-dir="$W" -j 2 "$SRC" > "$W/out" 2>&1 ||
	{ cat "$W/out"; fail "ksplice-create"; }
cat "$W/out"
grep -q "new export ksplice_test_uptime_seconds (EXPORT_SYMBOL_GPL)" "$W/out" ||
	fail "export not reported"
grep -q "	ksplice_test_uptime_seconds	.*EXPORT_SYMBOL_GPL" "$W/ksplice-exp1.symvers" ||
	fail "no symvers line: $(cat "$W/ksplice-exp1.symvers")"
"$ROOT/build/bin/ksplice-create" --patch="$ROOT/tests/patches/export-existing.patch" \
	--id=exp2 --kernel="$ABI" --output-dir="$W" -j 2 "$SRC" > "$W/out2" 2>&1 ||
	{ cat "$W/out2"; fail "ksplice-create (export-existing)"; }
cat "$W/out2"
cp -r "$ROOT/tests/patches/export-user" "$W/user"
make -s -C "$KSPLICE_CACHE/abi/$ABI/build" M="$W/user" \
	KBUILD_EXTRA_SYMBOLS="$W/ksplice-exp1.symvers" modules 2>&1 | grep -v BTF
[ -f "$W/user/ksplice_export_user.ko" ] || fail "the user module did not build"

GUEST='
fail() { echo "FAIL: $*"; exit 1; }
U=/root/ksplice_export_user.ko
ksplice-apply /root/u2.tar.gz || fail "apply exp2"
dmesg | grep -q "missing return thunk" && fail "exp2: missing return thunk"
ksplice-remove exp2 || fail "remove exp2"
insmod $U 2>/dev/null && fail "user loaded without the update"
ksplice-apply /root/u.tar.gz || fail "apply"
insmod $U || fail "user does not load with the update applied"
v=$(cat /sys/module/ksplice_export_user/parameters/value)
echo "value $v"
[ "$v" -ge 4200000 ] && [ "$v" -le 4299999 ] || fail "value $v"
ksplice-remove exp1; rc=$?
[ $rc = 13 ] || fail "remove while in use: exit $rc, not module_busy (13)"
rmmod ksplice_export_user || fail "rmmod user"
ksplice-remove exp1 || fail "remove"
[ -e /sys/kernel/ksplice/exp1 ] && fail "update still there"
insmod $U 2>/dev/null && fail "user loaded after removal"
echo ALL-OK
'
out=$("$VM_RUN" --file "$W/ksplice-exp1.tar.gz:/root/u.tar.gz" \
	--file "$W/ksplice-exp2.tar.gz:/root/u2.tar.gz" \
	--file "$W/user/ksplice_export_user.ko:/root/ksplice_export_user.ko" -- "$GUEST")
rc=$?
echo "$out"
[ $rc -eq 0 ] && echo "$out" | grep -q ALL-OK || fail "guest (vm-run exit $rc)"
echo PASS
