#!/bin/bash
# Issue 23 item 3: parts of one update that use what another part adds
# without exporting it (tests/host/create_cross_call.sh checks the
# packages).  Two updates, one boot:
#   xcall (call-cross-core.patch): ext4's /proc/fs/ext4/DEV/mb_groups
#     calls ksplice_test_call_seconds() and reads ksplice_test_call_count,
#     both new in vmlinux (fs/proc/uptime.c; fs/proc/cmdline.c, whose
#     code does not change);
#   xmods (call-cross-modules.patch): /proc/version (vmlinux) calls
#     ksplice_test_ext4_value() and reads ksplice_test_ext4_reads, new in
#     ext4, whose helper calls ksplice_test_jbd2_value() and counts in the
#     per-CPU ksplice_test_jbd2_hits, new in jbd2, which /proc/version
#     sums.
# Each must apply (it failed with failed_to_find, exit 14), behave, and
# be removed with every part unloaded.  And apply stays all or nothing:
# xcall without its vmlinux part (the package rewritten here) must fail
# and leave nothing loaded or changed.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
SRC=${KSPLICE_SOURCE:-$KSPLICE_CACHE/kernels/6.1.192-1/src}
for f in "$ROOT/build/bin/ksplice-create" "$ROOT/build/kmod/$ABI/ksplice.ko" "$SRC/fs/ext4/mballoc.c"; do
	[ -e "$f" ] || skip "missing $f"
done
W=$(mktemp -d "${TMPDIR:-/tmp}/cross-call.XXXXXX")
trap 'rm -rf "$W"' EXIT
for u in xcall:call-cross-core xmods:call-cross-modules; do
	"$ROOT/build/bin/ksplice-create" --patch="$ROOT/tests/patches/${u#*:}.patch" \
		--id="${u%%:*}" --kernel="$ABI" --output-dir="$W" -j 2 "$SRC" > "$W/out" 2>&1 ||
		{ cat "$W/out"; fail "ksplice-create ${u%%:*}"; }
	grep '^note: .* new code uses ' "$W/out"
done

# xcall's ext4 part alone: the part it links against cannot be loaded.
mkdir "$W/orphan" && tar -xzf "$W/ksplice-xcall.tar.gz" -C "$W/orphan" || fail "unpack xcall"
P=$W/orphan/ksplice-xcall
rm "$P/new/ksplice_xcall_vmlinux.ko" || fail "no vmlinux part in xcall"
for o in $(awk '$1 == "target" { t = $2 } t == "vmlinux" && $1 == "object" { print $3 }' "$P/manifest"); do
	rm "$P/$o" || fail "no $o in xcall"
done
awk '$1 == "target" && $2 == "vmlinux" { skip = 1 } !skip { print } skip && $1 == "end-target" { skip = 0 }' \
	"$P/manifest" > "$W/manifest" && mv "$W/manifest" "$P/manifest"
(cd "$P" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | sort | xargs sha256sum > SHA256SUMS)
tar -czf "$W/orphan.tar.gz" -C "$W/orphan" ksplice-xcall || fail "repack"

GUEST='
fail() { echo "FAIL: $*"; exit 1; }
F=$(ls /proc/fs/ext4/*/mb_groups | head -1)
[ -n "$F" ] || fail "no ext4 file system mounted"
head -1 $F | grep -q "^#group: free" || fail "unexpected original header"
ksplice-apply /root/orphan.tar.gz; rc=$?
[ $rc != 0 ] || fail "xcall applied without its vmlinux part"
echo "without its vmlinux part: exit $rc"
grep "^ksplice_xcall" /proc/modules && fail "a part of the failed xcall is still loaded"
[ -e /sys/kernel/ksplice/xcall ] && fail "the failed xcall is still known to the kernel"
head -1 $F | grep -q "^#group: free" || fail "the failed apply changed ext4"
ksplice-apply /root/xcall.tar.gz; rc=$?
[ $rc = 0 ] || fail "apply xcall: exit $rc"
l1=$(head -1 $F); l2=$(head -1 $F)
echo "$l1"; echo "$l2"
v=$(echo "$l1" | sed -n "s/^#uptime \([0-9]*\) calls 1$/\1/p")
[ -n "$v" ] && [ "$v" -ge 4300000 ] && [ "$v" -le 4399999 ] || fail "first read: $l1"
echo "$l2" | grep -q "^#uptime 43[0-9]* calls 2$" || fail "second read: $l2"
ksplice-remove xcall || fail "remove xcall"
head -1 $F | grep -q "^#group: free" || fail "old header not back"
grep "^ksplice_xcall" /proc/modules && fail "a part of xcall is still loaded"

grep -q "ksplice: ext4" /proc/version && fail "/proc/version already patched"
ksplice-apply /root/xmods.tar.gz; rc=$?
[ $rc = 0 ] || fail "apply xmods: exit $rc"
cat /sys/kernel/ksplice/xmods/targets
a=$(cat /proc/version | tail -1); b=$(cat /proc/version | tail -1)
echo "$a"; echo "$b"
[ "$a" = "ksplice: ext4 says 4500001 after 1 reads, 1 hits" ] || fail "first read: $a"
[ "$b" = "ksplice: ext4 says 4500001 after 2 reads, 2 hits" ] || fail "second read: $b"
ksplice-remove xmods || fail "remove xmods"
grep -q "ksplice: ext4" /proc/version && fail "/proc/version still patched"
grep "^ksplice_xmods" /proc/modules && fail "a part of xmods is still loaded"
echo ALL-OK
'
out=$("$VM_RUN" --smp 2 --file "$W/ksplice-xcall.tar.gz:/root/xcall.tar.gz" \
	--file "$W/orphan.tar.gz:/root/orphan.tar.gz" \
	--file "$W/ksplice-xmods.tar.gz:/root/xmods.tar.gz" -- "$GUEST")
rc=$?
echo "$out"
[ $rc -eq 0 ] && echo "$out" | grep -q ALL-OK || fail "guest (vm-run exit $rc)"
echo PASS
