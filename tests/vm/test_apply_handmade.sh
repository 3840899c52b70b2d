#!/bin/bash
# ksplice-apply / ksplice-view / ksplice-remove end to end in the guest,
# with a package put together by hand around the core module's hand-written
# new-code module for vmlinux (tests/kmod/ksplice_testupdate_vmlinux:
# cmdline_proc_show prints "ksplice ..." first) and the real pre object
# fs/proc/cmdline.o, so the whole apply path runs: package, kernel check,
# run-pre match on the live kernel (KASLR on), resolve lines, module load,
# stop_machine apply, state, view, remove.  Also: already applied,
# wrong_kernel, and no_match with the report and the kernel untouched.
# Exits 77 when the core module, the test module or the pre object is
# absent (scripts/prepare-match-fixtures makes the pre object; make check
# runs it, and tests/run-tests counts a 77 as a failure there).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${KSPLICE_CACHE:-/var/cache/ksplice}
ABI=${KSPLICE_KERNEL:-6.1.0-55-amd64}
SRC=${KSPLICE_PRE_SRC:-$CACHE/work-apply/src}
KO=$ROOT/build/kmod/$ABI/ksplice_testupdate_vmlinux.ko
PRE=$SRC/fs/proc/cmdline.o
for f in "$ROOT/build/kmod/$ABI/ksplice.ko" "$KO" "$PRE" "$ROOT/build/bin/ksplice-apply"; do
	[ -f "$f" ] || { echo "missing $f (scripts/build-kmod, make, or build fs/proc/cmdline.o with -ffunction-sections)"; exit 77; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/apply-handmade.XXXXXX")
trap 'rm -rf "$W"' EXIT

# A tiny writer: ks_package_write() of the create side's package code.
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

make_pkg() { # OUT RELEASE PRE_OBJECT [EXTRA_TARGET]
	local d=$W/pkg-$(basename "$1" .tar.gz) extra=
	if [ -n "${4:-}" ]; then
		# a second target: a module that is not loaded in the guest
		mkdir -p "$d/new"
		cp "$KO" "$d/new/ksplice_ktestvm_$4.ko"
		extra="target $4
module ksplice_ktestvm_$4 new/ksplice_ktestvm_$4.ko
object fs/proc/cmdline.o pre/fs/proc/cmdline.o
func changed cmdline_proc_show fs/proc/cmdline.o 0
end-target"
	fi
	mkdir -p "$d/pre/fs/proc" "$d/new"
	cp "$3" "$d/pre/fs/proc/cmdline.o"
	cp "$KO" "$d/new/ksplice_testupdate_vmlinux.ko"
	printf -- '--- a/fs/proc/cmdline.c\n+++ b/fs/proc/cmdline.c\n(hand-made test update)\n' > "$d/patch"
	cat > "$d/manifest" <<MEOF
ksplice-update-manifest 1
id ktestvm
description test update: /proc/cmdline starts with ksplice
kernel-release $2
kernel-version
compiler gcc-12
target vmlinux
module ksplice_testupdate_vmlinux new/ksplice_testupdate_vmlinux.ko
object fs/proc/cmdline.o pre/fs/proc/cmdline.o
func changed cmdline_proc_show fs/proc/cmdline.o 0
sym 0 saved_command_line data -
end-target
$extra
end
MEOF
	sed -i '/^$/d' "$d/manifest"
	"$W/pkgwrite" "$d" "$1" || exit 1
}
make_pkg "$W/good.tar.gz" "$ABI" "$PRE"
make_pkg "$W/wrongkernel.tar.gz" "6.1.0-54-amd64" "$PRE"
make_pkg "$W/partial.tar.gz" "$ABI" "$PRE" notloadedmod
# A pre object that is not the running code: one byte of
# cmdline_proc_show's code changed (the 2nd byte of its first instruction
# after the ftrace call, not a relocation field).
cp "$PRE" "$W/bad.o"
off=$(readelf -SW "$PRE" | awk '$2==".text.cmdline_proc_show"{print $5}'); off=${off:+$((16#$off))}
[ -n "$off" ] || { echo "no .text.cmdline_proc_show in $PRE"; exit 1; }
printf '\x5a' | dd of="$W/bad.o" bs=1 seek=$((off + 6)) conv=notrunc 2>/dev/null
make_pkg "$W/bad.tar.gz" "$ABI" "$W/bad.o"

GUEST='
fail() { echo "FAIL: $*"; exit 1; }
before=$(cat /proc/cmdline)
echo "== apply"
ksplice-apply --debug=/tmp/debug.log /root/good.tar.gz; rc=$?
[ $rc -eq 0 ] || { tail -20 /tmp/debug.log; fail "apply exit $rc"; }
after=$(cat /proc/cmdline); echo "/proc/cmdline: $after"
case "$after" in ksplice*) ;; *) fail "new code not running" ;; esac
grep "^func vmlinux 0 " /tmp/debug.log || fail "no func line in the debug log"
echo "== view"
ksplice-view | tee /tmp/v; grep -q "^ktestvm: test update" /tmp/v || fail "view list"
ksplice-view --id=ktestvm | tee /tmp/vi
grep -q "^Stage: applied" /tmp/vi || fail "view --id stage"
grep -q "cmdline_proc_show" /tmp/vi || fail "view --id functions"
grep -q "^apply [1-9]" /tmp/vi || fail "view --id pause"
grep -q "hand-made test update" /tmp/vi || fail "view --id patch"
ksplice-view --json --id=ktestvm | grep -q "\"stage\": \"applied\"" || fail "view --json"
ksplice-view --file=/root/good.tar.gz | grep -q "changed  cmdline_proc_show" || fail "view --file"
echo "== already applied"
out=$(ksplice-apply /root/good.tar.gz); rc=$?
echo "$out"; [ $rc -eq 17 ] || fail "already applied exit $rc"
[ "$out" = "Ksplice update ktestvm already applied." ] || fail "already applied text"
echo "== remove"
ksplice-remove ktestvm || fail "remove"
[ "$(cat /proc/cmdline)" = "$before" ] || fail "old text not back"
[ -e /sys/kernel/ksplice/ktestvm ] && fail "update still in sysfs"
lsmod | grep -q ksplice_testupdate_vmlinux && fail "new-code module still loaded"
ksplice-remove ktestvm; rc=$?; [ $rc -eq 19 ] || fail "remove twice exit $rc"
echo "== wrong kernel"
ksplice-apply --raw-errors /root/wrongkernel.tar.gz 2>/tmp/e; rc=$?
cat /tmp/e; [ $rc -eq 21 ] || fail "wrong_kernel exit $rc"; head -1 /tmp/e | grep -qx wrong_kernel || fail "raw cause"
echo "== no_match"
ksplice-apply /root/bad.tar.gz 2>/tmp/e; rc=$?
cat /tmp/e; [ $rc -eq 11 ] || fail "no_match exit $rc"
grep -q "cmdline_proc_show+0x" /tmp/e || fail "report lacks function+offset"
[ -e /sys/kernel/ksplice/ktestvm ] && fail "kernel not left untouched (sysfs)"
[ "$(cat /proc/cmdline)" = "$before" ] || fail "kernel not left untouched (cmdline)"
ksplice-apply --json /root/bad.tar.gz | grep -q "\"cause\": \"no_match\"" || fail "json no_match"
echo "== target_not_loaded, --partial"
ksplice-apply /root/partial.tar.gz 2>/tmp/e; rc=$?
cat /tmp/e; [ $rc -eq 15 ] || fail "target_not_loaded exit $rc"
grep -q "notloadedmod" /tmp/e || fail "message does not name the module"
[ -e /sys/kernel/ksplice/ktestvm ] && fail "kernel touched on target_not_loaded"
ksplice-apply --partial /root/partial.tar.gz > /tmp/o; rc=$?
cat /tmp/o; [ $rc -eq 0 ] || fail "--partial exit $rc"
grep -q "Module notloadedmod is not loaded" /tmp/o || fail "--partial does not say what it skipped"
case "$(cat /proc/cmdline)" in ksplice*) ;; *) fail "--partial did not apply the vmlinux part" ;; esac
ksplice-remove ktestvm || fail "remove after --partial"
echo "== apply again, remove --all"
ksplice-apply /root/good.tar.gz || fail "second apply"
ksplice-remove --all || fail "remove --all"
[ "$(cat /proc/cmdline)" = "$before" ] || fail "old text not back after --all"
echo ALL-OK
'
out=$("$ROOT/scripts/vm-run" --smp 2 --file "$W/good.tar.gz:/root/good.tar.gz" \
	--file "$W/wrongkernel.tar.gz:/root/wrongkernel.tar.gz" \
	--file "$W/bad.tar.gz:/root/bad.tar.gz" \
	--file "$W/partial.tar.gz:/root/partial.tar.gz" -- "$GUEST")
rc=$?
echo "$out"
[ $rc -eq 0 ] && echo "$out" | grep -q ALL-OK || { echo "FAIL (vm-run exit $rc)"; exit 1; }
echo PASS
