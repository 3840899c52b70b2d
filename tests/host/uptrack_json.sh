# --json of every uptrack-* command (docs/json.md) on the host, with the
# fake repository, sysfs and ksplice tools of uptrack_env.bash: each
# output is one line of valid JSON (jq), has the documented keys with
# the documented types, says what the run did, and exits as without
# --json; failures still give the object, with cause and message.
. "$(dirname "$0")/../lib/uptrack_env.bash"
command -v jq >/dev/null || skip "jq not installed (scripts/install-deps)"

# jrun CODE CMD...: run CMD, stdout in $J, stderr in $ERR; check the exit
# code, that stdout is one line of JSON, and the outcome head.
jrun() {
	local code=$1 rc; shift
	J=$("$@" 2>"$W/err"); rc=$?
	ERR=$(cat "$W/err")
	[ "$rc" = "$code" ] || fail "$*: exit $rc, expected $code; stderr: $ERR; stdout: $J"
	[ "$(printf '%s\n' "$J" | wc -l)" = 1 ] || fail "$*: stdout is not one line: $J"
	jq -e . >/dev/null <<<"$J" || fail "$*: stdout is not JSON: $J"
	jq -e --argjson rc "$rc" '
		(.action | type) == "string" and
		.result == (if $rc == 0 then "ok" else "error" end) and
		(.cause | type) == "string" and
		(if $rc == 0 then .cause == "none" and (has("message") | not)
		 else (.message | type) == "string" and .message != "" end) and
		.exit_status == $rc and
		(.notes | type) == "array" and all(.notes[]; type == "string")
	' >/dev/null <<<"$J" || fail "$*: bad outcome head: $J"
	echo "ok: $* (exit $rc)"
}
# jq_ok WHAT FILTER: FILTER is true of $J.
jq_ok() {
	jq -e "$2" >/dev/null <<<"$J" || fail "$1: '$2' is not true of: $J"
}
# has_keys WHAT KEY...: the object has (at least) these keys.
has_keys() {
	local what=$1; shift
	jq -e --args '. as $o | all($ARGS.positional[]; . as $k | $o | has($k))' "$@" \
		>/dev/null <<<"$J" || fail "$what: a key of '$*' is missing: $J"
}
# The update object, everywhere it appears: every key, with its type.
UPD='def upd: type == "object" and
	(keys == (["brings","brings_build","brings_release","cves","id","optional","requires","sha256","size","title"])) and
	(.id | type) == "string" and
	((.title | type) == "string" or (.title | type) == "null") and
	(.cves | type) == "array" and (.requires | type) == "array" and
	(.optional | type) == "boolean" and
	((.sha256 | type) == "null" or (.sha256 | test("^[0-9a-f]{64}$"))) and
	((.size | type) == "null" or (.size | type) == "number");'
KERN='def kern: (.kernel | keys) == ["release","version"] and
	(.effective | keys) == ["debian","release","version"];'
ids() { jq -r "[$1[] | if type == \"object\" then .id else . end] | join(\" \")" <<<"$J"; }

# 1. show, nothing installed: the effective kernel is the running one.
jrun 0 "$B/uptrack-show" --json
has_keys "show" action result cause exit_status kernel effective installed available notes
jq_ok "show action" '.action == "show"'
jq_ok "show kernel" "$KERN"' kern and .kernel.release == "9.9.9-test" and .kernel.version == "#1 SMP test (2026-01-01)"'
jq_ok "show effective = running" '.effective.release == .kernel.release and .effective.debian == null'
jq_ok "show lists" '.installed == [] and .available == null'

# 2. show --available: both updates, with what the index says.
jrun 0 "$B/uptrack-show" --available --json
jq_ok "available are updates" "$UPD"' all(.available[]; upd)'
expect_eq "available ids" "upd1 upd2" "$(ids .available)"
jq_ok "upd1 brings" '.available[0] | .brings == "6.1.192-2" and .brings_release == "6.1.0-56-amd64" and .brings_build == "#1 SMP Debian 6.1.192-2" and .title == "first fix"'
jq_ok "upd2 index fields" '.available[1] | .cves == ["CVE-2026-0001"] and .requires == ["upd1"] and .brings == null and .optional == false'
# -v is for people: the object is the same.
a=$J; jrun 0 "$B/uptrack-show" --available --json -v
expect_eq "show -v --json = show --json" "$a" "$J"

