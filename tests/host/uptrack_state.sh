# Uptrack client state on the host (fake ksplice tools, fake sysfs):
# rollback of a failed run, the lock, a client killed mid-run (state
# repaired from the kernel, never torn), --cron with and without
# autoinstall, boot re-apply (--init) with install_on_reboot yes and no,
# uptrack-uname's effective version, remove with dependents.
. "$(dirname "$0")/../lib/uptrack_env.bash"
state_ids() { sed -n 's/^installed //p' "$UPTRACK_STATE_DIR/installed" 2>/dev/null | tr '\n' ' '; }

# 1. The second update fails to apply: the first is rolled back.
FAKE_FAIL=upd2 expect_rc "apply failure" 11 "$B/uptrack-upgrade" -y
expect_contains "message" "rolling back" "$ERR"
expect_eq "applied after rollback" "" "$(applied)"
expect_eq "apply calls" "upd1 upd2 " "$(tr '\n' ' ' < "$KSPLICE_SYSFS/.apply-calls")"
expect_eq "state after rollback" "" "$(state_ids)"
grep -q "removed upd1" "$UPTRACK_LOG" || fail "rollback not logged"
reset_kernel

# 2. One at a time: a held lock refuses a second command, changes nothing.
mkdir -p "$UPTRACK_STATE_DIR"
exec 9>"$UPTRACK_STATE_DIR/lock"; flock 9
expect_rc "locked" 4 "$B/uptrack-upgrade" -y
expect_contains "message" "another uptrack command is running" "$ERR"
expect_rc "locked remove" 4 "$B/uptrack-remove" --all
exec 9>&-
nothing_applied "locked"

# 3. Killed mid-run, right after ksplice-apply changed the kernel and
#    before the state was written: the next command repairs the state
#    from the kernel.  Repeated at several moments; the state file always
#    parses (atomic rename), and afterwards always equals the kernel.
for delay in 0.05 0.2 0.5 1.2 2.5; do
	reset_kernel
	# In a session of its own, so that the fake ksplice-apply it may
	# have started (an orphan once the client is killed) can be waited
	# for: the kernel is read only when nothing of the run is left,
	# however slow the machine.
	FAKE_SLEEP=1 setsid "$B/uptrack-upgrade" -y >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
	while pgrep -s $pid >/dev/null; do sleep 0.05; done
	if [ -f "$UPTRACK_STATE_DIR/installed" ]; then
		head -1 "$UPTRACK_STATE_DIR/installed" | grep -q '^uptrack-state 1$' || fail "torn state file"
		tail -1 "$UPTRACK_STATE_DIR/installed" | grep -q '^end$' || fail "torn state file"
	fi
	k=$(applied)
	# Never the reverse: the state written before the kill claims only
	# updates that the kernel has applied.
	for id in $(state_ids); do
		case " $k" in *" $id "*) ;; *) fail "state claims $id, not applied (kill at ${delay}s)";; esac
	done
	out=$("$B/uptrack-show") || fail "uptrack-show after kill"
	for id in $k; do expect_contains "show lists $id after kill at ${delay}s" "[$id]" "$out"; done
	# A locked command writes the repaired state.
	"$B/uptrack-upgrade" -n >/dev/null 2>&1 || fail "upgrade -n after kill"
	expect_eq "state = kernel after kill at ${delay}s" "$k" "$(state_ids)"
	echo "ok: killed at ${delay}s: kernel '$k', state repaired to '$(state_ids)'"
	ls "$UPTRACK_STATE_DIR" | grep -q '\.tmp$' && fail "temporary file left in the state"
done
# Completing the run after a kill installs the rest.
expect_rc "upgrade after kill" 0 "$B/uptrack-upgrade" -y
expect_eq "applied" "upd1 upd2 " "$(applied)"
reset_kernel

# 4. --cron: only reports with autoinstall = no, installs with yes.
write_conf "autoinstall = no"
out=$("$B/uptrack-upgrade" --cron) || fail "cron report"
expect_contains "cron report" "2 updates are available" "$out"
nothing_applied "cron without autoinstall"
write_conf "autoinstall = yes"
"$B/uptrack-upgrade" --cron -q || fail "cron install"
expect_eq "cron installs" "upd1 upd2 " "$(applied)"

# 5. Effective version: upd1 brings Debian 6.1.192-2 = 6.1.0-56-amd64.
expect_eq "uname -r" "6.1.0-56-amd64" "$("$B/uptrack-uname" -r)"
expect_eq "uname -v" "#1 SMP Debian 6.1.192-2" "$("$B/uptrack-uname" -v)"
a=$("$B/uptrack-uname" -a)
expect_contains "uname -a effective" "6.1.0-56-amd64 #1 SMP Debian 6.1.192-2" "$a"
expect_contains "uname -a real" "9.9.9-test #1 SMP test (2026-01-01)" "$a"

