#!/bin/bash
# Issue 4, test 2 (stock module part): a function of a loaded stock module.
# An update built with ksplice-create from a change to the header line of
# ext4's /proc/fs/ext4/DEV/mb_groups (ext4_mb_seq_groups_show in
# fs/ext4/mballoc.c); after ksplice-apply the file shows the new header,
# after ksplice-remove the old one.  (--partial and target_not_loaded are
# in test_apply_handmade.sh: ext4 holds the guest's module disk here.)
# Skips (77) without ksplice-create or the core module.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${KSPLICE_CACHE:-/var/cache/ksplice}
ABI=${KSPLICE_KERNEL:-6.1.0-55-amd64}
SRC=${KSPLICE_SOURCE:-$CACHE/kernels/6.1.192-1/src}
for f in "$ROOT/build/bin/ksplice-create" "$ROOT/build/kmod/$ABI/ksplice.ko" "$SRC/fs/ext4/mballoc.c"; do
	[ -e "$f" ] || { echo "missing $f"; exit 77; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/apply-module.XXXXXX")
trap 'rm -rf "$W"' EXIT
cat > "$W/mballoc.patch" <<'PEOF'
--- a/fs/ext4/mballoc.c
+++ b/fs/ext4/mballoc.c
@@ -2917,7 +2917,7 @@
 
 	group--;
 	if (group == 0)
-		seq_puts(seq, "#group: free  frags first ["
+		seq_puts(seq, "#ksplice group: free  frags first ["
 			      " 2^0   2^1   2^2   2^3   2^4   2^5   2^6  "
 			      " 2^7   2^8   2^9   2^10  2^11  2^12  2^13  ]\n");
 
PEOF
KV=()
if [ -f "$CACHE/captures/$ABI/version" ]; then
	v=$(sed -n 's/.*) \(#[0-9].*\)$/\1/p' "$CACHE/captures/$ABI/version")
	[ -n "$v" ] && KV=(--kernel-version="$v")
fi
"$ROOT/build/bin/ksplice-create" --patch="$W/mballoc.patch" --id=ext4hdr \
	--description="ext4 mb_groups header says ksplice" --kernel="$ABI" \
	"${KV[@]}" --output-dir="$W" -j 2 -q "$SRC" || { echo "FAIL: ksplice-create"; exit 1; }

GUEST='
fail() { echo "FAIL: $*"; exit 1; }
F=$(ls /proc/fs/ext4/*/mb_groups | head -1)
[ -n "$F" ] || fail "no ext4 file system mounted"
head -1 $F
head -1 $F | grep -q "^#group: free" || fail "unexpected original header"
ksplice-apply /root/u.tar.gz || fail "apply"
head -1 $F
head -1 $F | grep -q "^#ksplice group: free" || fail "new code not running"
ksplice-view --id=ext4hdr | grep "^ext4 ext4_mb_seq_groups_show 0x" || fail "view functions"
ksplice-view --id=ext4hdr | grep "^ext4 ksplice_ext4hdr_ext4" || fail "view targets"
ksplice-remove ext4hdr || fail "remove"
head -1 $F | grep -q "^#group: free" || fail "old header not back"
echo ALL-OK
'
out=$("$ROOT/scripts/vm-run" --smp 2 --file "$W/ksplice-ext4hdr.tar.gz:/root/u.tar.gz" -- "$GUEST")
rc=$?
echo "$out"
[ $rc -eq 0 ] && echo "$out" | grep -q ALL-OK || { echo "FAIL (vm-run exit $rc)"; exit 1; }
echo PASS
