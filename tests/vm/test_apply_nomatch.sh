#!/bin/bash
# Issue 4, test 4: a source that does not match the running kernel.  An
# update built with ksplice-create from the 6.1.192-2 source (one Debian
# fix in fs/ext4/mballoc.c over the running 6.1.192-1) for a change in
# that same file gives no_match, with a report naming the function, the
# offset and both byte sequences decoded, and the kernel untouched.
# Skips (77) without ksplice-create, the core module or the 6.1.192-2 source.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${KSPLICE_CACHE:-/var/cache/ksplice}
ABI=${KSPLICE_KERNEL:-6.1.0-55-amd64}
SRC=${KSPLICE_OTHER_SOURCE:-$CACHE/kernels/6.1.192-2/src}
for f in "$ROOT/build/bin/ksplice-create" "$ROOT/build/kmod/$ABI/ksplice.ko" "$SRC/fs/ext4/mballoc.c"; do
	[ -e "$f" ] || { echo "missing $f"; exit 77; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/apply-nomatch.XXXXXX")
trap 'rm -rf "$W"' EXIT
cat > "$W/mballoc.patch" <<'PEOF'
--- a/fs/ext4/mballoc.c
+++ b/fs/ext4/mballoc.c
@@ -2882,7 +2882,7 @@
 	ext4_group_t group;
 
 	if (*pos < 0 || *pos >= ext4_get_groups_count(sb))
-		return NULL;
+		return ERR_PTR(-EINVAL);
 	group = *pos + 1;
 	return (void *) ((unsigned long) group);
 }
PEOF
KV=()
if [ -f "$CACHE/captures/$ABI/version" ]; then
	v=$(sed -n 's/.*) \(#[0-9].*\)$/\1/p' "$CACHE/captures/$ABI/version")
	[ -n "$v" ] && KV=(--kernel-version="$v")
fi
"$ROOT/build/bin/ksplice-create" --patch="$W/mballoc.patch" --id=other1 \
	--description="built from the 6.1.192-2 source" --kernel="$ABI" \
	"${KV[@]}" --output-dir="$W" -j 2 -q "$SRC" || { echo "FAIL: ksplice-create"; exit 1; }

GUEST='
fail() { echo "FAIL: $*"; exit 1; }
lsmod | grep -q "^ext4 " || fail "ext4 not loaded in the guest"
insmod /lib/ksplice/ksplice.ko || fail "core module"
sum_before=$(md5sum /proc/kallsyms | cut -d" " -f1)
ksplice-apply /root/u.tar.gz 2>/tmp/e; rc=$?
cat /tmp/e
[ $rc -eq 11 ] || fail "exit $rc, expected 11 (no_match)"
grep -q "is not the running code" /tmp/e || fail "no report"
grep -Eq "^  [a-z0-9_.]+\+0x[0-9a-f]+ \(running at 0x[0-9a-f]+\): pre code has \[[0-9a-f ]+\] \(.+\), running code has \[[0-9a-f ]+\] \(.+\)" /tmp/e ||
	fail "report lacks function, offset, bytes and instructions"
ls /sys/kernel/ksplice/ > /tmp/l; [ "$(cat /tmp/l)" = control ] || fail "kernel not untouched: $(cat /tmp/l)"
lsmod | grep -q ksplice_other1 && fail "new-code module loaded"
[ "$(md5sum /proc/kallsyms | cut -d" " -f1)" = "$sum_before" ] || fail "kallsyms changed"
ksplice-apply --json /root/u.tar.gz > /tmp/j; cat /tmp/j
grep -q "\"cause\": \"no_match\"" /tmp/j || fail "json"
echo ALL-OK
'
out=$("$ROOT/scripts/vm-run" --smp 2 --file "$W/ksplice-other1.tar.gz:/root/u.tar.gz" -- "$GUEST")
rc=$?
echo "$out"
[ $rc -eq 0 ] && echo "$out" | grep -q ALL-OK || { echo "FAIL (vm-run exit $rc)"; exit 1; }
echo PASS
