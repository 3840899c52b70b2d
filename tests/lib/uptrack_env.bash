# Shared by tests/unit/uptrack_*.sh (sourced; not a test itself): a
# repository of hand-made update packages for a pretend kernel, a client
# configuration, and fake ksplice-apply/ksplice-remove that keep a fake
# /sys/kernel/ksplice, so the client's logic runs on the host without
# touching any kernel.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
B=$ROOT/build/bin
for t in uptrack-publish uptrack-upgrade uptrack-show uptrack-remove uptrack-install uptrack-uname; do
	[ -x "$B/$t" ] || skip "$t not built"
done
W=$(mktemp -d "${TMPDIR:-/tmp}/uptrack-test.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/keys" "$W/sys" "$W/fakebin"
export UPTRACK_CONFIG=$W/uptrack.conf UPTRACK_STATE_DIR=$W/state
export UPTRACK_LOG=$W/uptrack.log KSPLICE_SYSFS=$W/sys
export UPTRACK_KERNEL_RELEASE=9.9.9-test UPTRACK_KERNEL_VERSION='#1 SMP test (2026-01-01)'
export UPTRACK_KSPLICE_APPLY=$W/fakebin/ksplice-apply
export UPTRACK_KSPLICE_REMOVE=$W/fakebin/ksplice-remove
echo 11111111-2222-3333-4444-555555555555 > "$W/boot_id"
export UPTRACK_BOOT_ID_FILE=$W/boot_id

# mkpkg ID DESCRIPTION [RELEASE [VERSION]]: a minimal valid package.
mkpkg() {
	local d=$W/pk/ksplice-$1
	rm -rf "$W/pk"; mkdir -p "$d"
	printf 'ksplice-update-manifest 1\nid %s\ndescription %s\nkernel-release %s\nkernel-version %s\ncompiler gcc\nend\n' \
		"$1" "$2" "${3:-$UPTRACK_KERNEL_RELEASE}" "${4:-$UPTRACK_KERNEL_VERSION}" > "$d/manifest"
	echo "patch of $1 $(head -c 2000 /dev/urandom | base64 -w0)" > "$d/patch"
	(cd "$d" && sha256sum manifest patch > SHA256SUMS)
	tar czf "$W/$1.tar.gz" -C "$W/pk" "ksplice-$1"
}

# The fake ksplice tools: apply marks the update applied in the fake
# sysfs (FAKE_FAIL=ID makes that one fail, FAKE_SLEEP=N waits after).
cat > "$W/fakebin/ksplice-apply" <<'FEOF'
#!/bin/sh
id=$(tar xzOf "$1" --wildcards '*/manifest' | sed -n 's/^id //p')
echo "$id" >> "$KSPLICE_SYSFS/.apply-calls"
if [ "${FAKE_FAIL:-}" = "$id" ]; then echo "fake: no_match for $id" >&2; exit 11; fi
mkdir -p "$KSPLICE_SYSFS/$id" && echo applied > "$KSPLICE_SYSFS/$id/stage"
echo "Done!"
[ -n "${FAKE_SLEEP:-}" ] && sleep "$FAKE_SLEEP"
exit 0
FEOF
cat > "$W/fakebin/ksplice-remove" <<'FEOF'
#!/bin/sh
[ "$(cat "$KSPLICE_SYSFS/$1/stage" 2>/dev/null)" = applied ] || exit 19
rm -rf "$KSPLICE_SYSFS/$1"; echo Done!
FEOF
chmod +x "$W"/fakebin/*

"$B/uptrack-publish" genkey --key="$W/keys/priv.pem" --pubkey="$W/keys/pub.pem" >/dev/null ||
	fail "genkey"
REPO=$W/repo
KDIR=$REPO/9.9.9-test/$(printf '%s' "$UPTRACK_KERNEL_VERSION" | sha256sum | cut -c1-16)
publish() { "$B/uptrack-publish" add --repo="$REPO" --key="$W/keys/priv.pem" "$@" >/dev/null ||
	fail "uptrack-publish add $*"; }
mkpkg upd1 "first fix"; publish --brings=6.1.192-2 --brings-release=6.1.0-56-amd64 \
	--brings-build="#1 SMP Debian 6.1.192-2" "$W/upd1.tar.gz"
mkpkg upd2 "second fix"; publish --requires=upd1 --cve=CVE-2026-0001 "$W/upd2.tar.gz"
[ -f "$KDIR/index" ] && [ -f "$KDIR/index.sig" ] || fail "no index at $KDIR"

write_conf() { # extra lines
	{ echo "[Repository]"; echo "update_repo_url = file://$REPO"
	  echo "repo_public_key = $W/keys/pub.pem"; echo "[Settings]"; printf '%s\n' "$@"; } > "$UPTRACK_CONFIG"
}
write_conf "autoinstall = yes"

applied() { (cd "$KSPLICE_SYSFS" && ls | tr '\n' ' '); }
nothing_applied() { # WHAT
	[ -z "$(applied)" ] || fail "$1: updates applied: $(applied)"
	[ ! -s "$KSPLICE_SYSFS/.apply-calls" ] || fail "$1: ksplice-apply was run: $(cat "$KSPLICE_SYSFS/.apply-calls")"
	if [ -f "$UPTRACK_STATE_DIR/installed" ] && grep -q '^installed' "$UPTRACK_STATE_DIR/installed"; then
		fail "$1: the state claims installed updates"
	fi
}
reset_kernel() { rm -rf "$KSPLICE_SYSFS"/* "$KSPLICE_SYSFS/.apply-calls" "$UPTRACK_STATE_DIR"; }
# expect_rc WHAT CODE CMD...: run, keep stderr in $ERR, check the code.
expect_rc() {
	local what=$1 code=$2 rc; shift 2
	ERR=$("$@" 2>&1 >/dev/null); rc=$?
	[ "$rc" = "$code" ] || fail "$what: exit $rc, expected $code; stderr: $ERR"
	echo "ok: $what (exit $rc): ${ERR:-(no message)}"
}
