#!/bin/bash
# Issue 4, tests 3 and 5 through the tools, on the project's own test
# module (tests/kmod/ksplice_target) and the core module's hand-written
# new code for it (tests/kmod/ksplice_testupdate: ksplice_target_value
# returns 2, ksplice_target_sleepy replaced), packaged by hand with the
# real pre object (ksplice_target.o rebuilt with -ffunction-sections):
#  3. a kthread sleeping inside ksplice_target_sleepy: ksplice-apply gives
#     code_busy after the retries, names the task, the kernel is unchanged;
#  5. one kthread per vCPU calling ksplice_target_value in a loop while
#     the update is applied and removed several times: no oops or warning
#     (vm-run fails on those), only old or new results.
# (The stack prescan's blind spot is tests/vm/test_prescan.sh.)
# Also: a static variable of a module target (ksplice_target_base) is
# resolved by matching its pre object.
# Skips (77) when the modules are not built.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${KSPLICE_CACHE:-/var/cache/ksplice}
ABI=${KSPLICE_KERNEL:-6.1.0-55-amd64}
KDIR=$ROOT/build/kmod/$ABI
for f in "$KDIR/ksplice.ko" "$KDIR/ksplice_target.ko" "$KDIR/ksplice_testupdate.ko" \
	"$CACHE/kernels/6.1.192-1/build" "$ROOT/build/bin/ksplice-apply"; do
	[ -e "$f" ] || { echo "missing $f"; exit 77; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/apply-busy.XXXXXX")
trap 'rm -rf "$W"' EXIT

# The pre object: the test module's source, compiled as ksplice-create would.
mkdir -p "$W/target"
cp "$ROOT"/tests/kmod/ksplice_target/*.c "$ROOT/tests/kmod/ksplice_target/Kbuild" "$W/target/"
make -s -C "$CACHE/kernels/6.1.192-1/build" M="$W/target" \
	KCFLAGS="-ffunction-sections -fdata-sections" ksplice_target.o >/dev/null 2>"$W/build.log" ||
	{ cat "$W/build.log"; echo "FAIL: building the pre object"; exit 1; }

cat > "$W/pkgwrite.c" <<'CEOF'
#include <stdio.h>
#include "package/package.h"
int main(int argc, char **argv)
{
	char err[512];

	if (argc != 3 || ks_package_write(argv[1], argv[2], err, sizeof(err))) {
		fprintf(stderr, "pkgwrite: %s\n", argc == 3 ? err : "usage");
		return 1;
	}
	return 0;
}
CEOF
gcc -std=c11 -D_GNU_SOURCE -I"$ROOT/include" -I"$ROOT/src/lib" -o "$W/pkgwrite" \
	"$W/pkgwrite.c" "$ROOT/build/libksplice.a" -lelf -larchive -lcrypto -lcapstone -lz || exit 1
d=$W/pkg
mkdir -p "$d/pre" "$d/new"
cp "$W/target/ksplice_target.o" "$d/pre/ksplice_target.o"
cp "$KDIR/ksplice_testupdate.ko" "$d/new/"
printf 'ksplice_target_value returns 2 (hand-made test update)\n' > "$d/patch"
cat > "$d/manifest" <<MEOF
ksplice-update-manifest 1
id ktest
description test update: ksplice_target_value returns 2
kernel-release $ABI
kernel-version
compiler gcc-12
target ksplice_target
module ksplice_testupdate new/ksplice_testupdate.ko
object ksplice_target.o pre/ksplice_target.o
func changed ksplice_target_value ksplice_target.o 0
func changed ksplice_target_sleepy ksplice_target.o 1
sym 0 ksplice_target_base local,data ksplice_target.o
end-target
end
MEOF
"$W/pkgwrite" "$d" "$W/ktest.tar.gz" || exit 1

GUEST='
fail() { echo "FAIL: $*"; exit 1; }
P=/sys/module/ksplice_target/parameters
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
[ "$(cat $P/value)" = 1 ] || fail "value before"
echo "== apply, remove"
ksplice-apply /root/ktest.tar.gz || fail "apply"
[ "$(cat $P/value)" = 2 ] || fail "new code not running"
ksplice-remove ktest || fail "remove"
[ "$(cat $P/value)" = 1 ] || fail "old code not back"
echo "== code_busy: a kthread sleeps in ksplice_target_sleepy"
echo 1 > $P/sleep
for i in $(seq 600); do [ "$(cat $P/in_sleepy)" = 1 ] && break; sleep 0.1; done
[ "$(cat $P/in_sleepy)" = 1 ] || fail "sleeper not inside"
start=$(date +%s)
ksplice-apply /root/ktest.tar.gz 2>/tmp/e; rc=$?
end=$(date +%s)
cat /tmp/e; echo "took $((end - start)) s"
[ $rc -eq 12 ] || fail "exit $rc, expected 12 (code_busy)"
grep -q "ksplice_target_sleepy" /tmp/e || fail "conflicts do not name the function"
grep -Eq "^[0-9]+ [^ ]+ ksplice_target_sleepy" /tmp/e || fail "no PID COMM FUNCTION line"
[ "$(cat $P/value)" = 1 ] || fail "kernel changed after code_busy"
[ -e /sys/kernel/ksplice/ktest ] && fail "update left in sysfs"
lsmod | grep -q ksplice_testupdate && fail "new-code module left loaded"
ksplice-apply --raw-errors /root/ktest.tar.gz 2>/tmp/r; head -1 /tmp/r | grep -qx code_busy || fail "raw"
echo 0 > $P/sleep
echo "== apply/remove while every vCPU calls the function"
echo 1 > $P/hammer
for round in 1 2 3; do
	ksplice-apply /root/ktest.tar.gz >/dev/null || fail "apply round $round"
	[ "$(cat $P/value)" = 2 ] || fail "round $round: not new"
	ksplice-remove ktest >/dev/null || fail "remove round $round"
	[ "$(cat $P/value)" = 1 ] || fail "round $round: not old"
done
echo 0 > $P/hammer
echo "calls: $(cat $P/hammer_calls), errors: $(cat $P/hammer_errors)"
[ "$(cat $P/hammer_calls)" -gt 0 ] || fail "hammer did not run"
[ "$(cat $P/hammer_errors)" = 0 ] || fail "results other than old or new"
echo ALL-OK
'
out=$("$ROOT/scripts/vm-run" --smp 2 --file "$W/ktest.tar.gz:/root/ktest.tar.gz" -- "$GUEST")
rc=$?
echo "$out"
[ $rc -eq 0 ] && echo "$out" | grep -q ALL-OK || { echo "FAIL (vm-run exit $rc)"; exit 1; }
echo PASS