# 6. Removing upd1 removes upd2 (which requires it) first.
expect_rc "remove upd1" 0 "$B/uptrack-remove" upd1
expect_eq "after remove" "" "$(applied)"
expect_eq "uname -r real again" "9.9.9-test" "$("$B/uptrack-uname" -r)"
expect_rc "remove unknown" 13 "$B/uptrack-remove" upd1
expect_rc "install unknown" 13 "$B/uptrack-install" nosuch

# 7. Reboot: a new boot id and an empty kernel.  --init re-applies from
#    the kept copies without the repository; with install_on_reboot = no
#    it does not, and the state follows the kernel.
"$B/uptrack-upgrade" -y -q || fail "upgrade"
mv "$REPO" "$W/offline"
rm -rf "$KSPLICE_SYSFS"/*; : > "$KSPLICE_SYSFS/.apply-calls"
echo 22222222-2222-3333-4444-555555555555 > "$W/boot_id"
out=$("$B/uptrack-show") || fail "show after reboot"
expect_contains "nothing live after reboot" "None" "$out"
expect_rc "init re-applies" 0 "$B/uptrack-upgrade" --init
expect_eq "re-applied" "upd1 upd2 " "$(applied)"
expect_eq "state after init" "upd1 upd2 " "$(state_ids)"
rm -rf "$KSPLICE_SYSFS"/*; : > "$KSPLICE_SYSFS/.apply-calls"
echo 33333333-2222-3333-4444-555555555555 > "$W/boot_id"
write_conf "install_on_reboot = no"
expect_rc "init with install_on_reboot = no" 0 "$B/uptrack-upgrade" --init
nothing_applied "install_on_reboot = no"
# 8. Booted into another kernel: the kept updates are for the old one.
write_conf "install_on_reboot = yes"
mv "$W/offline" "$REPO"
"$B/uptrack-upgrade" -y -q || fail "upgrade"
rm -rf "$KSPLICE_SYSFS"/*; : > "$KSPLICE_SYSFS/.apply-calls"
echo 44444444-2222-3333-4444-555555555555 > "$W/boot_id"
out=$(UPTRACK_KERNEL_VERSION="#2 SMP newer build" "$B/uptrack-upgrade" --init) ||
	fail "init on another kernel"
expect_contains "init on another kernel" "not re-applied" "$out"
nothing_applied "another kernel"

# 9. The escape hatch for a machine an update made unusable: with
#    nouptrack on the kernel command line (a word of it), or with the
#    file disable next to the configuration, the boot re-applies nothing
#    and --cron installs nothing; the commands run by hand still work.
reboot_with() { # BOOT-ID CMDLINE
	rm -rf "$KSPLICE_SYSFS"/*; : > "$KSPLICE_SYSFS/.apply-calls"
	echo "$1" > "$W/boot_id"; echo "$2" > "$W/cmdline"
}
export UPTRACK_CMDLINE_FILE=$W/cmdline
"$B/uptrack-upgrade" -y -q || fail "upgrade"
reboot_with 66666666-2222-3333-4444-555555555555 "BOOT_IMAGE=/vmlinuz root=/dev/vda ro nouptrack quiet"
out=$("$B/uptrack-upgrade" --init) || fail "init with nouptrack"
expect_contains "init with nouptrack" "Uptrack is disabled (nouptrack is on the kernel command line)" "$out"
nothing_applied "init with nouptrack"
write_conf "autoinstall = yes"
out=$("$B/uptrack-upgrade" --cron) || fail "cron with nouptrack"
nothing_applied "cron with nouptrack"
grep -q "boot: disabled, nouptrack" "$UPTRACK_LOG" || fail "nouptrack not logged"
expect_rc "install by hand with nouptrack" 0 "$B/uptrack-install" upd1
expect_eq "installed by hand" "upd1 " "$(applied)"
# Part of another word is not the flag.
reboot_with 77777777-2222-3333-4444-555555555555 "root=/dev/vda nouptrackx=1 xnouptrack"
expect_rc "init with words containing nouptrack" 0 "$B/uptrack-upgrade" --init
expect_eq "re-applied" "upd1 " "$(applied)"
# The disable file, for every boot until it is removed.
"$B/uptrack-upgrade" -y -q || fail "upgrade"
touch "$(dirname "$UPTRACK_CONFIG")/disable"
reboot_with 88888888-2222-3333-4444-555555555555 "root=/dev/vda"
out=$("$B/uptrack-upgrade" --init) || fail "init with the disable file"
expect_contains "init with disable" "Uptrack is disabled ($(dirname "$UPTRACK_CONFIG")/disable exists)" "$out"
nothing_applied "init with the disable file"
"$B/uptrack-upgrade" --cron -q || fail "cron with the disable file"
nothing_applied "cron with the disable file"
rm "$(dirname "$UPTRACK_CONFIG")/disable"
"$B/uptrack-upgrade" --cron -q || fail "cron after the disable file"
expect_eq "cron installs again" "upd1 upd2 " "$(applied)"
echo PASS