# 3. upgrade -n: a plan, nothing done.
jrun 0 "$B/uptrack-upgrade" --json -n
has_keys "upgrade" dry_run plan reapplied installed failed kernel effective
jq_ok "upgrade -n" "$UPD"' .action == "upgrade" and .dry_run == true and all(.plan[]; upd) and .installed == [] and .reapplied == [] and .failed == null'
expect_eq "upgrade plan" "upd1 upd2" "$(ids .plan)"
nothing_applied "upgrade --json -n"

# 4. Without -y, --json never asks: it reports, with a note.
jrun 0 "$B/uptrack-upgrade" --json
jq_ok "upgrade without -y" '.dry_run == true and .installed == [] and (.notes | length) == 1'
expect_contains "note" "without -y" "$(jq -r '.notes[0]' <<<"$J")"
nothing_applied "upgrade --json without -y"

# 5. install -n: the plan has what the named update requires.
jrun 0 "$B/uptrack-install" --json -n upd2
has_keys "install" dry_run requested already_installed plan installed failed kernel effective
jq_ok "install -n" '.action == "install" and .dry_run == true and .requested == ["upd2"] and .already_installed == [] and .installed == []'
expect_eq "install plan" "upd1 upd2" "$(ids .plan)"
nothing_applied "install --json -n"

# 6. install upd1: installed, and the effective version follows.
jrun 0 "$B/uptrack-install" --json upd1
jq_ok "install upd1" "$KERN"' kern and .dry_run == false and .installed == ["upd1"] and .failed == null'
jq_ok "effective after upd1" '.effective == {"release": "6.1.0-56-amd64", "version": "#1 SMP Debian 6.1.192-2", "debian": "6.1.192-2"}'
expect_eq "applied" "upd1 " "$(applied)"

# 7. An unknown id: exit 13 as without --json, the object says why.
jrun 13 "$B/uptrack-install" --json nosuch
jq_ok "unknown id" '.cause == "unknown_update" and .plan == [] and .installed == [] and (.message | contains("nosuch"))'
expect_contains "stderr too" "there is no update 'nosuch'" "$ERR"

# 8. Already installed and new in one run.
jrun 0 "$B/uptrack-install" --json upd1 upd2
jq_ok "install both" '.already_installed == ["upd1"] and .installed == ["upd2"]'
expect_eq "plan without upd1" "upd2" "$(ids .plan)"

# 9. show: installed in order of application, with index data.
jrun 0 "$B/uptrack-show" --json
expect_eq "installed" "upd1 upd2" "$(ids .installed)"
jq_ok "installed are updates" "$UPD"' all(.installed[]; upd) and .available == null'

# 10. uname: every field; the same values as the text.
jrun 0 "$B/uptrack-uname" --json
has_keys "uname" kernel effective kernel_name nodename machine operating_system
jq_ok "uname" "$KERN"' kern and .action == "uname" and .operating_system == "GNU/Linux"'
expect_eq "uname -r" "$("$B/uptrack-uname" -r)" "$(jq -r .effective.release <<<"$J")"
expect_eq "uname -v" "$("$B/uptrack-uname" -v)" "$(jq -r .effective.version <<<"$J")"
expect_eq "uname -s" "$("$B/uptrack-uname" -s)" "$(jq -r .kernel_name <<<"$J")"
expect_eq "uname -n" "$("$B/uptrack-uname" -n)" "$(jq -r .nodename <<<"$J")"
expect_eq "uname -m" "$("$B/uptrack-uname" -m)" "$(jq -r .machine <<<"$J")"
jq_ok "uname real" '.kernel.release == "9.9.9-test"'
a=$J; jrun 0 "$B/uptrack-uname" --json -r
expect_eq "field options do not change --json" "$a" "$J"

# 11. remove -n --all: newest first, nothing removed.
jrun 0 "$B/uptrack-remove" --json -n --all
has_keys "remove" dry_run all requested plan removed failed kernel effective
jq_ok "remove -n" "$UPD"' .action == "remove" and .dry_run == true and .all == true and .requested == [] and all(.plan[]; upd) and .removed == []'
expect_eq "remove plan" "upd2 upd1" "$(ids .plan)"
expect_eq "still applied" "upd1 upd2 " "$(applied)"

# 12. remove upd1 takes upd2 (which requires it) first.
jrun 0 "$B/uptrack-remove" --json upd1
jq_ok "remove upd1" '.requested == ["upd1"] and .removed == ["upd2", "upd1"] and .failed == null and .effective.release == "9.9.9-test"'
expect_eq "applied after remove" "" "$(applied)"
jrun 13 "$B/uptrack-remove" --json upd1
jq_ok "remove unknown" '.cause == "unknown_update" and .plan == [] and .removed == []'

