#!/bin/bash
# Issue 7: the update hooks (include/ksplice/hooks.h), through the tools.
# tests/patches/hooks-version.patch declares all ten hooks in
# fs/proc/version.c; each records a letter, and the patched
# version_proc_show prints them through a new static helper.  The hooks
# fail on demand, depending on the guest's host name:
#  - a failing pre_apply hook: call_failed, nothing applied, fail_apply ran;
#  - a failing check_apply hook (inside the stopped window): the same;
#  - success: pre, check, apply, post ran in that order;
#  - a failing pre_reverse hook: the update stays applied, fail_reverse ran;
#  - removal: pre_reverse, check_reverse, reverse, post_reverse ran.
. "$(dirname "$0")/../lib/lib.sh"
SRC=${KSPLICE_SOURCE:-$KSPLICE_CACHE/kernels/6.1.192-1/src}
for f in "$ROOT/build/bin/ksplice-create" "$ROOT/build/kmod/$ABI/ksplice.ko" \
	"$SRC/fs/proc/version.c"; do
	[ -e "$f" ] || skip "missing $f"
done
W=$(mktemp -d "${TMPDIR:-/tmp}/hooks-apply.XXXXXX")
trap 'rm -rf "$W"' EXIT
"$ROOT/build/bin/ksplice-create" --patch="$ROOT/tests/patches/hooks-version.patch" \
	--id=hooks1 --kernel="$ABI" --output-dir="$W" -j 2 "$SRC" \
	> "$W/create.out" 2>&1 || { cat "$W/create.out"; fail "ksplice-create"; }
grep -q "hook version_check_apply: check_apply" "$W/create.out" ||
	fail "ksplice-create did not report the hooks: $(cat "$W/create.out")"

GUEST='
fail() { echo "FAIL: $*"; exit 1; }
has() { case $3 in *"$2"*) ;; *) fail "$1: \"$2\" not in: $3" ;; esac; }
before=$(cat /proc/version)
# call_failed is abort cause 6: the tools exit with 10 + 6
try_apply() { # HOSTNAME -> output of a failing apply, exit status last
	hostname "$1"
	ksplice-apply /root/u.tar.gz 2>&1
	echo "exit status $?"
}
echo "== pre_apply fails"
out=$(try_apply ksplice-fail-pre); echo "$out"
has "apply output" "exit status 16" "$out"
has "apply output" "pre_apply hook version_pre_apply" "$out"
[ "$(cat /proc/version)" = "$before" ] || fail "changed after a failed pre hook"
dmesg | grep -q "ksplice-hooks-test: fail_apply, hooks so far: pf$" ||
	fail "fail_apply did not run right after pre: $(dmesg | grep hooks-test)"
[ -e /sys/kernel/ksplice/hooks1 ] && fail "update left behind"

echo "== check_apply fails (inside the stopped window)"
out=$(try_apply ksplice-fail-check); echo "$out"
has "apply output" "exit status 16" "$out"
has "apply output" "check_apply hook version_check_apply" "$out"
[ "$(cat /proc/version)" = "$before" ] || fail "changed after a failed check hook"
dmesg | grep -q "fail_apply, hooks so far: pcf$" ||
	fail "fail_apply after check: $(dmesg | grep hooks-test)"

echo "== apply"
hostname ksplice-ok
ksplice-apply /root/u.tar.gz || fail "apply"
v=$(cat /proc/version); echo "$v"
[ "$(echo "$v" | head -1)" = "$before" ] || fail "banner changed"
[ "$(echo "$v" | tail -1)" = "ksplice hooks: pcaP" ] || fail "hooks order: $v"

echo "== pre_reverse fails"
hostname ksplice-fail-prerev
out=$(ksplice-remove hooks1 2>&1; echo "exit status $?")
echo "$out"
has "remove output" "exit status 16" "$out"
has "remove output" "pre_reverse hook version_pre_reverse" "$out"
[ "$(cat /sys/kernel/ksplice/hooks1/stage)" = applied ] || fail "not applied any more"
[ "$(cat /proc/version | tail -1)" = "ksplice hooks: pcaPqF" ] ||
	fail "hooks after failed reverse: $(cat /proc/version)"

echo "== remove"
hostname ksplice-ok
ksplice-remove hooks1 || fail "remove"
[ "$(cat /proc/version)" = "$before" ] || fail "old text not back"
dmesg | grep -q "post_reverse, hooks so far: pcaPqFqdrR$" ||
	fail "reverse hooks: $(dmesg | grep hooks-test)"
echo ALL-OK
'
out=$("$VM_RUN" --file "$W/ksplice-hooks1.tar.gz:/root/u.tar.gz" -- "$GUEST")
rc=$?
echo "$out"
[ $rc -eq 0 ] && echo "$out" | grep -q ALL-OK || fail "guest (vm-run exit $rc)"
echo PASS
