#!/bin/bash
# Issue 7: shadow data (include/ksplice/shadow.h).  tests/patches/
# shadow-loadavg.patch gives the uts namespace a new field, a read
# counter kept as a shadow variable, that the patched loadavg_proc_show
# increments and prints.  In the guest: the counter counts while the
# update is applied; removing the update frees the shadow (the core
# module says so), and applying it again starts from 1.
. "$(dirname "$0")/../lib/lib.sh"
SRC=${KSPLICE_SOURCE:-$KSPLICE_CACHE/kernels/6.1.192-1/src}
for f in "$ROOT/build/bin/ksplice-create" "$ROOT/build/kmod/$ABI/ksplice.ko" \
	"$SRC/fs/proc/loadavg.c"; do
	[ -e "$f" ] || skip "missing $f"
done
W=$(mktemp -d "${TMPDIR:-/tmp}/shadow.XXXXXX")
trap 'rm -rf "$W"' EXIT
"$ROOT/build/bin/ksplice-create" --patch="$ROOT/tests/patches/shadow-loadavg.patch" \
	--id=shad1 --kernel="$ABI" --output-dir="$W" -j 2 -q "$SRC" > "$W/out" 2>&1 ||
	{ cat "$W/out"; fail "ksplice-create"; }

GUEST='
fail() { echo "FAIL: $*"; exit 1; }
reads() { sed -n "s/^reads //p" /proc/loadavg; }
[ "$(wc -l < /proc/loadavg)" = 1 ] || fail "loadavg before"
ksplice-apply /root/u.tar.gz || fail "apply"
for i in 1 2 3; do
	r=$(reads); [ "$r" = $i ] || fail "read $i: counter is \"$r\""
done
ksplice-remove shad1 || fail "remove"
[ "$(wc -l < /proc/loadavg)" = 1 ] || fail "loadavg after remove"
dmesg | grep -q "ksplice_shad1_vmlinux: freed 1 shadow variables" ||
	fail "shadow not freed: $(dmesg | grep shadow)"
ksplice-apply /root/u.tar.gz || fail "apply again"
r=$(reads); [ "$r" = 1 ] || fail "counter after re-apply is \"$r\""
ksplice-remove shad1 || fail "remove again"
echo ALL-OK
'
out=$("$VM_RUN" --file "$W/ksplice-shad1.tar.gz:/root/u.tar.gz" -- "$GUEST")
rc=$?
echo "$out"
[ $rc -eq 0 ] && echo "$out" | grep -q ALL-OK || fail "guest (vm-run exit $rc)"
echo PASS
