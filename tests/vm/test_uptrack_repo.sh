# Issue 6: Uptrack end to end in the guest.  The host publishes a signed
# repository with two real updates for 6.1.0-55-amd64 (the project's
# /proc/version test fix, then Debian 6.1.192-2's ext4 fix, which brings
# 6.1.0-56-amd64), built by uptrack-publish through ksplice-create.  The
# guest serves it with busybox httpd on its own loopback and:
#  1. from a copy of the repository with a third, broken update (the ext4
#     change built from the wrong source, so it cannot match the running
#     code), uptrack-upgrade -y applies the two good ones, fails on the
#     third (no_match) and rolls both back: exit 11, /proc/version
#     unchanged, nothing applied in /sys/kernel/ksplice;
#  2. a tampered index (exit 8), a tampered package (9), a truncated
#     package (10) and an index for another kernel (7) are refused with
#     nothing applied;
#  3. uptrack-upgrade -y applies both, the new code
#     is live (/proc/version), uptrack-show lists both, uptrack-uname -r
#     prints 6.1.0-56-amd64;
#  4. uptrack-remove --all restores the original behaviour and version;
#  5. the broken copy served again is refused as a rollback (exit 8): its
#     serial is below the good index's, which the client has seen.
. "$(dirname "$0")/../lib/lib.sh"
S=$KSPLICE_CACHE/kernels/6.1.192-1/src
S2=$KSPLICE_CACHE/kernels/6.1.192-2/src
B=$ROOT/build/bin
for f in "$B/uptrack-publish" "$B/ksplice-create" "$ROOT/build/kmod/$ABI/ksplice.ko" "$S/fs/proc/version.c" "$S2/fs/ext4/mballoc.c"; do
	[ -e "$f" ] || skip "missing $f"
done
busybox --list | grep -qx httpd || skip "busybox without httpd"
W=$(mktemp -d "${TMPDIR:-/tmp}/uptrack-vm.XXXXXX"); trap 'rm -rf "$W"' EXIT
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
"$B/uptrack-publish" genkey --key="$W/repo.key" --pubkey="$W/repo.pub" || fail "genkey"
pub() { "$B/uptrack-publish" add --repo="$W/repo" --key="$W/repo.key" --source="$S" \
	--kernel="$ABI" "$@" || fail "uptrack-publish add $*"; }
pub --id=vers1 --patch="$W/version.patch" --base-version=6.1.192-1 \
	--title="/proc/version: ksplice-patched prefix (project test fix)"
pub --id=deb1154101 --to-source="$S2" --file=fs/ext4/mballoc.c --brings=6.1.192-2 \
	--title="ext4: fix NULL folio dereference in mballoc (Debian 6.1.192-2, bug 1154101)"
"$B/uptrack-publish" list --repo="$W/repo"
# The broken copy, then the good repository signed again.  Clients refuse
# an index older than one they have seen, and the guest is served the
# broken copy first, then the good one: the good one's serial is set
# explicitly above the broken one's, so the order never depends on the
# clock (both copies start from the same serial; issue 21).
K=$(ls "$W/repo/$ABI")
serial_of() { sed -n 's/^serial //p' "$1/$ABI/$K/index"; }
cp -a "$W/repo" "$W/broken"
"$B/uptrack-publish" add --repo="$W/broken" --key="$W/repo.key" --source="$S2" --to-source="$S" \
	--file=fs/ext4/mballoc.c --kernel="$ABI" --id=wrongsrc \
	--title="ext4 change built from the wrong source (cannot match)" || fail "publish the broken update"
BROKEN_SERIAL=$(serial_of "$W/broken")
# A serial at or below the index's own is refused, and nothing is written.
before_index=$(cat "$W/repo/$ABI/$K/index")
out=$("$B/uptrack-publish" add --repo="$W/repo" --key="$W/repo.key" --serial="$(serial_of "$W/repo")" \
	"$W/broken/$ABI/$K/updates/ksplice-deb1154101.tar.gz" 2>&1) && fail "a serial not above the index's was accepted"
expect_contains "serial refusal" "is not above the index's serial" "$out"
expect_eq "index after a refused serial" "$before_index" "$(cat "$W/repo/$ABI/$K/index")"
"$B/uptrack-publish" add --repo="$W/repo" --key="$W/repo.key" --brings=6.1.192-2 \
	--serial=$((BROKEN_SERIAL + 1)) \
	--title="ext4: fix NULL folio dereference in mballoc (Debian 6.1.192-2, bug 1154101)" \
	"$W/broken/$ABI/$K/updates/ksplice-deb1154101.tar.gz" || fail "re-sign the good repository"
