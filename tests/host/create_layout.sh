#!/bin/bash
# A patch that changes a struct's layout: tests/patches/layout-klist.patch
# adds a member to lib/klist.c's struct klist_waiter, which klist_remove()
# keeps on its stack while klist_release() on another CPU writes to it.
# New code would read a waiter of the old layout wrongly, so
# ksplice-create refuses (exit 7) and names the struct and the members that
# moved; --allow-layout-change=klist_waiter lets the author overrule it.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
create_setup
P=$ROOT/tests/patches/layout-klist.patch

(cd "$WORK" && "$TOOL" --kernel=$ABI --patch="$P" --id=layout "$SRC") > "$WORK/out" 2>&1
rc=$?
cat "$WORK/out"
[ $rc = 7 ] || fail "exit $rc, expected 7 (refused)"
grep -q 'lib/klist.c: the patch changes the layout of 1 type (struct klist_waiter: size 40 -> 48, member wakes added at byte 16, member node moved from byte 16 to 24' "$WORK/out" ||
	fail "the refusal does not name struct klist_waiter and what moved"
[ ! -e "$WORK/ksplice-layout.tar.gz" ] || fail "a refused update was written"

(cd "$WORK" && "$TOOL" --kernel=$ABI --patch="$P" --id=layout \
	--allow-layout-change=klist_waiter "$SRC") > "$WORK/out" 2>&1
rc=$?
[ $rc = 0 ] || { cat "$WORK/out"; fail "with --allow-layout-change: exit $rc"; }
grep -q 'changed klist_release' "$WORK/out" || fail "klist_release is not replaced"
echo "PASS: refused with the layout named, accepted when allowed"
