# Every user-facing command has --help (exit 0), a man page under docs/,
# and the man page names every long option the --help text names.
. "$(dirname "$0")/../lib/lib.sh"
n=0
for b in "$ROOT"/build/bin/*; do
	[ -x "$b" ] || continue
	name=$(basename "$b")
	help=$("$b" --help 2>&1) || fail "$name --help exits non-zero"
	[ -n "$help" ] || fail "$name --help prints nothing"
	# Section 8 for the commands installed in sbin, 1 for the others.
	sect=1
	grep -q "^SBIN_TOOLS=.*[\" ]$name[\" ]" "$ROOT/scripts/install" && sect=8
	page=$ROOT/docs/$name.$sect.md
	[ -f "$page" ] || fail "$name has no man page ($page)"
	# An alias page defers to the page it names.
	alias=$(sed -n 's/^[a-z-]* - alias of \([a-z-]*\)([18])$/\1/p' "$page")
	[ -n "$alias" ] && page=$(ls "$ROOT"/docs/$alias.[18].md)
	for opt in $(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u); do
		grep -q -- "$opt" "$page" || fail "$name: $opt is in --help but not in $page"
	done
	n=$((n + 1))
done
[ $n -gt 0 ] || fail "no tools built"
# ksplice-create's exit statuses: each one --help names has its row in the
# man page's EXIT STATUS table (8, a function that cannot take the jump,
# came with issue 23).
create=$ROOT/build/bin/ksplice-create
if [ -x "$create" ]; then
	codes=$("$create" --help | sed -n '/^Exit:/,$p' | grep -o '\b[0-9]\+ [a-z]' | cut -d' ' -f1 | sort -un)
	[ -n "$codes" ] || fail "ksplice-create --help lists no exit statuses"
	for c in $codes; do
		grep -q "^| $c | " "$ROOT/docs/ksplice-create.1.md" ||
			fail "ksplice-create: exit status $c is in --help but not in its man page"
	done
	echo "ksplice-create: exit statuses $(echo $codes) documented"
fi
# The man pages stand alone once installed: every page they name is one
# of the project's (docs/NAME.SECTION.md) or a system page listed here,
# and every document they name is an installed path
# (/usr/share/doc/PACKAGE/, which tests/host/deb_packages.sh checks the
# package ships), never a docs/ path of the source tree.
SYSTEM_PAGES=" uname(1) "
for page in "$ROOT"/docs/*.[158].md; do
	for ref in $(grep -ohE '\b[a-z][a-z.-]*\*{0,2}\([1-8]\)' "$page" | tr -d '*' | sort -u); do
		rn=${ref%(*} rs=${ref#*(}; rs=${rs%)}
		[ -f "$ROOT/docs/$rn.$rs.md" ] || [[ "$SYSTEM_PAGES" == *" $ref "* ]] ||
			fail "$(basename "$page") names $ref, which is no page of the project or the system"
	done
	grep -n '\bdocs/' "$page" && fail "$(basename "$page") names a docs/ path, which is not installed"
done
echo "$n commands: --help and man pages agree"
