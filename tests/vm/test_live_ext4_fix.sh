# Issue 5, part 1: Debian's 6.1.192-2 ext4 fix ("ext4: fix NULL folio
# dereference in mballoc", Debian bug 1154101) spliced into the running
# stock 6.1.192-1 kernel while a checking workload runs on both vCPUs, then
# removed under the same load.  With the fix live, page-cache drops that
# oops the unpatched kernel (test_baseline_ext4_bug) run clean.  Asserts:
# apply and remove succeed, the replaced functions jump to new code, zero
# workload errors, every kept file verifies, no oops or warning (vm-run).
# Also used by `make demo`, hence the step lines.
. "$(dirname "$0")/../lib/lib.sh"
ABI=6.1.0-55-amd64
ID=deb1154101
W=$(mktemp -d "${TMPDIR:-/tmp}/live-ext4.XXXXXX"); trap 'rm -rf "$W"' EXIT

"$ROOT/scripts/version-patch" 6.1.192-1 6.1.192-2 fs/ext4/mballoc.c > "$W/ext4.patch" ||
	fail "cannot make the 6.1.192-1 -> 6.1.192-2 patch"
[ -s "$W/ext4.patch" ] || fail "empty patch"
step "host: patch = diff of fs/ext4/mballoc.c, 6.1.192-1 -> 6.1.192-2"
"$ROOT/build/bin/ksplice-create" -q --patch="$W/ext4.patch" --id=$ID \
	--description="ext4: fix NULL folio dereference in mballoc (Debian 6.1.192-2, bug 1154101)" \
	--kernel=$ABI --output-dir="$W" "$KSPLICE_CACHE/kernels/6.1.192-1/src" ||
	fail "ksplice-create failed"
funcs=$("$ROOT/build/bin/ksplice-view" --file="$W/ksplice-$ID.tar.gz" | awk '$1=="changed"{printf "%s ", $2}')
step "host: ksplice-create: target ext4, changed: $funcs"
[ -n "$funcs" ] || fail "no changed functions in the package"

out=$("$VM_RUN" --kernel $ABI --smp 2 --disk 256M --timeout 400 \
	--file "$ROOT/tests/guest/fs-workload:/usr/bin/fs-workload" \
	--file "$ROOT/tests/guest/live-ext4:/usr/bin/live-ext4" \
	--file "$ROOT/build/guest/kpeek:/usr/bin/kpeek" \
	--file "$W/ksplice-$ID.tar.gz:/root/update.tar.gz" \
	-- "live-ext4 /root/update.tar.gz $ID")
rc=$?
echo "$out"
step "host: guest run (boot, story above, power off)"
[ $rc = 0 ] || fail "guest run failed (exit $rc)"
expect_contains "guest result" ALL-OK "$out"
