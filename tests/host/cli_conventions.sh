# The conventions every command keeps (issue 19): --version prints
# "NAME VERSION" (the VERSION file) and exits 0, --help names it; the
# uptrack commands that change the kernel take -y/--yes, as
# uptrack-upgrade does, so that scripts written for one work with all.
. "$(dirname "$0")/../lib/lib.sh"
V=$(cat "$ROOT/VERSION")
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
n=0
for b in "$ROOT"/build/bin/* "$ROOT"/build/gui/uptrack-manager; do
	[ -x "$b" ] || continue
	name=$(basename "$b")
	out=$("$b" --version 2>&1) || fail "$name --version exits $?: $out"
	expect_eq "$name --version" "$name $V" "$out"
	expect_contains "$name --help names --version" "--version" "$("$b" --help 2>&1)"
	n=$((n + 1))
done
[ $n -ge 11 ] || fail "only $n commands found"
for t in uptrack-install uptrack-remove uptrack-upgrade; do
	help=$("$ROOT/build/bin/$t" --help)
	expect_contains "$t --help names -y" "-y, --yes" "$help"
	# -y is an option, not a usage error (2): no configuration here, so
	# the command stops later, at the configuration (3) or the lock.
	# (install and remove want an id: any will do)
	if [ $t = uptrack-upgrade ]; then set -- -y; else set -- -y some-update; fi
	UPTRACK_CONFIG=/nonexistent UPTRACK_STATE_DIR=$T/state "$ROOT/build/bin/$t" "$@" > /dev/null 2>&1
	rc=$?
	[ $rc != 2 ] || fail "$t -y is a usage error"
done
echo "PASS: $n commands"
