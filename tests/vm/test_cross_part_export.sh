#!/bin/bash
# A fix whose parts call each other's new exports: the core adds a helper
# and a module calls it.  tests/patches/export-cross.patch adds the
# exported ksplice_test_uptime_seconds() to fs/proc/uptime.c (vmlinux),
# declares it in include/linux/proc_fs.h (only a new name: no --prebuild)
# and prints it in ext4's /proc/fs/ext4/DEV/mb_groups.  The ext4 part must
# link against the vmlinux part's new-code module like any export
# (depends=), come second in the package, show the new line while applied,
# and ksplice-remove must unload the parts in reverse (the ext4 part holds
# the vmlinux part).
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
SRC=${KSPLICE_SOURCE:-$KSPLICE_CACHE/kernels/6.1.192-1/src}
for f in "$ROOT/build/bin/ksplice-create" "$ROOT/build/kmod/$ABI/ksplice.ko" "$SRC/fs/ext4/mballoc.c"; do
	[ -e "$f" ] || skip "missing $f"
done
W=$(mktemp -d "${TMPDIR:-/tmp}/cross-export.XXXXXX")
trap 'rm -rf "$W"' EXIT
"$ROOT/build/bin/ksplice-create" --patch="$ROOT/tests/patches/export-cross.patch" --id=xexp \
	--kernel="$ABI" --output-dir="$W" -j 2 "$SRC" > "$W/out" 2>&1 ||
	{ cat "$W/out"; fail "ksplice-create"; }
cat "$W/out"
mkdir "$W/x" && tar -xzf "$W/ksplice-xexp.tar.gz" -C "$W/x" || fail "unpack"
expect_eq "target order" "vmlinux ext4" "$(awk '$1 == "target" { printf "%s%s", s, $2; s = " " }' "$W/x/ksplice-xexp/manifest")"
nm -u "$W/x/ksplice-xexp/new/ksplice_xexp_ext4.ko" | grep -qw ksplice_test_uptime_seconds ||
	fail "the ext4 part does not link against the new export"
modinfo -F depends "$W/x/ksplice-xexp/new/ksplice_xexp_ext4.ko" | grep -qw ksplice_xexp_vmlinux ||
	fail "the ext4 part does not depend on the vmlinux part"

GUEST='
fail() { echo "FAIL: $*"; exit 1; }
F=$(ls /proc/fs/ext4/*/mb_groups | head -1)
[ -n "$F" ] || fail "no ext4 file system mounted"
head -1 $F | grep -q "^#group: free" || fail "unexpected original header"
ksplice-apply /root/u.tar.gz || fail "apply"
head -2 $F
v=$(head -1 $F | sed -n "s/^#uptime \([0-9]*\)$/\1/p")
[ -n "$v" ] && [ "$v" -ge 4200000 ] && [ "$v" -le 4299999 ] || fail "first line: $(head -1 $F)"
cat /sys/kernel/ksplice/xexp/targets
ksplice-view --id=xexp | grep "^ext4 ksplice_xexp_ext4" || fail "view targets"
ksplice-remove xexp || fail "remove"
head -1 $F | grep -q "^#group: free" || fail "old header not back"
grep -q "^ksplice_xexp" /proc/modules && fail "a part is still loaded"
echo ALL-OK
'
out=$("$VM_RUN" --smp 2 --file "$W/ksplice-xexp.tar.gz:/root/u.tar.gz" -- "$GUEST")
rc=$?
echo "$out"
[ $rc -eq 0 ] && echo "$out" | grep -q ALL-OK || fail "guest (vm-run exit $rc)"
echo PASS
