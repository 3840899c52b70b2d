# uptrack-manager reads the client's --json, not its text (docs/json.md):
# with the second update failing to apply, the window reports the
# client's JSON "message" (not its standard error, which starts with the
# fake ksplice-apply's output and "uptrack-upgrade:"), the run is rolled
# back, and the refreshed list shows both updates available again.  A
# tampered index makes the list's refresh show uptrack-show's message.
. "$(dirname "$0")/../lib/uptrack_env.bash"
GUI=$ROOT/build/gui/uptrack-manager
[ -x "$GUI" ] || skip "uptrack-manager not built (make gui; needs libgtk-3-dev, libjson-glib-dev)"
for t in Xvfb xwininfo; do command -v $t >/dev/null || skip "$t not installed"; done
XPID= GPID=
trap '[ -n "$GPID" ] && kill $GPID 2>/dev/null; kill $XPID 2>/dev/null; rm -rf "$W"' EXIT
xvfb_start 120 "$W/xvfb.log"
# wait_log PATTERN: bounded wait for the window's log (generous bound, so
# a slow, loaded machine never decides the outcome).
wait_log() { for i in $(seq 1200); do grep -q "$1" "$W/gui.log" && return 0; sleep 0.1; done; return 1; }

# 1. A failed upgrade.
FAKE_FAIL=upd2 "$GUI" --bindir="$B" --upgrade-now > "$W/gui.log" 2>&1 &
GPID=$!
wait_log "window up" || fail "no window: $(cat "$W/gui.log")"
expect_contains "window up" "window up, 2 available" "$(cat "$W/gui.log")"
wait_log "upgrade finished\|Upgrade failed" || fail "the upgrade did not end: $(cat "$W/gui.log")"
cat "$W/gui.log"
grep -q "^uptrack-manager: Upgrade failed: update upd2 could not be applied (ksplice-apply exit 11); rolling back" "$W/gui.log" ||
	fail "the window does not show the client's JSON message"
expect_eq "rolled back" "" "$(applied)"
kill $GPID; wait $GPID 2>/dev/null; GPID=

# 2. The list's refresh fails: the window shows uptrack-show's message.
sed -i 's/^title first fix/title first fiX/' "$KDIR/index"
"$GUI" --bindir="$B" > "$W/gui.log" 2>&1 &
GPID=$!
wait_log "window up" || fail "no window: $(cat "$W/gui.log")"
cat "$W/gui.log"
expect_contains "nothing available" "window up, 0 available" "$(cat "$W/gui.log")"
grep -q "^uptrack-manager: status: the index from .* is not signed by the repository key" "$W/gui.log" ||
	fail "the window does not show uptrack-show's JSON message"
echo PASS
