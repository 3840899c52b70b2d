# make install puts every piece where the tools look for it: the tools,
# man pages, the new-code stub and ABI header for ksplice-create, the core
# module and its symbols per kernel, the DKMS-style module source.
. "$(dirname "$0")/../lib/lib.sh"
D=$(mktemp -d); trap 'rm -rf "$D"' EXIT
make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/usr > "$D.log" 2>&1 || { cat "$D.log"; rm -f "$D.log"; fail "make install"; }
rm -f "$D.log"
V=$(cat "$ROOT/VERSION")
for f in usr/bin/ksplice-create usr/sbin/ksplice-apply usr/sbin/ksplice-remove usr/sbin/ksplice-view \
	usr/sbin/ksplice-undo usr/share/man/man8/ksplice-apply.8 usr/share/ksplice/stub/ksplice_stub.c \
	usr/share/ksplice/stub/ksplice_abi.h "usr/share/ksplice/kmod/$ABI/ksplice.symvers" \
	"lib/modules/$ABI/extra/ksplice.ko" "usr/src/ksplice-$V/dkms.conf" "usr/src/ksplice-$V/Kbuild" \
	"usr/src/ksplice-$V/include/ksplice/abi.h"; do
	[ -e "$D/$f" ] || fail "make install did not install $f"
done
# Uptrack as a system service: the client where the units run it, the
# units, the cron file, the configuration and the key directory.
for f in usr/sbin/uptrack-upgrade usr/sbin/uptrack-install usr/sbin/uptrack-remove \
	usr/bin/uptrack-show usr/bin/uptrack-uname usr/bin/uptrack-publish \
	lib/systemd/system/uptrack.service lib/systemd/system/uptrack-upgrade.service \
	lib/systemd/system/uptrack.timer etc/cron.d/uptrack etc/uptrack/uptrack.conf \
	usr/share/man/man8/uptrack-upgrade.8 usr/share/man/man5/uptrack.conf.5; do
	[ -e "$D/$f" ] || fail "make install did not install $f"
done
[ -d "$D/etc/uptrack/keys.d" ] || fail "make install did not create etc/uptrack/keys.d"
if [ -x "$ROOT/build/gui/uptrack-manager" ]; then
	[ -x "$D/usr/bin/uptrack-manager" ] || fail "make install did not install uptrack-manager"
fi
# Every command a unit or the cron file runs is installed, and the units
# verify against the installed tree (systemd-analyze needs the targets
# they name: the host's).
for f in "$D"/lib/systemd/system/uptrack* "$D/etc/cron.d/uptrack"; do
	for cmd in $(grep -o '/usr/[a-z/]*bin/[a-z-]*' "$f"); do
		[ -x "$D$cmd" ] || fail "$(basename "$f") runs $cmd, which make install did not install"
	done
done
cp -n /lib/systemd/system/*.target "$D/lib/systemd/system/"
systemd-analyze verify --man=no --root="$D" uptrack.service uptrack-upgrade.service uptrack.timer ||
	fail "systemd-analyze verify of the installed units"
# A configuration already there is kept: make install never overwrites it.
echo "# edited by the administrator" >> "$D/etc/uptrack/uptrack.conf"
make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/usr > /dev/null 2>&1 || fail "second make install"
grep -q "edited by the administrator" "$D/etc/uptrack/uptrack.conf" ||
	fail "make install overwrote etc/uptrack/uptrack.conf"
# With another prefix, the units run the tools where they are.
make -s -C "$ROOT" install DESTDIR="$D/local" PREFIX=/usr/local > /dev/null 2>&1 || fail "make install PREFIX=/usr/local"
grep -q '^ExecStart=/usr/local/sbin/uptrack-upgrade --init$' "$D/local/lib/systemd/system/uptrack.service" ||
	fail "PREFIX=/usr/local: uptrack.service does not run /usr/local/sbin/uptrack-upgrade"
# make uninstall takes out what make install put in, and keeps the
# administrator's configuration.
make -s -C "$ROOT" uninstall DESTDIR="$D" PREFIX=/usr > /dev/null 2>&1 || fail "make uninstall"
left=$(cd "$D" && find . ! -type d ! -path './local/*' ! -path './lib/systemd/system/*.target' ! -path './etc/uptrack/uptrack.conf' | sort)
[ -z "$left" ] || fail "make uninstall left: $left"
[ -f "$D/etc/uptrack/uptrack.conf" ] || fail "make uninstall removed the configuration"
make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/usr > /dev/null 2>&1 || fail "make install after uninstall"

# The installed ksplice-create finds its stub without the source tree.
"$D/usr/bin/ksplice-create" --help > /dev/null || fail "installed ksplice-create --help"
echo "install layout complete"
