#!/bin/bash
# Issue 7: a deleted function is redirected to a stub that reports calls.
# tests/patches/deleted-cmdline.patch renames cmdline_proc_show to
# cmdline_show (a new function): the old name is deleted, but the running
# kernel's /proc/cmdline entry still calls it (it was registered at boot).
# After ksplice-apply reading /proc/cmdline goes to the stub: the read
# fails with EOPNOTSUPP, the kernel log names the function and warns once;
# after ksplice-remove /proc/cmdline works again.
. "$(dirname "$0")/../lib/lib.sh"
SRC=${KSPLICE_SOURCE:-$KSPLICE_CACHE/kernels/6.1.192-1/src}
for f in "$ROOT/build/bin/ksplice-create" "$ROOT/build/kmod/$ABI/ksplice.ko" \
	"$SRC/fs/proc/cmdline.c"; do
	[ -e "$f" ] || skip "missing $f"
done
W=$(mktemp -d "${TMPDIR:-/tmp}/deleted.XXXXXX")
trap 'rm -rf "$W"' EXIT
"$ROOT/build/bin/ksplice-create" --patch="$ROOT/tests/patches/deleted-cmdline.patch" \
	--id=del1 --kernel="$ABI" --output-dir="$W" -j 2 "$SRC" > "$W/out" 2>&1 ||
	{ cat "$W/out"; fail "ksplice-create"; }
cat "$W/out"
grep -q "deleted cmdline_proc_show" "$W/out" || fail "not reported as deleted"
grep -q "new cmdline_show" "$W/out" || fail "new function not reported"

GUEST='
fail() { echo "FAIL: $*"; exit 1; }
before=$(cat /proc/cmdline) || fail "cmdline before"
ksplice-apply /root/u.tar.gz || fail "apply"
grep -q "^vmlinux cmdline_proc_show " /sys/kernel/ksplice/del1/functions ||
	fail "stub not spliced: $(cat /sys/kernel/ksplice/del1/functions)"
out=$(cat /proc/cmdline 2>&1) && fail "read of a deleted function worked: $out"
echo "read: $out"
case $out in *"not supported"*) ;; *) fail "not EOPNOTSUPP: $out" ;; esac
dmesg | grep -q "function cmdline_proc_show was deleted by update module ksplice_del1_vmlinux but was called" ||
	fail "no report in the kernel log"
dmesg | grep -q "WARNING:.*hooks.c" || fail "no warning"
cat /proc/cmdline >/dev/null 2>&1
[ "$(dmesg | grep -c "WARNING:.*hooks.c")" = 1 ] || fail "warned more than once"
ksplice-remove del1 || fail "remove"
[ "$(cat /proc/cmdline)" = "$before" ] || fail "cmdline not back"
echo ALL-OK
'
# The stub warns on purpose: allow that one warning, check it in the guest.
out=$("$VM_RUN" --allow-warnings --file "$W/ksplice-del1.tar.gz:/root/u.tar.gz" -- "$GUEST")
rc=$?
echo "$out"
[ $rc -eq 0 ] && echo "$out" | grep -q ALL-OK || fail "guest (vm-run exit $rc)"
echo PASS