# 13. A failed apply: rolled back; the object names the update.
FAKE_FAIL=upd2 jrun 11 "$B/uptrack-upgrade" --json -y
jq_ok "apply failed" '.cause == "apply_failed" and .failed == "upd2" and .installed == [] and (.message | contains("rolling back"))'
expect_eq "rolled back" "" "$(applied)"
reset_kernel

# 14. upgrade -y installs both; --progress-fd still writes its lines.
jrun 0 "$B/uptrack-upgrade" --json -y --progress-fd=7 7>"$W/progress"
jq_ok "upgrade -y" '.dry_run == false and .installed == ["upd1", "upd2"] and .failed == null and .effective.debian == "6.1.192-2"'
grep -q '^progress upd2 100 installed$' "$W/progress" || fail "no progress lines with --json: $(cat "$W/progress")"
jrun 0 "$B/uptrack-upgrade" --json -y
jq_ok "up to date" '.plan == [] and .installed == [] and .dry_run == false'

# 15. Locked: exit 4, cause locked.
exec 9>"$UPTRACK_STATE_DIR/lock"; flock 9
jrun 4 "$B/uptrack-upgrade" --json -y
jq_ok "locked" '.cause == "locked" and .plan == []'
jrun 4 "$B/uptrack-remove" --json --all
jq_ok "locked remove" '.cause == "locked"'
exec 9>&-

# 16. --cron with autoinstall = no reports, with a note.
reset_kernel
write_conf "autoinstall = no"
jrun 0 "$B/uptrack-upgrade" --json --cron
jq_ok "cron report" '.dry_run == true and (.plan | length) == 2 and .installed == []'
expect_contains "cron note" "2 updates are available (autoinstall = no)" "$(jq -r '.notes[]' <<<"$J")"
nothing_applied "cron --json without autoinstall"
write_conf "autoinstall = yes"

# 17. Boot: --init re-applies from the kept copies.
"$B/uptrack-upgrade" -y -q || fail "upgrade"
rm -rf "$KSPLICE_SYSFS"/*; : > "$KSPLICE_SYSFS/.apply-calls"
echo 22222222-2222-3333-4444-555555555555 > "$W/boot_id"
jrun 0 "$B/uptrack-upgrade" --json --init
jq_ok "init" '.reapplied == ["upd1", "upd2"] and .installed == []'
expect_eq "re-applied" "upd1 upd2 " "$(applied)"

# 18. A tampered index: bad_signature, available unknown (null).
cp -a "$REPO" "$W/good"
sed -i 's/^title first fix/title first fiX/' "$KDIR/index"
jrun 8 "$B/uptrack-show" --json --available
jq_ok "bad signature" '.cause == "bad_signature" and .available == null and (.installed | length) == 2'
jrun 8 "$B/uptrack-upgrade" --json -y
jq_ok "bad signature upgrade" '.cause == "bad_signature" and .plan == [] and .installed == []'
rm -rf "$REPO"; mv "$W/good" "$REPO"

# 19. A usage error stays one: usage on stderr, no JSON.
out=$("$B/uptrack-show" --json extra 2>/dev/null); rc=$?
expect_eq "usage exit" 2 "$rc"
expect_eq "no JSON on a usage error" "" "$out"

# 20. uptrack-publish list --json: every index, with update objects.
jrun 0 "$B/uptrack-publish" list --repo="$REPO" --json
jq_ok "publish list" "$UPD"' .action == "list" and (.indexes | length) == 1 and
	(.indexes[0] | (.kernel_release == "9.9.9-test") and (.serial | type) == "number" and all(.updates[]; upd))'
expect_eq "publish list ids" "upd1 upd2" "$(jq -r '[.indexes[0].updates[].id] | join(" ")' <<<"$J")"
jrun 1 "$B/uptrack-publish" list --repo="$W/nothing" --json
jq_ok "publish list nothing" '.cause == "error" and .indexes == []'
out=$("$B/uptrack-publish" genkey --json --key="$W/k" --pubkey="$W/p" 2>/dev/null); rc=$?
expect_eq "publish genkey --json is a usage error" 2 "$rc"

# 21. Without --json the text is the text: no JSON anywhere.
for cmd in "uptrack-show --available" "uptrack-upgrade -n" "uptrack-uname -a" "uptrack-remove -n --all"; do
	out=$("$B"/$cmd) || fail "$cmd"
	case $out in *'"action"'*) fail "$cmd prints JSON without --json: $out" ;; esac
done
echo PASS