expect_eq "good serial" $((BROKEN_SERIAL + 1)) "$(serial_of "$W/repo")"
# An index for another kernel, signed with the right key: the same
# packages re-published under another build identity.
mkdir -p "$W/other"
sed 's/^kernel-version .*/kernel-version #1 SMP PREEMPT_DYNAMIC Debian 6.1.190-1 (2026-10-01)/' \
	"$W/repo/$ABI/$K/index" > "$W/other/index"
cat > "$W/sign.c" <<'CEOF'
#include <stdio.h>
#include <string.h>
#include "uptrack/repo_sign.h"
#include "util/fs.h"
int main(int argc, char **argv)
{
	size_t n; char sig[160], err[256], *t = ks_read_file(argv[2], &n);
	if (argc != 3 || !t || repo_sign(argv[1], t, n, sig, sizeof(sig), err, sizeof(err)))
		return 1;
	fputs(sig, stdout);
	return 0;
}
CEOF
gcc -std=c11 -D_GNU_SOURCE -I"$ROOT/src/lib" -o "$W/sign" "$W/sign.c" "$ROOT/build/libksplice.a" -lcrypto ||
	fail "cannot build the signing helper"
"$W/sign" "$W/repo.key" "$W/other/index" > "$W/other/index.sig" || fail "sign other index"

