# Issue 6: Uptrack boot re-apply for real.  The guest boots a Debian 12
# userland with systemd as init (scripts/build-rootfs, cached) on the
# stock 6.1.0-55-amd64 kernel, with dist/uptrack.service enabled:
#  boot 1: uptrack-upgrade -y installs two real updates (the /proc/version
#          test fix and Debian 6.1.192-2's ext4 fix) from a signed
#          repository; reboot;
#  boot 2: uptrack.service has re-applied both during boot, and finished
#          before systemd-user-sessions.service (so before any login):
#          uptrack-show lists them, /proc/version shows the new code, the
#          kernel reports them applied; then install_on_reboot = no; reboot;
#  boot 3: nothing is applied, /proc/version is the original, uptrack-show
#          lists none.
. "$(dirname "$0")/../lib/lib.sh"
S=$KSPLICE_CACHE/kernels/6.1.192-1/src
S2=$KSPLICE_CACHE/kernels/6.1.192-2/src
B=$ROOT/build/bin
IMG=${KSPLICE_ROOTFS:-$KSPLICE_CACHE/rootfs/bookworm-systemd.img}
for f in "$B/uptrack-publish" "$ROOT/build/kmod/$ABI/ksplice.ko" "$S/fs/proc/version.c" "$S2/fs/ext4/mballoc.c"; do
	[ -e "$f" ] || skip "missing $f"
done
[ -f "$IMG" ] || "$ROOT/scripts/build-rootfs" "$IMG" || fail "cannot build the Debian rootfs image"
W=$(mktemp -d "${TMPDIR:-/tmp}/uptrack-boot.XXXXXX"); trap 'rm -rf "$W"' EXIT
cat > "$W/version.patch" <<'PEOF'
--- a/fs/proc/version.c
+++ b/fs/proc/version.c
@@ -9,6 +9,7 @@
 
 static int version_proc_show(struct seq_file *m, void *v)
 {
+	seq_puts(m, "ksplice-patched ");
 	seq_printf(m, linux_proc_banner,
 		utsname()->sysname,
 		utsname()->release,
PEOF
"$B/uptrack-publish" genkey --key="$W/repo.key" --pubkey="$W/repo.pub" >/dev/null || fail "genkey"
pub() { "$B/uptrack-publish" add --repo="$W/repo" --key="$W/repo.key" --kernel="$ABI" "$@" ||
	fail "uptrack-publish add $*"; }
pub --source="$S" --id=vers1 --patch="$W/version.patch" \
	--title="/proc/version: ksplice-patched prefix (project test fix)"
pub --source="$S" --id=deb1154101 --to-source="$S2" --file=fs/ext4/mballoc.c --brings=6.1.192-2 \
	--title="ext4: fix NULL folio dereference in mballoc (Debian 6.1.192-2, bug 1154101)"

GUEST='
fail() { echo "FAIL (boot $phase): $*"; exit 1; }
applied() { for d in /sys/kernel/ksplice/*/stage; do [ -f "$d" ] && [ "$(cat $d)" = applied ] && basename $(dirname $d); done | sort | tr "\n" " "; }
phase=$(cat /root/phase 2>/dev/null || echo 1)
echo "=== boot $phase: init is $(cat /proc/1/comm), $(uname -r)"
case $phase in
1)
	for t in /opt/ksplice/bin/uptrack-*; do ln -sf $t /usr/sbin/; done
	mkdir -p /etc/uptrack /srv
	cp -a /root/repo /srv/repo; cp /root/repo.pub /etc/uptrack/
	printf "[Repository]\nupdate_repo_url = file:///srv/repo\nrepo_public_key = /etc/uptrack/repo.pub\n[Settings]\ninstall_on_reboot = yes\n" > /etc/uptrack/uptrack.conf
	cp /root/dist/uptrack.service /etc/systemd/system/
	systemctl daemon-reload && systemctl enable uptrack.service || fail "enable uptrack.service"
	cat /proc/version > /root/version.orig
	uptrack-upgrade -y || fail "upgrade"
	[ "$(applied)" = "deb1154101 vers1 " ] || fail "applied: $(applied)"
	grep -q "^ksplice-patched " /proc/version || fail "new code not live"
	uptrack-show
	echo 2 > /root/phase; sync
	echo "=== rebooting"
	systemctl reboot; sleep 600 ;;
2)
	systemctl is-active uptrack.service >/dev/null || { systemctl status uptrack.service; fail "uptrack.service not active"; }
	journalctl -b -u uptrack.service --no-pager -o cat | sed "s/^/  journal: /"
	u=$(systemctl show -p ExecMainExitTimestampMonotonic --value uptrack.service)
	s=$(systemctl show -p ActiveEnterTimestampMonotonic --value systemd-user-sessions.service)
	echo "uptrack.service done at ${u}us, logins allowed at ${s}us (monotonic)"
	[ "$u" -gt 0 ] && [ "$s" -gt 0 ] && [ "$u" -lt "$s" ] || fail "uptrack.service did not finish before logins were allowed"
	[ "$(applied)" = "deb1154101 vers1 " ] || fail "after reboot applied: $(applied)"
	[ "$(cat /proc/version)" = "ksplice-patched $(cat /root/version.orig)" ] || fail "patched behaviour not back"
	echo "/proc/version: $(cat /proc/version)"
	uptrack-show | tee /tmp/show
	grep -q "^\[deb1154101\]" /tmp/show && grep -q "^\[vers1\]" /tmp/show || fail "uptrack-show"
	echo "uptrack-uname -r: $(uptrack-uname -r)"
	[ "$(uptrack-uname -r)" = 6.1.0-56-amd64 ] || fail "effective version"
	echo "BOOT-REAPPLY-OK"
	sed -i "s/^install_on_reboot = yes/install_on_reboot = no/" /etc/uptrack/uptrack.conf
	echo 3 > /root/phase; sync
	echo "=== rebooting with install_on_reboot = no"
	systemctl reboot; sleep 600 ;;
3)
	journalctl -b -u uptrack.service --no-pager -o cat | sed "s/^/  journal: /"
	[ -z "$(applied)" ] || fail "applied with install_on_reboot = no: $(applied)"
	[ "$(cat /proc/version)" = "$(cat /root/version.orig)" ] || fail "/proc/version patched"
	uptrack-show | tee /tmp/show
	grep -q "^None" /tmp/show || fail "uptrack-show lists updates"
	[ "$(uptrack-uname -r)" = 6.1.0-55-amd64 ] || fail "effective version"
	grep "install_on_reboot = no" /var/log/uptrack.log || fail "not logged"
	echo ALL-OK ;;
esac
'
out=$("$VM_RUN" --kernel "$ABI" --smp 2 --timeout 500 --rootfs "$IMG" \
	--file "$W/repo:/root/repo" --file "$W/repo.pub:/root/repo.pub" \
	--file "$ROOT/dist:/root/dist" -- "$GUEST")
rc=$?
echo "$out"
[ $rc = 0 ] || fail "guest run failed (exit $rc)"
expect_contains "boot re-apply" BOOT-REAPPLY-OK "$out"
expect_contains "guest result" ALL-OK "$out"
echo PASS
