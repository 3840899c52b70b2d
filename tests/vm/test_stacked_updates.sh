#!/bin/bash
# Issue 7: stacked updates through the tools.  stack1 is
# tests/patches/proc-version.patch (a line added to /proc/version);
# stack2 changes the same function again, built with
# ksplice-create --stacked-on=proc-version.patch from
# tests/patches/stacked-version-2.patch.  In the guest: stack2 alone does
# not match the running code (its pre code is stack1's new code); after
# stack1, ksplice-apply matches stack2 against stack1's replacement and
# applies it over; removing stack1 first is refused with a message naming
# stack2, and nothing changes; stack2 then stack1 come out in order.
. "$(dirname "$0")/../lib/lib.sh"
SRC=${KSPLICE_SOURCE:-$KSPLICE_CACHE/kernels/6.1.192-1/src}
P=$ROOT/tests/patches
for f in "$ROOT/build/bin/ksplice-create" "$ROOT/build/kmod/$ABI/ksplice.ko" \
	"$SRC/fs/proc/version.c"; do
	[ -e "$f" ] || skip "missing $f"
done
W=$(mktemp -d "${TMPDIR:-/tmp}/stacked.XXXXXX")
trap 'rm -rf "$W"' EXIT
create() { # ID ARGS...
	local id=$1; shift
	"$ROOT/build/bin/ksplice-create" "$@" --id="$id" --kernel="$ABI" \
		--output-dir="$W" -j 2 -q "$SRC" > "$W/$id.out" 2>&1 ||
		{ cat "$W/$id.out"; fail "ksplice-create $id"; }
}
create stack1 --patch="$P/proc-version.patch"
create stack2 --stacked-on="$P/proc-version.patch" --patch="$P/stacked-version-2.patch"

GUEST='
fail() { echo "FAIL: $*"; exit 1; }
L1="ksplice: /proc/version patched live"
L2="ksplice: a second update stacked on the first"
before=$(cat /proc/version)
echo "== stack2 alone does not match"
ksplice-apply /root/s2.tar.gz; rc=$?
[ $rc = 11 ] || fail "stack2 without stack1: exit $rc, not no_match (11)"
[ "$(cat /proc/version)" = "$before" ] || fail "changed by a refused update"
echo "== stack1, then stack2 over it"
ksplice-apply /root/s1.tar.gz || fail "apply stack1"
[ "$(cat /proc/version)" = "$before
$L1" ] || fail "after stack1: $(cat /proc/version)"
ksplice-apply /root/s2.tar.gz || fail "apply stack2"
[ "$(cat /proc/version)" = "$before
$L1
$L2" ] || fail "after stack2: $(cat /proc/version)"
echo "== removing stack1 first is refused"
out=$(ksplice-remove stack1 2>&1); rc=$?
echo "$out"
[ $rc = 11 ] || fail "remove stack1 under stack2: exit $rc"
case $out in *"update stack2 was applied over version_proc_show"*"reverse it first"*) ;;
	*) fail "message does not name stack2" ;; esac
[ "$(cat /sys/kernel/ksplice/stack1/stage)" = applied ] || fail "stack1 not applied"
[ "$(cat /proc/version | tail -1)" = "$L2" ] || fail "stack2 gone"
echo "== newest first"
ksplice-remove stack2 || fail "remove stack2"
[ "$(cat /proc/version)" = "$before
$L1" ] || fail "after removing stack2: $(cat /proc/version)"
ksplice-remove stack1 || fail "remove stack1"
[ "$(cat /proc/version)" = "$before" ] || fail "after removing both"
echo ALL-OK
'
out=$("$VM_RUN" --file "$W/ksplice-stack1.tar.gz:/root/s1.tar.gz" \
	--file "$W/ksplice-stack2.tar.gz:/root/s2.tar.gz" -- "$GUEST")
rc=$?
echo "$out"
[ $rc -eq 0 ] && echo "$out" | grep -q ALL-OK || fail "guest (vm-run exit $rc)"
echo PASS
