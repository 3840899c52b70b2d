# uptrack-manager under Xvfb: the window comes up listing the available
# updates, --upgrade-now presses Upgrade, the progress bar follows the
# client's progress lines, the (fake) kernel ends with both updates applied
# and the list shows them installed.  Screenshots (xwd, converted with
# ImageMagick) are kept in build/test-logs/ and must not be blank.
. "$(dirname "$0")/../lib/uptrack_env.bash"
GUI=$ROOT/build/gui/uptrack-manager
[ -x "$GUI" ] || skip "uptrack-manager not built (make gui; needs libgtk-3-dev)"
for t in Xvfb xwd xwininfo convert; do command -v $t >/dev/null || skip "$t not installed"; done
SHOTS=$ROOT/build/test-logs; mkdir -p "$SHOTS"
XPID= GPID=
trap '[ -n "$GPID" ] && kill $GPID 2>/dev/null; kill $XPID 2>/dev/null; rm -rf "$W"' EXIT
xvfb_start 90 "$W/xvfb.log"

shot() { xwd -root -silent | convert xwd:- "png:$1" || fail "screenshot $1"; }
FAKE_SLEEP=1 "$GUI" --bindir="$B" --upgrade-now > "$W/gui.log" 2>&1 &
GPID=$!
for i in $(seq 600); do grep -q "window up" "$W/gui.log" && break; sleep 0.1; done
expect_contains "window up" "window up, 2 available" "$(cat "$W/gui.log")"
win=$(xwininfo -root -tree | grep '"Uptrack Manager"') || fail "no 'Uptrack Manager' window"
echo "window: $win"
for i in $(seq 600); do grep -q "applying" "$W/gui.log" && break; sleep 0.1; done
shot "$SHOTS/uptrack-manager-progress.png"
# Bounded waits for a condition; the bounds are generous so that a slow,
# loaded machine never decides the outcome.
for i in $(seq 1200); do grep -q "upgrade finished\|Upgrade failed" "$W/gui.log" && break; sleep 0.1; done
sleep 0.5
shot "$SHOTS/uptrack-manager-done.png"
cat "$W/gui.log"
grep -q "upgrade finished" "$W/gui.log" || fail "upgrade did not finish"
grep -q "bar .* upd1: applying" "$W/gui.log" || fail "progress bar not fed for upd1"
grep -q "bar 1.00 upd2: installed 100%" "$W/gui.log" || fail "progress bar did not reach 100% for upd2"
expect_eq "applied by the client the GUI ran" "upd1 upd2 " "$(applied)"
for s in progress done; do
	colors=$(convert "$SHOTS/uptrack-manager-$s.png" -format '%k' info:)
	echo "screenshot $s: $colors colours"
	[ "$colors" -gt 20 ] || fail "screenshot $s is nearly blank ($colors colours)"
done
echo PASS
