#!/bin/bash
# An object of a directory that Kbuild reaches two ways: drivers/ lists
# char/ipmi/ as well as char/, and when drivers/char/ipmi/ipmi_msghandler.o
# is the goal, Kbuild 6.1 compiles it twice, once with drivers/char's
# flags (no -DMODULE: for vmlinux) and once with its own (-DMODULE), and
# the last to finish wins.  ksplice-create must see the double compile,
# build the object again through its own directory, and so make an update
# for the module ipmi_msghandler, not for vmlinux.
# (tests/patches/ipmi-revision.patch changes the mask in revision_show.)
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
create_setup

(cd "$WORK" && "$TOOL" -v --kernel=$ABI --patch="$ROOT/tests/patches/ipmi-revision.patch" \
	--id=ipmi "$SRC") > "$WORK/out" 2>&1
rc=$?
grep -v '^  DIFF ' "$WORK/out"
[ $rc = 0 ] || fail "exit $rc, expected 0"
grep -q '^  CC      drivers/char/ipmi/ (again: Kbuild compiled an object of it twice)' "$WORK/out" ||
	fail "the double compile of ipmi_msghandler.o was not seen (has Kbuild changed?)"
grep -qx 'ipmi_msghandler: changed revision_show' "$WORK/out" ||
	fail "revision_show is not replaced in the module ipmi_msghandler"
mkdir "$WORK/x" && tar -xzf "$WORK/ksplice-ipmi.tar.gz" -C "$WORK/x" || fail "unpack"
grep -qx 'target ipmi_msghandler' "$WORK/x/ksplice-ipmi/manifest" || fail "the target is not ipmi_msghandler"
! grep -qx 'target vmlinux' "$WORK/x/ksplice-ipmi/manifest" || fail "a part for vmlinux"
echo "PASS: ipmi_msghandler.o compiled twice by Kbuild, built again alone, update for the module"
