# make deb (issue 19): the five Debian packages are built, out of the
# source tree, each holds what it is for (the administrator's commands in
# /usr/sbin with their pages in section 8, the DKMS source with its
# dkms.conf, the units enabled by the maintainer scripts, the
# configuration as a conffile), the documents the man pages name are
# installed by the package of the page, and lintian at the pedantic level
# (informational tags too) reports nothing that is not overridden with a
# reason.  The build runs on a copy of the tree in a private directory
# (BUILD=, so the checkout's build/ is not touched).  About 3 minutes (169 s) on
# a shared 2-core machine; 12 when the machine was busiest.
. "$(dirname "$0")/../lib/lib.sh"
for c in dpkg-buildpackage dh dh_dkms lintian; do
	command -v $c > /dev/null || skip "$c is not installed (scripts/install-deps)"
done
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
V=$(cat "$ROOT/VERSION")
make -s -C "$ROOT" deb BUILD="$T" > "$T/make.log" 2>&1 || { cat "$T/make.log"; fail "make deb"; }
D=$T/deb
contents() { dpkg-deb -c "$1" | awk '{ print $6 }'; }
# has PKG PATH...: every PATH (as dpkg-deb -c prints it) is in PKG.
has() {
	local p=$1 f list
	shift
	list=$(contents "$D/$p")
	for f; do
		grep -qxF -- "$f" <<<"$list" || fail "$p does not hold $f"
	done
}
declare -A DEB=([ksplice]=amd64 [ksplice-dkms]=all [uptrack]=amd64 [uptrack-manager]=amd64 [ksplice-create]=amd64)
for p in "${!DEB[@]}"; do
	[ -f "$D/${p}_${V}_${DEB[$p]}.deb" ] || fail "make deb did not build ${p}_${V}_${DEB[$p]}.deb"
done
has ksplice_${V}_amd64.deb ./usr/sbin/ksplice-apply ./usr/sbin/ksplice-remove ./usr/sbin/ksplice-undo \
	./usr/sbin/ksplice-view ./usr/share/man/man8/ksplice-apply.8.gz ./usr/share/man/man8/ksplice-remove.8.gz \
	./usr/share/man/man8/ksplice-undo.8.gz ./usr/share/man/man8/ksplice-view.8.gz
has ksplice-dkms_${V}_all.deb "./usr/src/ksplice-$V/dkms.conf" "./usr/src/ksplice-$V/Kbuild" \
	"./usr/src/ksplice-$V/ksplice_main.c" "./usr/src/ksplice-$V/include/ksplice/abi.h"
has uptrack_${V}_amd64.deb ./usr/sbin/uptrack-upgrade ./usr/sbin/uptrack-install ./usr/sbin/uptrack-remove \
	./usr/bin/uptrack-show ./usr/bin/uptrack-uname ./lib/systemd/system/uptrack.service \
	./lib/systemd/system/uptrack-upgrade.service ./lib/systemd/system/uptrack.timer \
	./etc/uptrack/uptrack.conf ./etc/uptrack/keys.d/ ./etc/logrotate.d/uptrack ./etc/cron.d/uptrack \
	./usr/share/man/man8/uptrack-upgrade.8.gz ./usr/share/man/man5/uptrack.conf.5.gz
has uptrack-manager_${V}_amd64.deb ./usr/bin/uptrack-manager ./usr/share/applications/uptrack-manager.desktop \
	./usr/share/icons/hicolor/scalable/apps/uptrack-manager.svg \
	./usr/share/polkit-1/actions/org.ksplice.uptrack.policy ./usr/share/man/man1/uptrack-manager.1.gz
has ksplice-create_${V}_amd64.deb ./usr/bin/ksplice-create ./usr/bin/uptrack-publish \
	./usr/share/ksplice/stub/ksplice_stub.c ./usr/share/ksplice/stub/ksplice_abi.h \
	./usr/share/man/man1/ksplice-create.1.gz ./usr/share/man/man1/uptrack-publish.1.gz
# No command of /usr/sbin has its page in section 1.
for p in "$D"/*.deb; do
	for s in $(contents "$p" | sed -n 's|^\./usr/sbin/||p'); do
		contents "$p" | grep -qx "\./usr/share/man/man1/$s\.1\.gz" && fail "$s is in /usr/sbin, its page in section 1"
	done
done
# The configuration is a conffile; the units are enabled (and the timer
# started) by the maintainer scripts debhelper wrote; DKMS builds the
# module at installation.
dpkg-deb -I "$D/uptrack_${V}_amd64.deb" conffiles | grep -qx /etc/uptrack/uptrack.conf ||
	fail "/etc/uptrack/uptrack.conf is not a conffile of uptrack"
post=$(dpkg-deb -I "$D/uptrack_${V}_amd64.deb" postinst)
for u in uptrack.service uptrack.timer; do
	grep -q "deb-systemd-helper .*enable '$u'" <<<"$post" || fail "uptrack's postinst does not enable $u"
done
grep -qF "deb-systemd-invoke \$_dh_action 'uptrack.timer'" <<<"$post" || fail "uptrack's postinst does not start uptrack.timer"
# (uptrack.service is not started at installation: nothing to re-apply)
grep -q "deb-systemd-invoke .*'uptrack.service'" <<<"$post" && fail "uptrack's postinst starts uptrack.service"
dpkg-deb -I "$D/ksplice-dkms_${V}_all.deb" postinst | grep -q 'dkms' ||
	fail "ksplice-dkms's postinst does not call DKMS"
dpkg-deb -f "$D/ksplice-dkms_${V}_all.deb" Depends | grep -q dkms || fail "ksplice-dkms does not depend on dkms"
# Every document a man page names is shipped by that page's package.
all=$(for p in "$D"/*.deb; do contents "$p"; done)
for ref in $(grep -ohE '/usr/share/doc/[a-z-]+/[a-z.-]+\.md' "$ROOT"/docs/*.[158].md | sort -u); do
	grep -qxF ".$ref" <<<"$all" || fail "a man page names $ref, which no package installs"
done
# lintian, pedantic and informational: nothing but overridden tags, and
# every override has its reason in a comment just above it.
# (make deb ran it, and failed on any tag; its report is read again here)
[ -f "$D/lintian.txt" ] || fail "make deb left no lintian report"
left=$(grep -v '^N: \|^O: \|running with root privileges' "$D/lintian.txt" || true)
[ -z "$left" ] || fail "lintian: $left"
for o in "$ROOT"/debian/*lintian-overrides "$ROOT"/debian/source/lintian-overrides; do
	[ -f "$o" ] || continue
	awk -v f="$o" '/^#/ { c = 1; next } /^$/ { c = 0; next } !c { print f ": override without a reason: " $0; bad = 1 } END { exit bad }' "$o" ||
		fail "an override has no comment"
done
echo "5 packages, their files, conffile, units, DKMS, docs; lintian: $(grep -c '^O: ' "$D/lintian.txt") overridden tags, nothing else"
