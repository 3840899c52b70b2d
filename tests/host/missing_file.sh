# A missing update file is reported as missing (issue 19), not as a
# damaged update: ksplice-apply and ksplice-view --file name the file and
# the system's reason, exit 2 (as for a usage error), and --json gives the
# cause no_such_file.  Nothing is loaded: the file is looked at before
# anything else (and this host has no module support anyway).
. "$(dirname "$0")/../lib/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root: as another user the tools stop at not_root first"
B=$ROOT/build/bin
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
M=$T/no-such-update.tar.gz
for cmd in "ksplice-apply $M" "ksplice-view --file=$M"; do
	set -- $cmd
	out=$("$B/$1" "${@:2}" 2>&1); rc=$?
	expect_eq "$1: exit status" 2 "$rc"
	expect_contains "$1: names the file and the reason" "$M: No such file or directory" "$out"
	case $out in *damaged*) fail "$1 calls a missing file damaged: $out" ;; esac
	out=$("$B/$1" --json "${@:2}" 2>/dev/null); rc=$?
	expect_eq "$1 --json: exit status" 2 "$rc"
	expect_contains "$1 --json: cause" '"cause": "no_such_file"' "$out"
	expect_contains "$1 --json: exit_status" '"exit_status": 2' "$out"
done
# A file that exists but is not an update is still invalid_update (20).
echo "not a tarball" > "$T/junk.tar.gz"
"$B/ksplice-view" --file="$T/junk.tar.gz" > /dev/null 2>&1; rc=$?
expect_eq "ksplice-view --file=junk: exit status" 20 "$rc"
echo "PASS"
