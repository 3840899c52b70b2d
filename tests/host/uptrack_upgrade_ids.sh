# uptrack-upgrade ID... (issue 19): as in the client people know, naming
# updates upgrades only to them (and what they require), with the same
# questions, -y and exit codes as a full upgrade; an unknown id is 13
# and changes nothing; --init, --cron and --all do not take ids.
. "$(dirname "$0")/../lib/uptrack_env.bash"
# uptrack_env.bash published upd1, and upd2 requiring upd1.
mkpkg upd3 "third fix"; publish "$W/upd3.tar.gz"

out=$("$B/uptrack-upgrade" -n upd2 2>&1) || fail "upgrade -n upd2: exit $?: $out"
expect_contains "dry run: what upd2 requires" "Install [upd1]" "$out"
expect_contains "dry run: upd2" "Install [upd2]" "$out"
case $out in *upd3*) fail "upgrade -n upd2 plans upd3: $out" ;; esac
nothing_applied "upgrade -n upd2"

expect_rc "an unknown id" 13 "$B/uptrack-upgrade" -y upd1 nosuch
expect_contains "the unknown id is named" "nosuch" "$ERR"
nothing_applied "upgrade -y upd1 nosuch"
for o in --init --cron --all; do
	expect_rc "ids with $o" 2 "$B/uptrack-upgrade" $o upd1
done
nothing_applied "usage errors"

expect_rc "upgrade -y upd1" 0 "$B/uptrack-upgrade" -y upd1
expect_eq "only upd1 applied" "upd1 " "$(applied)"
# Not "fully up to date": upd2 and upd3 are still available.
out=$("$B/uptrack-upgrade" -y upd1 2>&1) || fail "upgrade -y upd1 again: exit $?"
expect_contains "named and installed already" "already installed" "$out"
case $out in *"fully up to date"*) fail "claims to be fully up to date: $out" ;; esac
expect_eq "still only upd1" "upd1 " "$(applied)"

if command -v jq >/dev/null; then
	J=$("$B/uptrack-upgrade" --json -y upd3) || fail "upgrade --json -y upd3: exit $?"
	jq -e '.action == "upgrade" and ([.plan[].id] == ["upd3"]) and .installed == ["upd3"] and .dry_run == false' \
		>/dev/null <<<"$J" || fail "upgrade --json upd3: $J"
fi
expect_contains "upd3 applied" "upd3" "$(applied)"
case $(applied) in *upd2*) fail "upd2 applied without being asked for" ;; esac
echo PASS
