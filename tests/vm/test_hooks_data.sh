#!/bin/bash
# Issue 7: a fix that changes the initial value of writable data and
# converts the running value with hooks (tests/patches/
# data-vfs-cache-pressure.patch: the default of vm.vfs_cache_pressure
# becomes 123; an apply hook converts 100 to 123, a reverse hook puts 100
# back).  Without its ksplice_data_changed() annotation ksplice-create
# refuses the same patch.  In the guest: the value follows apply and
# remove; a value the administrator set is left alone.
. "$(dirname "$0")/../lib/lib.sh"
SRC=${KSPLICE_SOURCE:-$KSPLICE_CACHE/kernels/6.1.192-1/src}
PATCH=$ROOT/tests/patches/data-vfs-cache-pressure.patch
for f in "$ROOT/build/bin/ksplice-create" "$ROOT/build/kmod/$ABI/ksplice.ko" \
	"$SRC/fs/dcache.c"; do
	[ -e "$f" ] || skip "missing $f"
done
W=$(mktemp -d "${TMPDIR:-/tmp}/hooks-data.XXXXXX")
trap 'rm -rf "$W"' EXIT
create() { # ID PATCH
	"$ROOT/build/bin/ksplice-create" --patch="$2" --id="$1" --kernel="$ABI" \
		--output-dir="$W" -j 2 "$SRC" > "$W/$1.out" 2>&1
}

echo "== refused without the annotation"
grep -v '^+ksplice_data_changed' "$PATCH" |
	sed 's/^@@ -3362,3 +3362,30 @@/@@ -3362,3 +3362,29 @@/' > "$W/noannot.patch"
create noannot "$W/noannot.patch" && fail "created without ksplice_data_changed"
cat "$W/noannot.out"
grep -q "initial value of variable 'sysctl_vfs_cache_pressure' changed" "$W/noannot.out" ||
	fail "refusal does not name the variable"
grep -q "ksplice_data_changed(sysctl_vfs_cache_pressure)" "$W/noannot.out" ||
	fail "refusal does not say how to annotate"
[ -e "$W/ksplice-noannot.tar.gz" ] && fail "a package was written anyway"

echo "== created with it"
create data1 "$PATCH" || { cat "$W/data1.out"; fail "ksplice-create"; }
cat "$W/data1.out"
grep -q "hook vfs_cache_pressure_apply: apply" "$W/data1.out" || fail "hook not reported"

GUEST='
fail() { echo "FAIL: $*"; exit 1; }
P=/proc/sys/vm/vfs_cache_pressure
[ "$(cat $P)" = 100 ] || fail "default is $(cat $P)"
ksplice-apply /root/u.tar.gz || fail "apply"
[ "$(cat $P)" = 123 ] || fail "not converted: $(cat $P)"
ksplice-remove data1 || fail "remove"
[ "$(cat $P)" = 100 ] || fail "not converted back: $(cat $P)"
echo "== a value set by the administrator stays"
echo 50 > $P
ksplice-apply /root/u.tar.gz || fail "apply 2"
[ "$(cat $P)" = 50 ] || fail "changed the administrator value: $(cat $P)"
ksplice-remove data1 || fail "remove 2"
[ "$(cat $P)" = 50 ] || fail "changed the administrator value on remove"
echo ALL-OK
'
out=$("$VM_RUN" --file "$W/ksplice-data1.tar.gz:/root/u.tar.gz" -- "$GUEST")
rc=$?
echo "$out"
[ $rc -eq 0 ] && echo "$out" | grep -q ALL-OK || fail "guest (vm-run exit $rc)"
echo PASS
