#!/bin/bash
# The real case: the Debian fix 6.1.192-1 -> 6.1.192-2 (fs/ext4/mballoc.c)
# turned into an update for the stock 6.1.0-55-amd64 kernel.  Asserts the
# target (ext4), the exact set of changed functions, the new-code
# module's vermagic and the package's own checks; prints the wall time of
# a run without the pre object cached and of a run with it.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
CACHE=${KSPLICE_CACHE:-/var/cache/ksplice}
OLD=$CACHE/kernels/6.1.192-1/src
NEW=$CACHE/kernels/6.1.192-2/src
ABI=6.1.0-55-amd64
TOOL=$ROOT/build/bin/ksplice-create
for d in "$OLD" "$NEW" "$CACHE/abi/$ABI/build"; do
	[ -d "$d" ] || { echo "skip: $d is not provisioned (make provision)"; exit 77; }
done
[ -x "$TOOL" ] || { echo "FAIL: $TOOL is not built"; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

(cd "$CACHE/kernels" && diff -u 6.1.192-1/src/fs/ext4/mballoc.c \
	6.1.192-2/src/fs/ext4/mballoc.c) |
	sed -e '1s|^--- [^ \t]*/src/\([^\t]*\).*|--- a/\1|' \
	    -e '2s|^+++ [^ \t]*/src/\([^\t]*\).*|+++ b/\1|' > "$WORK/ext4.patch"
grep -q '^+++ b/fs/ext4/mballoc.c' "$WORK/ext4.patch" || fail "could not make the patch"

# A run without the pre object cached (the private tree copy itself is
# kept across runs), then one with it.
TREE=$(private_tree "$OLD")
rm -f "$TREE"/.ksplice-pre/fs/ext4/mballoc.o*
run() { # OUTFILE
	local s e
	s=$(date +%s.%N)
	(cd "$WORK" && "$TOOL" --kernel=$ABI --patch="$WORK/ext4.patch" \
		--id=ext4test "$OLD") > "$1" 2>&1
	local rc=$?
	e=$(date +%s.%N)
	echo "$rc $(echo "$e - $s" | bc)"
}
read -r rc1 t1 < <(run "$WORK/out1")
cat "$WORK/out1"
[ "$rc1" = 0 ] || fail "ksplice-create exited $rc1"
rm -f "$WORK/ksplice-ext4test.tar.gz"
read -r rc2 t2 < <(run "$WORK/out2")
[ "$rc2" = 0 ] || { cat "$WORK/out2"; fail "second run exited $rc2"; }
echo "wall time: first run (pre not cached) ${t1}s, second run (pre cached) ${t2}s"

grep -qx 'Ksplice update tarball written to ksplice-ext4test.tar.gz' "$WORK/out2" ||
	fail "no 'tarball written' line"
mkdir "$WORK/x"
tar -xzf "$WORK/ksplice-ext4test.tar.gz" -C "$WORK/x" || fail "tarball does not unpack"
P=$WORK/x/ksplice-ext4test
(cd "$P" && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS does not verify"
grep -qx 'target ext4' "$P/manifest" || fail "manifest does not target ext4"
grep -qx 'kernel-release 6.1.0-55-amd64' "$P/manifest" || fail "wrong kernel-release"
grep -q '^kernel-version #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-1 ' "$P/manifest" ||
	fail "wrong kernel-version: $(grep kernel-version "$P/manifest")"
got=$(awk '$1 == "func" { print $2 ":" $3 }' "$P/manifest" | sort | tr '\n' ' ')
want="changed:ext4_mb_init_group changed:ext4_mb_load_buddy_gfp "
[ "$got" = "$want" ] || fail "functions '$got', expected '$want'"
echo "functions: $got"
KO=$P/new/ksplice_ext4test_ext4.ko
[ -f "$KO" ] || fail "no new-code module"
vm=$(modinfo -F vermagic "$KO")
case "$vm" in
"6.1.0-55-amd64 "*) ;;
*) fail "vermagic is '$vm'" ;;
esac
[ "$(modinfo -F name "$KO")" = ksplice_ext4test_ext4 ] || fail "module name"
readelf -sW "$KO" | grep -q ' __ksplice_update_desc$' || fail "no descriptor symbol"
[ -f "$P/pre/fs/ext4/mballoc.o" ] || fail "no pre object"
# The package opens with the library's own reader.
echo "PASS: target ext4, $got vermagic '$vm'"
