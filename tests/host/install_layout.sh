# make install puts every piece where the tools look for it: the tools,
# man pages, the new-code stub and ABI header for ksplice-create, the core
# module and its symbols per kernel, the DKMS-style module source.
. "$(dirname "$0")/../lib/lib.sh"
D=$(mktemp -d); trap 'rm -rf "$D"' EXIT
make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/usr > "$D.log" 2>&1 || { cat "$D.log"; rm -f "$D.log"; fail "make install"; }
rm -f "$D.log"
V=$(cat "$ROOT/VERSION")
for f in usr/bin/ksplice-create usr/bin/ksplice-apply usr/bin/ksplice-remove usr/bin/ksplice-view \
	usr/bin/ksplice-undo usr/share/man/man1/ksplice-apply.1 usr/share/ksplice/stub/ksplice_stub.c \
	usr/share/ksplice/stub/ksplice_abi.h "usr/share/ksplice/kmod/$ABI/ksplice.symvers" \
	"lib/modules/$ABI/extra/ksplice.ko" "usr/src/ksplice-$V/dkms.conf" "usr/src/ksplice-$V/Kbuild" \
	"usr/src/ksplice-$V/include/ksplice/abi.h"; do
	[ -e "$D/$f" ] || fail "make install did not install $f"
done
# The installed ksplice-create finds its stub without the source tree.
"$D/usr/bin/ksplice-create" --help > /dev/null || fail "installed ksplice-create --help"
echo "install layout complete"
