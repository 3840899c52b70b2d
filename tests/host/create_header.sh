#!/bin/bash
# A changed header: tests/patches/ext4-header.patch changes an inline
# function of fs/ext4/ext4.h that only fs/ext4/orphan.c uses.  Every
# configured object of fs/ext4 is a candidate; those that include the
# header are built pre and post and diffed; only orphan.c's functions
# change.  A header used across the kernel is refused without --prebuild.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
create_setup

start=$(date +%s.%N)
(cd "$WORK" && "$TOOL" -v --kernel=$ABI --patch="$ROOT/tests/patches/ext4-header.patch" \
	--id=hdrtest "$SRC") > "$WORK/out" 2>&1
rc=$?
end=$(date +%s.%N)
grep -v '^  \(CC\|PRE\|DIFF\) ' "$WORK/out"
[ $rc = 0 ] || fail "ksplice-create exited $rc"
echo "wall time: $(echo "$end - $start" | bc)s"
n=$(sed -n 's/^  HDR     \([0-9]*\) object.*/\1/p' "$WORK/out")
[ -n "$n" ] && [ "$n" -ge 30 ] || fail "expected the objects of fs/ext4 that include ext4.h, got '$n'"
mkdir "$WORK/x" && tar -xzf "$WORK/ksplice-hdrtest.tar.gz" -C "$WORK/x" || fail "unpack"
M=$WORK/x/ksplice-hdrtest/manifest
grep -qx 'target ext4' "$M" || fail "target is not ext4"
got=$(awk '$1 == "func" { print $2 ":" $3 ":" $4 }' "$M" | sort | tr '\n' ' ')
want="changed:ext4_init_orphan_info:fs/ext4/orphan.o changed:ext4_orphan_add:fs/ext4/orphan.o changed:ext4_orphan_cleanup:fs/ext4/orphan.o changed:ext4_orphan_del:fs/ext4/orphan.o changed:ext4_orphan_file_block_trigger:fs/ext4/orphan.o changed:ext4_orphan_file_empty:fs/ext4/orphan.o "
[ "$got" = "$want" ] || fail "functions '$got', expected '$want'"
[ "$(awk '$1 == "object"' "$M" | wc -l)" = 1 ] || fail "only orphan.o should be carried"

# A global header without --prebuild: refused, status 7, says why.
TREE=$(private_tree "$SRC")
if [ ! -e "$TREE/.ksplice-prebuilt" ]; then
	mkdir -p "$WORK/p/a/include/linux" "$WORK/p/b/include/linux"
	cp "$SRC/include/linux/kernel.h" "$WORK/p/a/include/linux/"
	sed 's|^#define STACK_MAGIC.*|#define STACK_MAGIC 0xdeadbeee|' "$SRC/include/linux/kernel.h" \
		> "$WORK/p/b/include/linux/kernel.h"
	(cd "$WORK/p" && diff -u a/include/linux/kernel.h b/include/linux/kernel.h) > "$WORK/g.patch"
	(cd "$WORK" && "$TOOL" --kernel=$ABI --patch="$WORK/g.patch" "$SRC") > "$WORK/out" 2>&1
	rc=$?
	cat "$WORK/out"
	[ $rc = 7 ] || fail "global header: exit $rc, expected 7"
	grep -q -- '--prebuild' "$WORK/out" || fail "the refusal does not point at --prebuild"
fi
echo "PASS: $n candidate objects, $got"
