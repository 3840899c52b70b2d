# Uptrack client refusals on the host: tampered or unsigned index, index
# signed by another key, index for another kernel, replayed older index,
# no index, unreachable repository, tampered and truncated packages.
# Each: the exit code of docs/uptrack.md, a clear message, and nothing
# applied (fake sysfs empty, ksplice-apply never run, state empty).
. "$(dirname "$0")/../lib/uptrack_env.bash"
cp -a "$REPO" "$W/good"
restore() { rm -rf "$REPO"; cp -a "$W/good" "$REPO"; reset_kernel; }

# Baseline: the good repository installs both.
expect_rc "good repository" 0 "$B/uptrack-upgrade" -y
expect_eq "applied" "upd1 upd2 " "$(applied)"
restore

# 1. Index changed after signing (one title byte).
sed -i 's/^title first fix/title first fiX/' "$KDIR/index"
expect_rc "tampered index" 8 "$B/uptrack-upgrade" -y
expect_contains "message" "not signed by the repository key" "$ERR"
nothing_applied "tampered index"; restore

# 2. Signature file missing.
rm "$KDIR/index.sig"
expect_rc "missing signature" 8 "$B/uptrack-upgrade" -y
expect_contains "message" "not signed" "$ERR"
nothing_applied "missing signature"; restore

# 3. Signed by another key.
"$B/uptrack-publish" genkey --key="$W/keys/other.pem" --pubkey="$W/keys/other.pub" >/dev/null
mkpkg upd3 "third fix"
"$B/uptrack-publish" add --repo="$REPO" --key="$W/keys/other.pem" "$W/upd3.tar.gz" >/dev/null
expect_rc "index signed by another key" 8 "$B/uptrack-upgrade" -y
nothing_applied "other key"; restore

# 4. A validly signed index for another kernel, served where this
#    kernel's index belongs (a mirror mix-up or an attack).
mkpkg oth1 "other kernel fix" 9.9.9-test "#2 SMP other build"
publish "$W/oth1.tar.gz"
OTHER=$REPO/9.9.9-test/$(printf '%s' "#2 SMP other build" | sha256sum | cut -c1-16)
cp "$OTHER/index" "$KDIR/index"; cp "$OTHER/index.sig" "$KDIR/index.sig"
expect_rc "index for another kernel" 7 "$B/uptrack-upgrade" -y
expect_contains "message" "is for kernel 9.9.9-test #2 SMP other build" "$ERR"
nothing_applied "other kernel"; restore

# 5. Same release, other build: no index at this build's place.
UPTRACK_KERNEL_VERSION="#3 SMP never published" expect_rc "no index for this build" 6 "$B/uptrack-upgrade" -y
expect_contains "message" "has no updates for this kernel" "$ERR"
nothing_applied "no index"; restore

# 6. Unreachable repository (nothing listens on loopback port 9).
write_conf "autoinstall = yes" ; sed -i "s|^update_repo_url.*|update_repo_url = http://127.0.0.1:9/repo|" "$UPTRACK_CONFIG"
expect_rc "unreachable repository" 5 "$B/uptrack-upgrade" -y
nothing_applied "unreachable"; write_conf "autoinstall = yes"; restore

# 7. Package altered (same size): hash mismatch, and the first (good)
#    package is not applied either: everything is verified first.
f=$KDIR/updates/ksplice-upd2.tar.gz
printf 'X' | dd of="$f" bs=1 seek=100 conv=notrunc status=none
expect_rc "tampered package" 9 "$B/uptrack-upgrade" -y
expect_contains "message" "does not match the signed index" "$ERR"
nothing_applied "tampered package"; restore

# 8. Package truncated.
truncate -s 200 "$KDIR/updates/ksplice-upd2.tar.gz"
expect_rc "truncated package" 10 "$B/uptrack-upgrade" -y
expect_contains "message" "truncated" "$ERR"
nothing_applied "truncated package"; restore

# 9. Package grown: more bytes than the index says.
echo extra >> "$KDIR/updates/ksplice-upd1.tar.gz"
expect_rc "oversized package" 9 "$B/uptrack-upgrade" -y
nothing_applied "oversized package"; restore

# 10. An older, validly signed index replayed after a newer one was seen.
cp "$KDIR/index" "$W/old.index"; cp "$KDIR/index.sig" "$W/old.sig"
mkpkg upd4 "fourth fix"; publish "$W/upd4.tar.gz"
expect_rc "newer index" 0 "$B/uptrack-show" --available
cp "$W/old.index" "$KDIR/index"; cp "$W/old.sig" "$KDIR/index.sig"
expect_rc "replayed older index" 8 "$B/uptrack-upgrade" -y
expect_contains "message" "older" "$ERR"
nothing_applied "replayed index"; restore

# 11. A kept package altered on disk is downloaded again, not applied.
expect_rc "install upd1" 0 "$B/uptrack-install" upd1
"$B/uptrack-remove" --all >/dev/null || fail "remove"
echo junk > "$UPTRACK_STATE_DIR/updates/upd1.tar.gz"
expect_rc "reinstall with a damaged kept copy" 0 "$B/uptrack-install" upd1
expect_eq "applied" "upd1 " "$(applied)"
cmp -s "$UPTRACK_STATE_DIR/updates/upd1.tar.gz" "$KDIR/updates/ksplice-upd1.tar.gz" ||
	fail "kept copy not replaced"
# 12. A key the client does not know (a typo, or a key of a newer
#     version) is a warning naming the line, never fatal: above all not at
#     boot, where one stray line would leave the machine unpatched.  The
#     key is ignored: autoinstal = yes does not make --cron install.
reset_kernel
write_conf "autoinstal = yes"
expect_rc "cron with an unknown key" 0 "$B/uptrack-upgrade" --cron
expect_contains "warning" "uptrack-upgrade: warning: $UPTRACK_CONFIG line 5: unknown key 'autoinstal' (ignored)" "$ERR"
nothing_applied "unknown key ignored"
expect_rc "upgrade with an unknown key" 0 "$B/uptrack-upgrade" -y
expect_eq "installed with an unknown key" "upd1 upd2 " "$(applied)"
rm -rf "$KSPLICE_SYSFS"/*; : > "$KSPLICE_SYSFS/.apply-calls"
echo 55555555-2222-3333-4444-555555555555 > "$W/boot_id"
expect_rc "boot re-apply with an unknown key" 0 "$B/uptrack-upgrade" --init
expect_eq "re-applied with an unknown key" "upd1 upd2 " "$(applied)"
j=$("$B/uptrack-show" --json) || fail "show --json with an unknown key"
jq -e . <<< "$j" > /dev/null || fail "the warning broke --json's standard output"
# A bad value is still an error naming the line: exit 3, nothing done.
reset_kernel
write_conf "autoinstall = maybe"
expect_rc "bad value" 3 "$B/uptrack-upgrade" -y
expect_contains "message" "line 5: autoinstall must be yes or no, not 'maybe'" "$ERR"
nothing_applied "bad value"
rm "$UPTRACK_CONFIG"
expect_rc "missing configuration" 3 "$B/uptrack-upgrade" -y
echo PASS
