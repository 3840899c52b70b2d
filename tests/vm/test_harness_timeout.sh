# A guest that hangs is stopped with a clear message and exit 124.
. "$(dirname "$0")/../lib/lib.sh"
err=$("$VM_RUN" --kernel "$ABI" --timeout 25 -- 'sleep 600' 2>&1 >/dev/null)
rc=$?
expect_eq "exit status on timeout" 124 "$rc"
expect_contains "message" "did not finish within 25s" "$err"
log=$(sed -n 's/.*console log kept in //p' <<<"$err")
[ -f "$log" ] || fail "console log not kept"
rm -f "$log"
