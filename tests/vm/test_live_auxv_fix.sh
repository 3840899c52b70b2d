# Issue 5, part 2: a built-in (vmlinux) fix with user-visible behaviour.
# "prctl: fix PR_SET_MM_AUXV losing the forced AT_NULL terminator", from
# Debian's 6.1.190-1 changelog (no CVE is listed for it there), applied to
# the running stock 6.1.187-1 kernel (6.1.0-53-amd64) from the per-file
# difference of the two source trees.  Asserts the behaviour before (stale
# entries), after apply (exactly two) and after remove (stale again).
. "$(dirname "$0")/../lib/lib.sh"
ABI=6.1.0-53-amd64
ID=auxvfix
W=$(mktemp -d "${TMPDIR:-/tmp}/live-auxv.XXXXXX"); trap 'rm -rf "$W"' EXIT
[ -f "$ROOT/build/kmod/$ABI/ksplice.ko" ] || fail "core module not built for $ABI (make kmod)"
"$ROOT/scripts/version-patch" 6.1.187-1 6.1.190-1 kernel/sys.c > "$W/sys.patch" ||
	fail "cannot make the 6.1.187-1 -> 6.1.190-1 patch"
"$ROOT/build/bin/ksplice-create" -q --patch="$W/sys.patch" --id=$ID \
	--description="prctl: fix PR_SET_MM_AUXV losing the forced AT_NULL terminator (Debian 6.1.190-1)" \
	--kernel=$ABI --output-dir="$W" "$KSPLICE_CACHE/kernels/6.1.187-1/src" ||
	fail "ksplice-create failed"
funcs=$("$ROOT/build/bin/ksplice-view" --file="$W/ksplice-$ID.tar.gz" | awk '$1=="changed"{printf "%s ", $2}')
step "host: ksplice-create from kernel/sys.c 6.1.187-1 -> 6.1.190-1: $funcs"
[ -n "$funcs" ] || fail "no changed functions"
out=$("$VM_RUN" --kernel $ABI --smp 2 \
	--file "$ROOT/build/guest/auxv-probe:/usr/bin/auxv-probe" \
	--file "$ROOT/tests/guest/live-auxv:/usr/bin/live-auxv" \
	--file "$W/ksplice-$ID.tar.gz:/root/update.tar.gz" \
	-- "live-auxv /root/update.tar.gz $ID")
rc=$?
echo "$out"
step "host: guest run on $ABI (boot, story above, power off)"
[ $rc = 0 ] || fail "guest run failed (exit $rc)"
expect_contains "guest result" ALL-OK "$out"