GUEST='
BROKEN_SERIAL='$BROKEN_SERIAL' GOOD_SERIAL='$((BROKEN_SERIAL + 1))'
fail() { echo "FAIL: $*"; exit 1; }
applied() { for d in /sys/kernel/ksplice/*/stage; do [ -f "$d" ] && [ "$(cat $d)" = applied ] && basename $(dirname $d); done | sort | tr "\n" " "; }
nothing_applied() {
	[ -z "$(applied)" ] || fail "$1: applied: $(applied)"
	[ "$(cat /proc/version)" = "$before" ] || fail "$1: /proc/version changed"
	[ "$(uptrack-uname -r)" = "6.1.0-55-amd64" ] || fail "$1: uname -r"
	if grep -q "^installed" /var/lib/uptrack/installed 2>/dev/null; then fail "$1: state claims updates"; fi
}
serve() { # NAME: serve /srv/NAME on 127.0.0.1:8080
	# The old server is gone and the new one answers with the index of
	# this copy before the client runs: conditions, not durations.
	if [ -n "${HP:-}" ]; then kill $HP 2>/dev/null; wait $HP 2>/dev/null; fi
	busybox httpd -f -p 127.0.0.1:8080 -h /srv/$1 & HP=$!
	idx=/6.1.0-55-amd64/$(ls /srv/$1/6.1.0-55-amd64 2>/dev/null | head -1)/index
	i=0
	until busybox wget -q -O /tmp/served http://127.0.0.1:8080$idx 2>/dev/null &&
		cmp -s /tmp/served /srv/$1$idx; do
		i=$((i + 1)); [ $i -lt 1200 ] || fail "httpd does not serve /srv/$1"
		sleep 0.05
	done
}
variant() { # NAME: a copy of the good repository to damage
	rm -rf /srv/$1; cp -a /srv/good /srv/$1; K=$(ls /srv/$1/6.1.0-55-amd64); D=/srv/$1/6.1.0-55-amd64/$K
}
refused() { # WHAT CODE
	out=$(uptrack-upgrade -y 2>&1); rc=$?
	echo "$out" | sed "s/^/    /"
	[ $rc = $2 ] || fail "$1: exit $rc, expected $2"
	echo "REFUSED $1: exit $rc: $(echo "$out" | grep "^uptrack-upgrade:" | head -1)"
	nothing_applied "$1"
}
before=$(cat /proc/version)
mkdir -p /etc/uptrack /srv /var/log
cp /root/repo.pub /etc/uptrack/repo.pub
printf "[Repository]\nupdate_repo_url = http://127.0.0.1:8080\nrepo_public_key = /etc/uptrack/repo.pub\n[Settings]\nautoinstall = yes\n" > /etc/uptrack/uptrack.conf
mv /root/repo /srv/good
mv /root/broken /srv/broken
# The broken copy is the first index this client sees; the good one is
# signed with a higher serial, so every later step is newer.
serve broken
echo "== uptrack-show --available"
uptrack-show --available -v || fail "show --available"

echo "== 1. a broken third update: the two applied in this run are rolled back"
out=$(uptrack-upgrade -y 2>&1); rc=$?
echo "$out" | tail -12 | sed "s/^/    /"
[ $rc = 11 ] || fail "expected exit 11 (apply failed), got $rc"
echo "$out" | grep -q "rolling back" || fail "no rollback message"
grep -q "installed deb1154101" /var/log/uptrack.log || fail "deb1154101 was not applied first"
grep -q "removed deb1154101" /var/log/uptrack.log || fail "deb1154101 not rolled back"
grep -q "removed vers1" /var/log/uptrack.log || fail "vers1 not rolled back"
nothing_applied "rollback"
echo "ROLLBACK-OK"

echo "== 2. refusals"
variant badindex; sed -i "s/^title ext4: fix/title ext4: FIX/" $D/index; serve badindex
refused "tampered index" 8
variant nosig; rm $D/index.sig; serve nosig
refused "missing signature" 8
variant badpkg; printf X | dd of=$D/updates/ksplice-vers1.tar.gz bs=1 seek=5000 conv=notrunc 2>/dev/null; serve badpkg
rm -rf /var/lib/uptrack/updates
refused "tampered package" 9
variant shortpkg; head -c 50000 /srv/good/6.1.0-55-amd64/$K/updates/ksplice-deb1154101.tar.gz > $D/updates/ksplice-deb1154101.tar.gz; serve shortpkg
rm -rf /var/lib/uptrack/updates
refused "truncated package" 10
variant otherkernel; cp /root/other/index /root/other/index.sig $D/; serve otherkernel
refused "index for another kernel" 7
sed -i "s|^update_repo_url.*|update_repo_url = http://127.0.0.1:8099|" /etc/uptrack/uptrack.conf
refused "unreachable repository" 5
sed -i "s|^update_repo_url.*|update_repo_url = http://127.0.0.1:8080|" /etc/uptrack/uptrack.conf

echo "== 3. uptrack-upgrade -y applies both"
serve good
uptrack-upgrade -y || fail "upgrade"
[ "$(applied)" = "deb1154101 vers1 " ] || fail "applied: $(applied)"
after=$(cat /proc/version); echo "/proc/version: $after"
[ "$after" = "ksplice-patched $before" ] || fail "new code not live"
echo "== uptrack-show"; uptrack-show | tee /tmp/show
grep -q "^\[vers1\] /proc/version" /tmp/show || fail "show vers1"
grep -q "^\[deb1154101\] ext4: fix NULL folio" /tmp/show || fail "show ext4"
echo "== uptrack-uname -r"; uptrack-uname -r
[ "$(uptrack-uname -r)" = "6.1.0-56-amd64" ] || fail "effective release"
echo "== uptrack-uname -a"; uptrack-uname -a
echo "== uname -a"; uname -a
uptrack-uname -a | head -1 | grep -q " 6.1.0-56-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 " || fail "uname -a effective"
uptrack-uname -a | tail -1 | grep -q " 6.1.0-55-amd64 .*(real)$" || fail "uname -a real"
out=$(uptrack-upgrade -y) || fail "second upgrade"
echo "$out" | grep -q "fully up to date" || fail "not up to date"

echo "== 4. uptrack-remove --all"
uptrack-remove --all || fail "remove --all"
nothing_applied "after remove --all"
uptrack-show | grep -q "^None" || fail "show after remove"

echo "== 5. the broken copy again: older than the good index seen since"
serve broken
refused "an older index (rollback)" 8
echo "$out" | grep -q "is older (serial $BROKEN_SERIAL) than one already seen (serial $GOOD_SERIAL): refusing a rollback" ||
	fail "rollback refusal does not name both serials"
echo "== log"; cat /var/log/uptrack.log
echo ALL-OK
'
out=$("$VM_RUN" --kernel "$ABI" --smp 2 --timeout 500 \
	--file "$W/repo:/root/repo" --file "$W/repo.pub:/root/repo.pub" \
	--file "$W/other:/root/other" --file "$W/broken:/root/broken" -- "$GUEST")
rc=$?
echo "$out"
[ $rc = 0 ] || fail "guest run failed (exit $rc)"
expect_contains "guest result" ALL-OK "$out"
echo PASS
