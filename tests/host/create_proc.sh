#!/bin/bash
# A built-in target: tests/patches/proc-version.patch (one added line in
# fs/proc/version.c) gives an update for vmlinux that replaces
# version_proc_show and nothing else.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
create_setup

(cd "$WORK" && "$TOOL" --kernel=$ABI --patch="$ROOT/tests/patches/proc-version.patch" \
	--id=proctest --description="proc version suffix" "$SRC") > "$WORK/out" 2>&1
rc=$?
cat "$WORK/out"
[ $rc = 0 ] || fail "ksplice-create exited $rc"
mkdir "$WORK/x" && tar -xzf "$WORK/ksplice-proctest.tar.gz" -C "$WORK/x" || fail "unpack"
P=$WORK/x/ksplice-proctest
grep -qx 'target vmlinux' "$P/manifest" || fail "target is not vmlinux"
got=$(awk '$1 == "func" { print $2 ":" $3 }' "$P/manifest" | sort | tr '\n' ' ')
[ "$got" = "changed:version_proc_show " ] || fail "functions '$got'"
grep -qx 'description proc version suffix' "$P/manifest" || fail "description"
[ -f "$P/new/ksplice_proctest_vmlinux.ko" ] || fail "no ksplice_proctest_vmlinux.ko"
[ -f "$P/pre/fs/proc/version.o" ] || fail "no pre object"
# The new string travels in the module, the banner format is the kernel's.
strings -a "$P/new/ksplice_proctest_vmlinux.ko" > "$WORK/strings"
grep -q 'patched live' "$WORK/strings" ||
	fail "the new string is not in the module"
echo "PASS: vmlinux, $got"
